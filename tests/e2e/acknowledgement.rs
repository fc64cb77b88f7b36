//! Slack waits three seconds for an answer: a state-changing click by
//! someone seen before is acknowledged after two reads to know who they are
//! now, one read and one conditional write, with no call to Slack or SES;
//! everything else goes through the outbox. Only a user's first click asks
//! Slack who they are.

use iln_adapters::dynamodb::NominationTable;
use iln_adapters::slack::{BotToken, SlackClient};
use iln_adapters::slack_people::SlackPeople;
use iln_domain::slack::interaction::SlackUserId;
use iln_domain::vetters::InitialVetters;
use iln_tests::{ILN_CHANNEL, RoundTrips, SLACK_VETTER, TestApp, VETTING_CHANNEL, click_payload};

/// The webhook as deployed, but with its DynamoDB calls counted.
async fn counted_webhook(app: &TestApp) -> (slack_webhook::App, RoundTrips) {
    let aws = iln_adapters::config::aws().await;
    let round_trips = RoundTrips::default();
    let config = aws_sdk_dynamodb::config::Builder::from(&aws)
        .interceptor(round_trips.clone())
        .build();
    let table = NominationTable::new(aws_sdk_dynamodb::Client::from_conf(config), &app.table_name);
    let slack = SlackClient::new(format!("{}/api", app.slack.uri()), BotToken::new("xoxb-test")).unwrap();
    let webhook = slack_webhook::App {
        people: SlackPeople::new(
            table.clone(),
            slack.clone(),
            InitialVetters::parse(iln_tests::VETTER_EMAIL).unwrap(),
        ),
        table,
        slack,
        signing_secret: iln_tests::signing_secret(),
        rules: iln_domain::discussion::DiscussionRules::parse("quorum", 1, 0, 7).unwrap(),
        iac_address: iln_domain::EmailAddress::parse("iac@iln.test").unwrap(),
        languages: iln_domain::slack::ChannelLanguages::default(),
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
async fn a_confirm_or_approve_click_is_acknowledged_after_two_reads_for_who_one_read_and_one_write_without_slack_or_ses()
 {
    let app = TestApp::spawn().await;
    let to_approve = app.verified_nomination("en").await;
    let to_confirm = app.in_discussion().await;
    app.iln_members(&["UC01"]).await;
    let (webhook, round_trips) = counted_webhook(&app).await;
    for seen_before in [SLACK_VETTER, "UC01"] {
        let known = webhook
            .people
            .participant(&SlackUserId::new(seen_before), app.now)
            .await;
        assert!(known.unwrap().is_some(), "{seen_before} is in Slack");
    }
    let slack_calls_before = app.slack_calls().await.len();
    let mails_before = app.mails_to(&to_approve.nominator).await.len();

    for payload in [
        click_payload(SLACK_VETTER, "vetting.approve", &to_approve.id, 2, VETTING_CHANNEL),
        click_payload("UC01", "iln.confirm", &to_confirm.id, 3, ILN_CHANNEL),
    ] {
        round_trips.reset();
        let response = slack_webhook::handle(&webhook, signed_click(&app, &payload), app.now).await;
        assert_eq!(response.status(), 200);
        assert!(round_trips.count() <= 4, "{} DynamoDB round trips", round_trips.count());
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

#[tokio::test]
async fn only_a_users_first_click_asks_slack_who_they_are() {
    let app = TestApp::spawn().await;
    let first = app.in_discussion().await;
    let second = app.in_discussion().await;
    app.iln_members(&["UC01"]).await;

    app.click("UC01", "iln.confirm", &first.id, 3, ILN_CHANNEL).await;
    let after_first = app.slack_calls_of("users.info").await;
    app.click("UC01", "iln.confirm", &second.id, 3, ILN_CHANNEL).await;
    app.click("UC01", "iln.confirm", &second.id, 4, ILN_CHANNEL).await;

    assert_eq!(after_first.len(), 1);
    assert_eq!(after_first[0]["user"], "UC01");
    assert_eq!(after_first[0]["include_locale"], "true", "the locale is asked for");
    assert_eq!(
        app.slack_calls_of("users.info").await.len(),
        1,
        "later clicks read the table"
    );
    assert_eq!(app.status_of(&first.id).await, "confirmed");
    assert_eq!(app.status_of(&second.id).await, "confirmed");
}
