//! Calling Slack's Web API: posting and updating cards, ephemeral answers,
//! opening modals. Messages carry personal data: neither they nor the bot
//! token are ever logged or quoted in an error.

use std::borrow::Cow;
use std::time::Duration;

use iln_domain::slack::{MAX_BLOCKS, SlackMessage};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

const TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// Attempts of one call in all, however many times Slack asks us to wait.
const MAX_ATTEMPTS: u32 = 3;
/// A longer Retry-After is handed back to the caller (the outbox retries
/// later) rather than holding a Lambda invocation open.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(10);
/// Slack sends Retry-After with every 429; if it ever does not, wait a second.
const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);
const UNAVAILABLE_PAUSE: Duration = Duration::from_millis(200);
/// A trigger id lives 3 s, and Slack waits 3 s for the answer to the click
/// that opens a modal: one attempt, cut off in time, never a wait.
const MODAL_DEADLINE: Duration = Duration::from_millis(2_500);
const MORE_BLOCKS_MARKER: &str = "… more in the vetting page";
/// Slack's error codes that mean "try again later", not "this is wrong".
const RETRYABLE_ERRORS: [&str; 5] = [
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

/// The bot token (`xoxb-…`). Never printed.
#[derive(Clone)]
pub struct BotToken(String);

impl BotToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }
}

impl From<String> for BotToken {
    fn from(token: String) -> Self {
        Self(token)
    }
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("BotToken").field(&"<redacted>").finish()
    }
}

/// Slack could not be reached, refused, or answered nonsense. No variant
/// carries the token or any message content.
#[derive(Debug, thiserror::Error)]
pub enum SlackError {
    /// Still rate limited after honouring Retry-After.
    #[error("Slack is rate limiting this call; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// Network error, timeout or 5xx: worth retrying later.
    #[error("Slack is unavailable: {0}")]
    Unavailable(String),
    /// Slack answered `{"ok": false, "error": …}`: its error code only.
    #[error("Slack refused the call: {error}")]
    Refused { error: String },
    /// A bad base URL or token, a response that is not Slack's JSON.
    #[error("invalid Slack call: {0}")]
    Invalid(String),
}

impl SlackError {
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::RateLimited { .. } | Self::Unavailable(_) => true,
            Self::Refused { error } => RETRYABLE_ERRORS.contains(&error.as_str()),
            Self::Invalid(_) => false,
        }
    }
}

/// Where `chat.postMessage` put the message: what `chat.update` needs later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedMessage {
    pub channel: String,
    pub ts: String,
}

/// One per process: the connection pool is reused across invocations.
#[derive(Clone)]
pub struct SlackClient {
    http: reqwest::Client,
    base_url: String,
    authorization: HeaderValue,
}

impl std::fmt::Debug for SlackClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlackClient")
            .field("base_url", &self.base_url)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct MessageBody<'a> {
    channel: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thread_ts: Option<&'a str>,
    text: &'a str,
    #[serde(skip_serializing_if = "Value::is_null")]
    blocks: Cow<'a, Value>,
    /// Cards link to the vetting page: Slack must not fetch and preview it.
    #[serde(skip_serializing_if = "Option::is_none")]
    unfurl_links: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unfurl_media: Option<bool>,
}

impl<'a> MessageBody<'a> {
    fn new(channel: &'a str, message: &'a SlackMessage) -> Self {
        Self {
            channel,
            ts: None,
            thread_ts: None,
            text: &message.text,
            blocks: within_block_limit(&message.blocks),
            unfurl_links: None,
            unfurl_media: None,
        }
    }
}

/// Slack rejects a message of more than 50 blocks outright; keep 49 and say
/// where the rest is.
fn within_block_limit(blocks: &Value) -> Cow<'_, Value> {
    match blocks.as_array() {
        Some(list) if list.len() > MAX_BLOCKS => {
            let mut kept = list[..MAX_BLOCKS - 1].to_vec();
            kept.push(json!({
                "type": "context",
                "elements": [{ "type": "mrkdwn", "text": MORE_BLOCKS_MARKER }],
            }));
            Cow::Owned(Value::Array(kept))
        }
        _ => Cow::Borrowed(blocks),
    }
}

/// What one HTTP attempt came to, before the retry policy decides.
enum Attempt {
    Answered(Value),
    RateLimited(Duration),
    Unavailable(String),
}

