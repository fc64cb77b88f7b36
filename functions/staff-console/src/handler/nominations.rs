//! The queue, a nomination's file, and the decisions taken from it.

use iln_adapters::dynamodb::Dossier;
use iln_adapters::http::path_parameter;
use iln_adapters::staff_commands::{self, CommandRefused};
use iln_domain::audit::{Actor, AuditEvent, Happening};
use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::file_actions::FileActions;
use iln_domain::findings::{self, Findings};
use iln_domain::nomination::Country;
use iln_domain::slack::SlackWorkspace;
use iln_domain::staff::StaffRole;
use iln_domain::vetting::{DecisionForm, Reason};
use iln_domain::{EmailAddress, Nomination, NominationId, Status};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sign_in::form;
use super::{Failure, Visit, see_other};

const PAGE: i32 = 25;
const ENDORSEMENTS_SHOWN: i32 = 20;
const SECTION: &str = "nominations";
/// What the file may say was just done (`?said=`).
const SAID: [&str; 7] = [
    "decided",
    "withdrawn",
    "resent",
    "revoked",
    "resolved",
    "referred",
    "iac_recorded",
];

pub(super) fn day(at: chrono::DateTime<chrono::Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

#[derive(Serialize)]
struct QueueItem {
    id: NominationId,
    name: String,
    country: String,
    role: Value,
    basis: Value,
    submitted_at: chrono::DateTime<chrono::Utc>,
    submitted_on: String,
}

/// Nominations in one status, oldest first, optionally of one country.
#[tracing::instrument(skip_all)]
pub(super) async fn queue(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let status = match visit.query("status") {
        None | Some("") => Status::AwaitingVetting,
        Some(raw) => Status::ALL
            .into_iter()
            .find(|status| status.code() == raw)
            .ok_or(Failure::BadRequest)?,
    };
    let country_entered = visit.query("country").map(str::trim).unwrap_or_default();
    let country = match country_entered {
        "" => None,
        raw => Some(Country::parse(raw).map_err(|_| Failure::BadRequest)?),
    };
    let cursor = visit.query("cursor").filter(|cursor| !cursor.is_empty());
    let page = visit.app.table.queue(status, country.as_ref(), cursor, PAGE).await?;
    let items: Vec<QueueItem> = page
        .nominations
        .iter()
        .map(|nomination| {
            let submission = &nomination.submission;
            QueueItem {
                id: nomination.id,
                name: submission.nominee.name.to_string(),
                country: submission.nominee.country.alpha2().to_owned(),
                role: serde_json::to_value(submission.nominee.role).unwrap_or_default(),
                basis: serde_json::to_value(submission.nominator.basis).unwrap_or_default(),
                submitted_at: nomination.submitted_at,
                submitted_on: day(nomination.submitted_at),
            }
        })
        .collect();
    let country_code = country.as_ref().map(|country| country.alpha2().to_owned());
    let next_page = page.next_cursor.map(|cursor| {
        let mut pairs = vec![("status", status.code().to_owned()), ("cursor", cursor)];
        if let Some(country) = &country_code {
            pairs.push(("country", country.clone()));
        }
        format!(
            "/console/nominations?{}",
            serde_html_form::to_string(&pairs).unwrap_or_default()
        )
    });
    let statuses: Vec<&str> = Status::ALL.iter().map(|status| status.code()).collect();
    visit.page(
        StatusCode::OK,
        ConsoleTemplate::Queue,
        SECTION,
        &json!({
            "statuses": statuses,
            "status": status.code(),
            "country": country_code.unwrap_or_default(),
            "q": "",
            "missed": false,
            "items": items,
            "next_page": next_page,
        }),
    )
}

/// A nomination by its reference, or by its nominee's address.
#[tracing::instrument(skip_all)]
pub(super) async fn lookup(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let entered = visit.query("q").map(str::trim).unwrap_or_default();
    let found = if let Ok(id) = entered.parse::<NominationId>() {
        visit.app.table.nomination(id).await?.map(|nomination| nomination.id)
    } else if let Ok(address) = EmailAddress::parse(entered) {
        visit.app.table.nomination_holding(&address).await?
    } else {
        None
    };
    match found {
        Some(id) => see_other(&format!("/console/nominations/{id}"), &[]),
        None => {
            let statuses: Vec<&str> = Status::ALL.iter().map(|status| status.code()).collect();
            visit.page(
                StatusCode::NOT_FOUND,
                ConsoleTemplate::Queue,
                SECTION,
                &json!({
                    "statuses": statuses,
                    "status": Status::AwaitingVetting.code(),
                    "country": "",
                    "q": entered,
                    "missed": true,
                    "items": [],
                    "next_page": null,
                }),
            )
        }
    }
}

pub(super) fn nomination_id(visit: &Visit<'_>) -> Result<NominationId, Failure> {
    path_parameter(visit.request, "id")
        .and_then(|raw| raw.parse().ok())
        .ok_or(Failure::NotFound)
}

/// What went wrong with a decision, shown on the file.
pub(super) struct Trouble {
    pub status: StatusCode,
    pub message: String,
}

/// A nomination's file: the submission, the findings, endorsements and
/// additions, the audit trail, and the forms to decide or withdraw.
///
/// Boxed: the forms that show the file again with a problem would each
/// carry this whole future inline, and together they outgrow a thread's
/// stack in a debug build.
pub(super) fn file<'a>(
    visit: &'a Visit<'_>,
    trouble: Option<Trouble>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Response<Body>, Failure>> + Send + 'a>> {
    Box::pin(file_page(visit, trouble))
}

