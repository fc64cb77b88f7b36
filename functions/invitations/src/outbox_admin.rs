//! The admins' view of the outbox: what is waiting or set aside, and
//! retrying or cancelling one message. References and reasons only: no
//! address, no content.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{AdminChange, OutboxMessage};
use iln_adapters::http::{ApiFailure, json};
use iln_domain::message::MessageId;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use crate::handler::{App, NOT_FOUND, path_id, require_admin};

/// `GET /admin/outbox?status=failed|undelivered`
#[tracing::instrument(skip_all)]
pub(crate) async fn list(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let failed = match query.first("status") {
        Some("failed") => true,
        Some("undelivered") | None => false,
        Some(_) => return Err(ApiFailure::BadRequest("status is failed or undelivered".to_owned())),
    };
    let messages = app.table.messages_in(failed).await?;
    let listed: Vec<serde_json::Value> = messages.iter().map(view).collect();
    Ok(json(StatusCode::OK, &json!({ "messages": listed })))
}

fn view(message: &OutboxMessage) -> serde_json::Value {
    json!({
        "id": message.id,
        "kind": message.message.kind(),
        "status": message.status.code(),
        "attempts": message.attempts,
        "created_at": message.created_at,
        "nomination_id": message.message.nomination_id(),
        "failure_reason": message.failure_reason.map(|reason| reason.code()),
    })
}

/// `POST /admin/outbox/{id}/retry`: back into the undelivered queue, due now;
/// the sweeper delivers it.
#[tracing::instrument(skip_all)]
pub(crate) async fn retry(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let id = MessageId::from_reference(path_id(request)?);
    answer(&id, "retrying", app.table.retry_message(&id, now).await?)
}

/// `POST /admin/outbox/{id}/cancel`: never sent.
#[tracing::instrument(skip_all)]
pub(crate) async fn cancel(app: &App, request: &Request) -> Result<Response<Body>, ApiFailure> {
    require_admin(request)?;
    let id = MessageId::from_reference(path_id(request)?);
    answer(&id, "cancelled", app.table.cancel_by_admin(&id).await?)
}

fn answer(id: &MessageId, status: &str, change: AdminChange) -> Result<Response<Body>, ApiFailure> {
    match change {
        AdminChange::Done => Ok(json(StatusCode::OK, &json!({ "id": id, "status": status }))),
        AdminChange::NotFound => Err(ApiFailure::NotFound(NOT_FOUND)),
        AdminChange::Refused(current) => Err(ApiFailure::conflict(&format!(
            "the message is {}; only a waiting or failed message can be changed",
            current.code()
        ))),
    }
}
