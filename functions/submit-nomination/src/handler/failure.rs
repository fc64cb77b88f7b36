//! Every expected failure of this function, and the one place it becomes a
//! response in the reader's language: a page for a person, JSON for a program.

use iln_adapters::dynamodb::StoreError;
use iln_adapters::http::{
    html, json, json_error, json_unavailable, log_internal, log_unavailable, unavailable_page, with_allow,
};
use iln_domain::Language;
use iln_domain::intake::{FieldErrors, NominationForm};
use iln_domain::pages::{self, Interrupted, RenderError};
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Response};
use serde_json::json;

use super::Reader;

/// Every expected failure of this function, and the one place it becomes a
/// response.
pub(super) enum Failure {
    NotFound,
    /// Names the methods the path takes.
    MethodNotAllowed(String),
    UnsupportedMediaType,
    TooLarge,
    InvalidUtf8,
    Malformed(String),
    Invalid(Box<NominationForm>, FieldErrors),
    /// A submission limit is reached: try again after `retry_after`;
    /// `language`: the one chosen in the form.
    TooMany {
        retry_after: chrono::Duration,
        language: Language,
    },
    /// The table did not answer in time: what was sent may or may not have
    /// been recorded. `language`: one the request chose in its body.
    Unavailable {
        cause: StoreError,
        language: Option<Language>,
    },
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => Failure::Unavailable {
                cause: error,
                language: None,
            },
            false => Failure::Internal(error.into()),
        }
    }
}

impl Failure {
    /// The nominator chose a language in the nomination itself.
    pub(super) fn in_language(self, chosen: Language) -> Self {
        match self {
            Failure::Unavailable { cause, .. } => Failure::Unavailable {
                cause,
                language: Some(chosen),
            },
            other => other,
        }
    }
}

impl From<RenderError> for Failure {
    fn from(error: RenderError) -> Self {
        Failure::Internal(error.into())
    }
}

pub(super) fn respond_to_failure(
    failure: Failure,
    language: Language,
    reader: Reader,
    interrupted: Interrupted,
) -> Response<Body> {
    let (status, message) = match &failure {
        Failure::NotFound => (StatusCode::NOT_FOUND, language.text("http.not_found")),
        Failure::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, language.text("http.method_not_allowed")),
        Failure::UnsupportedMediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            language.text("http.unsupported_media_type"),
        ),
        Failure::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, language.text("http.too_large")),
        Failure::InvalidUtf8 => (StatusCode::BAD_REQUEST, language.text("http.invalid_utf8")),
        Failure::Malformed(detail) => (
            StatusCode::BAD_REQUEST,
            language.text("http.malformed").replace("{detail}", detail),
        ),
        // The nominator chose a language in the nomination itself.
        Failure::Invalid(form, errors) => {
            return invalid_nomination(form, errors, form.language_or(language), reader);
        }
        Failure::TooMany { retry_after, language } => {
            return too_many(*retry_after, *language, reader);
        }
        Failure::Unavailable {
            cause,
            language: chosen,
        } => {
            log_unavailable(cause);
            let language = chosen.unwrap_or(language);
            return match reader {
                Reader::Program => json_unavailable(&interrupted.message(language)),
                Reader::Person => unavailable_page(language, interrupted),
            };
        }
        Failure::Internal(cause) => {
            log_internal(cause.as_ref());
            (StatusCode::INTERNAL_SERVER_ERROR, language.text("http.internal"))
        }
    };
    let response = error_answer(status, &message, language, reader);
    match &failure {
        Failure::MethodNotAllowed(allow) => with_allow(response, allow),
        _ => response,
    }
}

/// An error page for a person, a JSON error for a program.
fn error_answer(status: StatusCode, message: &str, language: Language, reader: Reader) -> Response<Body> {
    match reader {
        Reader::Program => json_error(status, None, message),
        Reader::Person => match pages::error(language, status.as_u16(), message) {
            Ok(page) => html(status, page),
            Err(_) => html(status, message.to_owned()),
        },
    }
}

/// `429` with `Retry-After` (seconds), told in the reader's language.
fn too_many(retry_after: chrono::Duration, language: Language, reader: Reader) -> Response<Body> {
    let seconds = retry_after.num_seconds().max(1);
    let minutes = (seconds + 59) / 60;
    let message = language
        .text("http.too_many")
        .replace("{minutes}", &minutes.to_string());
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut response = error_answer(status, &message, language, reader);
    if let Ok(value) = seconds.to_string().parse() {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

fn invalid_nomination(
    form: &NominationForm,
    errors: &FieldErrors,
    language: Language,
    reader: Reader,
) -> Response<Body> {
    match reader {
        Reader::Program => {
            let errors: Vec<_> = errors
                .iter()
                .map(|error| json!({ "field": error.field.name(), "message": error.problem.message(language) }))
                .collect();
            json(StatusCode::UNPROCESSABLE_ENTITY, &json!({ "errors": errors }))
        }
        Reader::Person => match pages::nomination_form(language, Some(form), Some(errors)) {
            Ok(page) => html(StatusCode::UNPROCESSABLE_ENTITY, page),
            Err(error) => respond_to_failure(
                Failure::Internal(error.into()),
                language,
                reader,
                Interrupted::Nomination,
            ),
        },
    }
}