#[tracing::instrument(skip_all)]
async fn file_page(visit: &Visit<'_>, trouble: Option<Trouble>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let table = &visit.app.table;
    let dossier = table.dossier(id).await?.ok_or(Failure::NotFound)?;
    let staff = &visit.session.staff;
    // Who opened the file is part of its history, written beside the reads.
    let read = AuditEvent::by_staff(visit.now, staff.actor(), Happening::FileRead);
    let (endorsements, surroundings, recorded) = tokio::join!(
        table.endorsements(id, None, ENDORSEMENTS_SHOWN),
        table.surroundings(&dossier),
        table.record_reads(std::slice::from_ref(&id), &read)
    );
    let (endorsements, surroundings) = (endorsements?, surroundings?);
    recorded?;
    let findings = findings::assess(
        &dossier.nomination,
        &surroundings,
        staff.email.as_ref(),
        visit.app.thin_rationale_below,
    );
    let nomination = &dossier.nomination;
    let mut audit = dossier.audit.clone();
    audit.sort_by_key(|event| event.at);
    let audit: Vec<Value> = audit
        .iter()
        .map(|event| {
            let (actor, who) = actor(&event.actor);
            let what = happening_text(&event.happening, visit.language());
            json!({
                "at": event.at,
                "at_text": event.at.format("%Y-%m-%d %H:%M UTC").to_string(),
                "actor": actor,
                "who": who,
                "what": what,
                "reason": event.reason,
            })
        })
        .collect();
    let additions: Vec<Value> = dossier
        .additions
        .iter()
        .map(|addition| json!({ "request": addition.request, "information": addition.information }))
        .collect();
    let (status, problem) = match trouble {
        Some(trouble) => (trouble.status, Some(trouble.message)),
        None => (StatusCode::OK, None),
    };
    visit.page(
        status,
        ConsoleTemplate::File,
        SECTION,
        &json!({
            "n": serde_json::to_value(FileView::of(nomination)).unwrap_or_default(),
            "submitted_on": day(nomination.submitted_at),
            "nominee_language": nomination.submission.nominee_language().code(),
            "findings": finding_lines(&findings),
            "endorsement_count": dossier.endorsement_count,
            "endorsements": endorsements.endorsements.iter().map(|e| json!({ "nominator": e.nominator, "rationale": e.rationale })).collect::<Vec<_>>(),
            "additions": additions,
            "audit": audit,
            "may": FileActions::of(nomination, &findings, staff),
            "cards": cards(&dossier, visit.app.slack_workspace.as_ref()),
            "discussion": super::discussion::view(nomination, &visit.app.rules),
            "said": visit.query("said").filter(|said| SAID.contains(said)),
            "problem": problem,
            "reason": "",
        }),
    )
}

/// The nomination's cards in Slack: which were posted, and their links
/// where the workspace is known.
fn cards(dossier: &Dossier, workspace: Option<&SlackWorkspace>) -> Vec<Value> {
    [("vetting", &dossier.vetting_card), ("iln", &dossier.iln_card)]
        .into_iter()
        .filter_map(|(channel, card)| {
            let card = card.as_ref()?;
            let link = workspace.map(|workspace| workspace.permalink(&card.channel, &card.ts));
            Some(json!({ "channel": channel, "link": link }))
        })
        .collect()
}

