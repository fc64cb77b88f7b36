//! The vetters' side of the ILN's discussion: resolving a concern, referring
//! a nomination to the IAC, and (admins) recording the IAC's outcome. Each
//! reads, decides in the domain and commits, again if a confirmation landed
//! in between: a concurrent click is not a reason to refuse.

use chrono::{DateTime, Utc};
use iln_adapters::http::{ApiFailure, json, path_parameter};
use iln_adapters::staff_commands;
use iln_domain::audit::Actor;
use iln_domain::discussion::{self, DiscussionRefused, IacDecision};
use iln_domain::staff::{Staff, StaffRole};
use iln_domain::step::Step;
use iln_domain::vetting::Reason;
use iln_domain::{Language, NominationId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

use super::{App, MAX_DECISION_BYTES, NOT_FOUND, admins_only, refused, small_json};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoteForm {
    note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReferralForm {
    reason: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OutcomeForm {
    decision: String,
    note: String,
}

fn text(field: &'static str, raw: &str) -> Result<Reason, ApiFailure> {
    Reason::parse(raw).map_err(|problem| ApiFailure::Invalid {
        field,
        message: problem.message(Language::En),
    })
}

/// The discussion's step through the staff's one command; the answer is
/// where the nomination now stands.
async fn take(
    app: &App,
    id: NominationId,
    decide: impl Fn(&iln_domain::Nomination) -> Result<Step, DiscussionRefused>,
) -> Result<Response<Body>, ApiFailure> {
    let step = staff_commands::discuss(&app.table, id, decide).await.map_err(refused)?;
    Ok(json(
        StatusCode::OK,
        &json!({ "id": id, "status": step.to, "version": step.next_version() }),
    ))
}

#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub(super) async fn resolve_concern(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let concern = path_parameter(request, "concern").ok_or(ApiFailure::NotFound(NOT_FOUND))?;
    let form: NoteForm = small_json(request, "resolution", MAX_DECISION_BYTES)?;
    let note = text("note", &form.note)?;
    let vetter = Actor::Vetter(staff.subject.clone());
    take(app, id, |nomination| {
        discussion::resolve_concern(nomination, concern, vetter.clone(), &note, &app.rules, now)
    })
    .await
}

#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub(super) async fn refer_to_iac(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: ReferralForm = small_json(request, "referral", MAX_DECISION_BYTES)?;
    let reason = text("reason", &form.reason)?;
    let actor = staff.actor();
    take(app, id, |nomination| {
        discussion::refer_to_iac(nomination, actor.clone(), &reason, &app.iac_address, now)
    })
    .await
}

#[tracing::instrument(skip_all, fields(nomination_id = %id))]
pub(super) async fn record_iac_outcome(
    app: &App,
    request: &Request,
    staff: &Staff,
    id: NominationId,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    staff.require(StaffRole::Admin).map_err(admins_only)?;
    let form: OutcomeForm = small_json(request, "outcome", MAX_DECISION_BYTES)?;
    let decision = match form.decision.trim() {
        "proceed" => IacDecision::Proceed,
        "do_not_proceed" => IacDecision::DoNotProceed,
        _ => {
            return Err(ApiFailure::Invalid {
                field: "decision",
                message: "must be proceed or do_not_proceed".to_owned(),
            });
        }
    };
    let note = text("note", &form.note)?;
    let admin = Actor::Admin(staff.subject.clone());
    take(app, id, |nomination| {
        discussion::record_iac_outcome(nomination, admin.clone(), decision, &note, &app.rules, now)
    })
    .await
}
