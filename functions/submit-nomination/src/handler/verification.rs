//! The nominator's verification link: its page, and the page's button.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, retry_on_conflict};
use iln_adapters::http::html;
use iln_domain::Nomination;
use iln_domain::pages::{self, TokenProblem};
use iln_domain::token::TokenPurpose;
use iln_domain::verification::{Verification, verify_nominator};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

use super::{App, Failure, LinkState, TokenForm, form_body, gone, known_link};

async fn verify_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LinkState<Nomination>, Failure> {
    let link = match known_link(app, request, presented, TokenPurpose::VerifyNominatorEmail).await? {
        LinkState::Open(link) => link,
        closed => return Ok(closed),
    };
    // Without the holder: only whether there is anything left to verify.
    match verify_nominator(
        &link.target,
        &link.hash,
        link.token.used_at.is_some(),
        link.token.valid_until,
        None,
        now,
    ) {
        Verification::AlreadyVerified => Ok(LinkState::Closed(html(
            StatusCode::OK,
            pages::verified(link.language, true)?,
        ))),
        Verification::Expired => gone(link.language, TokenProblem::Expired),
        Verification::Closed => gone(link.language, TokenProblem::Closed),
        Verification::Verifies(_) => Ok(LinkState::Open(link)),
    }
}

/// The nominator's verification link: a page with a button, so that a mail
/// scanner following links verifies nothing.
#[tracing::instrument(skip_all)]
pub(super) async fn verify_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match verify_link(app, request, presented, now).await? {
        LinkState::Closed(response) => Ok(response),
        LinkState::Open(link) => Ok(html(
            StatusCode::OK,
            pages::verify(link.language, presented.unwrap_or_default())?,
        )),
    }
}

/// The verification page's button: the first verified nomination of a
/// person holds them; one verified later merges into it as an endorsement.
/// The page says the same either way.
#[tracing::instrument(skip_all)]
pub(super) async fn verify(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: TokenForm = form_body(request)?;
    // A lost race is re-read: the person may have been taken meanwhile.
    retry_on_conflict(3, || async {
        let link = match verify_link(app, request, Some(&form.token), now).await? {
            LinkState::Closed(response) => return Ok(Some(response)),
            LinkState::Open(link) => link,
        };
        let nomination = &link.target;
        let submission = &nomination.submission;
        let holder = app
            .table
            .holder(&submission.nominee.email, &submission.nominator.email)
            .await?;
        let spent = link.token.used_at.is_some();
        let Verification::Verifies(step) = verify_nominator(
            nomination,
            &link.hash,
            spent,
            link.token.valid_until,
            holder.as_ref(),
            now,
        ) else {
            // Moved on between the two reads: the next round says how.
            return Ok(None);
        };
        if app.table.commit(&step).await? == Commit::Raced {
            return Ok(None);
        }
        tracing::info!(nomination_id = %nomination.id, to = %step.to, "nominator verified");
        Ok(Some(html(StatusCode::OK, pages::verified(link.language, false)?)))
    })
    .await
}
