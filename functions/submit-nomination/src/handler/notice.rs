//! The nominee's notice link: its page, which asks first, and the page's
//! buttons (object; agree, when their agreement is asked).

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Commit, retry_on_conflict};
use iln_adapters::http::html;
use iln_domain::Nomination;
use iln_domain::nominee_notice::{self, Answer, Answerable, answerable};
use iln_domain::pages::{self, NoticePage};
use iln_domain::token::TokenPurpose;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, RequestExt, Response};

use super::{App, Failure, LinkState, form_body, known_link};

/// The notice link behind `presented`, open while the nominee may still
/// answer; otherwise the page that says why not, in their language.
async fn notice_link(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(LinkState<Nomination>, bool), Failure> {
    let link = match known_link(app, request, presented, TokenPurpose::AnswerNotice).await? {
        LinkState::Open(link) => link,
        closed => return Ok((closed, false)),
    };
    let closed = |status: StatusCode, page: NoticePage| {
        Ok((
            LinkState::Closed(html(status, pages::notice(link.language, page)?)),
            false,
        ))
    };
    match answerable(link.target.status, link.target.updated_at, now) {
        Answerable::Objected => closed(StatusCode::OK, NoticePage::Objected),
        Answerable::Expired => closed(StatusCode::GONE, NoticePage::Expired),
        Answerable::Closed => closed(StatusCode::GONE, NoticePage::Closed),
        Answerable::Open { may_agree } => Ok((LinkState::Open(link), may_agree)),
    }
}

/// Asks before anything happens, so that a mail scanner following the
/// link changes nothing.
#[tracing::instrument(skip_all)]
pub(super) async fn notice_page(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let query = request.query_string_parameters();
    let presented = query.first("token");
    match notice_link(app, request, presented, now).await? {
        (LinkState::Closed(response), _) => Ok(response),
        (LinkState::Open(link), may_agree) => {
            let ask = NoticePage::Ask {
                token: presented.unwrap_or_default(),
                may_agree,
                missing_answer: false,
            };
            Ok(html(StatusCode::OK, pages::notice(link.language, ask)?))
        }
    }
}

/// The form sent back from the notice's page.
#[derive(serde::Deserialize)]
struct AnswerForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    answer: String,
}

#[tracing::instrument(skip_all)]
pub(super) async fn answer(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let form: AnswerForm = form_body(request)?;
    retry_on_conflict(2, || async {
        let (link, may_agree) = match notice_link(app, request, Some(&form.token), now).await? {
            (LinkState::Closed(response), _) => return Ok(Some(response)),
            (LinkState::Open(link), may_agree) => (link, may_agree),
        };
        let language = link.language;
        let nomination = &link.target;
        let answer = match Answer::parse(&form.answer) {
            Some(Answer::Agree) if !may_agree => None,
            answer => answer,
        };
        let Some(answer) = answer else {
            let ask = NoticePage::Ask {
                token: &form.token,
                may_agree,
                missing_answer: true,
            };
            return Ok(Some(html(
                StatusCode::UNPROCESSABLE_ENTITY,
                pages::notice(language, ask)?,
            )));
        };
        let (step, done) = match answer {
            Answer::Object => (nominee_notice::object(nomination, now), NoticePage::Objected),
            Answer::Agree => (nominee_notice::agree(nomination, &app.rules, now), NoticePage::Agreed),
        };
        let Ok(step) = step else {
            return Ok(Some(html(
                StatusCode::GONE,
                pages::notice(language, NoticePage::Closed)?,
            )));
        };
        if app.table.commit(&step).await? == Commit::Raced {
            return Ok(None);
        }
        tracing::info!(nomination_id = %nomination.id, to = %step.to, "the nominee answered the notice");
        Ok(Some(html(StatusCode::OK, pages::notice(language, done)?)))
    })
    .await
}
