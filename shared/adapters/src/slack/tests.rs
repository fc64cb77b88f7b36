#![cfg(test)]

use std::time::{Duration, Instant};

use iln_domain::slack::{MAX_BLOCKS, SlackMessage};
use serde_json::{Value, json};

use super::error::RETRYABLE_ERRORS;
use super::web_api::MORE_BLOCKS_MARKER;
use super::*;
use wiremock::matchers::{body_partial_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "xoxb-test-token";

#[test]
fn the_base_url_is_https_unless_it_is_this_machine() {
    let token = || BotToken::new(TOKEN);
    for allowed in [
        "https://slack.com/api",
        "http://127.0.0.1:3001/api",
        "http://localhost:3001/api",
        "http://[::1]:3001/api",
    ] {
        assert!(SlackClient::new(allowed, token()).is_ok(), "{allowed}");
    }
    for refused in [
        "http://slack.com/api",
        "http://10.0.0.1/api",
        "http://localhost.example.org/api",
        "ftp://slack.com/api",
    ] {
        assert!(
            matches!(SlackClient::new(refused, token()), Err(SlackError::Invalid(_))),
            "{refused}"
        );
    }
}

async fn client_for(server: &MockServer) -> SlackClient {
    SlackClient::new(server.uri(), BotToken::new(TOKEN)).unwrap()
}

fn message(blocks: usize) -> SlackMessage {
    let blocks = (0..blocks)
        .map(|n| json!({ "type": "section", "text": { "type": "mrkdwn", "text": format!("block {n}") } }))
        .collect();
    SlackMessage {
        text: "A nomination to vet".to_owned(),
        blocks: Value::Array(blocks),
    }
}

fn posted() -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "channel": "C0VETTING", "ts": "1700000000.000100" }))
}

async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
    server.received_requests().await.unwrap()
}

/// A Slack whose `method_path` gives every call `answer`.
async fn slack_answering(method_path: &str, answer: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path(method_path)).respond_with(answer).mount(&server).await;
    server
}

/// A Slack whose `chat.postMessage` gives the first call `first` and posts
/// the ones after it.
async fn slack_posting_after(first: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/chat.postMessage"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/chat.postMessage"))
        .respond_with(posted())
        .mount(&server)
        .await;
    server
}

async fn post_one_message(server: &MockServer) -> Result<PostedMessage, SlackError> {
    client_for(server)
        .await
        .post_message("C0VETTING", &message(1), None)
        .await
}

