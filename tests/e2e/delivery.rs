//! Delivery as it holds on AWS: a permanent failure is set aside and
//! reported once without stopping the messages behind it; the table, not
//! the stream, is the source of truth; a lease or a delivered mark that
//! fails loses and doubles nothing.

use crate::fixtures::{spawn_with_own_ses, submitted_nomination};
use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_sdk_dynamodb::error::BoxError;
use chrono::Duration;
use iln_adapters::dynamodb::NominationTable;
use iln_tests::{
    ILN_CHANNEL, SesEmulator, TestApp, VETTING_CHANNEL, admin_token, mails_at, nomination, unique_address,
};
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// SES's answer to an accepted SendEmail (Query protocol, XML).
fn ses_accepted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_string(
        r#"<SendEmailResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">
  <SendEmailResult><MessageId>0100019a-accepted</MessageId></SendEmailResult>
  <ResponseMetadata><RequestId>5ec3c6b4-accepted</RequestId></ResponseMetadata>
</SendEmailResponse>"#,
    )
}

/// SES's error document for a refused message, as "Amazon SES email sending
/// errors" describes it.
fn ses_rejected() -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_string(
        r#"<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/">
  <Error>
    <Type>Sender</Type>
    <Code>MessageRejected</Code>
    <Message>Illegal address</Message>
  </Error>
  <RequestId>5ec3c6b4-rejected</RequestId>
</ErrorResponse>"#,
    )
}

/// An SES endpoint that refuses mail to `refused` and accepts the rest.
async fn ses_refusing(refused: &str) -> MockServer {
    ses_refusing_times(refused, u64::MAX).await
}

/// An SES endpoint that refuses the first `times` mails to `refused`.
async fn ses_refusing_times(refused: &str, times: u64) -> MockServer {
    let ses = MockServer::start().await;
    let encoded: String = url::form_urlencoded::byte_serialize(refused.as_bytes()).collect();
    Mock::given(method("POST"))
        .and(body_string_contains(encoded))
        .respond_with(ses_rejected())
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&ses)
        .await;
    Mock::given(method("POST"))
        .respond_with(ses_accepted())
        .mount(&ses)
        .await;
    ses
}

async fn sends_to(ses: &MockServer, address: &str) -> usize {
    let encoded: String = url::form_urlencoded::byte_serialize(address.as_bytes()).collect();
    ses.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|request| String::from_utf8_lossy(&request.body).contains(&encoded))
        .count()
}

fn outbox_item<'a>(
    items: &'a [std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>],
    kind: &str,
    nomination_id: &str,
) -> &'a std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
    items
        .iter()
        .find(|item| {
            let message = item["message"].as_m().unwrap();
            message["kind"].as_s().unwrap() == kind
                && message
                    .get("nomination_id")
                    .and_then(|v| v.as_s().ok())
                    .map(String::as_str)
                    == Some(nomination_id)
        })
        .unwrap_or_else(|| panic!("no {kind} message for {nomination_id}"))
}

fn text(item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, name: &str) -> String {
    item[name].as_s().unwrap().clone()
}

