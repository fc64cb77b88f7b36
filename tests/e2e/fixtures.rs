//! Set-up that tests of several areas share (steps of the process the
//! harness in `iln_tests` has no helper for), and the tests that the sample
//! events in `infra/` (the `cargo lambda invoke` and `sam local invoke`
//! inputs) are what the functions really accept.

use aws_lambda_events::event::dynamodb::Event;
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::OutboxMessage;
use iln_tests::{SesEmulator, TestApp, TestResponse, Verified, admin_token, nomination, unique_address};
use serde_json::{Value, json};

/// A system whose outbox mails through an SES emulator of its own, with the
/// emulator's port: a test stops it and starts it again on that port.
pub async fn spawn_with_own_ses() -> (TestApp, SesEmulator, u16) {
    let port = SesEmulator::free_port();
    let ses = SesEmulator::start(port).await;
    let app = TestApp::spawn_with_mail_to(&ses.url()).await;
    (app, ses, port)
}

/// A nomination submitted by API, its outbox not yet delivered.
pub struct Submitted {
    pub id: String,
    pub nominator: String,
}

/// A nomination of Amara submitted by API in `language`.
pub async fn submitted_nomination(app: &TestApp, language: &str) -> Submitted {
    let nominator = unique_address("lucia");
    let submitted = app
        .post_json(&nomination(language, &unique_address("amara"), &nominator))
        .await;
    let id = submitted.json()["id"].as_str().expect("a nomination id").to_owned();
    Submitted { id, nominator }
}

/// A nomination submitted by API whose verification mail went out and whose
/// link nobody has opened yet.
pub struct Unverified {
    pub id: String,
    pub nominator: String,
    /// `/nominations/verify?token=…`
    pub verification_link: String,
}

/// A nomination of Amara submitted by API in `language`, its verification
/// mail delivered, not yet verified.
pub async fn unverified_nomination(app: &TestApp, language: &str) -> Unverified {
    let Submitted { id, nominator } = submitted_nomination(app, language).await;
    let verification_link = verification_link(app, &nominator).await;
    Unverified {
        id,
        nominator,
        verification_link,
    }
}

/// Delivers the outbox, then the verification link mailed last to `address`.
pub async fn verification_link(app: &TestApp, address: &str) -> String {
    app.deliver_outbox().await;
    app.mails_to(address)
        .await
        .last()
        .expect("a verification mail")
        .link_to("/nominations/verify")
}

/// A submission by API from the network of `source_ip`, at `at`: the form's
/// limits count per source network.
pub async fn post_json_from(app: &TestApp, source_ip: &str, at: DateTime<Utc>, body: &Value) -> TestResponse {
    app.request_from(
        source_ip,
        at,
        "POST",
        "/nominations",
        &[("content-type", "application/json")],
        body.to_string().as_bytes(),
    )
    .await
}

/// The test vetter rejects nomination `id`, verified and not yet decided
/// (version 2).
pub async fn reject(app: &TestApp, id: &str) {
    let decision = json!({ "decision": "reject", "reason": "Not coherent.", "expected_version": 2 });
    let rejected = app.decide(id, decision).await;
    assert_eq!(rejected.status, 200, "{}", rejected.body);
}

/// A verified nomination the vetter rejected: closed, kept until its
/// retention ends.
pub async fn rejected_nomination(app: &TestApp) -> Verified {
    let nomination = app.verified_nomination("en").await;
    reject(app, &nomination.id).await;
    nomination
}

/// The nominator's answer to a vetter's question, sent through the form the
/// mailed link (`/nominations/information?token=…`) opens.
pub async fn add_information(app: &TestApp, link: &str, information: &str) -> TestResponse {
    let token = link.split("token=").nth(1).expect("a token in the link");
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("token", token), ("information", information)])
        .finish();
    app.request(
        "POST",
        "/nominations/information",
        &[("content-type", "application/x-www-form-urlencoded")],
        body.as_bytes(),
    )
    .await
}

/// A roster document (CSV) sent to `path`: `/vetting/roster`, perhaps with a
/// `resume_from` token.
pub async fn put_roster(app: &TestApp, token: &str, path: &str, csv: &str) -> TestResponse {
    app.request(
        "PUT",
        path,
        &[("authorization", token), ("content-type", "text/csv")],
        csv.as_bytes(),
    )
    .await
}

/// The roster `csv` imported by an admin in one request.
pub async fn import_roster(app: &TestApp, csv: &str) {
    let imported = put_roster(app, &admin_token(), "/vetting/roster", csv).await;
    assert_eq!(imported.status, 200, "{}", imported.body);
}

/// An admin's request to erase everything about `email`.
pub async fn erase(app: &TestApp, email: &str) -> TestResponse {
    app.staff_request(
        "POST",
        "/admin/people/erase",
        Some(&admin_token()),
        Some(&json!({ "email": email })),
    )
    .await
}

/// The form body Slack posts when `user` types `/iln <text>` in the vetting
/// channel.
pub fn slash_command_body(user: &str, text: &str) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("command", "/iln"),
            ("text", text),
            ("user_id", user),
            ("channel_id", iln_tests::VETTING_CHANNEL),
        ])
        .finish()
}

/// `user` types `/iln <text>` in the vetting channel.
pub async fn slash_command(app: &TestApp, user: &str, text: &str) -> TestResponse {
    app.from_slack(
        "/slack/commands",
        "application/x-www-form-urlencoded",
        slash_command_body(user, text).as_bytes(),
        &[],
    )
    .await
}

/// Slack delivers `event` through the Events API, with any extra headers
/// (such as `x-slack-retry-num` on a redelivery).
pub async fn slack_event(app: &TestApp, event: &Value, extra: &[(&str, &str)]) -> TestResponse {
    app.from_slack("/slack/events", "application/json", event.to_string().as_bytes(), extra)
        .await
}

/// The bodies of the system's calls to one Slack Web API method
/// (`chat.update`, `chat.postEphemeral`, `views.open`, …), in order.
pub async fn slack_calls_to(app: &TestApp, method: &str) -> Vec<Value> {
    app.slack_calls()
        .await
        .into_iter()
        .filter(|call| call.method == method)
        .map(|call| call.body)
        .collect()
}

/// The cards updated in place (`chat.update`) in `channel`, in order.
pub async fn card_updates_in(app: &TestApp, channel: &str) -> Vec<Value> {
    let mut updates = slack_calls_to(app, "chat.update").await;
    updates.retain(|update| update["channel"] == channel);
    updates
}

/// An admin's `action` (`resend`, `revoke`) on the invitation of nomination
/// `id`.
pub async fn act_on_invitation(app: &TestApp, id: &str, action: &str) -> TestResponse {
    let path = format!("/admin/invitations/{id}/{action}");
    app.staff_request("POST", &path, Some(&admin_token()), None).await
}

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
