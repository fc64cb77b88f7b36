//! The outbox delivers each message exactly once: redelivered stream
//! records send nothing twice, and a failed delivery is retried, never lost.

use crate::fixtures::{spawn_with_own_ses, submitted_nomination};
use aws_lambda_events::event::dynamodb::Event;
use iln_tests::{SesEmulator, TestApp, mails_at};

#[tokio::test]
async fn the_same_stream_record_handed_over_three_times_sends_one_mail() {
    let app = TestApp::spawn().await;
    let nominator = submitted_nomination(&app, "en").await.nominator;
    let mut event = Event::default();
    event.records = app.stream_from_start().await.read().await.unwrap();
    assert!(!event.records.is_empty());

    for _ in 0..3 {
        let deadline = outbox::Deadline::after(std::time::Duration::from_secs(120));
        let response = outbox::handle(&app.gateway.functions.outbox, event.clone(), app.now, deadline).await;
        assert!(response.batch_item_failures.is_empty());
    }

    assert_eq!(app.mails_to(&nominator).await.len(), 1);
    let tokens = app.items_of("token").await;
    assert_eq!(
        tokens.len(),
        3,
        "the links of the one mail sent: verify, withdraw and status"
    );
    let outbox = app.items_of("outbox_message").await;
    assert_eq!(outbox[0]["status"].as_s().unwrap(), "delivered");
    assert!(
        !outbox[0].contains_key("gsi1pk"),
        "a delivered message leaves the undelivered queue"
    );
}

#[tokio::test]
async fn a_mail_sent_while_ses_is_down_is_delivered_exactly_once_when_it_is_back() {
    let (app, mut ses, port) = spawn_with_own_ses().await;
    ses.stop();

    let nominator = submitted_nomination(&app, "en").await.nominator;
    let while_down = app.deliver_outbox().await;
    let again_while_down = app.deliver_outbox().await;

    assert!(
        while_down.retry_pending && again_while_down.retry_pending,
        "the failure is reported for retry"
    );
    let outbox = app.items_of("outbox_message").await;
    assert_eq!(
        outbox[0]["status"].as_s().unwrap(),
        "retrying",
        "nothing lost: the message waits"
    );
    assert_eq!(outbox[0]["attempts"].as_n().unwrap(), "2");

    let ses = SesEmulator::start(port).await;
    let back = app.deliver_outbox().await;
    let after = app.deliver_outbox().await;

    assert!(!back.retry_pending);
    assert!(!after.retry_pending, "nothing left to retry");
    let http = iln_adapters::tls::client_builder().build().unwrap();
    assert_eq!(mails_at(&http, &ses.url(), &nominator).await.len(), 1, "delivered once");
    let outbox = app.items_of("outbox_message").await;
    assert_eq!(outbox[0]["status"].as_s().unwrap(), "delivered");
    let verify = mails_at(&http, &ses.url(), &nominator).await[0].link_to("/nominations/verify");
    assert_eq!(
        app.verify(&verify).await.status,
        200,
        "the token of the mail that was sent works"
    );
}
