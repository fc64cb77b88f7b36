use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, Dossier, ImportStopped, NominationTable};
use iln_adapters::http::{
    ApiFailure, error_body, json, json_body, media_type, path_parameter, route, staff, with_header,
};
use iln_adapters::staff_commands::{self, CommandRefused};
use iln_adapters::telemetry::error_chain;
use iln_domain::correction::{self, CorrectionForm, CorrectionRefused};
use iln_domain::discussion::DiscussionRules;
use iln_domain::findings;
use iln_domain::roster::{
    RosterFormatError, RosterImport, parse_roster_csv, parse_roster_json, resume_point, resume_token, roster_text,
};
use iln_domain::staff::{AccessRefused, Staff, StaffRole};
use iln_domain::vetting::DecisionForm;
use iln_domain::{EmailAddress, Language, NominationId, Status};
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};

mod discussion;

pub struct App {
    pub table: NominationTable,
    pub thin_rationale_below: usize,
    pub rules: DiscussionRules,
    /// Where a referral to the IAC sends the file.
    pub iac_address: EmailAddress,
}

const MAX_DECISION_BYTES: usize = 16 * 1024;
const MAX_WITHDRAWAL_BYTES: usize = 16 * 1024;
const MAX_CORRECTION_BYTES: usize = 16 * 1024;
const MAX_ROSTER_BYTES: usize = RosterImport::MAX_BYTES;
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

/// A roster import that stopped part-way: the first `imported` entries are
/// stored, and `resume_from` goes on from there.
struct PartialImport {
    accepted: usize,
    refused: Value,
    imported: usize,
    resume_from: String,
    stopped: ImportStopped,
}

/// A vetter's group is needed for every route; an admin's for some.
fn refused_vetter(refused: AccessRefused) -> ApiFailure {
    ApiFailure::Access {
        refused,
        needs: VETTERS,
    }
}

fn admins_only(refused: AccessRefused) -> ApiFailure {
    ApiFailure::Access { refused, needs: ADMINS }
}

#[derive(Clone, Copy)]
enum Route {
    Queue,
    File,
    Decision,
    Withdraw,
    Correct,
    ResolveConcern,
    ReferToIac,
    IacOutcome,
    ImportRoster,
}

/// The routes template.yaml gives this function.
const ROUTES: &[(&str, Route)] = &[
    ("GET /vetting/nominations", Route::Queue),
    ("GET /vetting/nominations/{id}", Route::File),
    ("POST /vetting/nominations/{id}/decision", Route::Decision),
    ("POST /vetting/nominations/{id}/withdraw", Route::Withdraw),
    ("POST /vetting/nominations/{id}/corrections", Route::Correct),
    (
        "POST /vetting/nominations/{id}/concerns/{concern}/resolution",
        Route::ResolveConcern,
    ),
    ("POST /vetting/nominations/{id}/referral", Route::ReferToIac),
    ("POST /vetting/nominations/{id}/referral/outcome", Route::IacOutcome),
    ("PUT /vetting/roster", Route::ImportRoster),
];

const NOT_FOUND: &str = "no such nomination or route";

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    let result = dispatch(app, &request, now).await;
    result.unwrap_or_else(|failure| failure.respond(&request))
}

async fn dispatch(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let staff = staff(request).map_err(refused_vetter)?;
    staff.require(StaffRole::Vetter).map_err(refused_vetter)?;
    let route = route(request, ROUTES).map_err(|unrouted| ApiFailure::unrouted(unrouted, NOT_FOUND))?;
    match route {
        Route::Queue => queue(app, request).await,
        Route::File => file(app, request, &staff, nomination_id(request)?, now).await,
        Route::Decision => decision(app, request, &staff, nomination_id(request)?, now).await,
        Route::Withdraw => withdraw(app, request, &staff, nomination_id(request)?, now).await,
        Route::Correct => correct(app, request, &staff, nomination_id(request)?, now).await,
        Route::ResolveConcern => discussion::resolve_concern(app, request, &staff, nomination_id(request)?, now).await,
        Route::ReferToIac => discussion::refer_to_iac(app, request, &staff, nomination_id(request)?, now).await,
        Route::IacOutcome => discussion::record_iac_outcome(app, request, &staff, nomination_id(request)?, now).await,
        Route::ImportRoster => import_roster(app, request, &staff, now).await,
    }
}

fn query<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    use lambda_http::RequestExt;
    request
        .query_string_parameters_ref()
        .and_then(|query| query.first(name))
}

/// The nomination the route's `{id}` names.
fn nomination_id(request: &Request) -> Result<NominationId, ApiFailure> {
    path_parameter(request, "id")
        .and_then(|raw| raw.parse().ok())
        .ok_or(ApiFailure::NotFound(NOT_FOUND))
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
        "nominee_language": submission.nominee_language(),
    })
}

