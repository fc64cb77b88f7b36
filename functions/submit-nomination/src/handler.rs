use aws_config::SdkConfig;
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::NominationTable;
use iln_adapters::http::{Unrouted, html, media_type, route};
use iln_adapters::links::{self, Link, LinkTarget};
use iln_domain::Language;
use iln_domain::discussion::DiscussionRules;
use iln_domain::limits::SubmissionLimits;
use iln_domain::pages::{self, Interrupted, PolicyLinks, RenderError, TokenProblem};
use iln_domain::token::TokenPurpose;
use lambda_http::http::{StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};

use crate::Config;
use failure::{Failure, respond_to_failure};

mod failure;
mod form;
mod information;
mod notice;
mod status;
mod verification;
mod withdrawal;

/// Larger bodies are refused before they are read: a nomination is a few KiB.
const MAX_BODY_BYTES: usize = 16 * 1024;

pub struct App {
    table: NominationTable,
    limits: SubmissionLimits,
    /// What `/privacy` names.
    policies: PolicyLinks,
    /// The discussion a nominee's agreement opens.
    rules: DiscussionRules,
}

impl App {
    pub fn new(aws: &SdkConfig, config: &Config) -> Self {
        Self::with_table(
            NominationTable::new(aws_sdk_dynamodb::Client::new(aws), &config.table_name),
            config,
        )
    }

    pub fn with_table(table: NominationTable, config: &Config) -> Self {
        Self {
            table,
            limits: config.limits,
            policies: config.policies.clone(),
            rules: config.rules,
        }
    }
}

/// How the client wants to be answered: the form page reads HTML, API
/// clients read JSON.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reader {
    Person,
    Program,
}

#[derive(Clone, Copy)]
enum Route {
    Form,
    Submit,
    VerifyPage,
    Verify,
    InformationPage,
    AddInformation,
    WithdrawPage,
    Withdraw,
    StatusPage,
    NoticePage,
    AnswerNotice,
    Privacy,
}

/// The routes template.yaml gives this function (its `ANY /nominations`
/// reaches here only to be told which method the path takes).
const ROUTES: &[(&str, Route)] = &[
    ("GET /nominate", Route::Form),
    ("POST /nominations", Route::Submit),
    ("GET /nominations/verify", Route::VerifyPage),
    ("POST /nominations/verify", Route::Verify),
    ("GET /nominations/information", Route::InformationPage),
    ("POST /nominations/information", Route::AddInformation),
    ("GET /nominations/withdraw", Route::WithdrawPage),
    ("POST /nominations/withdraw", Route::Withdraw),
    ("GET /nominations/status", Route::StatusPage),
    ("GET /nominations/notice", Route::NoticePage),
    ("POST /nominations/notice", Route::AnswerNotice),
    ("GET /privacy", Route::Privacy),
];

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    let language = request_language(&request);
    let reader = reader(&request);
    let routed = route(&request, ROUTES);
    let interrupted = match routed {
        Ok(route) => interrupted(route),
        Err(_) => Interrupted::Page,
    };
    let result = match routed {
        Ok(Route::Form) => page(pages::nomination_form(language, None, None)),
        Ok(Route::Submit) => form::submit(app, &request, language, reader, now).await,
        Ok(Route::VerifyPage) => verification::verify_page(app, &request, now).await,
        Ok(Route::Verify) => verification::verify(app, &request, now).await,
        Ok(Route::InformationPage) => information::information_page(app, &request, now).await,
        Ok(Route::AddInformation) => information::add_information(app, &request, now).await,
        Ok(Route::WithdrawPage) => withdrawal::withdraw_page(app, &request, now).await,
        Ok(Route::Withdraw) => withdrawal::withdraw(app, &request, now).await,
        Ok(Route::StatusPage) => status::status_page(app, &request, now).await,
        Ok(Route::NoticePage) => notice::notice_page(app, &request, now).await,
        Ok(Route::AnswerNotice) => notice::answer(app, &request, now).await,
        Ok(Route::Privacy) => page(pages::privacy(language, &app.policies)),
        Err(Unrouted::NotFound) => Err(Failure::NotFound),
        Err(Unrouted::MethodNotAllowed(allow)) => Err(Failure::MethodNotAllowed(allow)),
    };
    result.unwrap_or_else(|failure| respond_to_failure(failure, language, reader, interrupted))
}

