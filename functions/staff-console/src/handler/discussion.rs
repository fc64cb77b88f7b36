//! The ILN's discussion on a nomination's file: where it stands, its
//! concerns, and the staff's part in it — resolving a concern, referring
//! the nomination to the IAC and (admins) recording the IAC's outcome. The
//! same command as the staff API's, so the two cannot disagree.

use iln_adapters::http::path_parameter;
use iln_adapters::staff_commands;
use iln_domain::Nomination;
use iln_domain::audit::Actor;
use iln_domain::discussion::{self, DiscussionRules, IacDecision};
use iln_domain::staff::StaffRole;
use iln_domain::vetting::Reason;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::nominations::{Trouble, after, day, file, nomination_id};
use super::sign_in::form;
use super::{Failure, Visit};

/// The discussion as the file shows it; `None` before the ILN saw it.
pub(super) fn view(nomination: &Nomination, rules: &DiscussionRules) -> Option<Value> {
    let discussion = nomination.discussion.as_ref()?;
    let concerns: Vec<Value> = discussion
        .concerns
        .iter()
        .map(|concern| {
            json!({
                "id": concern.id,
                "text": concern.text,
                "on": day(concern.at),
                "asks_not_to_proceed": concern.asks_not_to_proceed,
                "open": concern.is_open(),
                "resolution": concern.resolution.as_ref().map(|resolution| &resolution.note),
            })
        })
        .collect();
    Some(json!({
        "ends_on": day(discussion.ends_at),
        "confirmations": discussion.counted_confirmations().count(),
        "needed": rules.needed(),
        "concerns": concerns,
        "referral": discussion.referral.as_ref().map(|referral| json!({
            "reason": referral.reason,
            "on": day(referral.at),
            "outcome": referral.outcome.as_ref().map(|outcome| json!({
                "decision": outcome.decision,
                "note": outcome.note,
            })),
        })),
        "awaits_iac": discussion.awaits_iac(),
    }))
}

/// The discussion's forms; each uses its own fields.
#[derive(Deserialize)]
struct DiscussionFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    decision: String,
}

/// The form, from this session, by someone allowed to send it.
fn checked(visit: &Visit<'_>, role: StaffRole) -> Result<DiscussionFields, Failure> {
    let fields: DiscussionFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(role)?;
    Ok(fields)
}

/// The file again with what is wrong with a field (`422`).
async fn invalid(visit: &Visit<'_>, field: &str, problem: &str) -> Result<Response<Body>, Failure> {
    let language = visit.language();
    let message = format!("{}: {problem}", language.text(&format!("console.fields.{field}")));
    file(
        visit,
        Some(Trouble {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            message,
        }),
    )
    .await
}

/// A vetter settles a concern raised in the ILN channel, with a note.
#[tracing::instrument(skip_all)]
pub(super) async fn resolve_concern(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let concern = path_parameter(visit.request, "concern").ok_or(Failure::NotFound)?;
    let fields = checked(visit, StaffRole::Vetter)?;
    let note = match Reason::parse(&fields.note) {
        Ok(note) => note,
        Err(problem) => return invalid(visit, "note", &problem.message(visit.language())).await,
    };
    let (app, now) = (visit.app, visit.now);
    let vetter = Actor::Vetter(visit.session.staff.subject.clone());
    let resolved = staff_commands::discuss(&app.table, id, |nomination| {
        discussion::resolve_concern(nomination, concern, vetter.clone(), &note, &app.rules, now)
    })
    .await;
    after(visit, id, resolved.map(|_| ()), "resolved").await
}

/// A vetter or an admin sends the file to the IAC; confirmation waits for
/// its outcome.
#[tracing::instrument(skip_all)]
pub(super) async fn refer_to_iac(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let fields = checked(visit, StaffRole::Vetter)?;
    let reason = match Reason::parse(&fields.reason) {
        Ok(reason) => reason,
        Err(problem) => return invalid(visit, "reason", &problem.message(visit.language())).await,
    };
    let (app, now) = (visit.app, visit.now);
    let actor = visit.session.staff.actor();
    let referred = staff_commands::discuss(&app.table, id, |nomination| {
        discussion::refer_to_iac(nomination, actor.clone(), &reason, &app.iac_address, now)
    })
    .await;
    after(visit, id, referred.map(|_| ()), "referred").await
}

/// Admins only: what the IAC decided, with its note.
#[tracing::instrument(skip_all)]
pub(super) async fn record_iac_outcome(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let fields = checked(visit, StaffRole::Admin)?;
    let language = visit.language();
    let decision = match fields.decision.as_str() {
        "proceed" => IacDecision::Proceed,
        "do_not_proceed" => IacDecision::DoNotProceed,
        _ => return invalid(visit, "iac_decision", &language.text("console.problems.choose_one")).await,
    };
    let note = match Reason::parse(&fields.note) {
        Ok(note) => note,
        Err(problem) => return invalid(visit, "note", &problem.message(language)).await,
    };
    let (app, now) = (visit.app, visit.now);
    let admin = Actor::Admin(visit.session.staff.subject.clone());
    let recorded = staff_commands::discuss(&app.table, id, |nomination| {
        discussion::record_iac_outcome(nomination, admin.clone(), decision, &note, &app.rules, now)
    })
    .await;
    after(visit, id, recorded.map(|_| ()), "iac_recorded").await
}
