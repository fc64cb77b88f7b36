use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, Dossier, ImportStopped, NominationTable, QueueError, StoreError};
use iln_adapters::http::{access_refused, json, json_error, json_unavailable, media_type, staff, too_large};
use iln_adapters::telemetry::error_chain;
use iln_domain::audit::Actor;
use iln_domain::findings;
use iln_domain::roster::{
    RosterFormatError, parse_roster_csv, parse_roster_json, resume_point, resume_token, roster_text,
};
use iln_domain::staff::{AccessRefused, Staff, StaffRole};
use iln_domain::step::Step;
use iln_domain::vetting::{DecisionForm, DecisionRefused, decide};
use iln_domain::{Language, NominationId, Status};
use lambda_http::http::{Method, StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

pub struct App {
    pub table: NominationTable,
    pub thin_rationale_below: usize,
}

const MAX_DECISION_BYTES: usize = 16 * 1024;
const MAX_WITHDRAWAL_BYTES: usize = 16 * 1024;
/// A roster of 10,000 people is well under this.
const MAX_ROSTER_BYTES: usize = 2 * 1024 * 1024;
/// Kept back from the invocation's deadline when importing a roster, to
/// finish the batches in flight and answer.
const IMPORT_RESERVE: std::time::Duration = std::time::Duration::from_secs(3);
/// The import's time when no invocation deadline is given (the local
/// runner and the tests give one, as Lambda does).
const IMPORT_TIME_WITHOUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(7);
const VETTERS: &str = "the iln-vetters or iln-admins group";
const ADMINS: &str = "the iln-admins group";
const DEFAULT_PAGE: i32 = 20;
const MAX_PAGE: i32 = 100;
/// Endorsements shown per page of a file (a nomination holds at most 50).
const ENDORSEMENT_PAGE: i32 = 20;

/// Every expected failure of this function, and the one place it becomes a
/// response. Staff read English.
enum Failure {
    /// Refused by the token; `needs` names the group the route needs.
    Access {
        refused: AccessRefused,
        needs: &'static str,
    },
    NotFound,
    MethodNotAllowed(&'static str),
    UnsupportedMediaType(&'static str),
    /// The body is over this many bytes.
    TooLarge(usize),
    BadRequest(String),
    Invalid {
        field: &'static str,
        message: String,
    },
    Forbidden(String),
    Conflict(Value),
    /// The table did not answer in time: a change may or may not have been
    /// recorded.
    Unavailable(StoreError),
    /// A roster import that stopped part-way.
    PartialImport(Box<PartialImport>),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

/// A roster import that stopped part-way: the first `imported` entries are
/// stored, and `resume_from` goes on from there.
struct PartialImport {
    accepted: usize,
    refused: Value,
    imported: usize,
    resume_from: String,
    stopped: ImportStopped,
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => Failure::Unavailable(error),
            false => Failure::Internal(error.into()),
        }
    }
}

impl From<AccessRefused> for Failure {
    fn from(refused: AccessRefused) -> Self {
        Failure::Access {
            refused,
            needs: VETTERS,
        }
    }
}

fn admins_only(refused: AccessRefused) -> Failure {
    Failure::Access { refused, needs: ADMINS }
}

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    let result = route(app, &request, now).await;
    let reads_only = request.method() == Method::GET;
    result.unwrap_or_else(|failure| respond_to_failure(failure, reads_only))
}

async fn route(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let staff = staff(request)?;
    staff.require(StaffRole::Vetter)?;
    let segments: Vec<&str> = request.uri().path().trim_matches('/').split('/').collect();
    let method = request.method();
    match segments.as_slice() {
        ["vetting", "nominations"] if method == Method::GET => queue(app, request).await,
        ["vetting", "nominations", id] if method == Method::GET => file(app, request, &staff, id).await,
        ["vetting", "nominations", id, "decision"] if method == Method::POST => {
            decision(app, request, &staff, id, now).await
        }
        ["vetting", "nominations", id, "withdraw"] if method == Method::POST => {
            withdraw(app, request, &staff, id, now).await
        }
        ["vetting", "roster"] if method == Method::PUT => import_roster(app, request, &staff, now).await,
        ["vetting", "roster"] => Err(Failure::MethodNotAllowed("PUT")),
        ["vetting", "nominations", _, "decision" | "withdraw"] => Err(Failure::MethodNotAllowed("POST")),
        ["vetting", "nominations", ..] => Err(Failure::MethodNotAllowed("GET")),
        _ => Err(Failure::NotFound),
    }
}

fn query<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    use lambda_http::RequestExt;
    request
        .query_string_parameters_ref()
        .and_then(|query| query.first(name))
}

