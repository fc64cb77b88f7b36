use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, Correction, MoveError, NominationTable, StoreError};
use iln_adapters::http::{access_refused, html, json, json_error, json_unavailable, staff, too_large, unavailable};
use iln_adapters::telemetry::error_chain;
use iln_domain::membership::{self, InvitationState, Member, MemberId, MemberStatus};
use iln_domain::nomination::Country;
use iln_domain::pages;
use iln_domain::staff::{AccessRefused, StaffRole};
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::vetting::Reason;
use iln_domain::{EmailAddress, Language, Nomination};
use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;

use crate::Config;
use crate::outbox_admin;

pub struct App {
    pub table: NominationTable,
    pub config: Config,
}

/// Every body this function reads (a form, an admin's JSON) is small.
const MAX_BODY_BYTES: usize = 16 * 1024;

/// Every expected failure, and the one place it becomes a response.
pub(crate) enum Failure {
    Access(AccessRefused),
    NotFound,
    MethodNotAllowed,
    BadRequest(String),
    Invalid {
        field: &'static str,
        message: String,
    },
    Conflict(String),
    /// The table did not answer in time: a change may or may not have been
    /// recorded.
    Unavailable(StoreError),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => Failure::Unavailable(error),
            false => Failure::Internal(error.into()),
        }
    }
}

impl From<pages::RenderError> for Failure {
    fn from(error: pages::RenderError) -> Self {
        Failure::Internal(error.into())
    }
}

/// Who reads the answer to a failure: the nominee reads a page in their
/// language, admins read JSON.
#[derive(Clone, Copy)]
enum Reader {
    Nominee {
        language: Language,
        interrupted: pages::Interrupted,
    },
    Admin {
        reads_only: bool,
    },
}

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    if request.body().len() > MAX_BODY_BYTES {
        return too_large(MAX_BODY_BYTES);
    }
    let segments: Vec<String> = request
        .uri()
        .path()
        .trim_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect();
    let segments: Vec<&str> = segments.iter().map(String::as_str).collect();
    let method = request.method().clone();
    let reader = match segments.as_slice() {
        ["invitations", ..] => Reader::Nominee {
            // Without the table the invitation's language is unknown: the
            // link's `?lang=` or the browser's choice stands in.
            language: Language::negotiate(
                request.query_string_parameters().first("lang"),
                request
                    .headers()
                    .get(header::ACCEPT_LANGUAGE)
                    .and_then(|v| v.to_str().ok()),
            ),
            interrupted: match method {
                Method::GET => pages::Interrupted::Page,
                _ => pages::Interrupted::Answer,
            },
        },
        _ => Reader::Admin {
            reads_only: method == Method::GET,
        },
    };
    let result = match (segments.as_slice(), method) {
        (["invitations", token], Method::GET) => invitation_page(app, &request, token, now).await,
        (["invitations", token, "accept"], Method::POST) => answer(app, &request, token, Answer::Accept, now).await,
        (["invitations", token, "decline"], Method::POST) => answer(app, &request, token, Answer::Decline, now).await,
        (["admin", "invitations"], Method::POST) => invite_directly(app, &request, now).await,
        (["admin", "invitations", id, "resend"], Method::POST) => resend(app, &request, id, now).await,
        (["admin", "invitations", id, "revoke"], Method::POST) => revoke(app, &request, id, now).await,
        (["admin", "invitations", id, "address"], Method::POST) => correct_address(app, &request, id, now).await,
        (["admin", "members"], Method::GET) => members(app, &request).await,
        (["admin", "members", id], Method::GET) => member(app, &request, id).await,
        (["admin", "members", id, "derecognize"], Method::POST) => derecognize(app, &request, id, now).await,
        (["admin", "people", "export"], Method::GET) => export_person(app, &request, now).await,
        (["admin", "people", "erase"], Method::POST) => erase_person(app, &request, now).await,
        (["admin", "outbox"], Method::GET) => outbox_admin::list(app, &request).await,
        (["admin", "outbox", id, "retry"], Method::POST) => outbox_admin::retry(app, &request, id, now).await,
        (["admin", "outbox", id, "cancel"], Method::POST) => outbox_admin::cancel(app, &request, id).await,
        (["invitations", ..] | ["admin", ..], _) => Err(Failure::MethodNotAllowed),
        _ => Err(Failure::NotFound),
    };
    result.unwrap_or_else(|failure| respond_to_failure(failure, reader))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Decline,
}

/// The invitation behind a link and its page language, or the page that
/// says why the link does not work.
enum Link {
    Open {
        nomination: Box<Nomination>,
        hash: TokenHash,
        language: Language,
    },
    Refused(Response<Body>),
}