/// The nomination as the file's template reads it.
#[derive(Serialize)]
struct FileView<'a> {
    id: NominationId,
    status: &'static str,
    version: u64,
    submitted_at: chrono::DateTime<chrono::Utc>,
    submission: &'a iln_domain::nomination::Submission,
}

impl<'a> FileView<'a> {
    fn of(nomination: &'a Nomination) -> Self {
        Self {
            id: nomination.id,
            status: nomination.status.code(),
            version: nomination.version,
            submitted_at: nomination.submitted_at,
            submission: &nomination.submission,
        }
    }
}

/// Who acted, as the audit table shows it: the kind, and the subject or
/// member id where there is one.
fn actor(actor: &Actor) -> (&'static str, Option<&str>) {
    match actor {
        Actor::Nominator => ("nominator", None),
        Actor::Endorser => ("endorser", None),
        Actor::Nominee => ("nominee", None),
        Actor::Vetter(who) => ("vetter", Some(who)),
        Actor::Confirmer(who) => ("confirmer", Some(who)),
        Actor::Admin(who) => ("admin", Some(who)),
        Actor::Member(who) => ("member", Some(who)),
        Actor::System => ("system", None),
    }
}

/// What happened, as the history reads it: a move names its two statuses.
fn happening_text(happening: &Happening, language: iln_domain::Language) -> String {
    let status = |status: Status| language.text(&format!("console.statuses.{}", status.code()));
    match happening {
        Happening::Moved { from, to, .. } => language
            .text("console.happenings.moved")
            .replace("{from}", &status(*from))
            .replace("{to}", &status(*to)),
        other => {
            let code = serde_json::to_value(other)
                .ok()
                .and_then(|value| value.get("what").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_default();
            language.text(&format!("console.happenings.{code}"))
        }
    }
}

/// The findings as lines of the file: each a text key with its values.
fn finding_lines(findings: &Findings) -> Vec<Value> {
    let mut lines = Vec::new();
    let mut line = |key: &str, count: usize, names: String| {
        // One is said apart where the texts have a form for it.
        let key = match count {
            1 if ["endorsements", "open_in_country"].contains(&key) => format!("{key}_one"),
            _ => key.to_owned(),
        };
        lines.push(json!({ "key": key, "count": count.to_string(), "names": names }))
    };
    match findings.nominator_roster_category {
        Some(_) if !findings.nominator_basis_unconfirmed => line("basis_confirmed", 0, String::new()),
        _ if findings.self_nomination => {}
        _ => line("basis_unconfirmed", 0, String::new()),
    }
    if findings.self_nomination {
        line("self_nomination", 0, String::new());
    }
    if findings.nominee_already_member {
        line("already_member", 0, String::new());
    }
    if findings.nominee_derecognized {
        line("derecognized", 0, String::new());
    }
    if findings.endorsements > 0 {
        line("endorsements", findings.endorsements, String::new());
    }
    match findings.country_leaders.as_slice() {
        [] => line("no_leader", 0, String::new()),
        leaders => line(
            "leaders",
            leaders.len(),
            leaders
                .iter()
                .map(|leader| leader.name.to_string())
                .collect::<Vec<_>>()
                .join(", "),
        ),
    }
    if findings.country_open_nominations > 0 {
        line("open_in_country", findings.country_open_nominations, String::new());
    }
    if findings.rationale_thin {
        line("rationale_thin", 0, String::new());
    }
    if findings.requester_is_nominator {
        line("you_nominated", 0, String::new());
    }
    if findings.requester_is_endorser {
        line("you_endorsed", 0, String::new());
    }
    lines
}

#[derive(Deserialize)]
struct DecisionFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    share_reason: Option<String>,
    #[serde(default)]
    expected_version: String,
}

/// A decision from the file, at the version the file showed.
#[tracing::instrument(skip_all)]
pub(super) async fn decide(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let fields: DecisionFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    let language = visit.language();
    let form = DecisionForm {
        decision: fields.decision,
        reason: Some(fields.reason).filter(|reason| !reason.trim().is_empty()),
        expected_version: fields.expected_version.parse().map_err(|_| Failure::BadRequest)?,
        share_reason: fields.share_reason.is_some(),
    };
    let decision = match form.parse() {
        Ok(decision) => decision,
        Err((field, problem)) => {
            let message = format!(
                "{}: {}",
                language.text(&format!("console.fields.{field}")),
                problem.message(language)
            );
            return file(
                visit,
                Some(Trouble {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message,
                }),
            )
            .await;
        }
    };
    let app = visit.app;
    let decided = staff_commands::decide(
        &app.table,
        &visit.session.staff,
        id,
        &decision,
        form.expected_version,
        &app.rules,
        visit.now,
    )
    .await;
    after(visit, id, decided.map(|_| ()), "decided").await
}