fn nomination_id(raw: &str) -> Result<NominationId, Failure> {
    raw.parse().map_err(|_| Failure::NotFound)
}

fn summary(nomination: &iln_domain::Nomination) -> Value {
    let submission = &nomination.submission;
    json!({
        "id": nomination.id,
        "status": nomination.status,
        "version": nomination.version,
        "submitted_at": nomination.submitted_at,
        "updated_at": nomination.updated_at,
        "nominee": { "name": submission.nominee.name, "country": submission.nominee.country, "role": submission.nominee.role },
        "nominator_basis": submission.nominator.basis,
        "language": submission.language,
    })
}

#[tracing::instrument(skip_all)]
async fn queue(app: &App, request: &Request) -> Result<Response<Body>, Failure> {
    let status = match query(request, "status") {
        None => Status::AwaitingVetting,
        Some(raw) => serde_json::from_value(Value::from(raw))
            .map_err(|_| Failure::BadRequest(format!("unknown status {raw:?}")))?,
    };
    let limit = match query(request, "limit") {
        None => DEFAULT_PAGE,
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| Failure::BadRequest(format!("limit must be 1 to {MAX_PAGE}")))?,
    };
    let page = app
        .table
        .queue(status, query(request, "cursor"), limit)
        .await
        .map_err(|error| match error {
            QueueError::Cursor(invalid) => Failure::BadRequest(invalid.to_string()),
            QueueError::Store(error) => error.into(),
        })?;
    let items: Vec<Value> = page.nominations.iter().map(summary).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

async fn load(app: &App, id: NominationId) -> Result<Dossier, Failure> {
    app.table.dossier(id).await?.ok_or(Failure::NotFound)
}

#[tracing::instrument(skip_all, fields(nomination_id = %raw_id))]
async fn file(app: &App, request: &Request, staff: &Staff, raw_id: &str) -> Result<Response<Body>, Failure> {
    let id = nomination_id(raw_id)?;
    let dossier = load(app, id).await?;
    let page = app
        .table
        .endorsements(id, query(request, "endorsements_cursor"), ENDORSEMENT_PAGE)
        .await
        .map_err(|error| match error {
            QueueError::Cursor(invalid) => Failure::BadRequest(invalid.to_string()),
            QueueError::Store(error) => error.into(),
        })?;
    let surroundings = app.table.surroundings(&dossier).await?;
    let findings = findings::assess(
        &dossier.nomination,
        &surroundings,
        staff.email.as_ref(),
        app.thin_rationale_below,
    );
    let nomination = &dossier.nomination;
    let endorsements: Vec<Value> = page
        .endorsements
        .iter()
        .map(|e| json!({ "at": e.at, "nominator": e.nominator, "rationale": e.rationale, "links": e.links }))
        .collect();
    let additions: Vec<Value> = dossier
        .additions
        .iter()
        .map(|a| json!({ "at": a.at, "request": a.request, "information": a.information }))
        .collect();
    let mut audit = dossier.audit.clone();
    audit.sort_by_key(|event| event.at);
    Ok(json(
        StatusCode::OK,
        &json!({
            "id": nomination.id,
            "status": nomination.status,
            "version": nomination.version,
            "submitted_at": nomination.submitted_at,
            "updated_at": nomination.updated_at,
            "submission": nomination.submission,
            "endorsement_count": dossier.endorsement_count,
            "endorsements": endorsements,
            "endorsements_next_cursor": page.next_cursor,
            "additions": additions,
            "audit": audit,
            "findings": findings,
        }),
    ))
}

