use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{
    Commit, Dossier, NominationTable, StoreError, StoredToken, SubmitOutcome, retry_on_conflict,
};
use iln_adapters::http::{html, json, json_unavailable, media_type, source_ip, unavailable, with_header};
use iln_adapters::telemetry::error_chain;
use iln_domain::audit::Actor;
use iln_domain::intake::{FieldErrors, NominationForm};
use iln_domain::limits::{SourceNetwork, SubmissionLimits};
use iln_domain::pages::{self, Interrupted, RenderError, TokenProblem, WithdrawPage};
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::verification::{Verification, verify_nominator};
use iln_domain::vetting::{AddedInformation, Answerable, Withdrawable, answerable, latest_question, withdrawable};
use iln_domain::{Language, Nomination, NominationId};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use crate::Config;

/// Larger bodies are refused before they are read: a nomination is a few KiB.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub struct App {
    table: NominationTable,
    limits: SubmissionLimits,
}

impl App {
    pub fn new(aws: &SdkConfig, config: &Config) -> Self {
        Self::with_table(
            NominationTable::new(aws_sdk_dynamodb::Client::new(aws), &config.table_name),
            config.limits,
        )
    }

    pub fn with_table(table: NominationTable, limits: SubmissionLimits) -> Self {
        Self { table, limits }
    }
}

/// Every expected failure of this function, and the one place it becomes a
/// response.
enum Failure {
    NotFound,
    MethodNotAllowed,
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
    fn in_language(self, chosen: Language) -> Self {
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

/// How the client wants to be answered: the form page reads HTML, API
/// clients read JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Person,
    Program,
}

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    let language = request_language(&request);
    let reader = reader(&request);
    let interrupted = interrupted(request.method(), request.uri().path());
    let result = match (request.method(), request.uri().path()) {
        (&Method::GET, "/nominate") => page(pages::nomination_form(language, None, None)),
        (&Method::POST, "/nominations") => submit(app, &request, language, reader, now).await,
        (_, "/nominations") => Err(Failure::MethodNotAllowed),
        (&Method::GET, pages::VERIFY_PATH) => verify_page(app, &request, now).await,
        (&Method::POST, pages::VERIFY_PATH) => verify(app, &request, now).await,
        (&Method::GET, pages::INFORMATION_PATH) => information_page(app, &request, now).await,
        (&Method::POST, pages::INFORMATION_PATH) => add_information(app, &request, now).await,
        (&Method::GET, pages::WITHDRAW_PATH) => withdraw_page(app, &request, now).await,
        (&Method::POST, pages::WITHDRAW_PATH) => withdraw(app, &request, now).await,
        (&Method::GET, "/privacy") => page(pages::privacy(language)),
        _ => Err(Failure::NotFound),
    };
    result.unwrap_or_else(|failure| respond_to_failure(failure, language, reader, interrupted))
}

/// What a request was doing, should the table not answer it.
fn interrupted(method: &Method, path: &str) -> Interrupted {
    match (method, path) {
        (&Method::POST, "/nominations") => Interrupted::Nomination,
        (&Method::POST, pages::VERIFY_PATH) => Interrupted::Verification,
        (&Method::POST, pages::INFORMATION_PATH) => Interrupted::Answer,
        (&Method::POST, pages::WITHDRAW_PATH) => Interrupted::Withdrawal,
        _ => Interrupted::Page,
    }
}

fn page(rendered: Result<String, RenderError>) -> Result<Response<Body>, Failure> {
    Ok(html(StatusCode::OK, rendered?))
}

fn request_language(request: &Request) -> Language {
    let query = request.query_string_parameters();
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Language::negotiate(query.first("lang"), accept_language)
}

fn reader(request: &Request) -> Reader {
    let accepts = |wanted: &str| {
        request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains(wanted))
    };
    let sent_json = media_type(request).as_deref() == Some("application/json");
    if sent_json || (accepts("application/json") && !accepts("text/html")) {
        Reader::Program
    } else {
        Reader::Person
    }
}