impl SlackClient {
    /// `base_url`: `https://slack.com/api` in AWS, a local stand-in or test
    /// server otherwise. A trailing slash is ignored. The bot token travels
    /// with every call, so only https will do, except to this machine
    /// (loopback: the stand-in and test servers).
    pub fn new(base_url: impl Into<String>, bot_token: BotToken) -> Result<Self, SlackError> {
        let base_url = base_url.into().trim_end_matches('/').to_owned();
        let parsed =
            Url::parse(&base_url).map_err(|error| SlackError::Invalid(format!("base URL {base_url:?}: {error}")))?;
        let loopback = parsed.host_str().is_some_and(|host| {
            host.eq_ignore_ascii_case("localhost")
                || host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        });
        match parsed.scheme() {
            "https" => {}
            "http" if loopback => {}
            _ => {
                return Err(SlackError::Invalid(format!(
                    "base URL {base_url:?} must be https (http only on loopback)"
                )));
            }
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {}", bot_token.0))
            .map_err(|_| SlackError::Invalid("the bot token is not a valid header value".to_owned()))?;
        authorization.set_sensitive(true);
        let http = crate::tls::client_builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|error| SlackError::Invalid(format!("HTTP client: {}", crate::telemetry::error_chain(&error))))?;
        Ok(Self {
            http,
            base_url,
            authorization,
        })
    }

    #[tracing::instrument(skip_all, fields(method = "chat.postMessage"))]
    pub async fn post_message(
        &self,
        channel: &str,
        message: &SlackMessage,
        thread_ts: Option<&str>,
    ) -> Result<PostedMessage, SlackError> {
        let body = MessageBody {
            thread_ts,
            unfurl_links: Some(false),
            unfurl_media: Some(false),
            ..MessageBody::new(channel, message)
        };
        let answer = self.call("chat.postMessage", &body).await?;
        serde_json::from_value(answer)
            .map_err(|_| SlackError::Invalid("chat.postMessage answer lacks channel or ts".to_owned()))
    }

    #[tracing::instrument(skip_all, fields(method = "chat.update"))]
    pub async fn update_message(&self, channel: &str, ts: &str, message: &SlackMessage) -> Result<(), SlackError> {
        let body = MessageBody {
            ts: Some(ts),
            ..MessageBody::new(channel, message)
        };
        self.call("chat.update", &body).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(method = "chat.postEphemeral"))]
    pub async fn post_ephemeral(&self, channel: &str, user: &str, text: &str) -> Result<(), SlackError> {
        let body = json!({ "channel": channel, "user": user, "text": text });
        self.call("chat.postEphemeral", &body).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(method = "views.open"))]
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), SlackError> {
        let body = json!({ "trigger_id": trigger_id, "view": view });
        let url = format!("{}/views.open", self.base_url);
        match tokio::time::timeout(MODAL_DEADLINE, self.attempt("views.open", &url, &body)).await {
            Err(_) => Err(SlackError::Unavailable(
                "views.open did not answer while the trigger was valid".to_owned(),
            )),
            Ok(attempt) => match attempt? {
                Attempt::Answered(answer) => ok_or_refused("views.open", answer).map(drop),
                Attempt::RateLimited(retry_after) => Err(SlackError::RateLimited { retry_after }),
                Attempt::Unavailable(reason) => Err(SlackError::Unavailable(reason)),
            },
        }
    }

    /// One Web API call with the retry policy: Retry-After honoured up to
    /// 10 s and 3 attempts in all; one more try after a network error or 5xx.
    async fn call(&self, method: &'static str, body: &impl Serialize) -> Result<Value, SlackError> {
        let url = format!("{}/{method}", self.base_url);
        let mut attempts = 0;
        let mut retried_unavailable = false;
        loop {
            attempts += 1;
            match self.attempt(method, &url, body).await? {
                Attempt::Answered(answer) => return ok_or_refused(method, answer),
                Attempt::RateLimited(retry_after) => {
                    if attempts >= MAX_ATTEMPTS || retry_after > MAX_RETRY_AFTER {
                        return Err(SlackError::RateLimited { retry_after });
                    }
                    tracing::warn!(?retry_after, attempts, "Slack rate limited the call; waiting");
                    tokio::time::sleep(retry_after).await;
                }
                Attempt::Unavailable(reason) => {
                    if retried_unavailable || attempts >= MAX_ATTEMPTS {
                        return Err(SlackError::Unavailable(reason));
                    }
                    tracing::warn!(%reason, "Slack is unavailable; trying once more");
                    retried_unavailable = true;
                    tokio::time::sleep(UNAVAILABLE_PAUSE).await;
                }
            }
        }
    }

    async fn attempt(&self, method: &str, url: &str, body: &impl Serialize) -> Result<Attempt, SlackError> {
        // Serialised here rather than with `.json()` so the charset Slack asks
        // for is declared; a serialisation error cannot quote the content.
        let payload = serde_json::to_vec(body)
            .map_err(|_| SlackError::Invalid(format!("{method} request could not be serialised")))?;
        let sent = self
            .http
            .post(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "application/json; charset=utf-8")
            .body(payload)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Ok(Attempt::Unavailable(describe(method, &error))),
        };
        let status = response.status();
        if status == StatusCode::TOO_MANY_REQUESTS {
            return Ok(Attempt::RateLimited(retry_after(response.headers())));
        }
        if status.is_server_error() {
            return Ok(Attempt::Unavailable(format!("{method} answered HTTP {status}")));
        }
        let bytes = match response.bytes().await {
            Ok(bytes) => bytes,
            Err(error) => return Ok(Attempt::Unavailable(describe(method, &error))),
        };
        match serde_json::from_slice::<Value>(&bytes) {
            // Slack answers unknown methods and the like with a 4xx and its
            // usual `{"ok": false, "error": …}`: that code says more.
            Ok(answer) if status.is_success() || answer.get("ok") == Some(&Value::Bool(false)) => {
                Ok(Attempt::Answered(answer))
            }
            _ if !status.is_success() => Err(SlackError::Invalid(format!("{method} answered HTTP {status}"))),
            _ => Err(SlackError::Invalid(format!("{method} answer is not JSON"))),
        }
    }
}