#[derive(Deserialize)]
struct WithdrawalFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// Admins only: an open nomination withdrawn, with a reason.
#[tracing::instrument(skip_all)]
pub(super) async fn withdraw(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    let fields: WithdrawalFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(StaffRole::Admin)?;
    let language = visit.language();
    let reason = match Reason::parse(&fields.reason) {
        Ok(reason) => reason,
        Err(problem) => {
            let message = format!(
                "{}: {}",
                language.text("console.fields.reason"),
                problem.message(language)
            );
            return file(
                visit,
                Some(Trouble {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    message,
                }),
            )
            .await;
        }
    };
    let withdrawn = staff_commands::withdraw(&visit.app.table, &visit.session.staff, id, &reason, visit.now).await;
    after(visit, id, withdrawn.map(|_| ()), "withdrawn").await
}

/// Back to the file: with what was done (a `303`, so a reload does not
/// post again), or with why not.
pub(super) async fn after(
    visit: &Visit<'_>,
    id: NominationId,
    outcome: Result<(), CommandRefused>,
    said: &str,
) -> Result<Response<Body>, Failure> {
    let language = visit.language();
    let trouble = |status: StatusCode, key: &str, nomination: Option<&Nomination>| {
        let text = language.text(&format!("console.problems.{key}"));
        let status_text = nomination
            .map(|nomination| language.text(&format!("console.statuses.{}", nomination.status.code())))
            .unwrap_or_default();
        Trouble {
            status,
            message: text.replace("{status}", &status_text),
        }
    };
    match outcome {
        Ok(()) => see_other(&format!("/console/nominations/{id}?said={said}"), &[]),
        Err(CommandRefused::NotFound) => Err(Failure::NotFound),
        Err(CommandRefused::Forbidden(_)) => file(visit, Some(trouble(StatusCode::FORBIDDEN, "not_yours", None))).await,
        Err(CommandRefused::Conflict { now, .. }) => {
            file(visit, Some(trouble(StatusCode::CONFLICT, "changed", Some(&now)))).await
        }
        Err(CommandRefused::NotNow(_)) => file(visit, Some(trouble(StatusCode::CONFLICT, "not_now", None))).await,
        Err(CommandRefused::NoSuchConcern) => {
            file(visit, Some(trouble(StatusCode::CONFLICT, "concern_gone", None))).await
        }
        Err(CommandRefused::Store(error)) => Err(error.into()),
    }
}

/// Admins only: a new link for an invitation not yet answered.
#[tracing::instrument(skip_all)]
pub(super) async fn resend(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    visit.check_button()?;
    visit.require(StaffRole::Admin)?;
    let resent = staff_commands::resend_invitation(&visit.app.table, &visit.session.staff, id, visit.now).await;
    after(visit, id, resent.map(|_| ()), "resent").await
}

/// Admins only: an invitation withdrawn before it is answered.
#[tracing::instrument(skip_all)]
pub(super) async fn revoke(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = nomination_id(visit)?;
    visit.check_button()?;
    visit.require(StaffRole::Admin)?;
    let revoked = staff_commands::revoke_invitation(&visit.app.table, &visit.session.staff, id, visit.now).await;
    after(visit, id, revoked.map(|_| ()), "revoked").await
}

#[cfg(test)]
mod tests {
    use super::*;
    use iln_domain::Language;

    #[test]
    fn every_actor_has_a_text_in_both_languages() {
        let actors = [
            Actor::Nominator,
            Actor::Endorser,
            Actor::Nominee,
            Actor::Vetter("v".into()),
            Actor::Confirmer("c".into()),
            Actor::Admin("a".into()),
            Actor::Member("m".into()),
            Actor::System,
        ];
        for language in Language::ALL {
            for each in &actors {
                let key = format!("console.actors.{}", actor(each).0);
                assert_ne!(language.text(&key), key, "{key} in {language}");
            }
        }
    }
}
