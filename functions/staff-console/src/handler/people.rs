//! Admins only: a person's data-protection requests. An export downloads
//! everything held about them; an erasure needs their address typed twice.

use iln_domain::audit::{AuditEvent, Happening};
use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::privacy::ErasureProgress;
use iln_domain::staff::StaffRole;
use iln_domain::{EmailAddress, Language};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::json;

use super::sign_in::form;
use super::{Failure, Visit};

const SECTION: &str = "people";
/// Kept back from the invocation's deadline when erasing: calls in flight
/// may each take their SDK deadline.
const ERASURE_RESERVE: std::time::Duration = std::time::Duration::from_secs(12);
/// The erasure's time when no invocation deadline is given.
const ERASURE_TIME_WITHOUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

fn page(visit: &Visit<'_>, status: StatusCode, content: serde_json::Value) -> Result<Response<Body>, Failure> {
    visit.page(status, ConsoleTemplate::People, SECTION, &content)
}

fn address_problem(language: Language, problem: iln_domain::intake::Problem) -> String {
    format!(
        "{}: {}",
        language.text("console.fields.email"),
        problem.message(language)
    )
}

pub(super) fn forms(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    page(
        visit,
        StatusCode::OK,
        json!({ "problem": null, "erased": null, "stopped": false, "email": "" }),
    )
}

/// Everything held about one person, as a JSON file; the export is
/// recorded on each nomination it drew on.
#[tracing::instrument(skip_all)]
pub(super) async fn export(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let entered = visit.query("email").unwrap_or_default();
    let email = match EmailAddress::parse(entered) {
        Ok(email) => email,
        Err(problem) => {
            let problem = address_problem(visit.language(), problem);
            return page(
                visit,
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "problem": problem, "erased": null, "stopped": false, "email": entered }),
            );
        }
    };
    let table = &visit.app.table;
    let export = table.export_person(&email, visit.now).await?;
    let exported = AuditEvent::by_staff(visit.now, visit.session.staff.actor(), Happening::PersonExported)
        .because(export.summary());
    let drawn_on = export.nominations_read();
    let (read, logged) = tokio::join!(table.record_reads(&drawn_on, &exported), table.record_export(&exported));
    read?;
    logged?;
    let body = serde_json::to_string_pretty(&export).map_err(|error| Failure::Internal(error.into()))?;
    let mut response = iln_adapters::http::json(StatusCode::OK, &serde_json::Value::Null);
    *response.body_mut() = Body::from(body);
    response.headers_mut().insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"iln-personal-data.json\""),
    );
    Ok(response)
}

#[derive(Deserialize)]
struct ErasureFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    confirm_email: String,
}

/// Erases one person everywhere, once the address is typed twice alike;
/// repeating it finishes one that stopped for time.
#[tracing::instrument(skip_all)]
pub(super) async fn erase(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let fields: ErasureFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(StaffRole::Admin)?;
    let language = visit.language();
    let refuse = |problem: String| {
        page(
            visit,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({ "problem": problem, "erased": null, "stopped": false, "email": fields.email }),
        )
    };
    let email = match EmailAddress::parse(&fields.email) {
        Ok(email) => email,
        Err(problem) => return refuse(address_problem(language, problem)),
    };
    let typed_again = EmailAddress::parse(&fields.confirm_email).ok();
    if typed_again.as_ref().map(EmailAddress::identity) != Some(email.identity()) {
        return refuse(language.text("console.people.confirm_mismatch"));
    }
    let stop = match iln_adapters::deadline::of_request(visit.request) {
        Some(deadline) => iln_adapters::deadline::stop_at(deadline, ERASURE_RESERVE),
        None => std::time::Instant::now() + ERASURE_TIME_WITHOUT_DEADLINE,
    };
    let may_start = move || std::time::Instant::now() < stop;
    let progress = visit
        .app
        .table
        .erase_person(&email, &visit.session.staff.subject, visit.now, may_start)
        .await?;
    let (erased, stopped) = match progress {
        ErasureProgress::Complete(erased) => (erased, false),
        ErasureProgress::Stopped(erased) => (erased, true),
    };
    let status = if stopped {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    page(
        visit,
        status,
        json!({
            "problem": null,
            "erased": serde_json::to_value(&erased).unwrap_or_default(),
            "stopped": stopped,
            "email": if stopped { fields.email.as_str() } else { "" },
        }),
    )
}
