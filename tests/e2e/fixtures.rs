//! The sample events in `infra/` (the `cargo lambda invoke` and `sam local
//! invoke` inputs) are what the functions really accept.

use aws_lambda_events::event::dynamodb::Event;
use iln_adapters::dynamodb::OutboxMessage;
use iln_tests::TestApp;

fn request(file: &str) -> lambda_http::Request {
    lambda_http::request::from_str(file).expect("an API Gateway HTTP API event")
}

#[tokio::test]
async fn the_sample_form_event_shows_the_spanish_form() {
    let app = TestApp::spawn().await;
    let event = request(include_str!("../../infra/events/get-nominate-es.json"));

    let response = submit_nomination::handle(&app.gateway.functions.submit_nomination, event, app.now).await;

    assert_eq!(response.status(), 200);
    let body = String::from_utf8(response.body().to_vec()).unwrap();
    assert!(body.contains("lang=\"es\""));
}

#[tokio::test]
async fn the_sample_nomination_events_are_accepted() {
    let app = TestApp::spawn().await;
    for (file, status) in [
        (include_str!("../../infra/events/post-nomination-json.json"), 202),
        (include_str!("../../infra/events/post-nomination-form-es.json"), 200),
    ] {
        let response =
            submit_nomination::handle(&app.gateway.functions.submit_nomination, request(file), app.now).await;
        assert_eq!(
            response.status(),
            status,
            "{}",
            String::from_utf8_lossy(response.body())
        );
    }
}

#[test]
fn the_sample_stream_event_holds_an_outbox_message() {
    let event: Event = serde_json::from_str(include_str!("../../infra/events/outbox-stream-insert.json")).unwrap();
    let image = event.records[0].change.new_image.clone();
    let message = OutboxMessage::from_image(image).unwrap().expect("an outbox message");
    assert_eq!(message.id.as_str(), "01JDZ8Q6N5C8W4Y3F2K9T7B1XA.nominator_verification");
}