#[tracing::instrument(skip_all, fields(nomination_id = %raw_id))]
async fn decision(
    app: &App,
    request: &Request,
    staff: &Staff,
    raw_id: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let id = nomination_id(raw_id)?;
    if media_type(request).as_deref() != Some("application/json") {
        return Err(Failure::UnsupportedMediaType("application/json"));
    }
    let body = request.body().as_ref();
    if body.len() > MAX_DECISION_BYTES {
        return Err(Failure::TooLarge(MAX_DECISION_BYTES));
    }
    let form: DecisionForm =
        serde_json::from_slice(body).map_err(|error| Failure::BadRequest(format!("malformed decision: {error}")))?;
    let decided = form.parse().map_err(|(field, problem)| Failure::Invalid {
        field,
        message: problem.message(Language::En),
    })?;
    // Who decides must be known by address: the nominator and the endorsers
    // may not decide, and only an address tells them apart.
    let email = staff.email.as_ref().ok_or_else(|| {
        Failure::Forbidden("a decision needs your verified e-mail address in the token (its email claim)".to_owned())
    })?;
    let dossier = load(app, id).await?;
    let actor = Actor::Vetter(staff.subject.clone());
    let step = decide(
        &dossier.nomination,
        &dossier.endorsers(),
        actor,
        email,
        &decided,
        form.expected_version,
        now,
    )
    .map_err(|refused| match refused {
        DecisionRefused::DecidedByNominatorOrEndorser => Failure::Forbidden(refused.to_string()),
        DecisionRefused::Stale { .. } | DecisionRefused::Illegal(_) => conflict(&dossier, &refused.to_string()),
    })?;
    commit(app, &step, "another decision was recorded first").await?;
    tracing::info!(command = %decided.command(), to = %step.to, "decision recorded");
    Ok(json(
        StatusCode::OK,
        &json!({ "id": id, "status": step.to, "version": step.next_version() }),
    ))
}

/// Writes `step`; when another writer moved the nomination first, a 409 that
/// says where it stands now.
async fn commit(app: &App, step: &Step, lost_race: &str) -> Result<(), Failure> {
    match app.table.commit(step).await? {
        Commit::Written => Ok(()),
        Commit::Raced => Err(conflict(&load(app, step.id()).await?, lost_race)),
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawalForm {
    reason: String,
}

/// Admins only: an open nomination withdrawn, its card updated.
#[tracing::instrument(skip_all, fields(nomination_id = %raw_id))]
async fn withdraw(
    app: &App,
    request: &Request,
    staff: &Staff,
    raw_id: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    staff.require(StaffRole::Admin).map_err(admins_only)?;
    if request.body().len() > MAX_WITHDRAWAL_BYTES {
        return Err(Failure::TooLarge(MAX_WITHDRAWAL_BYTES));
    }
    let form: WithdrawalForm = serde_json::from_slice(request.body().as_ref())
        .map_err(|error| Failure::BadRequest(format!("malformed withdrawal: {error}")))?;
    let reason = iln_domain::vetting::Reason::parse(&form.reason).map_err(|problem| Failure::Invalid {
        field: "reason",
        message: problem.message(Language::En),
    })?;
    let dossier = load(app, nomination_id(raw_id)?).await?;
    let by = iln_domain::audit::Actor::Admin(staff.subject.clone());
    let step = iln_domain::vetting::withdraw(&dossier.nomination, by, Some(&reason), now)
        .map_err(|refusal| conflict(&dossier, &refusal.to_string()))?;
    commit(app, &step, "the nomination changed meanwhile").await?;
    Ok(json(StatusCode::OK, &json!({ "id": step.id(), "status": step.to })))
}

/// A 409 that says where the nomination stands now and who moved it last.
fn conflict(dossier: &Dossier, message: &str) -> Failure {
    let nomination = &dossier.nomination;
    let last_move = nomination.last_move.as_ref();
    Failure::Conflict(json!({
        "errors": [{ "message": message }],
        "current": {
            "status": nomination.status,
            "version": nomination.version,
            "moved_by": last_move.map(|last| &last.actor),
            "moved_at": last_move.map(|last| last.at),
        },
    }))
}

/// Admins only: who may nominate on the strength of a category.
#[tracing::instrument(skip_all)]
async fn import_roster(
    app: &App,
    request: &Request,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    staff.require(StaffRole::Admin).map_err(admins_only)?;
    let body = request.body().as_ref();
    if body.len() > MAX_ROSTER_BYTES {
        return Err(Failure::TooLarge(MAX_ROSTER_BYTES));
    }
    let format_error = |error: RosterFormatError| Failure::BadRequest(error.to_string());
    let text = roster_text(body).map_err(format_error)?;
    let import = match media_type(request).as_deref() {
        Some("text/csv") => parse_roster_csv(text),
        Some("application/json") => parse_roster_json(text),
        _ => return Err(Failure::UnsupportedMediaType("text/csv or application/json")),
    }
    .map_err(format_error)?;
    // An import that stopped part-way goes on where it stopped.
    let skip = match query(request, "resume_from") {
        None => 0,
        Some(token) => resume_point(body, token).map_err(|bad| Failure::BadRequest(bad.to_string()))?,
    };
    let accepted = import.accepted.len();
    let refused = json!(import.refused);
    let remaining: Vec<_> = import.accepted.into_iter().skip(skip).collect();
    let deadline = import_deadline(request);
    match app.table.import_roster(remaining, now, deadline).await {
        Ok(_) => {
            tracing::info!(accepted, refused = import.refused.len(), skip, "roster imported");
            Ok(json(
                StatusCode::OK,
                &json!({ "accepted": accepted, "refused": refused }),
            ))
        }
        Err(partial) => Err(Failure::PartialImport(Box::new(PartialImport {
            accepted,
            refused,
            imported: skip.min(accepted) + partial.written,
            resume_from: resume_token(body, skip.min(accepted) + partial.written),
            stopped: partial.stopped,
        }))),
    }
}

/// When the roster import must stop starting batches: the invocation's
/// deadline less a reserve to answer in.
fn import_deadline(request: &Request) -> tokio::time::Instant {
    use lambda_http::RequestExt;
    let left = match request.lambda_context_ref() {
        Some(context) if context.deadline > 0 => {
            let now_millis = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or_default();
            let left = u128::from(context.deadline).saturating_sub(now_millis);
            std::time::Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX)).saturating_sub(IMPORT_RESERVE)
        }
        _ => IMPORT_TIME_WITHOUT_DEADLINE,
    };
    tokio::time::Instant::now() + left
}