/// What a request was doing, should the table not answer it.
fn interrupted(route: Route) -> Interrupted {
    match route {
        Route::Submit => Interrupted::Nomination,
        Route::Verify => Interrupted::Verification,
        Route::AddInformation => Interrupted::Answer,
        Route::Withdraw => Interrupted::Withdrawal,
        Route::AnswerNotice => Interrupted::Answer,
        Route::Form
        | Route::VerifyPage
        | Route::InformationPage
        | Route::WithdrawPage
        | Route::StatusPage
        | Route::NoticePage
        | Route::Privacy => Interrupted::Page,
    }
}

fn page(rendered: Result<String, RenderError>) -> Result<Response<Body>, Failure> {
    Ok(html(StatusCode::OK, rendered?))
}

fn request_language(request: &Request) -> Language {
    let query = request.query_string_parameters();
    let accept_language = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    Language::negotiate(query.first("lang"), accept_language)
}

fn reader(request: &Request) -> Reader {
    let accepts = |wanted: &str| {
        request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains(wanted))
    };
    let sent_json = media_type(request).as_deref() == Some("application/json");
    if sent_json || (accepts("application/json") && !accepts("text/html")) {
        Reader::Program
    } else {
        Reader::Person
    }
}

/// The form sent back from a link's page: its token.
#[derive(serde::Deserialize)]
struct TokenForm {
    #[serde(default)]
    token: String,
}

/// A form sent back from one of the nominator's pages.
fn form_body<T: serde::de::DeserializeOwned>(request: &Request) -> Result<T, Failure> {
    if media_type(request).as_deref() != Some("application/x-www-form-urlencoded") {
        return Err(Failure::UnsupportedMediaType);
    }
    let body = request.body().as_ref();
    if body.len() > MAX_BODY_BYTES {
        return Err(Failure::TooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| Failure::InvalidUtf8)?;
    serde_html_form::from_str(text).map_err(|error| Failure::Malformed(error.to_string()))
}

/// Where a link from the nominator's mail stands: open, with what it is
/// for, or closed, with the page that says why there is nothing to do.
enum LinkState<T> {
    Open(Box<Link<T>>),
    Closed(Response<Body>),
}

/// The link behind `presented`, for the domain to judge; closed when we
/// never issued it, with a page in the language the request asks for that
/// tells nothing about any nomination.
async fn known_link<T: LinkTarget>(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    purpose: TokenPurpose,
) -> Result<LinkState<T>, Failure> {
    known_link_accepting(app, request, presented, |issued| issued == purpose).await
}

/// As [`known_link`], for a page more than one kind of link opens.
async fn known_link_accepting<T: LinkTarget>(
    app: &App,
    request: &Request,
    presented: Option<&str>,
    accepts: impl Fn(TokenPurpose) -> bool,
) -> Result<LinkState<T>, Failure> {
    match links::find_accepting(&app.table, request, presented, accepts).await? {
        Some(link) => Ok(LinkState::Open(Box::new(link))),
        None => {
            let page = pages::token_problem(request_language(request), TokenProblem::Unknown)?;
            Ok(LinkState::Closed(html(StatusCode::NOT_FOUND, page)))
        }
    }
}

/// A link that worked once and no longer does.
fn gone<T>(language: Language, problem: TokenProblem) -> Result<LinkState<T>, Failure> {
    let page = pages::token_problem(language, problem)?;
    Ok(LinkState::Closed(html(StatusCode::GONE, page)))
}