#[tokio::test]
async fn a_mail_ses_refuses_is_set_aside_reported_once_and_the_next_mail_in_the_batch_goes_out() {
    let refused = unique_address("refused");
    let ses = ses_refusing(&refused).await;
    let app = TestApp::spawn_with_mail_to(&ses.uri()).await;
    let accepted = unique_address("accepted");
    let first = app
        .post_json(&nomination("en", &unique_address("amara"), &refused))
        .await;
    let second = app
        .post_json(&nomination("en", &unique_address("bola"), &accepted))
        .await;
    let (first, second) = (
        first.json()["id"].as_str().unwrap().to_owned(),
        second.json()["id"].as_str().unwrap().to_owned(),
    );

    let delivered = app.deliver_outbox().await;
    let again = app.deliver_outbox().await;

    assert!(
        !delivered.retry_pending && !again.retry_pending,
        "nothing blocks the stream"
    );
    assert_eq!(sends_to(&ses, &refused).await, 1, "tried once: retrying cannot help");
    assert_eq!(sends_to(&ses, &accepted).await, 1, "the mail behind it was delivered");
    let items = app.items_of("outbox_message").await;
    let set_aside = outbox_item(&items, "nominator_verification", &first);
    assert_eq!(text(set_aside, "status"), "failed");
    assert_eq!(text(set_aside, "failure_reason"), "address_rejected");
    assert_eq!(text(set_aside, "gsi1pk"), "OUTBOX#failed");
    assert_eq!(
        text(outbox_item(&items, "nominator_verification", &second), "status"),
        "delivered"
    );
    let alerts = app.posts_to(VETTING_CHANNEL).await;
    let about_it: Vec<_> = alerts
        .iter()
        .filter(|post| post["text"].as_str().unwrap_or_default().contains(&first))
        .collect();
    assert_eq!(about_it.len(), 1, "reported once in the vetting channel: {alerts:#?}");
    let alert = about_it[0]["text"].as_str().unwrap();
    assert!(
        alert.contains("nominator_verification") && !alert.contains(&refused),
        "by reference: {alert}"
    );
}

#[tokio::test]
async fn an_iln_card_slack_refuses_for_good_is_set_aside_and_the_next_card_is_posted() {
    let app = TestApp::spawn().await;
    let refused = app.verified_nomination("en").await;
    let posted = app.verified_nomination("en").await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(body_string_contains(ILN_CHANNEL))
        .and(body_string_contains(refused.id.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "channel_not_found" })))
        .with_priority(1)
        .mount(&app.slack)
        .await;
    for id in [&refused.id, &posted.id] {
        let approved = app
            .decide(id, json!({ "decision": "approve", "expected_version": 2 }))
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
    }

    let first = app.deliver_outbox().await;
    let second = app.deliver_outbox().await;

    assert!(!first.retry_pending && !second.retry_pending);
    let iln_cards = app.posts_to(ILN_CHANNEL).await;
    let tries_of = |id: &str| iln_cards.iter().filter(|card| card.to_string().contains(id)).count();
    assert_eq!(tries_of(&refused.id), 1, "not retried: Slack's answer will not change");
    assert_eq!(tries_of(&posted.id), 1, "the card behind it is posted");
    let items = app.items_of("outbox_message").await;
    let card = outbox_item(&items, "iln_card", &refused.id);
    assert_eq!(text(card, "failure_reason"), "slack_refused");
    let reported: Vec<_> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|post| post["text"].as_str().unwrap_or_default().contains(":x:"))
        .collect();
    assert_eq!(reported.len(), 1, "one alert in the vetting channel");
    assert!(reported[0]["text"].as_str().unwrap().contains(&refused.id));
}

#[tokio::test]
async fn a_message_whose_stream_record_is_gone_is_delivered_once_by_the_sweeper() {
    let app = TestApp::spawn().await;
    let nominator = submitted_nomination(&app, "en").await.nominator;

    let too_soon = app.sweep_outbox(app.now + Duration::seconds(30)).await;
    let swept = app.sweep_outbox(app.now + Duration::minutes(3)).await;
    let swept_again = app.sweep_outbox(app.now + Duration::minutes(10)).await;
    // The stream record arrives late (or again): it finds the work done.
    app.deliver_outbox().await;

    assert_eq!(too_soon.delivered, 0, "the stream gets its chance first");
    assert_eq!(swept.delivered, 1);
    assert_eq!(swept_again, outbox::SweepSummary::default(), "nothing left to sweep");
    assert_eq!(app.mails_to(&nominator).await.len(), 1, "delivered once");
}

