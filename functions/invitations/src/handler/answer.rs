//! The nominee's invitation page and its answers: accept or decline.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::Commit;
use iln_adapters::http::{ApiFailure, html, path_parameter};
use iln_adapters::links::{self, chosen_language};
use iln_domain::membership::{self, InvitationState};
use iln_domain::pages;
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::{Language, Nomination};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use super::{App, NOT_FOUND};

#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    Accept,
    Decline,
}

/// The invitation behind a link and its page language, or the page that
/// says why the link does not work.
enum InvitationLink {
    Open {
        nomination: Box<Nomination>,
        hash: TokenHash,
        language: Language,
    },
    Refused(Response<Body>),
}

async fn link(app: &App, request: &Request, presented: &str, now: DateTime<Utc>) -> Result<InvitationLink, ApiFailure> {
    let refused = |language: Language, status: StatusCode, problem: &str| -> Result<InvitationLink, ApiFailure> {
        let page = pages::invitation_problem(language, problem, app.config.contact_address.as_str())?;
        Ok(InvitationLink::Refused(html(status, page)))
    };
    let found = links::find::<Nomination>(&app.table, request, Some(presented), TokenPurpose::AnswerInvitation).await?;
    let Some(links::Link {
        target: nomination,
        token,
        hash,
        language,
    }) = found
    else {
        return refused(
            chosen_language(request).unwrap_or_default(),
            StatusCode::NOT_FOUND,
            "unknown",
        );
    };
    let current = nomination.invitation.as_ref().is_some_and(|sent| sent.token == hash);
    match membership::invitation_state(
        nomination.status,
        token.used_at.is_some(),
        current,
        token.valid_until,
        now,
    ) {
        InvitationState::Open => Ok(InvitationLink::Open {
            nomination: Box::new(nomination),
            hash,
            language,
        }),
        InvitationState::Used => refused(language, StatusCode::GONE, "used"),
        InvitationState::Revoked => refused(language, StatusCode::GONE, "revoked"),
        InvitationState::Expired => refused(language, StatusCode::GONE, "expired"),
    }
}

/// The token in the link's path.
fn presented(request: &Request) -> Result<&str, ApiFailure> {
    path_parameter(request, "token").ok_or(ApiFailure::NotFound(NOT_FOUND))
}

#[tracing::instrument(skip_all)]
pub(super) async fn invitation_page(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let token = presented(request)?;
    match link(app, request, token, now).await? {
        InvitationLink::Refused(response) => Ok(response),
        InvitationLink::Open {
            nomination, language, ..
        } => {
            let name = nomination.submission.nominee.name.as_str();
            Ok(html(
                StatusCode::OK,
                pages::invitation(language, name, token, &app.config.terms_version)?,
            ))
        }
    }
}

#[derive(Deserialize, Default)]
struct AnswerForm {
    #[serde(default)]
    terms_version: String,
    #[serde(default)]
    reason: String,
}

#[tracing::instrument(skip_all)]
pub(super) async fn answer(
    app: &App,
    request: &Request,
    answer: Answer,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let token = presented(request)?;
    let body = request.body().as_ref();
    let form: AnswerForm =
        serde_html_form::from_bytes(body).map_err(|_| ApiFailure::BadRequest("not a form".into()))?;
    let (nomination, hash, language) = match link(app, request, token, now).await? {
        InvitationLink::Refused(response) => return Ok(response),
        InvitationLink::Open {
            nomination,
            hash,
            language,
        } => (nomination, hash, language),
    };
    let step = match answer {
        Answer::Accept => match membership::accept(
            &nomination,
            &hash,
            &form.terms_version,
            &app.config.terms_version,
            &app.config.slack_join_url,
            now,
        ) {
            Ok(step) => step,
            // The page was older than the terms: show the current ones.
            Err(membership::AcceptRefused::OutdatedTerms { .. }) => {
                let name = nomination.submission.nominee.name.as_str();
                let page = pages::invitation(language, name, token, &app.config.terms_version)?;
                return Ok(html(StatusCode::CONFLICT, page));
            }
            Err(membership::AcceptRefused::Illegal(_)) => return Err(ApiFailure::conflict("already answered")),
        },
        Answer::Decline => membership::decline(&nomination, &hash, Some(form.reason.as_str()), now)
            .map_err(|_| ApiFailure::conflict("already answered"))?,
    };
    match app.table.commit(&step).await? {
        Commit::Written => {
            tracing::info!(nomination_id = %nomination.id, accepted = answer == Answer::Accept, "invitation answered");
            let page = match answer {
                Answer::Accept => pages::invitation_accepted(language, &app.config.slack_join_url)?,
                Answer::Decline => pages::invitation_declined(language)?,
            };
            Ok(html(StatusCode::OK, page))
        }
        // Another answer won: the link now says it was used.
        Commit::Raced => match link(app, request, token, now).await? {
            InvitationLink::Refused(response) => Ok(response),
            InvitationLink::Open { .. } => Err(ApiFailure::conflict("the invitation changed; try again")),
        },
    }
}
