//! The admins' view of members, as JSON or a spreadsheet, and derecognition.

use chrono::{DateTime, Utc};
use iln_adapters::http::{ApiFailure, csv, json, json_body};
use iln_adapters::staff_commands::{self, CommandRefused};
use iln_domain::Language;
use iln_domain::membership::{Member, MemberId, MemberStatus};
use iln_domain::nomination::Country;
use iln_domain::vetting::Reason;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;

use super::{App, NOT_FOUND, path_id, require_admin};

fn member_json(member: &Member) -> serde_json::Value {
    json!(member)
}

#[tracing::instrument(skip_all)]
pub(super) async fn members(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let status = match query.first("status") {
        None | Some("") => None,
        Some(raw) => {
            Some(MemberStatus::parse(raw).ok_or_else(|| ApiFailure::BadRequest(format!("unknown status {raw:?}")))?)
        }
    };
    let country = match query.first("country") {
        None | Some("") => None,
        Some(raw) => Some(Country::parse(raw).map_err(|_| ApiFailure::BadRequest(format!("unknown country {raw:?}")))?),
    };
    let members = app.table.members(status, country.as_ref()).await?;
    let wants_csv = request
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/csv"));
    if wants_csv {
        return Ok(csv(
            StatusCode::OK,
            iln_domain::directory::members_csv(&members).map_err(|error| ApiFailure::Internal(error.into()))?,
        ));
    }
    let items: Vec<_> = members.iter().map(member_json).collect();
    Ok(json(StatusCode::OK, &json!({ "items": items })))
}

/// The member the route's `{id}` names.
async fn load_member(app: &App, request: &Request) -> Result<Member, ApiFailure> {
    let id: MemberId = path_id(request)?.parse().map_err(|_| ApiFailure::NotFound(NOT_FOUND))?;
    app.table.member(id).await?.ok_or(ApiFailure::NotFound(NOT_FOUND))
}

#[tracing::instrument(skip_all)]
pub(super) async fn member(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let member = load_member(app, request).await?;
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
pub(super) async fn derecognize(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let form: DerecognitionForm = json_body(request, "derecognition")?;
    let reason = Reason::parse(&form.reason).map_err(|problem| ApiFailure::Invalid {
        field: "reason",
        message: problem.message(Language::En),
    })?;
    let id: MemberId = path_id(request)?.parse().map_err(|_| ApiFailure::NotFound(NOT_FOUND))?;
    let member = staff_commands::derecognize(
        &app.table,
        &admin,
        id,
        &reason,
        form.refer_to_iac,
        &app.config.iac_address,
        now,
    )
    .await
    .map_err(|refused| match refused {
        CommandRefused::NotFound => ApiFailure::NotFound(NOT_FOUND),
        CommandRefused::Store(error) => error.into(),
        other => ApiFailure::conflict(&other.to_string()),
    })?;
    Ok(json(
        StatusCode::OK,
        &json!({ "id": member.id, "status": MemberStatus::Derecognized }),
    ))
}