#[tracing::instrument(skip_all)]
async fn submit(
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

/// Where a verification link stands: the nomination it would verify, or
/// the page that says why there is nothing to do.
enum VerifyLink {
    Open {
        nomination: Box<Nomination>,
        token: StoredToken,
        hash: TokenHash,
        language: Language,
    },
    Closed(Response<Body>),
}

async fn verify_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<VerifyLink, Failure> {
    let query = request.query_string_parameters();
    let explicit_language = query.first("lang").and_then(|raw| Language::parse(raw).ok());
    let fallback = request_language(request);
    let closed = |language: Language, status: StatusCode, problem: TokenProblem| {
        Ok(VerifyLink::Closed(html(
            status,
            pages::token_problem(language, problem)?,
        )))
    };
    let Some(hash) = presented.and_then(TokenHash::of_presented) else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    let token = app.table.token(&hash).await?;
    let Some(token) = token.filter(|t| t.purpose == TokenPurpose::VerifyNominatorEmail) else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    let Some(nomination) = app.table.nomination(token.nomination_id).await? else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    // The nominator chose a language when nominating; a `?lang=` still wins.
    let language = explicit_language.unwrap_or(nomination.submission.language);
    // Without the holder: only whether there is anything left to verify.
    match verify_nominator(
        &nomination,
        &hash,
        token.used_at.is_some(),
        token.valid_until,
        None,
        now,
    ) {
        Verification::AlreadyVerified => Ok(VerifyLink::Closed(html(
            StatusCode::OK,
            pages::verified(language, true)?,
        ))),
        Verification::Expired => closed(language, StatusCode::GONE, TokenProblem::Expired),
        Verification::Closed => closed(language, StatusCode::GONE, TokenProblem::Closed),
        Verification::Verifies(_) => Ok(VerifyLink::Open {
            nomination: Box::new(nomination),
            token,
            hash,
            language,
        }),
    }
}

/// The nominator's verification link: a page with a button, so that a mail
/// scanner following links verifies nothing.
#[tracing::instrument(skip_all)]
async fn verify_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match verify_link(app, request, presented, now).await? {
        VerifyLink::Closed(response) => Ok(response),
        VerifyLink::Open { language, .. } => Ok(html(
            StatusCode::OK,
            pages::verify(language, presented.unwrap_or_default())?,
        )),
    }
}

/// The form sent back from a link's page: its token.
#[derive(serde::Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

/// The verification page's button: the first verified nomination of a
/// person holds them; one verified later merges into it as an endorsement.
/// The page says the same either way.
#[tracing::instrument(skip_all)]
async fn verify(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: TokenForm = form_body(request)?;
    // A lost race is re-read: the person may have been taken meanwhile.
    retry_on_conflict(3, || async {
        let (nomination, token, hash, language) = match verify_link(app, request, Some(&form.token), now).await? {
            VerifyLink::Closed(response) => return Ok(Some(response)),
            VerifyLink::Open {
                nomination,
                token,
                hash,
                language,
            } => (nomination, token, hash, language),
        };
        let submission = &nomination.submission;
        let holder = app
            .table
            .holder(&submission.nominee.email, &submission.nominator.email)
            .await?;
        let spent = token.used_at.is_some();
        let Verification::Verifies(step) =
            verify_nominator(&nomination, &hash, spent, token.valid_until, holder.as_ref(), now)
        else {
            // Moved on between the two reads: the next round says how.
            return Ok(None);
        };
        if app.table.commit(&step).await? == Commit::Raced {
            return Ok(None);
        }
        tracing::info!(nomination_id = %nomination.id, to = %step.to, "nominator verified");
        Ok(Some(html(StatusCode::OK, pages::verified(language, false)?)))
    })
    .await
}

fn respond_to_failure(
    failure: Failure,
    language: Language,
    reader: Reader,
    interrupted: Interrupted,
) -> Response<Body> {
    let (status, message) = match &failure {
        Failure::NotFound => (StatusCode::NOT_FOUND, language.text("http.not_found")),
        Failure::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, language.text("http.method_not_allowed")),
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
            tracing::warn!(error = %error_chain(cause), "the table did not answer; outcome unknown");
            let language = chosen.unwrap_or(language);
            return match reader {
                Reader::Program => json_unavailable(&interrupted.message(language)),
                Reader::Person => match pages::unavailable(language, interrupted) {
                    Ok(page) => unavailable(html(StatusCode::SERVICE_UNAVAILABLE, page)),
                    Err(_) => unavailable(html(StatusCode::SERVICE_UNAVAILABLE, interrupted.message(language))),
                },
            };
        }
        Failure::Internal(cause) => {
            tracing::error!(error = %error_chain(cause.as_ref()), "request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, language.text("http.internal"))
        }
    };
    let response = match reader {
        Reader::Program => json(status, &json!({ "errors": [{ "message": message }] })),
        Reader::Person => match pages::error(language, status.as_u16(), &message) {
            Ok(page) => html(status, page),
            Err(_) => html(status, message),
        },
    };
    if status == StatusCode::METHOD_NOT_ALLOWED {
        return with_header(response, header::ALLOW, "POST");
    }
    response
}

