//! Data-protection requests about one person: an export, an erasure.

use chrono::{DateTime, Utc};
use iln_adapters::http::{ApiFailure, json, json_body};
use iln_domain::{EmailAddress, Language};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;
use serde_json::json;

use super::{App, require_admin};

/// The person a data-protection request is about, by e-mail address.
pub(super) fn person_address(raw: Option<&str>) -> Result<EmailAddress, ApiFailure> {
    EmailAddress::parse(raw.unwrap_or_default()).map_err(|problem| ApiFailure::Invalid {
        field: "email",
        message: problem.message(Language::En),
    })
}

/// A subject-access export: everything held about one person, as JSON.
#[tracing::instrument(skip_all)]
pub(super) async fn export_person(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let email = person_address(query.first("email"))?;
    let export = app.table.export_person(&email, now).await?;
    // Personal data: like every answer, `json` forbids caches to keep a copy.
    Ok(json(StatusCode::OK, &export))
}

#[derive(Deserialize)]
struct ErasureRequest {
    #[serde(default)]
    email: Option<String>,
}

/// Erases one person's data everywhere; repeating it is harmless.
#[tracing::instrument(skip_all)]
pub(super) async fn erase_person(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let form: ErasureRequest = json_body(request, "erasure request")?;
    let email = person_address(form.email.as_deref())?;
    let erased = app.table.erase_person(&email, &admin.subject, now).await?;
    Ok(json(StatusCode::OK, &json!({ "erased": erased })))
}
