//! The nominator's withdraw link: its page, and the page's button.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, retry_on_conflict};
use iln_adapters::http::html;
use iln_domain::Nomination;
use iln_domain::audit::Actor;
use iln_domain::pages::{self, WithdrawPage};
use iln_domain::token::TokenPurpose;
use iln_domain::vetting::{Withdrawable, withdrawable};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

use super::{App, Failure, LinkState, TokenForm, form_body, known_link_accepting};

async fn withdraw_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LinkState<Nomination>, Failure> {
    let link = match known_link_accepting(app, request, presented, TokenPurpose::withdraws).await? {
        LinkState::Open(link) => link,
        closed => return Ok(closed),
    };
    let closed = |status: StatusCode, page: WithdrawPage| {
        Ok(LinkState::Closed(html(status, pages::withdraw(link.language, page)?)))
    };
    match withdrawable(link.target.status, link.token.valid_until, now) {
        Withdrawable::AlreadyWithdrawn => closed(StatusCode::OK, WithdrawPage::Done),
        Withdrawable::Closed => closed(StatusCode::GONE, WithdrawPage::AlreadyClosed),
        Withdrawable::Yes => Ok(LinkState::Open(link)),
    }
}

/// The nominator's withdraw link: asks before anything happens, so that a
/// mail scanner following links withdraws nothing.
#[tracing::instrument(skip_all)]
pub(super) async fn withdraw_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match withdraw_link(app, request, presented, now).await? {
        LinkState::Closed(response) => Ok(response),
        LinkState::Open(link) => {
            let confirm = WithdrawPage::Confirm {
                nominee_name: link.target.submission.nominee.name.as_str(),
                token: presented.unwrap_or_default(),
            };
            Ok(html(StatusCode::OK, pages::withdraw(link.language, confirm)?))
        }
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn withdraw(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: TokenForm = form_body(request)?;
    retry_on_conflict(2, || async {
        let (nomination, language) = match withdraw_link(app, request, Some(&form.token), now).await? {
            LinkState::Closed(response) => return Ok(Some(response)),
            LinkState::Open(link) => (link.target, link.language),
        };
        let Ok(step) = iln_domain::vetting::withdraw(&nomination, Actor::Nominator, None, now) else {
            let page = pages::withdraw(language, WithdrawPage::AlreadyClosed)?;
            return Ok(Some(html(StatusCode::GONE, page)));
        };
        if app.table.commit(&step).await? == Commit::Raced {
            return Ok(None);
        }
        tracing::info!(nomination_id = %nomination.id, "withdrawn by the nominator");
        Ok(Some(html(
            StatusCode::OK,
            pages::withdraw(language, WithdrawPage::Done)?,
        )))
    })
    .await
}
