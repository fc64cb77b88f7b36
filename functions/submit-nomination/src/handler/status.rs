//! The nominator's status link: the stage their nomination has reached, for
//! as long as the nomination is kept.

use chrono::{DateTime, Utc};
use iln_adapters::http::html;
use iln_domain::Nomination;
use iln_domain::pages::{self, TokenProblem};
use iln_domain::stage::Stage;
use iln_domain::token::TokenPurpose;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

use super::{App, Failure, LinkState, known_link};

/// Shows the stage only: the page is rendered from the stage and whether the
/// nomination is open, never from the nomination itself, so nothing else
/// about it can reach the page.
#[tracing::instrument(skip_all)]
pub(super) async fn status_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    let link = match known_link::<Nomination>(app, request, presented, TokenPurpose::FollowNomination).await? {
        LinkState::Open(link) => link,
        LinkState::Closed(response) => return Ok(response),
    };
    if now >= link.token.valid_until {
        // Only a link older than any record we keep: its nomination is over.
        let page = pages::token_problem(link.language, TokenProblem::Closed)?;
        return Ok(html(StatusCode::GONE, page));
    }
    let status = link.target.status;
    let page = pages::nomination_status(
        link.language,
        Stage::of(status),
        presented.unwrap_or_default(),
        status.is_open(),
    )?;
    Ok(html(StatusCode::OK, page))
}