#[tokio::test]
async fn a_message_claimed_by_a_delivery_that_died_is_delivered_once_after_its_lease_lapses() {
    let app = TestApp::spawn().await;
    let nominator = submitted_nomination(&app, "en").await.nominator;
    let stored = app.items_of("outbox_message").await;
    let message: iln_domain::message::Message =
        serde_dynamo::from_attribute_value(stored[0]["message"].clone()).expect("a message");
    // A deliverer claims it, then its process dies before sending.
    let claim = app.table.claim_message(&message, &[], None, app.now).await.unwrap();
    assert_eq!(claim, iln_adapters::dynamodb::Claim::Claimed);

    app.deliver_outbox().await;
    let within_lease = app.sweep_outbox(app.now + Duration::seconds(50)).await;
    let after_lease = app.sweep_outbox(app.now + Duration::seconds(70)).await;

    assert_eq!(within_lease.delivered, 0, "held by the live lease");
    assert_eq!(after_lease.delivered, 1, "taken over once the lease lapsed");
    assert_eq!(app.mails_to(&nominator).await.len(), 1);
    let verify = app.mails_to(&nominator).await[0].link_to("/nominations/verify");
    assert_eq!(app.verify(&verify).await.status, 200, "its links work");
}

/// Fails the first `TransactWriteItems` that marks a message delivered, as a
/// DynamoDB that drops the connection would.
#[derive(Debug, Clone, Default)]
struct FailFirstDeliveredMark(Arc<AtomicUsize>);

