//! Admins only: the roster — who may nominate on the strength of a
//! category. A CSV file imported at once (the API's reading and writes:
//! entries are upserts, so the same file twice stores each entry once),
//! the entries listed by category, and an entry removed.

use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::roster::{RosterCategory, RosterFormatError, RosterImport, parse_roster_csv, roster_text};
use iln_domain::staff::StaffRole;
use iln_domain::{EmailAddress, Language};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::sign_in::form;
use super::{Failure, Visit, see_other, upload};

const SECTION: &str = "roster";
const PAGE: usize = 50;
/// Kept back from the invocation's deadline when importing, to finish the
/// batches in flight and answer (as the API does).
const IMPORT_RESERVE: std::time::Duration = std::time::Duration::from_secs(3);
/// The import's time when no invocation deadline is given.
const IMPORT_TIME_WITHOUT_DEADLINE: std::time::Duration = std::time::Duration::from_secs(7);

/// What the page shows besides its forms.
#[derive(Serialize, Default)]
struct RosterView {
    problem: Option<String>,
    said: Option<&'static str>,
    imported: Option<Value>,
    listing: Option<Value>,
    /// The address typed into the removal form, given back with its problem.
    email: String,
}

fn page(visit: &Visit<'_>, status: StatusCode, view: RosterView) -> Result<Response<Body>, Failure> {
    let categories = RosterCategory::ALL.map(RosterCategory::code);
    let max_mib = RosterImport::MAX_BYTES / (1024 * 1024);
    let mut content = serde_json::to_value(view).map_err(|error| Failure::Internal(error.into()))?;
    content["categories"] = json!(categories);
    content["max_mib"] = json!(max_mib);
    content["max_rows"] = json!(RosterImport::MAX_ROWS);
    visit.page(status, ConsoleTemplate::Roster, SECTION, &content)
}

fn category_filter(visit: &Visit<'_>) -> Result<Option<RosterCategory>, Failure> {
    match visit.query("category") {
        None | Some("") => Ok(None),
        Some(raw) => RosterCategory::parse(raw).map(Some).map_err(|_| Failure::BadRequest),
    }
}

/// The roster by address, a page at a time, of one category or all.
#[tracing::instrument(skip_all)]
pub(super) async fn list(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let said = visit.query("said").filter(|said| *said == "removed").map(|_| "removed");
    let view = RosterView {
        said,
        listing: Some(listing(visit).await?),
        ..RosterView::default()
    };
    page(visit, StatusCode::OK, view)
}

async fn listing(visit: &Visit<'_>) -> Result<Value, Failure> {
    let category = category_filter(visit)?;
    let cursor = visit.query("cursor").filter(|cursor| !cursor.is_empty());
    let roster = visit.app.table.roster_page(category, cursor, PAGE).await?;
    let items: Vec<Value> = roster
        .entries
        .iter()
        .map(|listed| {
            let entry = &listed.entry;
            json!({
                "name": entry.name.to_string(),
                "email": entry.email.to_string(),
                "category": entry.category.code(),
                "country": entry.country.as_ref().map(|country| country.alpha2()),
                "imported_at": listed.imported_at.to_rfc3339(),
                "imported_on": listed.imported_at.format("%Y-%m-%d").to_string(),
            })
        })
        .collect();
    let next_page = roster.next_cursor.map(|cursor| {
        let mut pairs = vec![("cursor", cursor)];
        if let Some(category) = category {
            pairs.push(("category", category.code().to_owned()));
        }
        format!(
            "/console/roster?{}",
            serde_html_form::to_string(&pairs).unwrap_or_default()
        )
    });
    Ok(json!({
        "category": category.map(RosterCategory::code).unwrap_or_default(),
        "items": items,
        "next_page": next_page,
    }))
}

/// A whole document refused, in the reader's words.
fn format_problem(error: &RosterFormatError, language: Language) -> String {
    let text = |key: &str| language.text(&format!("console.roster.problems.{key}"));
    match error {
        RosterFormatError::NotUtf8 { .. } => text("not_utf8"),
        RosterFormatError::Empty => text("empty"),
        RosterFormatError::NoHeader => text("no_header"),
        RosterFormatError::UnnamedColumn { position } => {
            text("unnamed_column").replace("{position}", &position.to_string())
        }
        RosterFormatError::UnknownColumn { name } => text("unknown_column").replace("{column}", name),
        RosterFormatError::DuplicateColumn { name } => text("duplicate_column").replace("{column}", name),
        RosterFormatError::MissingColumn { name } => text("missing_column").replace("{column}", name),
        RosterFormatError::TooManyRows { max } => text("too_many_rows").replace("{max}", &max.to_string()),
        // A CSV document is never read as JSON; these are the API's.
        RosterFormatError::MalformedCsv { .. }
        | RosterFormatError::InvalidJson { .. }
        | RosterFormatError::NotJsonArray
        | RosterFormatError::ElementNotObject { .. } => text("malformed"),
    }
}

