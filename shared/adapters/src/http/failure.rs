//! The staff API's failures and the one place each becomes a response, plus
//! the logging every function's failures share.

use iln_domain::staff::AccessRefused;
use lambda_http::http::{Method, StatusCode};
use lambda_http::{Body, Request, Response};
use serde_json::Value;

use super::Unrouted;
use super::{access_refused, error_body, json as json_response, json_error, json_unavailable, too_large, with_allow};
use crate::dynamodb::StoreError;
use crate::telemetry::error_chain;

/// Every expected failure of a staff (JSON) route. Staff read English.
#[derive(Debug)]
pub enum ApiFailure {
    /// `401`/`403`: refused by the token; `needs` names the group the route needs.
    Access {
        refused: AccessRefused,
        needs: &'static str,
    },
    /// `404`; says what was not found.
    NotFound(&'static str),
    /// `405` with `Allow` naming the methods the path takes.
    MethodNotAllowed(String),
    /// `415`; names the media types the route takes.
    UnsupportedMediaType(&'static str),
    /// `413`: the body is over this many bytes.
    TooLarge(usize),
    /// `400`.
    BadRequest(String),
    /// `422`: one field's value is refused.
    Invalid { field: &'static str, message: String },
    /// `403` for a reason other than the token's groups.
    Forbidden(String),
    /// `409` with a body of its own, which may say where things stand now.
    Conflict(Value),
    /// `503` with `Retry-After`: the table did not answer in time, so a
    /// change may or may not have been recorded.
    Unavailable(StoreError),
    /// `500`: logged with its whole cause chain, never returned.
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl ApiFailure {
    /// A `409` that only says why.
    pub fn conflict(message: &str) -> Self {
        ApiFailure::Conflict(error_body(None, message))
    }

    /// The `404` or `405` for a request none of the function's routes
    /// takes; `not_found` says what was not found.
    pub fn unrouted(unrouted: Unrouted, not_found: &'static str) -> Self {
        match unrouted {
            Unrouted::NotFound => ApiFailure::NotFound(not_found),
            Unrouted::MethodNotAllowed(allow) => ApiFailure::MethodNotAllowed(allow),
        }
    }

    /// The answer to `request`, which failed this way.
    pub fn respond(self, request: &Request) -> Response<Body> {
        let (status, message) = match self {
            ApiFailure::Access { refused, needs } => return access_refused(refused, needs),
            ApiFailure::NotFound(what) => (StatusCode::NOT_FOUND, what.to_owned()),
            ApiFailure::MethodNotAllowed(allow) => {
                return with_allow(
                    json_error(StatusCode::METHOD_NOT_ALLOWED, None, "method not allowed"),
                    &allow,
                );
            }
            ApiFailure::UnsupportedMediaType(expected) => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("send {expected}"))
            }
            ApiFailure::TooLarge(limit) => return too_large(limit),
            ApiFailure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
            ApiFailure::Invalid { field, message } => {
                return json_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), &message);
            }
            ApiFailure::Forbidden(message) => (StatusCode::FORBIDDEN, message),
            ApiFailure::Conflict(body) => return json_response(StatusCode::CONFLICT, &body),
            ApiFailure::Unavailable(cause) => {
                log_unavailable(&cause);
                return json_unavailable(unavailable_message(request.method() == Method::GET));
            }
            ApiFailure::Internal(cause) => {
                log_internal(cause.as_ref());
                (StatusCode::INTERNAL_SERVER_ERROR, INTERNAL_MESSAGE.to_owned())
            }
        };
        json_error(status, None, &message)
    }
}

/// What staff are told of a `500`: every command answers only after its one
/// write, so a failure before it changed nothing.
pub const INTERNAL_MESSAGE: &str = "something went wrong on our side; nothing was changed";

/// What staff are told when the table did not answer: every staff command is
/// conditional on a version or keyed (an upsert, an erasure that repeats
/// harmlessly), so sending it again cannot apply it twice.
fn unavailable_message(reads_only: bool) -> &'static str {
    match reads_only {
        true => "the nominations table did not answer in time; nothing was changed; try again shortly",
        false => {
            "the nominations table did not answer in time; the change may or may not have been recorded; \
             sending the same request again is safe: it cannot be applied twice"
        }
    }
}

/// The request's JSON body; `what` names it in the `400` when it is not
/// one (`malformed decision: …`).
pub fn json_body<T: serde::de::DeserializeOwned>(request: &Request, what: &str) -> Result<T, ApiFailure> {
    serde_json::from_slice(request.body().as_ref())
        .map_err(|error| ApiFailure::BadRequest(format!("malformed {what}: {error}")))
}

impl From<StoreError> for ApiFailure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => ApiFailure::Unavailable(error),
            false => ApiFailure::Internal(error.into()),
        }
    }
}

/// A page of a queue: a cursor that is not one of ours is the caller's
/// mistake.
impl From<crate::dynamodb::QueueError> for ApiFailure {
    fn from(error: crate::dynamodb::QueueError) -> Self {
        match error {
            crate::dynamodb::QueueError::Cursor(invalid) => ApiFailure::BadRequest(invalid.to_string()),
            crate::dynamodb::QueueError::Store(error) => error.into(),
        }
    }
}

impl From<iln_domain::pages::RenderError> for ApiFailure {
    fn from(error: iln_domain::pages::RenderError) -> Self {
        ApiFailure::Internal(error.into())
    }
}

/// The cause of a `500`, logged in full: the caller only hears that it failed.
pub fn log_internal(cause: &(dyn std::error::Error + 'static)) {
    tracing::error!(error = %error_chain(cause), "request failed");
}

/// A table that did not answer: the request's outcome is unknown.
pub fn log_unavailable(cause: &StoreError) {
    tracing::warn!(error = %error_chain(cause), "the table did not answer; outcome unknown");
}