#[tracing::instrument(skip_all)]
async fn queue(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    let status = match query(request, "status") {
        None => Status::AwaitingVetting,
        Some(raw) => serde_json::from_value(Value::from(raw))
            .map_err(|_| ApiFailure::BadRequest(format!("unknown status {raw:?}")))?,
    };
    let limit = match query(request, "limit") {
        None => DEFAULT_PAGE,
        Some(raw) => raw
            .parse::<i32>()
            .ok()
            .filter(|limit| (1..=MAX_PAGE).contains(limit))
            .ok_or_else(|| ApiFailure::BadRequest(format!("limit must be 1 to {MAX_PAGE}")))?,
    };
    let page = app.table.queue(status, None, query(request, "cursor"), limit).await?;
    let items: Vec<Value> = page.nominations.iter().map(summary).collect();
    Ok(json(
        StatusCode::OK,
        &json!({ "items": items, "next_cursor": page.next_cursor }),
    ))
}

async fn load(app: &App, id: NominationId) -> Result<Dossier, ApiFailure> {
    app.table.dossier(id).await?.ok_or(ApiFailure::NotFound(NOT_FOUND))
}

#[tracing::instrument(skip_all, fields(nomination_id = %id))]
async fn file(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let dossier = load(app, id).await?;
    // Who read the file is part of its history, written beside the reads.
    let read = iln_domain::audit::AuditEvent::by_staff(now, staff.actor(), iln_domain::audit::Happening::FileRead);
    let (page, surroundings, recorded) = tokio::join!(
        app.table
            .endorsements(id, query(request, "endorsements_cursor"), ENDORSEMENT_PAGE),
        app.table.surroundings(&dossier),
        app.table.record_reads(std::slice::from_ref(&id), &read)
    );
    let (page, surroundings) = (page?, surroundings?);
    recorded?;
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
            "discussion": nomination.discussion,
            "audit": audit,
            "findings": findings,
        }),
    ))
}