fn refused_document(visit: &Visit<'_>, status: StatusCode, problem: String) -> Result<Response<Body>, Failure> {
    let view = RosterView {
        problem: Some(problem),
        ..RosterView::default()
    };
    page(visit, status, view)
}

/// Reads the uploaded CSV with the API's reader and stores every accepted
/// entry at once; shows what was stored and every line refused, and why.
#[tracing::instrument(skip_all)]
pub(super) async fn import(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let upload = upload::read(visit, "roster", RosterImport::MAX_BYTES).await?;
    visit.check_form(&upload.csrf)?;
    visit.require(StaffRole::Admin)?;
    let language = visit.language();
    let Ok(file) = upload.file else {
        let problem = language
            .text("console.roster.problems.too_large")
            .replace("{max}", &(RosterImport::MAX_BYTES / (1024 * 1024)).to_string());
        return refused_document(visit, StatusCode::PAYLOAD_TOO_LARGE, problem);
    };
    let parsed = roster_text(&file).and_then(parse_roster_csv);
    let import = match parsed {
        Ok(import) => import,
        Err(error @ RosterFormatError::NotUtf8 { .. }) => {
            return refused_document(visit, StatusCode::BAD_REQUEST, format_problem(&error, language));
        }
        Err(error) => {
            return refused_document(
                visit,
                StatusCode::UNPROCESSABLE_ENTITY,
                format_problem(&error, language),
            );
        }
    };
    let accepted = import.accepted.len();
    let refused = import.refused.len();
    let refusals: Vec<Value> = import
        .refused
        .iter()
        .map(|refusal| json!({ "line": refusal.line, "reason": refusal.reason_in(language) }))
        .collect();
    let deadline = tokio::time::Instant::from_std(iln_adapters::deadline::stop_for(
        visit.request,
        IMPORT_RESERVE,
        IMPORT_TIME_WITHOUT_DEADLINE,
    ));
    let subject = &visit.session.staff.subject;
    let (status, saved, stopped) = match visit
        .app
        .table
        .import_roster(import.accepted, visit.now, deadline)
        .await
    {
        Ok(saved) => {
            tracing::info!(%subject, accepted, refused, "roster imported from the console");
            (StatusCode::OK, saved, false)
        }
        Err(partial) => {
            tracing::warn!(
                %subject, accepted, saved = partial.written, error = %iln_adapters::telemetry::error_chain(&partial.stopped),
                "roster import from the console stopped part-way"
            );
            (StatusCode::SERVICE_UNAVAILABLE, partial.written, true)
        }
    };
    let view = RosterView {
        imported: Some(json!({
            "accepted": accepted,
            "saved": saved,
            "stopped": stopped,
            "refused": refusals,
        })),
        ..RosterView::default()
    };
    page(visit, status, view)
}

#[derive(Deserialize)]
struct RemovalFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Takes one person off the roster (they left, or lost their
/// certification): a row's button, or an address typed.
#[tracing::instrument(skip_all)]
pub(super) async fn remove(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let fields: RemovalFields = form(visit.request)?;
    visit.check_form(&fields.csrf)?;
    visit.require(StaffRole::Admin)?;
    let language = visit.language();
    let (status, problem) = match EmailAddress::parse(&fields.email) {
        Err(problem) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "{}: {}",
                language.text("console.fields.email"),
                problem.message(language)
            ),
        ),
        Ok(email) => match visit.app.table.remove_roster_entry(&email).await? {
            Some(category) => {
                tracing::info!(subject = %visit.session.staff.subject, category = category.code(), "roster entry removed");
                return see_other("/console/roster?said=removed", &[]);
            }
            None => (StatusCode::NOT_FOUND, language.text("console.roster.not_on_roster")),
        },
    };
    let view = RosterView {
        problem: Some(problem),
        email: fields.email.trim().to_owned(),
        listing: Some(listing(visit).await?),
        ..RosterView::default()
    };
    page(visit, status, view)
}