/// `429` with `Retry-After` (seconds), told in the reader's language.
fn too_many(retry_after: chrono::Duration, language: Language, reader: Reader) -> Response<Body> {
    let seconds = retry_after.num_seconds().max(1);
    let minutes = (seconds + 59) / 60;
    let message = language
        .text("http.too_many")
        .replace("{minutes}", &minutes.to_string());
    let status = StatusCode::TOO_MANY_REQUESTS;
    let mut response = match reader {
        Reader::Program => json(status, &json!({ "errors": [{ "message": message }] })),
        Reader::Person => match pages::error(language, status.as_u16(), &message) {
            Ok(page) => html(status, page),
            Err(_) => html(status, message),
        },
    };
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

/// A form sent back from one of the nominator's pages.
fn form_body<T: serde::de::DeserializeOwned>(request: &Request) -> Result<T, Failure> {
    if media_type(request).as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(Failure::UnsupportedMediaType);
    }
    let body = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| Failure::InvalidUtf8)?;
    serde_html_form::from_str(text).map_err(|error| Failure::Malformed(error.to_string()))
}

/// The form sent back from the information page.
#[derive(serde::Deserialize)]
struct InformationForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    information: String,
}

/// Where an information link stands: the nomination it is for, or the page
/// that explains why it no longer works.
enum InformationLink {
    Open {
        nomination: Box<Dossier>,
        hash: TokenHash,
        language: Language,
    },
    Closed(Response<Body>),
}

async fn information_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<InformationLink, Failure> {
    let query = request.query_string_parameters();
    let explicit_language = query.first("lang").and_then(|raw| Language::parse(raw).ok());
    let fallback = request_language(request);
    let closed = |language: Language, status: StatusCode, problem: TokenProblem| {
        Ok(InformationLink::Closed(html(
            status,
            pages::token_problem(language, problem)?,
        )))
    };
    let Some(hash) = presented.and_then(TokenHash::of_presented) else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    let token = app.table.token(&hash).await?;
    let Some(token) = token.filter(|t| t.purpose == TokenPurpose::ProvideInformation) else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    let Some(dossier) = app.table.dossier(token.nomination_id).await? else {
        return closed(fallback, StatusCode::NOT_FOUND, TokenProblem::Unknown);
    };
    let language = explicit_language.unwrap_or(dossier.nomination.submission.language);
    match answerable(
        dossier.nomination.status,
        token.used_at.is_some(),
        token.valid_until,
        now,
    ) {
        Answerable::Yes => Ok(InformationLink::Open {
            nomination: Box::new(dossier),
            hash,
            language,
        }),
        Answerable::AlreadyAnswered => Ok(InformationLink::Closed(html(
            StatusCode::OK,
            pages::information_received(language)?,
        ))),
        Answerable::Expired => closed(language, StatusCode::GONE, TokenProblem::Expired),
        Answerable::Closed => closed(language, StatusCode::GONE, TokenProblem::Closed),
    }
}

#[tracing::instrument(skip_all)]
async fn information_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match information_link(app, request, presented, now).await? {
        InformationLink::Closed(response) => Ok(response),
        InformationLink::Open {
            nomination, language, ..
        } => {
            let question = latest_question(&nomination.audit).unwrap_or_default();
            let page = pages::information_form(language, question, presented.unwrap_or_default(), "", None)?;
            Ok(html(StatusCode::OK, page))
        }
    }
}