fn ok_or_refused(method: &str, answer: Value) -> Result<Value, SlackError> {
    match answer.get("ok").and_then(Value::as_bool) {
        Some(true) => Ok(answer),
        Some(false) => Err(SlackError::Refused {
            error: answer
                .get("error")
                .and_then(Value::as_str)
                .unwrap_or("unknown_error")
                .to_owned(),
        }),
        None => Err(SlackError::Invalid(format!("{method} answer has no \"ok\""))),
    }
}

fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    headers
        .get(RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(DEFAULT_RETRY_AFTER, Duration::from_secs)
}

/// A transport error with its causes. The URL it names is the base URL and
/// method only; the token travels in a header and is never part of it.
fn describe(method: &str, error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "failed"
    };
    let cause = crate::telemetry::error_chain(error);
    format!("{method} {kind}: {cause}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;
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
        ResponseTemplate::new(200)
            .set_body_json(json!({ "ok": true, "channel": "C0VETTING", "ts": "1700000000.000100" }))
    }

    async fn requests(server: &MockServer) -> Vec<wiremock::Request> {
        server.received_requests().await.unwrap()
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
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(posted())
            .mount(&server)
            .await;

        let result = client_for(&server)
            .await
            .post_message("C0VETTING", &message(1), None)
            .await;

        assert!(result.is_ok());
        assert_eq!(requests(&server).await.len(), 2);
    }

    #[tokio::test]
    async fn two_server_errors_are_unavailable_and_retryable() {
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(ResponseTemplate::new(503))
            .mount(&server)
            .await;

        let error = client_for(&server)
            .await
            .post_message("C0VETTING", &message(1), None)
            .await
            .unwrap_err();

        assert!(matches!(error, SlackError::Unavailable(_)), "{error:?}");
        assert!(error.is_retryable());
        assert_eq!(requests(&server).await.len(), 2);
    }

    #[tokio::test]
    async fn a_modal_is_tried_once_and_never_waits_for_a_rate_limit() {
        let server = MockServer::start().await;
        Mock::given(path("/views.open"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
            .mount(&server)
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
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
            .up_to_n_times(1)
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(posted())
            .mount(&server)
            .await;

        let result = client_for(&server)
            .await
            .post_message("C0VETTING", &message(1), None)
            .await;

        assert!(result.is_ok());
        assert_eq!(requests(&server).await.len(), 2);
    }

    #[tokio::test]
    async fn a_rate_limit_with_a_long_retry_after_is_returned_at_once() {
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "60"))
            .mount(&server)
            .await;
        let started = Instant::now();

        let error = client_for(&server)
            .await
            .post_message("C0VETTING", &message(1), None)
            .await
            .unwrap_err();

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
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": "channel_not_found" })),
            )
            .mount(&server)
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
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(ResponseTemplate::new(200).set_body_string("<html>proxy</html>"))
            .mount(&server)
            .await;

        let error = client_for(&server)
            .await
            .post_message("C0VETTING", &message(1), None)
            .await
            .unwrap_err();

        assert!(matches!(error, SlackError::Invalid(_)), "{error:?}");
    }

    #[tokio::test]
    async fn more_than_fifty_blocks_are_cut_to_fifty_with_a_marker() {
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(posted())
            .mount(&server)
            .await;

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
        let server = MockServer::start().await;
        Mock::given(path("/chat.postMessage"))
            .respond_with(posted())
            .mount(&server)
            .await;

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
}
