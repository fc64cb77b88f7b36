//! The information link: a vetter's question, and the nominator's answer.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Dossier, MoveError};
use iln_adapters::http::html;
use iln_domain::pages::{self, TokenProblem};
use iln_domain::token::TokenPurpose;
use iln_domain::vetting::{AddedInformation, Answerable, answerable, latest_question};
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

use super::{App, Failure, LinkState, form_body, gone, known_link};

/// The form sent back from the information page.
#[derive(serde::Deserialize)]
struct InformationForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    information: String,
}

async fn information_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<LinkState<Dossier>, Failure> {
    let link = match known_link(app, request, presented, TokenPurpose::ProvideInformation).await? {
        LinkState::Open(link) => link,
        closed => return Ok(closed),
    };
    match answerable(
        link.target.nomination.status,
        link.token.used_at.is_some(),
        link.token.valid_until,
        now,
    ) {
        Answerable::Yes => Ok(LinkState::Open(link)),
        Answerable::AlreadyAnswered => Ok(LinkState::Closed(html(
            StatusCode::OK,
            pages::information_received(link.language)?,
        ))),
        Answerable::Expired => gone(link.language, TokenProblem::Expired),
        Answerable::Closed => gone(link.language, TokenProblem::Closed),
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn information_page(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match information_link(app, request, presented, now).await? {
        LinkState::Closed(response) => Ok(response),
        LinkState::Open(link) => {
            let question = latest_question(&link.target.audit).unwrap_or_default();
            let page = pages::information_form(link.language, question, presented.unwrap_or_default(), "", None)?;
            Ok(html(StatusCode::OK, page))
        }
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn add_information(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, Failure> {
    let form: InformationForm = form_body(request)?;
    let link = match information_link(app, request, Some(&form.token), now).await? {
        LinkState::Closed(response) => return Ok(response),
        LinkState::Open(link) => link,
    };
    let information = match AddedInformation::parse(&form.information) {
        Ok(information) => information,
        Err(problem) => {
            let question = latest_question(&link.target.audit).unwrap_or_default();
            let page = pages::information_form(link.language, question, &form.token, &form.information, Some(problem))?;
            return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, page));
        }
    };
    let answer = iln_domain::vetting::answer(&link.target.nomination, information, link.hash.clone(), now);
    match app.table.add_information(&answer).await {
        // A concurrent answer or decision won: the link's state says which.
        Ok(()) | Err(MoveError::Conflict) => match information_link(app, request, Some(&form.token), now).await? {
            LinkState::Closed(response) => Ok(response),
            LinkState::Open(_) => Err(Failure::Internal("the information was not recorded".into())),
        },
        Err(MoveError::Store(error)) => Err(error.into()),
    }
}
