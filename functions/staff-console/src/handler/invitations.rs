//! Direct invitations, a cohort at a time: a CSV file read and shown line
//! by line, then sent. Sending the same file again invites nobody twice:
//! a person already nominated, invited or a member is refused by the same
//! write that invites.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use futures::{StreamExt, TryStreamExt};
use iln_domain::cohort::{self, CohortFormatError, CohortLine, LineProblem};
use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::membership::DirectInvitationForm;
use iln_domain::staff::StaffRole;
use iln_domain::{EmailAddress, Language, NominationId};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::sign_in::form;
use super::{Failure, Visit, upload};

const SECTION: &str = "invitations";
/// Writes in flight at once while sending a cohort.
const SENDING_AT_ONCE: usize = 4;
/// A cohort file of `cohort::MAX_LINES` lines is well under this.
const MAX_FILE_BYTES: usize = 512 * 1024;

fn author(visit: &Visit<'_>) -> EmailAddress {
    visit
        .session
        .staff
        .email
        .clone()
        .unwrap_or_else(|| visit.app.contact_address.clone())
}

#[derive(Serialize)]
struct LineView {
    line: usize,
    name: String,
    email: String,
    country: String,
    language: String,
    role: String,
    reason: String,
    /// `ready`, `held` (already nominated, invited or a member), `invited`,
    /// or `problem` with its text.
    verdict: &'static str,
    problem: Option<String>,
}

fn line_view(line: &CohortLine, verdict: &'static str, language: Language) -> LineView {
    let problem = line.problem.map(|problem| match problem {
        LineProblem::Field(field, problem) => format!(
            "{}: {}",
            language.text(&format!("console.fields.{field}")),
            problem.message(language)
        ),
        LineProblem::Repeated { first_line } => language
            .text("console.cohort.repeated")
            .replace("{line}", &first_line.to_string()),
    });
    let form = &line.form;
    LineView {
        line: line.line,
        name: form.name.clone(),
        email: form.email.clone(),
        country: form.country.clone(),
        language: form.language.clone(),
        role: form.role.clone(),
        reason: form.reason.clone(),
        verdict: if problem.is_some() { "problem" } else { verdict },
        problem,
    }
}

fn page(visit: &Visit<'_>, status: StatusCode, content: serde_json::Value) -> Result<Response<Body>, Failure> {
    visit.page(status, ConsoleTemplate::Invitations, SECTION, &content)
}

/// The upload form.
pub(super) fn upload_page(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    page(visit, StatusCode::OK, json!({ "step": "upload", "problem": null }))
}

fn format_problem(visit: &Visit<'_>, error: &CohortFormatError) -> Result<Response<Body>, Failure> {
    let language = visit.language();
    let text = match error {
        CohortFormatError::NotUtf8 => language.text("console.cohort.not_utf8"),
        CohortFormatError::Empty => language.text("console.cohort.empty"),
        CohortFormatError::MissingColumn(column) => language
            .text("console.cohort.missing_column")
            .replace("{column}", column),
        CohortFormatError::UnknownColumn(column) => language
            .text("console.cohort.unknown_column")
            .replace("{column}", column),
        CohortFormatError::TooMany(count) => language
            .text("console.cohort.too_many")
            .replace("{count}", &count.to_string())
            .replace("{max}", &cohort::MAX_LINES.to_string()),
        CohortFormatError::Malformed(line) => language
            .text("console.cohort.malformed")
            .replace("{line}", &line.to_string()),
    };
    page(
        visit,
        StatusCode::UNPROCESSABLE_ENTITY,
        json!({ "step": "upload", "problem": text }),
    )
}

/// Whether the person of `line` is already nominated, invited or a member;
/// `false` for a line with a problem.
async fn is_held(visit: &Visit<'_>, line: &CohortLine, author: &EmailAddress) -> Result<bool, Failure> {
    match line.problem.is_none().then(|| line.form.parse(author)) {
        Some(Ok(submission)) => Ok(visit
            .app
            .table
            .nomination_holding(&submission.nominee.email)
            .await?
            .is_some()),
        _ => Ok(false),
    }
}