/// What staff are told when the table did not answer: every command here is
/// conditional on the nomination's version or keyed (the roster upserts), so
/// sending it again cannot apply it twice; a repeat that finds it applied is
/// answered 409 with where the nomination stands.
fn unavailable_message(reads_only: bool) -> &'static str {
    match reads_only {
        true => "the nominations table did not answer in time; nothing was changed; try again shortly",
        false => {
            "the nominations table did not answer in time; the change may or may not have been recorded; \
             sending the same request again is safe: it cannot be applied twice"
        }
    }
}

fn respond_to_failure(failure: Failure, reads_only: bool) -> Response<Body> {
    let (status, message) = match failure {
        Failure::Access { refused, needs } => return access_refused(refused, needs),
        Failure::NotFound => (StatusCode::NOT_FOUND, "no such nomination or route".to_owned()),
        Failure::MethodNotAllowed(allow) => {
            let mut response = json_error(StatusCode::METHOD_NOT_ALLOWED, None, "method not allowed");
            if let Ok(value) = allow.parse() {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return response;
        }
        Failure::UnsupportedMediaType(expected) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, format!("send {expected}")),
        Failure::TooLarge(limit) => return too_large(limit),
        Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
        Failure::Invalid { field, message } => {
            return json_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), &message);
        }
        Failure::Forbidden(message) => (StatusCode::FORBIDDEN, message),
        Failure::Conflict(body) => return json(StatusCode::CONFLICT, &body),
        Failure::Unavailable(cause) => {
            tracing::warn!(error = %error_chain(&cause), "the table did not answer; outcome unknown");
            return json_unavailable(unavailable_message(reads_only));
        }
        Failure::PartialImport(partial) => {
            let PartialImport {
                accepted,
                refused,
                imported,
                resume_from,
                stopped,
            } = *partial;
            match &stopped {
                ImportStopped::OutOfTime => tracing::warn!(accepted, imported, "roster import ran out of time"),
                ImportStopped::Store(cause) => {
                    tracing::error!(accepted, imported, error = %error_chain(cause), "roster import stopped");
                }
            }
            let message = format!(
                "the import stopped part-way: the first {imported} of {accepted} accepted entries are saved; \
                 send the same document again to PUT /vetting/roster?resume_from={resume_from} to go on \
                 (or without resume_from to start over: entries are upserted)"
            );
            let mut response = json(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({
                    "errors": [{ "message": message }],
                    "accepted": accepted,
                    "imported": imported,
                    "resume_from": resume_from,
                    "refused": refused,
                }),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, lambda_http::http::HeaderValue::from_static("1"));
            return response;
        }
        Failure::Internal(cause) => {
            tracing::error!(error = %error_chain(cause.as_ref()), "request failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "something went wrong on our side; nothing was changed".to_owned(),
            )
        }
    };
    json_error(status, None, &message)
}