async fn link(app: &App, request: &Request, presented: &str, now: DateTime<Utc>) -> Result<Link, Failure> {
    let query = request.query_string_parameters();
    let explicit = query.first("lang").and_then(|raw| Language::parse(raw).ok());
    let refused = |language: Language, status: StatusCode, problem: &str| -> Result<Link, Failure> {
        let page = pages::invitation_problem(language, problem, app.config.contact_address.as_str())?;
        Ok(Link::Refused(html(status, page)))
    };
    let fallback = explicit.unwrap_or_default();
    let Some(hash) = TokenHash::of_presented(presented) else {
        return refused(fallback, StatusCode::NOT_FOUND, "unknown");
    };
    let token = app
        .table
        .token(&hash)
        .await?
        .filter(|t| t.purpose == TokenPurpose::AnswerInvitation);
    let Some(token) = token else {
        return refused(fallback, StatusCode::NOT_FOUND, "unknown");
    };
    let Some(nomination) = app.table.nomination(token.nomination_id).await? else {
        return refused(fallback, StatusCode::NOT_FOUND, "unknown");
    };
    let language = explicit.unwrap_or(nomination.submission.language);
    let current = nomination.invitation.as_ref().is_some_and(|sent| sent.token == hash);
    match membership::invitation_state(
        nomination.status,
        token.used_at.is_some(),
        current,
        token.valid_until,
        now,
    ) {
        InvitationState::Open => Ok(Link::Open {
            nomination: Box::new(nomination),
            hash,
            language,
        }),
        InvitationState::Used => refused(language, StatusCode::GONE, "used"),
        InvitationState::Revoked => refused(language, StatusCode::GONE, "revoked"),
        InvitationState::Expired => refused(language, StatusCode::GONE, "expired"),
    }
}

