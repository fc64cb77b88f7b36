//! Slack waits three seconds for an answer: a state-changing click is
//! acknowledged after one read and one conditional write, with no call to
//! Slack or SES; everything else goes through the outbox.

use iln_adapters::dynamodb::NominationTable;
use iln_adapters::slack::{BotToken, SlackClient};
use iln_tests::{ILN_CHANNEL, RoundTrips, SLACK_VETTER, TestApp, VETTING_CHANNEL, click_payload};

/// The webhook as deployed, but with its DynamoDB calls counted.
async fn counted_webhook(app: &TestApp) -> (slack_webhook::App, RoundTrips) {
    let aws = iln_adapters::config::aws().await;
    let round_trips = RoundTrips::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&aws)
        .interceptor(round_trips.clone())
        .build();
    let webhook = slack_webhook::App {
        table: NominationTable::new(aws_sdk_dynamodb::Client::from_conf(config), &app.table_name),
        slack: SlackClient::new(format!("{}/api", app.slack.uri()), BotToken::new("xoxb-test")).unwrap(),
        signing_secret: iln_tests::signing_secret(),
        permissions: iln_domain::confirmation::SlackPermissions::parse(
            &format!("{SLACK_VETTER}={}", iln_tests::VETTER_EMAIL),
            "UC01=confirmer1@iln.test",
            1,
        )
        .unwrap(),
    };
    (webhook, round_trips)
}

fn signed_click(app: &TestApp, payload: &serde_json::Value) -> lambda_http::Request {
    let body = String::from_utf8(TestApp::interaction_body(payload)).unwrap();
    let timestamp = app.now.timestamp().to_string();
    let signature = iln_domain::slack::signature::sign(iln_tests::SIGNING_SECRET, &timestamp, body.as_bytes());
    let event = serde_json::json!({
        "version": "2.0", "routeKey": "POST /slack/interactions", "rawPath": "/slack/interactions", "rawQueryString": "",
        "headers": { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
        "requestContext": { "http": { "method": "POST", "path": "/slack/interactions", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Slackbot" },
            "routeKey": "POST /slack/interactions", "stage": "$default", "requestId": "r", "accountId": "1", "apiId": "a", "timeEpoch": 0 },
        "body": body, "isBase64Encoded": false,
    });
    lambda_http::request::from_str(&event.to_string()).unwrap()
}

#[tokio::test]
async fn a_confirm_or_approve_click_is_acknowledged_after_one_read_and_one_write_without_calling_slack_or_ses() {
    let app = TestApp::spawn().await;
    let to_approve = app.verified_nomination("en").await;
    let to_confirm = app.in_discussion().await;
    let (webhook, round_trips) = counted_webhook(&app).await;
    let slack_calls_before = app.slack_calls().await.len();
    let mails_before = app.mails_to(&to_approve.nominator).await.len();

    for payload in [
        click_payload(SLACK_VETTER, "vetting.approve", &to_approve.id, 2, VETTING_CHANNEL),
        click_payload("UC01", "iln.confirm", &to_confirm.id, 3, ILN_CHANNEL),
    ] {
        round_trips.reset();
        let response = slack_webhook::handle(&webhook, signed_click(&app, &payload), app.now).await;
        assert_eq!(response.status(), 200);
        assert!(round_trips.count() <= 2, "{} DynamoDB round trips", round_trips.count());
    }

    assert_eq!(
        app.slack_calls().await.len(),
        slack_calls_before,
        "no Slack call in the acknowledgement"
    );
    assert_eq!(
        app.mails_to(&to_approve.nominator).await.len(),
        mails_before,
        "no mail in the acknowledgement"
    );
    assert_eq!(app.status_of(&to_approve.id).await, "in_discussion");
    assert_eq!(app.status_of(&to_confirm.id).await, "confirmed");
}
