//! The connection to Slack: the bot token, the HTTP client, and one Web
//! API call with its retry policy.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use serde::Serialize;
use serde_json::Value;

use super::error::{SlackError, ok_or_refused};

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

/// One per process: the connection pool is reused across invocations.
#[derive(Clone)]
pub struct SlackClient {
    /// Built by the first call that needs it, not at cold start: many
    /// invocations (a URL check, a signature refused, a batch of e-mails)
    /// never call Slack.
    http: std::sync::Arc<std::sync::OnceLock<Result<reqwest::Client, String>>>,
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

/// A request body as Slack takes it.
pub(super) enum Payload {
    Json(Vec<u8>),
    Form(String),
}

impl Payload {
    /// Serialised here rather than with `.json()` so the charset Slack asks
    /// for is declared; a serialisation error cannot quote the content.
    pub(super) fn json(method: &str, body: &impl Serialize) -> Result<Self, SlackError> {
        serde_json::to_vec(body)
            .map(Self::Json)
            .map_err(|_| SlackError::Invalid(format!("{method} request could not be serialised")))
    }
}

/// What one HTTP attempt came to, before the retry policy decides.
pub(super) enum Attempt {
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
        Ok(Self {
            http: Default::default(),
            base_url,
            authorization,
        })
    }

    /// One Web API call with a JSON body and the retry policy: Retry-After
    /// honoured up to 10 s and 3 attempts in all; one more try after a
    /// network error or 5xx.
    pub(super) async fn call(&self, method: &'static str, body: &impl Serialize) -> Result<Value, SlackError> {
        self.call_with(method, &Payload::json(method, body)?).await
    }

    /// The same with a form body: Slack's read methods (`users.info`,
    /// `users.lookupByEmail`) do not accept JSON.
    pub(super) async fn call_form(&self, method: &'static str, fields: &[(&str, &str)]) -> Result<Value, SlackError> {
        let form = serde_html_form::to_string(fields)
            .map_err(|_| SlackError::Invalid(format!("{method} request could not be encoded")))?;
        self.call_with(method, &Payload::Form(form)).await
    }

    async fn call_with(&self, method: &'static str, payload: &Payload) -> Result<Value, SlackError> {
        let url = self.method_url(method);
        let mut attempts = 0;
        let mut retried_unavailable = false;
        loop {
            attempts += 1;
            match self.attempt(method, &url, payload).await? {
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

    pub(super) fn method_url(&self, method: &str) -> String {
        format!("{}/{method}", self.base_url)
    }

    fn http(&self) -> Result<&reqwest::Client, SlackError> {
        self.http
            .get_or_init(|| {
                crate::tls::client_builder()
                    .timeout(TIMEOUT)
                    .connect_timeout(CONNECT_TIMEOUT)
                    .build()
                    .map_err(|error| format!("HTTP client: {}", crate::telemetry::error_chain(&error)))
            })
            .as_ref()
            .map_err(|error| SlackError::Invalid(error.clone()))
    }

    pub(super) async fn attempt(&self, method: &str, url: &str, payload: &Payload) -> Result<Attempt, SlackError> {
        let (content_type, body) = match payload {
            Payload::Json(bytes) => ("application/json; charset=utf-8", bytes.clone()),
            Payload::Form(form) => ("application/x-www-form-urlencoded", form.clone().into_bytes()),
        };
        let sent = self
            .http()?
            .post(url)
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, content_type)
            .body(body)
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