#[tracing::instrument(skip_all)]
async fn invitation_page(
    app: &App,
    request: &Request,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    match link(app, request, token, now).await? {
        Link::Refused(response) => Ok(response),
        Link::Open {
            nomination, language, ..
        } => {
            let name = nomination.submission.nominee.name.as_str();
            Ok(html(
                StatusCode::OK,
                pages::invitation(language, name, token, &app.config.terms_version)?,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
struct AnswerForm {
    #[serde(default)]
    terms_version: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
async fn answer(
    app: &App,
    request: &Request,
    token: &str,
    answer: Answer,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let body = request.body().as_ref();
    let form: AnswerForm = serde_html_form::from_bytes(body).map_err(|_| Failure::BadRequest("not a form".into()))?;
    let (nomination, hash, language) = match link(app, request, token, now).await? {
        Link::Refused(response) => return Ok(response),
        Link::Open {
            nomination,
            hash,
            language,
        } => (nomination, hash, language),
    };
    let step = match answer {
        Answer::Accept => match membership::accept(
            &nomination,
            &hash,
            &form.terms_version,
            &app.config.terms_version,
            &app.config.slack_join_url,
            now,
        ) {
            Ok(step) => step,
            // The page was older than the terms: show the current ones.
            Err(membership::AcceptRefused::OutdatedTerms { .. }) => {
                let name = nomination.submission.nominee.name.as_str();
                let page = pages::invitation(language, name, token, &app.config.terms_version)?;
                return Ok(html(StatusCode::CONFLICT, page));
            }
            Err(membership::AcceptRefused::Illegal(_)) => return Err(Failure::Conflict("already answered".into())),
        },
        Answer::Decline => membership::decline(&nomination, &hash, Some(form.reason.as_str()), now)
            .map_err(|_| Failure::Conflict("already answered".into()))?,
    };
    match app.table.commit(&step).await? {
        Commit::Written => {
            tracing::info!(nomination_id = %nomination.id, accepted = answer == Answer::Accept, "invitation answered");
            let page = match answer {
                Answer::Accept => pages::invitation_accepted(language, &app.config.slack_join_url)?,
                Answer::Decline => pages::invitation_declined(language)?,
            };
            Ok(html(StatusCode::OK, page))
        }
        // Another answer won: the link now says it was used.
        Commit::Raced => match link(app, request, token, now).await? {
            Link::Refused(response) => Ok(response),
            Link::Open { .. } => Err(Failure::Conflict("the invitation changed; try again".into())),
        },
    }
}

#[tracing::instrument(skip_all)]
async fn invite_directly(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let form: membership::DirectInvitationForm = serde_json::from_slice(request.body().as_ref())
        .map_err(|error| Failure::BadRequest(format!("malformed invitation: {error}")))?;
    // The admin's own address signs the invitation; IMI's if the token has none.
    let author = admin
        .email
        .clone()
        .unwrap_or_else(|| app.config.contact_address.clone());
    let submission = form.parse(&author).map_err(|(field, problem)| Failure::Invalid {
        field,
        message: problem.message(Language::En),
    })?;
    let opening =
        iln_domain::step::invite_directly(iln_domain::NominationId::new(now), submission, &admin.subject, now);
    let id = opening.id;
    if !app.table.open_directly(&opening).await? {
        return Err(Failure::Conflict("this person is already nominated or a member".into()));
    }
    tracing::info!(nomination_id = %id, "direct invitation created");
    Ok(json(StatusCode::ACCEPTED, &json!({ "id": id, "status": "confirmed" })))
}

async fn invitation_of(app: &App, raw: &str) -> Result<Nomination, Failure> {
    let id: iln_domain::NominationId = raw.parse().map_err(|_| Failure::NotFound)?;
    app.table.nomination(id).await?.ok_or(Failure::NotFound)
}

/// Sends a new link; delivering it makes the earlier one stop working.
#[tracing::instrument(skip_all)]
async fn resend(app: &App, request: &Request, raw: &str, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let nomination = invitation_of(app, raw).await?;
    let (audit, message) = membership::resend(&nomination, &admin.subject, now)
        .map_err(|refused| Failure::Conflict(refused.to_string()))?;
    app.table
        .record_note(Some((nomination.id, audit)), vec![message], now)
        .await?;
    Ok(json(
        StatusCode::ACCEPTED,
        &json!({ "id": nomination.id, "status": nomination.status }),
    ))
}

#[tracing::instrument(skip_all)]
async fn revoke(app: &App, request: &Request, raw: &str, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let nomination = invitation_of(app, raw).await?;
    let step = membership::revoke(&nomination, &admin.subject, now)
        .map_err(|refused| Failure::Conflict(refused.to_string()))?;
    match app.table.commit(&step).await? {
        Commit::Written => Ok(json(StatusCode::OK, &json!({ "id": step.id(), "status": step.to }))),
        Commit::Raced => Err(Failure::Conflict("the invitation changed meanwhile".into())),
    }
}

pub(crate) fn require_admin(request: &Request) -> Result<iln_domain::staff::Staff, Failure> {
    let staff = staff(request).map_err(Failure::Access)?;
    staff.require(StaffRole::Admin).map_err(Failure::Access)?;
    Ok(staff)
}

fn member_json(member: &Member) -> serde_json::Value {
    json!(member)
}

#[tracing::instrument(skip_all)]
async fn members(app: &App, request: &Request) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let status = match query.first("status") {
        None | Some("") => None,
        Some(raw) => {
            Some(MemberStatus::parse(raw).ok_or_else(|| Failure::BadRequest(format!("unknown status {raw:?}")))?)
        }
    };
    let country = match query.first("country") {
        None | Some("") => None,
        Some(raw) => Some(Country::parse(raw).map_err(|_| Failure::BadRequest(format!("unknown country {raw:?}")))?),
    };
    let members = app.table.members(status, country.as_ref()).await?;
    let wants_csv = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    if wants_csv {
        let mut response = Response::new(Body::from(
            iln_domain::directory::members_csv(&members).map_err(|error| Failure::Internal(error.into()))?,
        ));
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/csv; charset=utf-8"),
        );
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return Ok(response);
    }
    let items: Vec<_> = members.iter().map(member_json).collect();
    Ok(json(StatusCode::OK, &json!({ "items": items })))
}

async fn load_member(app: &App, raw: &str) -> Result<Member, Failure> {
    let id: MemberId = raw.parse().map_err(|_| Failure::NotFound)?;
    app.table.member(id).await?.ok_or(Failure::NotFound)
}

#[tracing::instrument(skip_all)]
async fn member(app: &App, request: &Request, raw: &str) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let member = load_member(app, raw).await?;
    Ok(json(StatusCode::OK, &member_json(&member)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DerecognitionForm {
    reason: String,
    #[serde(default)]
    refer_to_iac: bool,
}

#[tracing::instrument(skip_all)]
async fn derecognize(app: &App, request: &Request, raw: &str, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let form: DerecognitionForm = serde_json::from_slice(request.body().as_ref())
        .map_err(|error| Failure::BadRequest(format!("malformed derecognition: {error}")))?;
    let reason = Reason::parse(&form.reason).map_err(|problem| Failure::Invalid {
        field: "reason",
        message: problem.message(Language::En),
    })?;
    let member = load_member(app, raw).await?;
    let change = membership::derecognize(
        &member,
        &admin.subject,
        &reason,
        form.refer_to_iac,
        &app.config.iac_address,
        now,
    )
    .map_err(|error| Failure::Conflict(error.to_string()))?;
    match app.table.derecognize(&member, change, now).await {
        Ok(()) => Ok(json(
            StatusCode::OK,
            &json!({ "id": member.id, "status": MemberStatus::Derecognized }),
        )),
        Err(MoveError::Conflict) => Err(Failure::Conflict("the member is already derecognised".into())),
        Err(MoveError::Store(error)) => Err(error.into()),
    }
}

#[derive(Deserialize)]
struct AddressCorrection {
    email: String,
}

/// The nominee's address corrected after mail to it could not be delivered;
/// a resend (or a retry of the invitation set aside) then reaches them.
#[tracing::instrument(skip_all)]
async fn correct_address(
    app: &App,
    request: &Request,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let form: AddressCorrection = serde_json::from_slice(request.body().as_ref())
        .map_err(|error| Failure::BadRequest(format!("malformed correction: {error}")))?;
    let corrected = person_address(Some(&form.email))?;
    let nomination = invitation_of(app, raw).await?;
    let audit = membership::correct_nominee_address(&nomination, &corrected, &admin.subject, now)
        .map_err(|refused| Failure::Conflict(refused.to_string()))?;
    match app
        .table
        .correct_nominee_address(&nomination, &corrected, audit, now)
        .await?
    {
        Correction::Done => Ok(json(
            StatusCode::OK,
            &json!({ "id": nomination.id, "status": nomination.status, "version": nomination.version + 1 }),
        )),
        Correction::Stale => Err(Failure::Conflict(
            "the nomination changed meanwhile; read it again".into(),
        )),
        Correction::AddressTaken => Err(Failure::Conflict(
            "someone with that address is nominated already".into(),
        )),
    }
}

/// The person a data-protection request is about, by e-mail address.
fn person_address(raw: Option<&str>) -> Result<EmailAddress, Failure> {
    EmailAddress::parse(raw.unwrap_or_default()).map_err(|problem| Failure::Invalid {
        field: "email",
        message: problem.message(Language::En),
    })
}

/// A subject-access export: everything held about one person, as JSON.
#[tracing::instrument(skip_all)]
async fn export_person(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let email = person_address(query.first("email"))?;
    let export = app.table.export_person(&email, now).await?;
    let mut response = json(StatusCode::OK, &export);
    // Personal data: no cache anywhere may keep a copy.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[derive(Deserialize)]
struct ErasureRequest {
    #[serde(default)]
    email: Option<String>,
}

/// Erases one person's data everywhere; repeating it is harmless.
#[tracing::instrument(skip_all)]
async fn erase_person(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let admin = require_admin(request)?;
    let form: ErasureRequest = serde_json::from_slice(request.body().as_ref())
        .map_err(|error| Failure::BadRequest(format!("malformed erasure request: {error}")))?;
    let email = person_address(form.email.as_deref())?;
    let erased = app.table.erase_person(&email, &admin.subject, now).await?;
    Ok(json(StatusCode::OK, &json!({ "erased": erased })))
}

fn respond_to_failure(failure: Failure, reader: Reader) -> Response<Body> {
    let (status, message) = match failure {
        Failure::Access(refused) => return access_refused(refused, "the iln-admins group"),
        Failure::NotFound => (StatusCode::NOT_FOUND, "not found".to_owned()),
        Failure::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed".to_owned()),
        Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, message),
        Failure::Invalid { field, message } => {
            return json_error(StatusCode::UNPROCESSABLE_ENTITY, Some(field), &message);
        }
        Failure::Conflict(message) => (StatusCode::CONFLICT, message),
        Failure::Unavailable(cause) => {
            tracing::warn!(error = %error_chain(&cause), "the table did not answer; outcome unknown");
            return match reader {
                Reader::Nominee { language, interrupted } => match pages::unavailable(language, interrupted) {
                    Ok(page) => unavailable(html(StatusCode::SERVICE_UNAVAILABLE, page)),
                    Err(_) => unavailable(html(StatusCode::SERVICE_UNAVAILABLE, interrupted.message(language))),
                },
                // Every admin command is conditional or keyed (a resend by
                // the nomination's version, an erasure repeats harmlessly).
                Reader::Admin { reads_only: true } => json_unavailable(
                    "the nominations table did not answer in time; nothing was changed; try again shortly",
                ),
                Reader::Admin { reads_only: false } => json_unavailable(
                    "the nominations table did not answer in time; the change may or may not have been recorded; \
                     sending the same request again is safe: it cannot be applied twice",
                ),
            };
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
