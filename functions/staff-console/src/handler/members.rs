//! Admins only: the members directory (and its spreadsheet), a member's
//! record, and derecognition.

use iln_adapters::http::{csv, path_parameter};
use iln_adapters::staff_commands::{self, CommandRefused};
use iln_domain::audit::{AuditEvent, Happening};
use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::membership::{MemberId, MemberStatus};
use iln_domain::nomination::Country;
use iln_domain::staff::StaffRole;
use iln_domain::vetting::Reason;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::sign_in::form;
use super::{Failure, Visit, see_other};

const SECTION: &str = "members";

/// The directory's filters, from the query.
fn filters(visit: &Visit<'_>) -> Result<(Option<MemberStatus>, Option<Country>), Failure> {
    let status = match visit.query("status") {
        None | Some("") => None,
        Some(raw) => Some(MemberStatus::parse(raw).ok_or(Failure::BadRequest)?),
    };
    let country = match visit.query("country").map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(Country::parse(raw).map_err(|_| Failure::BadRequest)?),
    };
    Ok((status, country))
}

fn filter_query(status: Option<MemberStatus>, country: Option<&Country>) -> String {
    let mut pairs = Vec::new();
    if let Some(status) = status {
        pairs.push(("status", status.code()));
    }
    if let Some(country) = country {
        pairs.push(("country", country.alpha2()));
    }
    serde_html_form::to_string(&pairs).unwrap_or_default()
}

#[tracing::instrument(skip_all)]
pub(super) async fn directory(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let (status, country) = filters(visit)?;
    let members = visit.app.table.members(status, country.as_ref()).await?;
    let items: Vec<Value> = members
        .iter()
        .map(|member| {
            json!({
                "id": member.id,
                "name": member.name,
                "country": member.country.alpha2(),
                "role": member.role,
                "since_on": member.since.format("%Y-%m-%d").to_string(),
                "status": member.status.code(),
            })
        })
        .collect();
    let statuses = [MemberStatus::Active, MemberStatus::Derecognized, MemberStatus::Resigned].map(MemberStatus::code);
    visit.page(
        StatusCode::OK,
        ConsoleTemplate::Members,
        SECTION,
        &json!({
            "member": null,
            "items": items,
            "statuses": statuses,
            "status": status.map(MemberStatus::code),
            "country": country.as_ref().map(Country::alpha2).unwrap_or_default(),
            "csv_url": format!("/console/members.csv?{}", filter_query(status, country.as_ref())),
        }),
    )
}

/// The directory as a spreadsheet, with the same filters.
#[tracing::instrument(skip_all)]
pub(super) async fn spreadsheet(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let (status, country) = filters(visit)?;
    let members = visit.app.table.members(status, country.as_ref()).await?;
    let table = iln_domain::directory::members_csv(&members).map_err(|error| Failure::Internal(error.into()))?;
    let mut response = csv(StatusCode::OK, table);
    response.headers_mut().insert(
        lambda_http::http::header::CONTENT_DISPOSITION,
        lambda_http::http::HeaderValue::from_static("attachment; filename=\"iln-members.csv\""),
    );
    let which = format!(
        "{} members ({}{})",
        members.len(),
        status.map_or("every status", MemberStatus::code),
        country
            .map(|country| format!(", {}", country.alpha2()))
            .unwrap_or_default()
    );
    let downloaded =
        AuditEvent::by_staff(visit.now, visit.session.staff.actor(), Happening::MembersDownloaded).because(which);
    visit.app.table.record_export(&downloaded).await?;
    Ok(response)
}

fn member_id(visit: &Visit<'_>) -> Result<MemberId, Failure> {
    path_parameter(visit.request, "id")
        .and_then(|raw| raw.parse().ok())
        .ok_or(Failure::NotFound)
}

#[tracing::instrument(skip_all)]
pub(super) async fn record(
    visit: &Visit<'_>,
    problem: Option<(StatusCode, String)>,
) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let member = visit
        .app
        .table
        .member(member_id(visit)?)
        .await?
        .ok_or(Failure::NotFound)?;
    let (status, problem) = match problem {
        Some((status, problem)) => (status, Some(problem)),
        None => (StatusCode::OK, None),
    };
    visit.page(
        status,
        ConsoleTemplate::Members,
        SECTION,
        &json!({
            "member": member,
            "since_on": member.since.format("%Y-%m-%d").to_string(),
            "language": member.language().code(),
            "said": visit.query("said") == Some("derecognized"),
            "problem": problem,
        }),
    )
}

#[derive(Deserialize)]
struct DerecognitionFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    refer_to_iac: Option<String>,
}

#[tracing::instrument(skip_all)]
pub(super) async fn derecognize(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = member_id(visit)?;
    let fields: DerecognitionFields = form(visit.request)?;
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
            return record(visit, Some((StatusCode::UNPROCESSABLE_ENTITY, message))).await;
        }
    };
    let app = visit.app;
    match staff_commands::derecognize(
        &app.table,
        &visit.session.staff,
        id,
        &reason,
        fields.refer_to_iac.is_some(),
        &app.iac_address,
        visit.now,
    )
    .await
    {
        Ok(_) => see_other(&format!("/console/members/{id}?said=derecognized"), &[]),
        Err(CommandRefused::NotFound) => Err(Failure::NotFound),
        Err(CommandRefused::Store(error)) => Err(error.into()),
        Err(_) => {
            let message = language.text("console.problems.not_now");
            record(visit, Some((StatusCode::CONFLICT, message))).await
        }
    }
}