#[tracing::instrument(skip_all)]
async fn add_information(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: InformationForm = form_body(request)?;
    let (dossier, hash, language) = match information_link(app, request, Some(&form.token), now).await? {
        InformationLink::Closed(response) => return Ok(response),
        InformationLink::Open {
            nomination,
            hash,
            language,
        } => (nomination, hash, language),
    };
    let information = match AddedInformation::parse(&form.information) {
        Ok(information) => information,
        Err(problem) => {
            let question = latest_question(&dossier.audit).unwrap_or_default();
            let page = pages::information_form(language, question, &form.token, &form.information, Some(problem))?;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let answer = iln_domain::vetting::answer(&dossier.nomination, information, hash, now);
    match app.table.add_information(&answer).await {
        // A concurrent answer or decision won: the link's state says which.
        Ok(()) | Err(iln_adapters::dynamodb::MoveError::Conflict) => {
            match information_link(app, request, Some(&form.token), now).await? {
                InformationLink::Closed(response) => Ok(response),
                InformationLink::Open { .. } => Err(Failure::Internal("the information was not recorded".into())),
            }
        }
        Err(iln_adapters::dynamodb::MoveError::Store(error)) => Err(error.into()),
    }
}

/// Where a withdraw link stands: the nomination it would withdraw, or the
/// page that says why there is nothing to do.
enum WithdrawLink {
    Open {
        nomination: Box<Nomination>,
        language: Language,
    },
    Closed(Response<Body>),
}

async fn withdraw_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<WithdrawLink, Failure> {
    let query = request.query_string_parameters();
    let explicit_language = query.first("lang").and_then(|raw| Language::parse(raw).ok());
    let fallback = request_language(request);
    let unknown = |language: Language| {
        Ok(WithdrawLink::Closed(html(
            StatusCode::NOT_FOUND,
            pages::token_problem(language, TokenProblem::Unknown)?,
        )))
    };
    let Some(hash) = presented.and_then(TokenHash::of_presented) else {
        return unknown(fallback);
    };
    let token = app.table.token(&hash).await?;
    let Some(token) = token.filter(|t| t.purpose == TokenPurpose::WithdrawNomination) else {
        return unknown(fallback);
    };
    let Some(nomination) = app.table.nomination(token.nomination_id).await? else {
        return unknown(fallback);
    };
    let language = explicit_language.unwrap_or(nomination.submission.language);
    let closed = |status: StatusCode, page: WithdrawPage| {
        Ok(WithdrawLink::Closed(html(status, pages::withdraw(language, page)?)))
    };
    match withdrawable(nomination.status, token.valid_until, now) {
        Withdrawable::AlreadyWithdrawn => closed(StatusCode::OK, WithdrawPage::Done),
        Withdrawable::Closed => closed(StatusCode::GONE, WithdrawPage::AlreadyClosed),
        Withdrawable::Yes => Ok(WithdrawLink::Open {
            nomination: Box::new(nomination),
            language,
        }),
    }
}

/// The nominator's withdraw link: asks before anything happens, so that a
/// mail scanner following links withdraws nothing.
#[tracing::instrument(skip_all)]
async fn withdraw_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match withdraw_link(app, request, presented, now).await? {
        WithdrawLink::Closed(response) => Ok(response),
        WithdrawLink::Open { nomination, language } => {
            let confirm = WithdrawPage::Confirm {
                nominee_name: nomination.submission.nominee.name.as_str(),
                token: presented.unwrap_or_default(),
            };
            Ok(html(StatusCode::OK, pages::withdraw(language, confirm)?))
        }
    }
}

#[tracing::instrument(skip_all)]
async fn withdraw(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: TokenForm = form_body(request)?;
    retry_on_conflict(2, || async {
        let (nomination, language) = match withdraw_link(app, request, Some(&form.token), now).await? {
            WithdrawLink::Closed(response) => return Ok(Some(response)),
            WithdrawLink::Open { nomination, language } => (nomination, language),
        };
        let Ok(step) = iln_domain::vetting::withdraw(&nomination, Actor::Nominator, None, now) else {
            let page = pages::withdraw(language, WithdrawPage::AlreadyClosed)?;
            return Ok(Some(html(StatusCode::GONE, page)));
        };
        if app.table.commit(&step).await? == Commit::Raced {
            return Ok(None);
        }
        tracing::info!(nomination_id = %nomination.id, "withdrawn by the nominator");
        Ok(Some(html(
            StatusCode::OK,
            pages::withdraw(language, WithdrawPage::Done)?,
        )))
    })
    .await
}
