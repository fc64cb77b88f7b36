//! Invitations an admin makes or mends: a direct invitation, a resent or
//! revoked link, a corrected address.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::Commit;
use iln_adapters::http::{ApiFailure, json, json_body};
use iln_adapters::staff_commands::{self, CommandRefused};
use iln_domain::{Language, Nomination, NominationId};
use iln_domain::{correction, membership};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;
use serde_json::json;

use super::people::person_address;
use super::{App, NOT_FOUND, path_id, require_admin};

#[tracing::instrument(skip_all)]
pub(super) async fn invite_directly(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let form: membership::DirectInvitationForm = json_body(request, "invitation")?;
    // The admin's own address signs the invitation; IMI's if the token has none.
    let author = admin
        .email
        .clone()
        .unwrap_or_else(|| app.config.contact_address.clone());
    let submission = form.parse(&author).map_err(|(field, problem)| ApiFailure::Invalid {
        field,
        message: problem.message(Language::En),
    })?;
    let opening = iln_domain::step::invite_directly(NominationId::new(now), submission, &admin.subject, now);
    let id = opening.id;
    if !app.table.open_directly(&opening).await? {
        return Err(ApiFailure::conflict("this person is already nominated or a member"));
    }
    tracing::info!(nomination_id = %id, "direct invitation created");
    Ok(json(StatusCode::ACCEPTED, &json!({ "id": id, "status": "confirmed" })))
}

/// The nomination the route's `{id}` names.
async fn invitation_of(app: &App, request: &Request) -> Result<Nomination, ApiFailure> {
    let id: NominationId = path_id(request)?.parse().map_err(|_| ApiFailure::NotFound(NOT_FOUND))?;
    app.table.nomination(id).await?.ok_or(ApiFailure::NotFound(NOT_FOUND))
}

/// The nomination the route's `{id}` names.
fn nomination_id(request: &Request) -> Result<NominationId, ApiFailure> {
    path_id(request)?.parse().map_err(|_| ApiFailure::NotFound(NOT_FOUND))
}

fn refused(refused: CommandRefused) -> ApiFailure {
    match refused {
        CommandRefused::NotFound => ApiFailure::NotFound(NOT_FOUND),
        CommandRefused::Store(error) => error.into(),
        other => ApiFailure::conflict(&other.to_string()),
    }
}

/// Sends a new link; delivering it makes the earlier one stop working.
#[tracing::instrument(skip_all)]
pub(super) async fn resend(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let nomination = staff_commands::resend_invitation(&app.table, &admin, nomination_id(request)?, now)
        .await
        .map_err(refused)?;
    Ok(json(
        StatusCode::ACCEPTED,
        &json!({ "id": nomination.id, "status": nomination.status }),
    ))
}

#[tracing::instrument(skip_all)]
pub(super) async fn revoke(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let step = staff_commands::revoke_invitation(&app.table, &admin, nomination_id(request)?, now)
        .await
        .map_err(refused)?;
    Ok(json(StatusCode::OK, &json!({ "id": step.id(), "status": step.to })))
}

#[derive(Deserialize)]
struct AddressCorrection {
    email: String,
}

/// The nominee's address corrected after mail to it could not be delivered;
/// a resend (or a retry of the invitation set aside) then reaches them. The
/// same step as a staff correction, for the one field a sent invitation
/// still lets change.
#[tracing::instrument(skip_all)]
pub(super) async fn correct_address(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let admin = require_admin(request)?;
    let form: AddressCorrection = json_body(request, "correction")?;
    let corrected = person_address(Some(&form.email))?;
    let nomination = invitation_of(app, request).await?;
    let step = correction::correct_undeliverable_address(&nomination, &corrected, &admin.subject, now)
        .map_err(|refused| ApiFailure::conflict(&refused.to_string()))?;
    match app.table.commit(&step).await? {
        Commit::Written => Ok(json(
            StatusCode::OK,
            &json!({ "id": nomination.id, "status": nomination.status, "version": step.next_version() }),
        )),
        Commit::Raced if app.table.held_by_another(&corrected, nomination.id).await? => {
            Err(ApiFailure::conflict("someone with that address is nominated already"))
        }
        Commit::Raced => Err(ApiFailure::conflict("the nomination changed meanwhile; read it again")),
    }
}