#[tokio::test]
async fn a_message_is_posted_with_the_bearer_token_and_its_channel_and_ts_returned() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postMessage"))
        .and(header("authorization", "Bearer xoxb-test-token"))
        .and(header("content-type", "application/json; charset=utf-8"))
        .and(body_partial_json(json!({
            "channel": "C0VETTING",
            "text": "A nomination to vet",
            "thread_ts": "1699999999.000001",
            "unfurl_links": false,
        })))
        .respond_with(posted())
        .expect(1)
        .mount(&server)
        .await;

    let result = client_for(&server)
        .await
        .post_message("C0VETTING", &message(2), Some("1699999999.000001"))
        .await;

    assert_eq!(
        result.unwrap(),
        PostedMessage {
            channel: "C0VETTING".to_owned(),
            ts: "1700000000.000100".to_owned()
        }
    );
    let body: Value = requests(&server).await[0].body_json().unwrap();
    assert_eq!(body["blocks"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_base_url_with_a_trailing_slash_reaches_the_same_method() {
    let server = MockServer::start().await;
    Mock::given(path("/chat.postMessage"))
        .respond_with(posted())
        .expect(1)
        .mount(&server)
        .await;
    let client = SlackClient::new(format!("{}/", server.uri()), BotToken::new(TOKEN)).unwrap();

    let result = client.post_message("C0VETTING", &message(1), None).await;

    assert!(result.is_ok());
    let body: Value = requests(&server).await[0].body_json().unwrap();
    assert!(body.get("thread_ts").is_none());
}

#[tokio::test]
async fn a_server_error_then_success_posts_once_more_and_succeeds() {
    let server = slack_posting_after(ResponseTemplate::new(500)).await;

    let result = post_one_message(&server).await;

    assert!(result.is_ok());
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn two_server_errors_are_unavailable_and_retryable() {
    let server = slack_answering("/chat.postMessage", ResponseTemplate::new(503)).await;

    let error = post_one_message(&server).await.unwrap_err();

    assert!(matches!(error, SlackError::Unavailable(_)), "{error:?}");
    assert!(error.is_retryable());
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_modal_is_tried_once_and_never_waits_for_a_rate_limit() {
    let server = slack_answering(
        "/views.open",
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
    )
    .await;

    let error = client_for(&server)
        .await
        .open_view("trigger.1", &json!({ "type": "modal" }))
        .await
        .unwrap_err();

    assert!(matches!(error, SlackError::RateLimited { .. }), "{error:?}");
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_modal_slack_is_slow_to_open_is_given_up_while_the_click_can_still_be_answered() {
    let server = MockServer::start().await;
    Mock::given(path("/views.open"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({ "ok": true }))
                .set_delay(Duration::from_secs(4)),
        )
        .mount(&server)
        .await;

    let error = client_for(&server)
        .await
        .open_view("trigger.1", &json!({ "type": "modal" }))
        .await
        .unwrap_err();

    assert!(matches!(error, SlackError::Unavailable(_)), "{error:?}");
}

#[tokio::test]
async fn an_unreachable_slack_is_unavailable() {
    // Nothing listens on port 9 (discard) on a test machine.
    let client = SlackClient::new("http://127.0.0.1:9", BotToken::new(TOKEN)).unwrap();

    let error = client.post_ephemeral("C0VETTING", "U0STAFF", "Done").await.unwrap_err();

    assert!(matches!(error, SlackError::Unavailable(_)), "{error:?}");
    assert!(!error.to_string().contains(TOKEN));
}

#[tokio::test]
async fn a_rate_limit_with_a_short_retry_after_is_waited_out_and_succeeds() {
    let server = slack_posting_after(ResponseTemplate::new(429).insert_header("retry-after", "1")).await;

    let result = post_one_message(&server).await;

    assert!(result.is_ok());
    assert_eq!(requests(&server).await.len(), 2);
}

#[tokio::test]
async fn a_rate_limit_with_a_long_retry_after_is_returned_at_once() {
    let server = slack_answering(
        "/chat.postMessage",
        ResponseTemplate::new(429).insert_header("retry-after", "60"),
    )
    .await;
    let started = Instant::now();

    let error = post_one_message(&server).await.unwrap_err();

    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(error, SlackError::RateLimited { retry_after } if retry_after == Duration::from_secs(60)),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(requests(&server).await.len(), 1);
}

#[tokio::test]
async fn a_channel_not_found_is_refused_and_not_retryable() {
    let server = slack_answering(
        "/chat.postMessage",
        ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "channel_not_found" })),
    )
    .await;

    let error = client_for(&server)
        .await
        .post_message("C0GONE", &message(1), None)
        .await
        .unwrap_err();

    assert!(
        matches!(&error, SlackError::Refused { error } if error == "channel_not_found"),
        "{error:?}"
    );
    assert!(!error.is_retryable());
    assert_eq!(requests(&server).await.len(), 1);
}

#[test]
fn slacks_transient_error_codes_are_retryable() {
    for code in RETRYABLE_ERRORS {
        let error = SlackError::Refused { error: code.to_owned() };
        assert!(error.is_retryable(), "{code} should be retryable");
    }
    assert!(!SlackError::Invalid("x".to_owned()).is_retryable());
}

#[tokio::test]
async fn an_answer_that_is_not_json_is_invalid() {
    let server = slack_answering(
        "/chat.postMessage",
        ResponseTemplate::new(200).set_body_string("<html>proxy</html>"),
    )
    .await;

    let error = post_one_message(&server).await.unwrap_err();

    assert!(matches!(error, SlackError::Invalid(_)), "{error:?}");
}

#[tokio::test]
async fn more_than_fifty_blocks_are_cut_to_fifty_with_a_marker() {
    let server = slack_answering("/chat.postMessage", posted()).await;

    client_for(&server)
        .await
        .post_message("C0VETTING", &message(60), None)
        .await
        .unwrap();

    let body: Value = requests(&server).await[0].body_json().unwrap();
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), MAX_BLOCKS);
    assert_eq!(blocks[MAX_BLOCKS - 2]["text"]["text"], "block 48");
    assert_eq!(blocks[MAX_BLOCKS - 1]["type"], "context");
    assert_eq!(blocks[MAX_BLOCKS - 1]["elements"][0]["text"], MORE_BLOCKS_MARKER);
}

