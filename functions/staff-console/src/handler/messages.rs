//! Admins only: e-mails and Slack messages still waiting, or set aside
//! after a permanent failure, with retry and cancel. References and
//! reasons only: no address, no content.

use iln_adapters::dynamodb::AdminChange;
use iln_adapters::http::path_parameter;
use iln_domain::console_pages::ConsoleTemplate;
use iln_domain::message::MessageId;
use iln_domain::staff::StaffRole;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Response};
use serde_json::{Value, json};

use super::{Failure, Visit, see_other};

const SECTION: &str = "messages";

/// `?status=failed` (the default: what needs a person) or `undelivered`.
#[tracing::instrument(skip_all)]
pub(super) async fn list(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.require(StaffRole::Admin)?;
    let failed = match visit.query("status") {
        None | Some("") | Some("failed") => true,
        Some("undelivered") => false,
        Some(_) => return Err(Failure::BadRequest),
    };
    let messages = visit.app.table.messages_in(failed).await?;
    let items: Vec<Value> = messages
        .iter()
        .map(|message| {
            json!({
                "id": message.id,
                "kind": message.message.kind().replace('_', " "),
                "status": message.status.code(),
                "attempts": message.attempts,
                "created_on": message.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
                "nomination_id": message.message.nomination_id(),
                "reason": message.failure_reason.map(|reason| reason.code()),
            })
        })
        .collect();
    visit.page(
        StatusCode::OK,
        ConsoleTemplate::Messages,
        SECTION,
        &json!({
            "failed": failed,
            "items": items,
            "said": visit.query("said").filter(|said| ["retrying", "cancelled"].contains(said)),
            "problem": visit.query("problem").filter(|problem| *problem == "changed"),
        }),
    )
}

/// Back into the undelivered queue, due now: the sweeper delivers it.
#[tracing::instrument(skip_all)]
pub(super) async fn retry(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = message_id(visit)?;
    visit.check_button()?;
    visit.require(StaffRole::Admin)?;
    let change = visit.app.table.retry_message(&id, visit.now).await?;
    answer(change, "retrying")
}

/// Never sent.
#[tracing::instrument(skip_all)]
pub(super) async fn cancel(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let id = message_id(visit)?;
    visit.check_button()?;
    visit.require(StaffRole::Admin)?;
    let change = visit.app.table.cancel_by_admin(&id).await?;
    answer(change, "cancelled")
}

fn message_id(visit: &Visit<'_>) -> Result<MessageId, Failure> {
    path_parameter(visit.request, "id")
        .map(MessageId::from_reference)
        .ok_or(Failure::NotFound)
}

/// To the list, saying what was done, or that the message had moved on
/// (delivered, cancelled or retried by someone else meanwhile).
fn answer(change: AdminChange, said: &str) -> Result<Response<Body>, Failure> {
    match change {
        AdminChange::Done => see_other(&format!("/console/messages?said={said}"), &[]),
        AdminChange::NotFound => Err(Failure::NotFound),
        AdminChange::Refused(_) => see_other("/console/messages?problem=changed", &[]),
    }
}
