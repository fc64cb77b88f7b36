//! Slack's side: verified requests, who may click what, confirmation by
//! quorum, and exactly-once effects under double clicks, races and retries.

use crate::fixtures::{card_updates_in, slack_calls_to, slack_event, slash_command};
use iln_tests::{
    ILN_CHANNEL, SLACK_VETTER, TestApp, TestResponse, VETTING_CHANNEL, click_payload, nomination, unique_address,
};
use serde_json::{Value, json};

async fn status(app: &TestApp, id: &str) -> String {
    app.status_of(id).await
}

/// A named request: its headers and body.
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a [u8]);

#[tokio::test]
async fn an_unsigned_stale_or_tampered_request_is_refused_before_anything_is_read() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    let body = TestApp::interaction_body(&click_payload("UC01", "iln.confirm", &nomination.id, 3, ILN_CHANNEL));
    let form = "application/x-www-form-urlencoded";
    let now = app.now.timestamp();
    let signed_at = |seconds: i64| {
        let timestamp = (now + seconds).to_string();
        let signature = iln_domain::slack::signature::sign(iln_tests::SIGNING_SECRET, &timestamp, &body);
        (timestamp, signature)
    };
    let (late, late_signature) = signed_at(-301);
    let (early, early_signature) = signed_at(301);
    let (fresh, fresh_signature) = signed_at(0);
    let mut tampered = body.clone();
    tampered[12] ^= 0x01;

    let cases: Vec<Case> = vec![
        ("no headers", vec![("content-type", form)], &body),
        (
            "five minutes and a second late",
            vec![
                ("content-type", form),
                ("x-slack-request-timestamp", &late),
                ("x-slack-signature", &late_signature),
            ],
            &body,
        ),
        (
            "five minutes and a second early",
            vec![
                ("content-type", form),
                ("x-slack-request-timestamp", &early),
                ("x-slack-signature", &early_signature),
            ],
            &body,
        ),
        (
            "a flipped body byte",
            vec![
                ("content-type", form),
                ("x-slack-request-timestamp", &fresh),
                ("x-slack-signature", &fresh_signature),
            ],
            &tampered,
        ),
        (
            "a garbled signature",
            vec![
                ("content-type", form),
                ("x-slack-request-timestamp", &fresh),
                ("x-slack-signature", "v0=nothex"),
            ],
            &body,
        ),
        (
            "a wrong version",
            vec![
                ("content-type", form),
                ("x-slack-request-timestamp", &fresh),
                ("x-slack-signature", "v1=00"),
            ],
            &body,
        ),
    ];
    for (name, headers, body) in cases {
        let response = app.request("POST", "/slack/interactions", &headers, body).await;
        assert_eq!(response.status, 401, "{name}");
    }
    assert_eq!(status(&app, &nomination.id).await, "in_discussion", "nothing changed");
}

#[tokio::test]
async fn a_request_is_verified_over_its_raw_bytes_whether_or_not_api_gateway_base64_encodes_it() {
    let app = TestApp::spawn().await;
    let body = r#"{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"}"#;
    let timestamp = app.now.timestamp().to_string();
    let signature = iln_domain::slack::signature::sign(iln_tests::SIGNING_SECRET, &timestamp, body.as_bytes());
    for encoded in [false, true] {
        let payload = if encoded {
            base64_encode(body.as_bytes())
        } else {
            body.to_owned()
        };
        let event = json!({
            "version": "2.0", "routeKey": "POST /slack/events", "rawPath": "/slack/events", "rawQueryString": "",
            "headers": { "content-type": "application/json", "x-slack-request-timestamp": timestamp, "x-slack-signature": signature },
            "requestContext": { "http": { "method": "POST", "path": "/slack/events", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "Slackbot" },
                "routeKey": "POST /slack/events", "stage": "$default", "requestId": "r", "accountId": "1", "apiId": "a", "timeEpoch": 0 },
            "body": payload, "isBase64Encoded": encoded,
        });
        let request = lambda_http::request::from_str(&event.to_string()).unwrap();
        let response = slack_webhook::handle(&app.gateway.functions.slack_webhook, request, app.now).await;
        assert_eq!(response.status(), 200, "base64: {encoded}");
        let answer: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(
            answer["challenge"],
            "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
        );
    }
}