/// Invites the person of `line`: `Some(true)` if invited now, `Some(false)`
/// if already nominated, invited or a member, `None` for a line with a
/// problem.
async fn invite(visit: &Visit<'_>, line: &CohortLine, author: &EmailAddress) -> Result<Option<bool>, Failure> {
    let Some(Ok(submission)) = line.problem.is_none().then(|| line.form.parse(author)) else {
        return Ok(None);
    };
    let now = visit.now;
    let opening =
        iln_domain::step::invite_directly(NominationId::new(now), submission, &visit.session.staff.subject, now);
    Ok(Some(visit.app.table.open_directly(&opening).await?))
}

/// The file read and shown, line by line, before anything is sent.
#[tracing::instrument(skip_all)]
pub(super) async fn review(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let upload = upload::read(visit, "cohort", MAX_FILE_BYTES).await?;
    visit.check_form(&upload.csrf)?;
    visit.require(StaffRole::Admin)?;
    let file = upload.file.map_err(|_| Failure::BadRequest)?;
    review_file(visit, file).await
}

/// One person from the page's form, reviewed as a file of one line: the
/// same review, the same send.
#[derive(Deserialize)]
struct OneFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
pub(super) async fn review_one(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let fields: OneFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(StaffRole::Admin)?;
    let person = DirectInvitationForm {
        name: fields.name,
        email: fields.email,
        country: fields.country,
        region: Some(fields.region).filter(|region| !region.trim().is_empty()),
        language: fields.language,
        role: fields.role,
        reason: fields.reason,
    };
    review_file(visit, cohort::file_of(&[person])).await
}

async fn review_file(visit: &Visit<'_>, file: Vec<u8>) -> Result<Response<Body>, Failure> {
    let author = author(visit);
    let lines = match cohort::read(&file, &author) {
        Ok(lines) => lines,
        Err(error) => return format_problem(visit, &error),
    };
    let checks: Vec<_> = lines.iter().map(|line| is_held(visit, line, &author)).collect();
    let held: Vec<bool> = futures::stream::iter(checks)
        .buffered(SENDING_AT_ONCE)
        .try_collect()
        .await?;
    let language = visit.language();
    let views: Vec<LineView> = lines
        .iter()
        .zip(&held)
        .map(|(line, held)| line_view(line, if *held { "held" } else { "ready" }, language))
        .collect();
    let ready = views.iter().filter(|view| view.verdict == "ready").count();
    page(
        visit,
        StatusCode::OK,
        json!({ "step": "review", "lines": views, "ready": ready, "cohort": URL_SAFE_NO_PAD.encode(&file), "problem": null }),
    )
}

#[derive(Deserialize)]
struct SendFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    cohort: String,
}

/// Sends what the review showed: one invitation per good line whose person
/// is not already nominated, invited or a member.
#[tracing::instrument(skip_all)]
pub(super) async fn send(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let fields: SendFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(StaffRole::Admin)?;
    let file = URL_SAFE_NO_PAD
        .decode(fields.cohort.as_bytes())
        .map_err(|_| Failure::BadRequest)?;
    let author = author(visit);
    let lines = match cohort::read(&file, &author) {
        Ok(lines) => lines,
        Err(error) => return format_problem(visit, &error),
    };
    let invitations: Vec<_> = lines.iter().map(|line| invite(visit, line, &author)).collect();
    let invited: Vec<Option<bool>> = futures::stream::iter(invitations)
        .buffered(SENDING_AT_ONCE)
        .try_collect()
        .await?;
    let language = visit.language();
    let views: Vec<LineView> = lines
        .iter()
        .zip(&invited)
        .map(|(line, invited)| {
            let verdict = match invited {
                Some(true) => "invited",
                _ => "held",
            };
            line_view(line, verdict, language)
        })
        .collect();
    let sent = invited.iter().filter(|invited| **invited == Some(true)).count();
    tracing::info!(sent, lines = lines.len(), "cohort sent");
    page(
        visit,
        StatusCode::OK,
        json!({ "step": "sent", "lines": views, "sent": sent, "problem": null }),
    )
}
