//! Where the ILN has leaders and where nominations wait, country by
//! country, and how long each decision takes from submission: for vetters
//! and admins alike.

use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::coverage::{CoverageReport, DecisionKind, OPEN_STAGES};
use iln_domain::staff::StaffRole;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use super::{Failure, Visit};

const SECTION: &str = "coverage";
/// One colour a stage, then one a decision: distinct in hue and lightness,
/// each at least 3:1 against white.
const STAGE_COLOURS: [&str; OPEN_STAGES.len()] = ["#0b4f8a", "#6a3d9a", "#b15928", "#1b7837", "#a3195b"];
const DECISION_COLOURS: [&str; DecisionKind::ALL.len()] = ["#0b4f8a", "#b15928", "#1b7837"];

#[tracing::instrument(skip_all)]
pub(super) async fn page(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Vetter)?;
    let found = visit.app.table.coverage(visit.now).await?;
    let report = CoverageReport::new(found, visit.now);
    let language = visit.language();
    let days = |days: Option<f64>| days.map(|days| iln_domain::coverage::days_text(days, language));
    let countries: Vec<Value> = report
        .countries
        .iter()
        .map(|coverage| {
            json!({
                "code": coverage.country.alpha2(),
                "name": coverage.country.name(),
                "leaders": coverage.leaders.iter().map(|name| name.as_str()).collect::<Vec<_>>(),
                "open": coverage.open,
                "total": coverage.open_total(),
            })
        })
        .collect();
    let waits = |waits: &[iln_domain::coverage::MedianWait]| -> Vec<Value> {
        waits
            .iter()
            .map(|wait| json!({ "kind": wait.kind.code(), "decisions": wait.decisions, "days": days(wait.days) }))
            .collect()
    };
    let months: Vec<Value> = report
        .months
        .iter()
        .map(|month| json!({ "month": month.month, "waits": waits(&month.waits) }))
        .collect();
    let names = |countries: &[iln_domain::nomination::Country]| -> Vec<&str> {
        countries.iter().map(|country| country.name()).collect()
    };
    visit.page(
        StatusCode::OK,
        ConsoleTemplate::Coverage,
        SECTION,
        &json!({
            "stages": OPEN_STAGES.iter().map(|stage| stage.code()).collect::<Vec<_>>(),
            "kinds": DecisionKind::ALL.iter().map(|kind| kind.code()).collect::<Vec<_>>(),
            "stage_colours": STAGE_COLOURS,
            "decision_colours": DECISION_COLOURS,
            "countries": countries,
            "open_without_leader": names(&report.open_without_leader),
            "without_leader": names(&report.without_leader),
            "waits": waits(&report.waits),
            "any_decisions": report.waits.iter().any(|wait| wait.decisions > 0),
            "months": months,
            "open_chart": report.open_chart(),
            "waits_chart": report.waits_chart(),
        }),
    )
}
