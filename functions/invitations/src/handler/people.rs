//! Data-protection requests about one person: an export, an erasure.

use chrono::{DateTime, Utc};
use iln_adapters::http::{ApiFailure, error_body, json, json_body, with_header};
use iln_domain::audit::{AuditEvent, Happening};
use iln_domain::privacy::ErasureProgress;
use iln_domain::{EmailAddress, Language};
use lambda_http::http::{StatusCode, header};
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
    let admin = require_admin(request)?;
    let query = request.query_string_parameters();
    let email = person_address(query.first("email"))?;
    let export = app.table.export_person(&email, now).await?;
    let exported = AuditEvent::by_staff(now, admin.actor(), Happening::PersonExported).because(export.summary());
    let drawn_on = export.nominations_read();
    let (read, logged) = tokio::join!(
        app.table.record_reads(&drawn_on, &exported),
        app.table.record_export(&exported)
    );
    read?;
    logged?;
    // Personal data: like every answer, `json` forbids caches to keep a copy.
    Ok(json(StatusCode::OK, &export))
}

#[derive(Deserialize)]
struct ErasureRequest {
    #[serde(default)]
    email: Option<String>,
}

/// Kept back from the invocation's deadline when erasing: an erasure in
/// flight may take its SDK deadline (8 s) on each of a few calls.
const ERASURE_RESERVE: std::time::Duration = std::time::Duration::from_secs(12);
/// The erasure's time when no invocation deadline is given (the local
/// runner and the tests give one, as Lambda does).
const ERASURE_TIME_WITHOUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(15);

/// Erases one person's data everywhere; repeating it is harmless, and
/// finishes one that stopped for time.
#[tracing::instrument(skip_all)]
pub(super) async fn erase_person(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let form: ErasureRequest = json_body(request, "erasure request")?;
    let email = person_address(form.email.as_deref())?;
    let stop = match iln_adapters::deadline::of_request(request) {
        Some(deadline) => iln_adapters::deadline::stop_at(deadline, ERASURE_RESERVE),
        None => std::time::Instant::now() + ERASURE_TIME_WITHOUT_DEADLINE,
    };
    let may_start = move || std::time::Instant::now() < stop;
    match app.table.erase_person(&email, &admin.subject, now, may_start).await? {
        ErasureProgress::Complete(erased) => Ok(json(StatusCode::OK, &json!({ "erased": erased }))),
        ErasureProgress::Stopped(erased) => {
            let mut body = error_body(
                None,
                "the erasure stopped part-way for time: what is listed is erased; \
                 send the same request again to finish it",
            );
            body["erased"] = json!(erased);
            let response = json(StatusCode::SERVICE_UNAVAILABLE, &body);
            // The next part can start at once: the time ran out, not the table.
            Ok(with_header(response, header::RETRY_AFTER, "1"))
        }
    }
}