#[tokio::test]
async fn exactly_fifty_blocks_are_sent_as_they_are() {
    let server = slack_answering("/chat.postMessage", posted()).await;

    client_for(&server)
        .await
        .post_message("C0VETTING", &message(MAX_BLOCKS), None)
        .await
        .unwrap();

    let body: Value = requests(&server).await[0].body_json().unwrap();
    assert_eq!(body["blocks"], message(MAX_BLOCKS).blocks);
}

#[tokio::test]
async fn an_update_calls_chat_update_with_the_channel_ts_and_blocks() {
    let server = MockServer::start().await;
    let card = message(1);
    Mock::given(method("POST"))
        .and(path("/chat.update"))
        .and(header("authorization", "Bearer xoxb-test-token"))
        .and(body_partial_json(json!({
            "channel": "C0VETTING",
            "ts": "1700000000.000100",
            "text": "A nomination to vet",
            "blocks": card.blocks,
        })))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client_for(&server)
        .await
        .update_message("C0VETTING", "1700000000.000100", &card)
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn an_ephemeral_answer_calls_chat_post_ephemeral_for_the_user() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/chat.postEphemeral"))
        .and(header("authorization", "Bearer xoxb-test-token"))
        .and(body_partial_json(
            json!({ "channel": "C0ILN", "user": "U0MEMBER", "text": "Recorded." }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "message_ts": "1.2" })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client_for(&server)
        .await
        .post_ephemeral("C0ILN", "U0MEMBER", "Recorded.")
        .await;

    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn a_modal_is_opened_with_views_open_and_the_trigger_id() {
    let server = MockServer::start().await;
    let view = json!({ "type": "modal", "callback_id": "vetting.reject", "title": { "type": "plain_text", "text": "Reject" } });
    Mock::given(method("POST"))
        .and(path("/views.open"))
        .and(header("authorization", "Bearer xoxb-test-token"))
        .and(body_partial_json(
            json!({ "trigger_id": "12345.98765.abcd", "view": view }),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true, "view": { "id": "V0" } })))
        .expect(1)
        .mount(&server)
        .await;

    let result = client_for(&server).await.open_view("12345.98765.abcd", &view).await;

    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn the_debug_of_a_bot_token_or_client_hides_the_token() {
    let token = BotToken::from(TOKEN.to_owned());
    let client = SlackClient::new("https://slack.com/api", token.clone()).unwrap();

    assert_eq!(format!("{token:?}"), "BotToken(\"<redacted>\")");
    assert!(!format!("{client:?}").contains(TOKEN));
}

#[test]
fn a_base_url_that_is_not_http_is_invalid() {
    for url in ["not a url", "ftp://slack.com/api", ""] {
        let result = SlackClient::new(url, BotToken::new(TOKEN));
        assert!(
            matches!(result, Err(SlackError::Invalid(_))),
            "{url:?} should be refused"
        );
    }
}