fn base64_encode(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[tokio::test]
async fn approving_in_the_vetting_channel_updates_the_card_and_posts_the_iln_card() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;

    let ack = app
        .click(SLACK_VETTER, "vetting.approve", &nomination.id, 2, VETTING_CHANNEL)
        .await;
    app.deliver_outbox().await;

    assert_eq!(ack.status, 200);
    assert_eq!(status(&app, &nomination.id).await, "in_discussion");
    let updates = slack_calls_to(&app, "chat.update").await;
    assert_eq!(updates.len(), 1, "the vetting card updated in place");
    let update = updates[0].to_string();
    assert!(update.contains("Approved") && update.contains("<@UVERA>"), "{update}");
    assert!(!update.contains("vetting.approve"), "its buttons are gone");
    assert_eq!(app.posts_to(ILN_CHANNEL).await.len(), 1);
}

#[tokio::test]
async fn who_may_click_what_is_enforced_and_refusals_are_told_privately() {
    let app = TestApp::spawn().await;
    app.iln_members(&["UC01", "UC02", "UMEI"]).await;
    let confirmer_nominates = app
        .verified_nomination_from(nomination(
            "en",
            &unique_address("amara"),
            &iln_tests::iln_address("UC01"),
        ))
        .await;
    app.decide(
        &confirmer_nominates.id,
        json!({ "decision": "approve", "expected_version": 2 }),
    )
    .await;
    let other = app.verified_nomination("en").await;

    let confirmer_approves = app
        .click("UC02", "vetting.approve", &other.id, 2, VETTING_CHANNEL)
        .await;
    let outsider_rejects = app
        .click("UOUTSIDER", "vetting.reject", &other.id, 2, VETTING_CHANNEL)
        .await;
    let vetter_confirms = app
        .click(SLACK_VETTER, "iln.confirm", &confirmer_nominates.id, 3, ILN_CHANNEL)
        .await;
    let own_nominee = app
        .click("UC01", "iln.confirm", &confirmer_nominates.id, 3, ILN_CHANNEL)
        .await;
    let outsider_declines = app
        .click("UOUTSIDER", "iln.decline", &confirmer_nominates.id, 3, ILN_CHANNEL)
        .await;
    let outsider_raises_concern = app
        .click(
            "UOUTSIDER",
            "iln.raise_concern",
            &confirmer_nominates.id,
            3,
            ILN_CHANNEL,
        )
        .await;
    let member_raises_concern = app
        .click("UMEI", "iln.raise_concern", &confirmer_nominates.id, 3, ILN_CHANNEL)
        .await;
    let vetter_opens_reject = app
        .click(SLACK_VETTER, "vetting.reject", &other.id, 2, VETTING_CHANNEL)
        .await;
    app.deliver_outbox().await;

    for response in [
        &confirmer_approves,
        &outsider_rejects,
        &vetter_confirms,
        &own_nominee,
        &outsider_declines,
        &outsider_raises_concern,
    ] {
        assert_eq!(response.status, 200, "Slack always gets its acknowledgement");
    }
    assert_eq!(status(&app, &other.id).await, "awaiting_vetting");
    assert_eq!(status(&app, &confirmer_nominates.id).await, "in_discussion");
    let ephemerals: Vec<String> = slack_calls_to(&app, "chat.postEphemeral")
        .await
        .iter()
        .map(|body| body["text"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(ephemerals.len(), 6, "{ephemerals:?}");
    assert_eq!(ephemerals.iter().filter(|t| t.contains("not on the list")).count(), 5);
    assert_eq!(
        ephemerals
            .iter()
            .filter(|t| t.contains("You nominated this person"))
            .count(),
        1
    );
    let views = slack_calls_to(&app, "views.open").await;
    assert_eq!(
        views.len(),
        2,
        "modals for the ILN member's concern and the rejection only"
    );
    assert_eq!((member_raises_concern.status, vetter_opens_reject.status), (200, 200));
}

#[tokio::test]
async fn twenty_confirmers_clicking_at_once_confirm_once_update_once_and_queue_one_invitation() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    let users: Vec<String> = (1..=20).map(|n| format!("UC{n:02}")).collect();
    app.iln_members(&users.iter().map(String::as_str).collect::<Vec<_>>())
        .await;

    let acks = futures::future::join_all(
        users
            .iter()
            .map(|user| app.click(user, "iln.confirm", &nomination.id, 3, ILN_CHANNEL)),
    )
    .await;
    app.deliver_outbox().await;

    assert!(acks.iter().all(|ack| ack.status == 200));
    assert_eq!(
        status(&app, &nomination.id).await,
        "invited",
        "confirmed, then the invitation went out"
    );
    assert_eq!(app.outbox_of_kind("invitation").await.len(), 1);
    let iln_updates = app
        .outbox_of_kind("card_update")
        .await
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap().contains(".iln."))
        .count();
    assert_eq!(iln_updates, 1);
    assert_eq!(
        app.outbox_of_kind("ephemeral").await.len(),
        19,
        "every losing click is told who won"
    );
    let told: Vec<String> = slack_calls_to(&app, "chat.postEphemeral")
        .await
        .iter()
        .map(|body| body["text"].to_string())
        .collect();
    assert!(
        told.iter().all(|text| text.contains("Already confirmed by <@UC")),
        "{told:?}"
    );
    let stored = app.items_of("nomination").await;
    assert_eq!(
        stored[0]["discussion"].as_m().unwrap()["confirmations"]
            .as_l()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn with_a_quorum_of_two_two_distinct_confirmers_are_needed_and_a_double_click_counts_once() {
    let app = TestApp::spawn_with_quorum(2).await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UC01", "UC02"]).await;

    app.click("UC01", "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
    app.click("UC01", "iln.confirm", &nomination.id, 4, ILN_CHANNEL).await;
    let after_one = status(&app, &nomination.id).await;
    app.click("UC02", "iln.confirm", &nomination.id, 4, ILN_CHANNEL).await;
    app.deliver_outbox().await;

    assert_eq!(after_one, "in_discussion");
    assert_eq!(status(&app, &nomination.id).await, "invited");
    assert_eq!(
        app.outbox_of_kind("ephemeral").await.len(),
        0,
        "a double click is not answered"
    );
    let progress = card_updates_in(&app, ILN_CHANNEL)
        .await
        .first()
        .expect("the ILN card shows progress")
        .to_string();
    assert!(progress.contains("<@UC01>"), "{progress}");
}

#[tokio::test]
async fn a_click_replayed_by_slack_has_no_second_effect() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UC05"]).await;
    let body = TestApp::interaction_body(&click_payload("UC05", "iln.confirm", &nomination.id, 3, ILN_CHANNEL));
    let form = "application/x-www-form-urlencoded";

    let first = app.from_slack("/slack/interactions", form, &body, &[]).await;
    let mut retries = Vec::new();
    for attempt in ["1", "2", "3"] {
        let headers = [("x-slack-retry-num", attempt), ("x-slack-retry-reason", "http_timeout")];
        retries.push(
            app.from_slack("/slack/interactions", form, &body, &headers)
                .await
                .status,
        );
    }
    app.deliver_outbox().await;

    assert_eq!(first.status, 200);
    assert_eq!(retries, [200, 200, 200]);
    assert_eq!(app.outbox_of_kind("invitation").await.len(), 1);
    assert_eq!(app.outbox_of_kind("ephemeral").await.len(), 0);
    let moves = app.file(&nomination.id).await["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["command"] == "confirm")
        .count();
    assert_eq!(moves, 1);
}

/// Slack posts an interaction `payload`, signed.
async fn interaction(app: &TestApp, payload: &Value) -> TestResponse {
    app.from_slack(
        "/slack/interactions",
        "application/x-www-form-urlencoded",
        &TestApp::interaction_body(payload),
        &[],
    )
    .await
}

#[tokio::test]
async fn malformed_payloads_get_a_clear_answer_and_change_nothing() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UC01"]).await;
    let form = "application/x-www-form-urlencoded";
    let unknown_action = click_payload("UC01", "iln.applaud", &nomination.id, 3, ILN_CHANNEL);
    let unknown_nomination = click_payload("UC01", "iln.confirm", "01JDZ8Q6N5C8W4Y3F2K9T7B1XA", 3, ILN_CHANNEL);
    let mut no_value = click_payload("UC01", "iln.confirm", &nomination.id, 3, ILN_CHANNEL);
    no_value["actions"][0]["value"] = "garbage".into();

    let not_json = app
        .from_slack("/slack/interactions", form, b"payload=%7Bnot-json", &[])
        .await;
    let no_payload = app.from_slack("/slack/interactions", form, b"nothing=here", &[]).await;
    let action = interaction(&app, &unknown_action).await;
    let missing = interaction(&app, &unknown_nomination).await;
    let garbage = interaction(&app, &no_value).await;
    let stale = app
        .click(SLACK_VETTER, "vetting.approve", &nomination.id, 2, VETTING_CHANNEL)
        .await;
    app.deliver_outbox().await;

    for (name, response) in [
        ("not json", &not_json),
        ("no payload", &no_payload),
        ("unknown action", &action),
        ("unknown nomination", &missing),
        ("garbage value", &garbage),
    ] {
        assert_eq!(response.status, 400, "{name}: {}", response.body);
        assert!(!response.json()["errors"][0]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(stale.status, 200);
    let told: Vec<String> = slack_calls_to(&app, "chat.postEphemeral")
        .await
        .iter()
        .map(|body| body["text"].to_string())
        .collect();
    assert_eq!(told.len(), 1);
    assert!(told[0].contains("Already approved"), "{told:?}");
    assert_eq!(status(&app, &nomination.id).await, "in_discussion");
}

#[tokio::test]
async fn a_rejection_in_slack_takes_a_reason_in_a_modal_and_mails_the_nominator() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("es").await;

    let empty = app
        .submit_modal(SLACK_VETTER, "vetting.reject", &nomination.id, 2, "   ", true)
        .await;
    let rejected = app
        .submit_modal(
            SLACK_VETTER,
            "vetting.reject",
            &nomination.id,
            2,
            "No consta práctica de mediación.",
            true,
        )
        .await;
    app.deliver_outbox().await;

    assert_eq!(empty.json()["response_action"], "errors");
    assert!(
        empty.json()["errors"]["text"].is_string(),
        "the error sits beside the field"
    );
    assert_eq!(rejected.status, 200);
    assert!(rejected.body.is_empty(), "an empty answer closes the modal");
    assert_eq!(status(&app, &nomination.id).await, "rejected");
    let mails = app.mails_to(&nomination.nominator).await;
    assert!(mails.last().unwrap().text.contains("No consta práctica de mediación."));
}

#[tokio::test]
async fn a_concern_and_a_members_decline_are_audited_posted_in_the_thread_and_hold_the_nomination_open() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UMEI", "UC03"]).await;

    let concern = app
        .submit_modal(
            "UMEI",
            "iln.raise_concern",
            &nomination.id,
            3,
            "Conflict of interest with a board member.",
            false,
        )
        .await;
    let declined = app
        .submit_modal("UC03", "iln.decline", &nomination.id, 3, "Not the right time.", false)
        .await;
    app.deliver_outbox().await;

    assert_eq!((concern.status, declined.status), (200, 200));
    assert_eq!(
        status(&app, &nomination.id).await,
        "in_discussion",
        "a member's decline asks; closing is a vetter's decision"
    );
    let file = app.file(&nomination.id).await;
    let audit = file["audit"].as_array().unwrap();
    for reason in ["Conflict of interest with a board member.", "Not the right time."] {
        assert!(
            audit
                .iter()
                .any(|e| e["what"] == "concern_raised" && e["reason"] == reason),
            "{reason}"
        );
    }
    let iln_card_ts = app.items_of("nomination").await[0]["iln_card"].as_m().unwrap()["ts"]
        .as_s()
        .unwrap()
        .clone();
    let thread: Vec<Value> = app
        .posts_to(ILN_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["thread_ts"] == iln_card_ts.as_str())
        .collect();
    assert_eq!(thread.len(), 2);
    assert!(thread[0].to_string().contains("Conflict of interest"));
}

#[tokio::test]
async fn slash_commands_answer_listed_users_privately() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;

    let pending = slash_command(&app, SLACK_VETTER, "pending").await;
    let status_of = slash_command(&app, SLACK_VETTER, &format!("status {}", nomination.id)).await;
    let outsider = slash_command(&app, "UOUTSIDER", "pending").await;

    assert_eq!(pending.json()["response_type"], "ephemeral");
    assert!(pending.json()["text"].as_str().unwrap().contains(&nomination.id));
    assert!(status_of.json()["text"].as_str().unwrap().contains("awaiting vetting"));
    assert!(outsider.json()["text"].as_str().unwrap().contains("Only IMI vetters"));
}

#[tokio::test]
async fn events_answer_the_challenge_and_a_redelivered_event_is_seen_once() {
    let app = TestApp::spawn().await;
    let event = json!({ "type": "event_callback", "event_id": "Ev0001", "event": { "type": "app_mention" } });

    let first = slack_event(&app, &event, &[]).await;
    let again = slack_event(&app, &event, &[("x-slack-retry-num", "1")]).await;

    assert_eq!((first.status, again.status), (200, 200));
    assert_eq!(app.items_of("slack_event").await.len(), 1);
}
