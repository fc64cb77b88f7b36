//! The nomination form's submission, from a person's browser or a program.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::SubmitOutcome;
use iln_adapters::http::{html, json, media_type, source_ip};
use iln_domain::intake::NominationForm;
use iln_domain::limits::SourceNetwork;
use iln_domain::pages;
use iln_domain::{Language, NominationId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::{App, Failure, MAX_BODY_BYTES, Reader};

#[tracing::instrument(skip_all)]
pub(super) async fn submit(
    app: &App,
    request: &Request,
    request_language: Language,
    reader: Reader,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let body = request.body().as_ref();
    let media_type = media_type(request);
    let is_json = match media_type.as_deref() {
        Some("application/json") => true,
        Some("application/x-www-form-urlencoded") => false,
        _ => return Err(Failure::UnsupportedMediaType),
    };
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| Failure::InvalidUtf8)?;
    if text.trim().is_empty() {
        return Err(Failure::Malformed("empty body".to_owned()));
    }
    let form: NominationForm = if is_json {
        serde_json::from_str(text).map_err(|error| Failure::Malformed(error.to_string()))?
    } else {
        serde_html_form::from_str(text).map_err(|error| Failure::Malformed(error.to_string()))?
    };
    let language = form.language_or(request_language);
    if form.is_bait_taken() {
        // Answered as if accepted, so that the program learns nothing.
        tracing::info!("the hidden field was filled in: nothing recorded or sent");
        return accepted(reader, NominationId::new(now), language);
    }
    let submission = match form.parse(language) {
        Ok(submission) => submission,
        Err(errors) => return Err(Failure::Invalid(Box::new(form), errors)),
    };

    let source = source_ip(request).and_then(SourceNetwork::of);
    let counters = app.limits.counters(source.as_ref(), &submission.nominator.email, now);
    let opening = iln_domain::step::submit(NominationId::new(now), submission, now);
    let id = opening.id;
    let outcome = app
        .table
        .submit(&opening, &counters)
        .await
        // Safe to repeat: the same nominator nominating the same person
        // again records and mails nothing new.
        .map_err(|error| Failure::from(error).in_language(language))?;
    tracing::info!(reference = %id, outcome = outcome_name(&outcome), "nomination received");
    match outcome {
        // Every accepted submission is answered alike, with a reference of
        // its own: the answer tells nothing about anyone else's nomination.
        SubmitOutcome::Created | SubmitOutcome::AlreadyPending => accepted(reader, id, language),
        SubmitOutcome::Limited(counter) => Err(Failure::TooMany {
            retry_after: counter.retry_after(now),
            language,
        }),
    }
}

fn accepted(reader: Reader, reference: NominationId, language: Language) -> Result<Response<Body>, Failure> {
    match reader {
        Reader::Program => Ok(json(
            StatusCode::ACCEPTED,
            &json!({ "id": reference, "status": "submitted" }),
        )),
        Reader::Person => Ok(html(StatusCode::OK, pages::thank_you(language)?)),
    }
}

fn outcome_name(outcome: &SubmitOutcome) -> &'static str {
    match outcome {
        SubmitOutcome::Created => "created",
        SubmitOutcome::AlreadyPending => "already_pending",
        SubmitOutcome::Limited(_) => "limited",
    }
}