#[tracing::instrument(skip_all, fields(nomination_id = %id))]
async fn decision(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    if media_type(request).as_deref() != Some("application/json") {
        return Err(ApiFailure::UnsupportedMediaType("application/json"));
    }
    let body = request.body().as_ref();
    if body.len() > MAX_DECISION_BYTES {
        return Err(ApiFailure::TooLarge(MAX_DECISION_BYTES));
    }
    let form: DecisionForm = json_body(request, "decision")?;
    let decided = form.parse().map_err(|(field, problem)| ApiFailure::Invalid {
        field,
        message: problem.message(Language::En),
    })?;
    let step = staff_commands::decide(&app.table, staff, id, &decided, form.expected_version, &app.rules, now)
        .await
        .map_err(refused)?;
    Ok(json(
        StatusCode::OK,
        &json!({ "id": id, "status": step.to, "version": step.next_version() }),
    ))
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WithdrawalForm {
    reason: String,
}

/// Admins only: an open nomination withdrawn, its card updated.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
async fn withdraw(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    staff.require(StaffRole::Admin).map_err(admins_only)?;
    if request.body().len() > MAX_WITHDRAWAL_BYTES {
        return Err(ApiFailure::TooLarge(MAX_WITHDRAWAL_BYTES));
    }
    let form: WithdrawalForm = json_body(request, "withdrawal")?;
    let reason = iln_domain::vetting::Reason::parse(&form.reason).map_err(|problem| ApiFailure::Invalid {
        field: "reason",
        message: problem.message(Language::En),
    })?;
    let step = staff_commands::withdraw(&app.table, staff, id, &reason, now)
        .await
        .map_err(refused)?;
    Ok(json(StatusCode::OK, &json!({ "id": step.id(), "status": step.to })))
}

/// A JSON body of at most `limit` bytes, as the staff API's small requests
/// send it.
fn small_json<T: serde::de::DeserializeOwned>(request: &Request, what: &str, limit: usize) -> Result<T, ApiFailure> {
    if media_type(request).as_deref() != Some("application/json") {
        return Err(ApiFailure::UnsupportedMediaType("application/json"));
    }
    if request.body().len() > limit {
        return Err(ApiFailure::TooLarge(limit));
    }
    json_body(request, what)
}

/// Vetters and admins correct the nominee before the invitation is sent.
#[tracing::instrument(skip_all, fields(nomination_id = %id))]
async fn correct(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: CorrectionForm = small_json(request, "correction", MAX_CORRECTION_BYTES)?;
    let (correction, reason) = form.parse().map_err(|(field, problem)| ApiFailure::Invalid {
        field,
        message: problem.message(Language::En),
    })?;
    let dossier = load(app, id).await?;
    let by = staff.actor();
    let step = correction::correct(
        &dossier.nomination,
        &correction,
        &reason,
        form.expected_version,
        by,
        now,
    )
    .map_err(|refused| match refused {
        CorrectionRefused::Unchanged => ApiFailure::Invalid {
            field: "nominee",
            message: refused.to_string(),
        },
        _ => conflict(&dossier, &refused.to_string()),
    })?;
    if app.table.commit(&step).await? == Commit::Raced {
        if let Some(address) = &correction.email
            && app.table.held_by_another(address, id).await?
        {
            return Err(ApiFailure::conflict("someone with that address is nominated already"));
        }
        return Err(conflict(&load(app, id).await?, "the nomination changed meanwhile"));
    }
    tracing::info!("nominee corrected");
    Ok(json(
        StatusCode::OK,
        &json!({ "id": id, "status": step.to, "version": step.next_version() }),
    ))
}

/// A 409 that says where the nomination stands now and who moved it last.
fn conflict(dossier: &Dossier, message: &str) -> ApiFailure {
    conflict_at(&dossier.nomination, message)
}

/// A `409` that says where `nomination` stands now.
fn conflict_at(nomination: &iln_domain::Nomination, message: &str) -> ApiFailure {
    let last_move = nomination.last_move.as_ref();
    let mut body = error_body(None, message);
    body["current"] = json!({
        "status": nomination.status,
        "version": nomination.version,
        "moved_by": last_move.map(|last| &last.actor),
        "moved_at": last_move.map(|last| last.at),
    });
    ApiFailure::Conflict(body)
}

/// A staff command's refusal as the API answers it.
pub(super) fn refused(refused: CommandRefused) -> ApiFailure {
    match refused {
        CommandRefused::NotFound => ApiFailure::NotFound(NOT_FOUND),
        CommandRefused::Forbidden(message) => ApiFailure::Forbidden(message),
        CommandRefused::Conflict { message, now } => conflict_at(&now, &message),
        CommandRefused::NotNow(message) => ApiFailure::conflict(&message),
        CommandRefused::NoSuchConcern => ApiFailure::NotFound("no such open concern on this nomination"),
        CommandRefused::Store(error) => error.into(),
    }
}

/// Admins only: who may nominate on the strength of a category.
#[tracing::instrument(skip_all)]
async fn import_roster(
    app: &App,
    request: &Request,
    staff: &Staff,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    staff.require(StaffRole::Admin).map_err(admins_only)?;
    let body = request.body().as_ref();
    if body.len() > MAX_ROSTER_BYTES {
        return Err(ApiFailure::TooLarge(MAX_ROSTER_BYTES));
    }
    let format_error = |error: RosterFormatError| ApiFailure::BadRequest(error.to_string());
    let text = roster_text(body).map_err(format_error)?;
    let import = match media_type(request).as_deref() {
        Some("text/csv") => parse_roster_csv(text),
        Some("application/json") => parse_roster_json(text),
        _ => return Err(ApiFailure::UnsupportedMediaType("text/csv or application/json")),
    }
    .map_err(format_error)?;
    // An import that stopped part-way goes on where it stopped.
    let skip = match query(request, "resume_from") {
        None => 0,
        Some(token) => resume_point(body, token).map_err(|bad| ApiFailure::BadRequest(bad.to_string()))?,
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
        Err(partial) => {
            let imported = skip.min(accepted) + partial.written;
            Ok(partial_import(PartialImport {
                accepted,
                refused,
                imported,
                resume_from: resume_token(body, imported),
                stopped: partial.stopped,
            }))
        }
    }
}

/// When the roster import must stop starting batches: the invocation's
/// deadline less a reserve to answer in.
fn import_deadline(request: &Request) -> tokio::time::Instant {
    tokio::time::Instant::from_std(iln_adapters::deadline::stop_for(
        request,
        IMPORT_RESERVE,
        IMPORT_TIME_WITHOUT_DEADLINE,
    ))
}

/// A `503` that says how much of the roster is saved and how to go on.
fn partial_import(partial: PartialImport) -> Response<Body> {
    let PartialImport {
        accepted,
        refused,
        imported,
        resume_from,
        stopped,
    } = partial;
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
    let mut body = error_body(None, &message);
    body["accepted"] = json!(accepted);
    body["imported"] = json!(imported);
    body["resume_from"] = json!(resume_from);
    body["refused"] = refused;
    let response = json(StatusCode::SERVICE_UNAVAILABLE, &body);
    // The next batch can start at once: the time ran out, not the table.
    with_header(response, header::RETRY_AFTER, "1")
}
