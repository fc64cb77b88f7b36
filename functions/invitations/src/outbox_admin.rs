//! The admins' view of the outbox: what is waiting or set aside, and
//! retrying or cancelling one message. References and reasons only: no
//! address, no content.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{AdminChange, OutboxMessage};
use iln_adapters::http::json;
use iln_domain::message::MessageId;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::json;

use crate::handler::{App, Failure, require_admin};

/// `GET /admin/outbox?status=failed|undelivered`
#[tracing::instrument(skip_all)]
pub(crate) async fn list(app: &App, request: &Request) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let query = request.query_string_parameters();
    let failed = match query.first("status") {
        Some("failed") => true,
        Some("undelivered") | None => false,
        Some(_) => return Err(Failure::BadRequest("status is failed or undelivered".to_owned())),
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
pub(crate) async fn retry(
    app: &App,
    request: &Request,
    raw: &str,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let id = MessageId::from_reference(raw);
    answer(&id, "retrying", app.table.retry_message(&id, now).await?)
}

/// `POST /admin/outbox/{id}/cancel`: never sent.
#[tracing::instrument(skip_all)]
pub(crate) async fn cancel(app: &App, request: &Request, raw: &str) -> Result<Response<Body>, Failure> {
    require_admin(request)?;
    let id = MessageId::from_reference(raw);
    answer(&id, "cancelled", app.table.cancel_by_admin(&id).await?)
}

fn answer(id: &MessageId, status: &str, change: AdminChange) -> Result<Response<Body>, Failure> {
    match change {
        AdminChange::Done => Ok(json(StatusCode::OK, &json!({ "id": id, "status": status }))),
        AdminChange::NotFound => Err(Failure::NotFound),
        AdminChange::Refused(current) => Err(Failure::Conflict(format!(
            "the message is {}; only a waiting or failed message can be changed",
            current.code()
        ))),
    }
}
