//! What Slack's answers mean: success, a refusal worth retrying, or one
//! that is final.

use std::time::Duration;

use serde_json::Value;

/// Slack's error codes that mean "try again later", not "this is wrong".
pub(super) const RETRYABLE_ERRORS: [&str; 5] = [
    "ratelimited",
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
];

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

pub(super) fn ok_or_refused(method: &str, answer: Value) -> Result<Value, SlackError> {
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