impl Intercept for FailFirstDeliveredMark {
    fn name(&self) -> &'static str {
        "FailFirstDeliveredMark"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        _config: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let body = context.request().body().bytes().unwrap_or_default();
        let marks_delivered = String::from_utf8_lossy(body).contains(r#"":delivered":{"S":"delivered"}"#);
        if marks_delivered && self.0.fetch_add(1, Ordering::SeqCst) == 0 {
            return Err("connection reset (injected)".into());
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_delivered_mark_that_fails_once_is_tried_again_and_the_mail_is_sent_once() {
    let app = TestApp::spawn().await;
    let nominator = submitted_nomination(&app, "en").await.nominator;
    let fault = FailFirstDeliveredMark::default();
    let aws = iln_adapters::config::aws().await;
    let faulty = aws_sdk_dynamodb::config::Builder::from(&aws)
        .interceptor(fault.clone())
        .build();
    let deployed = &app.gateway.functions.outbox;
    let outbox = outbox::App {
        table: NominationTable::new(aws_sdk_dynamodb::Client::from_conf(faulty), &app.table_name),
        mailer: deployed.mailer.clone(),
        slack: deployed.slack.clone(),
        channels: deployed.channels.clone(),
        languages: deployed.languages,
        confirmations_needed: deployed.confirmations_needed,
        links: deployed.links.clone(),
        thin_rationale_below: deployed.thin_rationale_below,
    };
    let mut event = aws_lambda_events::event::dynamodb::Event::default();
    event.records = app.stream_from_start().await.read().await.unwrap();

    let deadline = outbox::Deadline::after(std::time::Duration::from_secs(120));
    let response = outbox::handle(&outbox, event, app.now, deadline).await;

    assert!(
        response.batch_item_failures.is_empty(),
        "the mark landed on its second try"
    );
    assert_eq!(fault.0.load(Ordering::SeqCst), 2, "failed once, then succeeded");
    assert_eq!(app.mails_to(&nominator).await.len(), 1);
    assert_eq!(text(&app.items_of("outbox_message").await[0], "status"), "delivered");
    assert_eq!(
        app.sweep_outbox(app.now + Duration::hours(2)).await.delivered,
        0,
        "nothing to send again"
    );
}

#[tokio::test]
async fn with_ses_and_slack_down_for_a_while_every_mail_and_card_arrives_exactly_once() {
    let (app, mut ses, port) = spawn_with_own_ses().await;
    let nominators: Vec<String> = (0..3).map(|n| unique_address(&format!("nominator{n}"))).collect();
    ses.stop();
    let mut ids = Vec::new();
    for nominator in &nominators {
        let response = app
            .post_json(&nomination("en", &unique_address("amara"), nominator))
            .await;
        ids.push(response.json()["id"].as_str().unwrap().to_owned());
    }
    let while_down = app.deliver_outbox().await;
    assert!(while_down.retry_pending, "SES is down: the stream retries");

    let ses = SesEmulator::start(port).await;
    // Slack answers 503 to the next six calls (each call is tried twice).
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(6)
        .with_priority(1)
        .mount(&app.slack)
        .await;
    for round in 0..4 {
        app.deliver_outbox().await;
        let http = iln_adapters::tls::client_builder().build().unwrap();
        for nominator in &nominators {
            if let Some(mail) = mails_at(&http, &ses.url(), nominator).await.first() {
                app.verify(&mail.link_to("/nominations/verify")).await;
            }
        }
        app.sweep_outbox(app.now + Duration::hours(round + 1)).await;
    }
    for later in 5..10 {
        app.deliver_outbox().await;
        app.sweep_outbox(app.now + Duration::hours(later)).await;
    }

    let http = iln_adapters::tls::client_builder().build().unwrap();
    for nominator in &nominators {
        assert_eq!(
            mails_at(&http, &ses.url(), nominator).await.len(),
            1,
            "one verification mail each"
        );
    }
    let cards = app.posts_to(VETTING_CHANNEL).await;
    for id in &ids {
        let answered = cards
            .iter()
            .filter(|card| card.to_string().contains(id.as_str()))
            .count();
        assert!(answered >= 1, "a card for {id}");
        assert_eq!(app.status_of(id).await, "awaiting_vetting");
    }
    // Six of the calls met the outage; every other call posted one card.
    assert_eq!(
        cards.len(),
        ids.len() + 6,
        "one card each once Slack was back: {cards:#?}"
    );
    let items = app.items_of("outbox_message").await;
    assert!(
        items.iter().all(|item| text(item, "status") == "delivered"),
        "nothing left undelivered or failed"
    );
}

/// A system mailing through `ses` whose verification mail to `refused` SES
/// refused: set aside, and the vetting channel alerted.
async fn with_a_set_aside_mail(ses: &MockServer, refused: &str) -> TestApp {
    let app = TestApp::spawn_with_mail_to(&ses.uri()).await;
    app.post_json(&nomination("en", &unique_address("amara"), refused))
        .await;
    app.deliver_outbox().await;
    app.deliver_outbox().await; // the alert about it
    app
}

#[tokio::test]
async fn an_admin_sees_a_set_aside_mail_retries_it_and_the_sweeper_delivers_it_once() {
    let refused = unique_address("refused");
    // Refused once (say a mistyped domain that is fixed since), then accepted.
    let ses = ses_refusing_times(&refused, 1).await;
    let app = with_a_set_aside_mail(&ses, &refused).await;
    let admin = admin_token();

    let failed = app
        .staff_request("GET", "/admin/outbox?status=failed", Some(&admin), None)
        .await;
    assert_eq!(failed.status, 200, "{}", failed.body);
    let listed = failed.json()["messages"].as_array().unwrap().clone();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["kind"], "nominator_verification");
    assert_eq!(listed[0]["failure_reason"], "address_rejected");
    assert!(!failed.body.contains(&refused), "no address in the view");
    let id = listed[0]["id"].as_str().unwrap().to_owned();

    let retried = app
        .staff_request("POST", &format!("/admin/outbox/{id}/retry"), Some(&admin), None)
        .await;
    let undelivered = app
        .staff_request("GET", "/admin/outbox?status=undelivered", Some(&admin), None)
        .await;
    let swept = app.sweep_outbox(app.now + Duration::seconds(1)).await;
    let swept_again = app.sweep_outbox(app.now + Duration::hours(1)).await;

    assert_eq!(retried.status, 200, "{}", retried.body);
    assert!(
        undelivered.body.contains(&id),
        "back in the undelivered queue: {}",
        undelivered.body
    );
    assert_eq!(swept.delivered, 1);
    assert_eq!(swept_again.delivered, 0);
    assert_eq!(
        sends_to(&ses, &refused).await,
        2,
        "the refused try and the one delivery"
    );
    let again = app
        .staff_request("POST", &format!("/admin/outbox/{id}/retry"), Some(&admin), None)
        .await;
    assert_eq!(
        again.status, 409,
        "a delivered message is not sent again: {}",
        again.body
    );
}

#[tokio::test]
async fn an_admin_cancels_a_set_aside_message_and_bad_requests_are_refused_precisely() {
    let refused = unique_address("refused");
    let ses = ses_refusing(&refused).await;
    let app = with_a_set_aside_mail(&ses, &refused).await;
    let admin = admin_token();
    let listed = app
        .staff_request("GET", "/admin/outbox?status=failed", Some(&admin), None)
        .await;
    let id = listed.json()["messages"][0]["id"].as_str().unwrap().to_owned();

    let cancelled = app
        .staff_request("POST", &format!("/admin/outbox/{id}/cancel"), Some(&admin), None)
        .await;
    let twice = app
        .staff_request("POST", &format!("/admin/outbox/{id}/cancel"), Some(&admin), None)
        .await;
    let unknown = app
        .staff_request("POST", "/admin/outbox/nothing.here/retry", Some(&admin), None)
        .await;
    let bad_status = app
        .staff_request("GET", "/admin/outbox?status=lost", Some(&admin), None)
        .await;
    let vetter = app
        .staff_request(
            "GET",
            "/admin/outbox?status=failed",
            Some(&iln_tests::vetter_token()),
            None,
        )
        .await;
    let anonymous = app
        .staff_request("GET", "/admin/outbox?status=failed", None, None)
        .await;
    let left = app
        .staff_request("GET", "/admin/outbox?status=failed", Some(&admin), None)
        .await;

    assert_eq!(cancelled.status, 200, "{}", cancelled.body);
    assert_eq!(twice.status, 409, "{}", twice.body);
    assert_eq!(unknown.status, 404);
    assert_eq!(bad_status.status, 400);
    assert_eq!(vetter.status, 403);
    assert_eq!(anonymous.status, 401);
    assert_eq!(left.json()["messages"], json!([]), "out of the failed queue");
    assert_eq!(
        app.sweep_outbox(app.now + Duration::hours(1)).await.delivered,
        0,
        "never sent"
    );
}

#[tokio::test]
async fn an_admin_retries_a_set_aside_mail_from_the_console_and_it_is_delivered_once() {
    let refused = unique_address("refused");
    let ses = ses_refusing_times(&refused, 1).await;
    let app = with_a_set_aside_mail(&ses, &refused).await;
    let ada = app.console_sign_in(iln_tests::CONSOLE_ADMIN).await;

    let page = app.console_get(app.now, &ada, "/console/messages").await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("nominator verification"), "{}", page.body);
    assert!(page.body.contains("The address was refused"));
    assert!(!page.body.contains(&refused), "no address on the page");
    let retry = page
        .body
        .split("action=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with("/retry"))
        .expect("a retry button")
        .to_owned();

    let retried = app.console_post(app.now, &ada, &retry, &[]).await;
    assert_eq!(retried.status, 303, "{}", retried.body);
    let swept = app.sweep_outbox(app.now + Duration::seconds(1)).await;
    assert_eq!(swept.delivered, 1);
    let again = app.console_post(app.now, &ada, &retry, &[]).await;
    assert_eq!(again.status, 303);
    assert!(
        iln_tests::location(&again).ends_with("problem=changed"),
        "a delivered message is not sent again"
    );
    assert_eq!(
        sends_to(&ses, &refused).await,
        2,
        "the refused try and the one delivery"
    );
}
