use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{NominationTable, StoreError};
use iln_adapters::http::{Unrouted, html, route};
use iln_adapters::identity_provider::IdentityProvider;
use iln_adapters::telemetry::error_chain;
use iln_domain::console_access::{ConsolePath, SESSION_COOKIE, StaffSession, presented_cookie};
use iln_domain::console_pages::{self, Chrome, ConsoleTemplate, StaffView};
use iln_domain::discussion::DiscussionRules;
use iln_domain::pages::PublicBaseUrl;
use iln_domain::staff::StaffRole;
use iln_domain::token::TokenHash;
use iln_domain::{EmailAddress, Language};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Serialize;
use serde_json::json;

mod coverage;
mod discussion;
mod invitations;
mod members;
mod messages;
mod nominations;
mod people;
mod roster;
mod sign_in;
mod upload;

pub struct App {
    pub table: NominationTable,
    pub identity_provider: IdentityProvider,
    pub base_url: PublicBaseUrl,
    pub thin_rationale_below: usize,
    pub rules: DiscussionRules,
    /// Signs a direct invitation when the admin's token has no address.
    pub contact_address: EmailAddress,
    /// Where a derecognition referred to the IAC sends the matter.
    pub iac_address: EmailAddress,
    /// Where the file links a nomination's cards.
    pub slack_workspace: Option<iln_domain::slack::SlackWorkspace>,
}

#[derive(Clone, Copy)]
enum Route {
    Home,
    Queue,
    Lookup,
    File,
    Decision,
    Withdraw,
    ResendInvitation,
    RevokeInvitation,
    ResolveConcern,
    ReferToIac,
    IacOutcome,
    Coverage,
    Members,
    MembersSpreadsheet,
    Member,
    Derecognize,
    Messages,
    RetryMessage,
    CancelMessage,
    People,
    Export,
    Erase,
    Invitations,
    ReviewCohort,
    ReviewOne,
    SendCohort,
    Roster,
    ImportRoster,
    RemoveFromRoster,
    SignIn,
    Callback,
    SignOut,
    SignedOut,
    Language,
}

/// The routes template.yaml gives this function.
const ROUTES: &[(&str, Route)] = &[
    ("GET /console", Route::Home),
    ("GET /console/nominations", Route::Queue),
    ("GET /console/lookup", Route::Lookup),
    ("GET /console/nominations/{id}", Route::File),
    ("POST /console/nominations/{id}/decision", Route::Decision),
    ("POST /console/nominations/{id}/withdraw", Route::Withdraw),
    ("POST /console/nominations/{id}/resend", Route::ResendInvitation),
    ("POST /console/nominations/{id}/revoke", Route::RevokeInvitation),
    (
        "POST /console/nominations/{id}/concerns/{concern}/resolution",
        Route::ResolveConcern,
    ),
    ("POST /console/nominations/{id}/referral", Route::ReferToIac),
    ("POST /console/nominations/{id}/referral/outcome", Route::IacOutcome),
    ("GET /console/coverage", Route::Coverage),
    ("GET /console/members", Route::Members),
    ("GET /console/members.csv", Route::MembersSpreadsheet),
    ("GET /console/members/{id}", Route::Member),
    ("POST /console/members/{id}/derecognition", Route::Derecognize),
    ("GET /console/messages", Route::Messages),
    ("POST /console/messages/{id}/retry", Route::RetryMessage),
    ("POST /console/messages/{id}/cancel", Route::CancelMessage),
    ("GET /console/people", Route::People),
    ("GET /console/people/export", Route::Export),
    ("POST /console/people/erasure", Route::Erase),
    ("GET /console/invitations", Route::Invitations),
    ("POST /console/invitations/review", Route::ReviewCohort),
    ("POST /console/invitations/one", Route::ReviewOne),
    ("POST /console/invitations/send", Route::SendCohort),
    ("GET /console/roster", Route::Roster),
    ("POST /console/roster/import", Route::ImportRoster),
    ("POST /console/roster/removal", Route::RemoveFromRoster),
    ("GET /console/sign-in", Route::SignIn),
    ("GET /console/callback", Route::Callback),
    ("POST /console/sign-out", Route::SignOut),
    ("GET /console/signed-out", Route::SignedOut),
    ("POST /console/language", Route::Language),
];

/// Why a console request was not done: each a page in the reader's
/// language, its cause logged where there is one.
#[derive(Debug)]
pub(crate) enum Failure {
    /// No open session: to the sign-in, and back here after it.
    SignInNeeded,
    NotFound,
    MethodNotAllowed(String),
    /// Signed in, but not in a group this page needs.
    NotAllowed,
    /// A form that did not come from this session's pages.
    StaleForm,
    /// A request no console page sends.
    BadRequest,
    Unavailable(StoreError),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for Failure {
    fn from(error: StoreError) -> Self {
        match error.is_unavailable() {
            true => Failure::Unavailable(error),
            false => Failure::Internal(error.into()),
        }
    }
}

/// A queue's cursor that is not one of ours came from no console page.
impl From<iln_adapters::dynamodb::QueueError> for Failure {
    fn from(error: iln_adapters::dynamodb::QueueError) -> Self {
        match error {
            iln_adapters::dynamodb::QueueError::Cursor(_) => Failure::BadRequest,
            iln_adapters::dynamodb::QueueError::Store(error) => error.into(),
        }
    }
}

impl From<iln_domain::pages::RenderError> for Failure {
    fn from(error: iln_domain::pages::RenderError) -> Self {
        Failure::Internal(error.into())
    }
}

impl From<getrandom::Error> for Failure {
    fn from(error: getrandom::Error) -> Self {
        Failure::Internal(error.to_string().into())
    }
}

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    match dispatch(app, &request, now).await {
        Ok(response) => response,
        Err((failure, language)) => failure_page(&request, failure, language),
    }
}

/// The answer, or why not and in which language (the session's, once
/// there is one).
async fn dispatch(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, (Failure, Option<Language>)> {
    let route = route(request, ROUTES).map_err(|unrouted| match unrouted {
        Unrouted::NotFound => (Failure::NotFound, None),
        Unrouted::MethodNotAllowed(allow) => (Failure::MethodNotAllowed(allow), None),
    })?;
    let without_session = match route {
        Route::SignIn => Some(sign_in::begin(app, request, now).await),
        Route::Callback => Some(sign_in::complete(app, request, now).await),
        Route::SignedOut => Some(notice(request, None, StatusCode::OK, "signed_out")),
        _ => None,
    };
    if let Some(answer) = without_session {
        return answer.map_err(|failure| (failure, None));
    }
    let visit = Visit::open(app, request, now)
        .await
        .map_err(|failure| (failure, None))?;
    visit_route(&visit, route)
        .await
        .map_err(|failure| (failure, Some(visit.language())))
}

async fn visit_route(visit: &Visit<'_>, route: Route) -> Result<Response<Body>, Failure> {
    match route {
        Route::Home | Route::Queue => nominations::queue(visit).await,
        Route::Lookup => nominations::lookup(visit).await,
        Route::File => nominations::file(visit, None).await,
        Route::Decision => nominations::decide(visit).await,
        Route::Withdraw => nominations::withdraw(visit).await,
        Route::ResendInvitation => nominations::resend(visit).await,
        Route::RevokeInvitation => nominations::revoke(visit).await,
        Route::ResolveConcern => discussion::resolve_concern(visit).await,
        Route::ReferToIac => discussion::refer_to_iac(visit).await,
        Route::IacOutcome => discussion::record_iac_outcome(visit).await,
        Route::Coverage => coverage::page(visit).await,
        Route::Members => members::directory(visit).await,
        Route::MembersSpreadsheet => members::spreadsheet(visit).await,
        Route::Member => members::record(visit, None).await,
        Route::Derecognize => members::derecognize(visit).await,
        Route::Messages => messages::list(visit).await,
        Route::RetryMessage => messages::retry(visit).await,
        Route::CancelMessage => messages::cancel(visit).await,
        Route::People => people::forms(visit),
        Route::Export => people::export(visit).await,
        Route::Erase => people::erase(visit).await,
        Route::Invitations => invitations::upload_page(visit),
        Route::ReviewCohort => invitations::review(visit).await,
        Route::ReviewOne => invitations::review_one(visit).await,
        Route::SendCohort => invitations::send(visit).await,
        Route::Roster => roster::list(visit).await,
        Route::ImportRoster => roster::import(visit).await,
        Route::RemoveFromRoster => roster::remove(visit).await,
        Route::SignOut => sign_in::sign_out(visit).await,
        Route::Language => sign_in::choose_language(visit).await,
        Route::SignIn | Route::Callback | Route::SignedOut => Err(Failure::NotFound),
    }
}

/// A request from a signed-in member of staff, whose session this request
/// used (and so kept open).
pub(crate) struct Visit<'a> {
    pub app: &'a App,
    pub request: &'a Request,
    pub session: StaffSession,
    pub secret: TokenHash,
    pub now: DateTime<Utc>,
}

impl<'a> Visit<'a> {
    async fn open(app: &'a App, request: &'a Request, now: DateTime<Utc>) -> Result<Self, Failure> {
        let secret = presented_cookie(cookie_headers(request), SESSION_COOKIE).ok_or(Failure::SignInNeeded)?;
        let session = app
            .table
            .use_staff_session(&secret, now)
            .await?
            .ok_or(Failure::SignInNeeded)?;
        // A session is opened only for staff; the check stays here too, so
        // that nothing else ever lets a page through.
        session
            .staff
            .require(StaffRole::Vetter)
            .map_err(|_| Failure::NotAllowed)?;
        Ok(Self {
            app,
            request,
            session,
            secret,
            now,
        })
    }

    pub fn language(&self) -> Language {
        self.session.language
    }

    pub fn require(&self, role: StaffRole) -> Result<(), Failure> {
        self.session.staff.require(role).map_err(|_| Failure::NotAllowed)
    }

    /// Refuses a button's form (nothing but the session's token) that did
    /// not come from this session's pages.
    pub fn check_button(&self) -> Result<(), Failure> {
        #[derive(serde::Deserialize)]
        struct TokenOnly {
            #[serde(default)]
            csrf: String,
        }
        let form: TokenOnly = sign_in::form(self.request)?;
        self.check_form(&form.csrf)
    }

    /// Refuses a form without this session's token.
    pub fn check_form(&self, presented: &str) -> Result<(), Failure> {
        match self.session.sent_from_console(presented) {
            true => Ok(()),
            false => Err(Failure::StaleForm),
        }
    }

    pub fn query(&self, name: &str) -> Option<&str> {
        query(self.request, name)
    }

    /// `template` with the console's header for this session.
    pub fn page(
        &self,
        status: StatusCode,
        template: ConsoleTemplate,
        section: &'static str,
        content: &impl Serialize,
    ) -> Result<Response<Body>, Failure> {
        let chrome = Chrome {
            staff: Some(StaffView {
                name: self.session.display_name.clone(),
                admin: self.session.staff.may_act_as(StaffRole::Admin),
            }),
            csrf: self.session.form_token.clone(),
            here: here(self.request),
            section,
        };
        // Every page carries the sign-out form, which ends at the provider.
        Ok(iln_adapters::http::html_with_form_action(
            status,
            console_pages::render(template, self.language(), &chrome, content)?,
            &self.app.identity_provider.origin(),
        ))
    }
}

pub(crate) fn query<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .query_string_parameters_ref()
        .and_then(|query| query.first(name))
}

fn cookie_headers(request: &Request) -> impl Iterator<Item = &str> {
    request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
}

/// This request's path and query, where it is a console page to return to.
fn here(request: &Request) -> String {
    let uri = request.uri();
    let path = uri.path_and_query().map_or(uri.path(), |pq| pq.as_str());
    ConsolePath::parse(path)
        .unwrap_or_else(ConsolePath::home)
        .as_str()
        .to_owned()
}

/// The reader's language before a session says it: `?lang=`, else the
/// browser's.
pub(crate) fn browser_language(request: &Request) -> Language {
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    Language::negotiate(query(request, "lang"), accept)
}

/// A `303 See Other` to `location`, with cookies to set.
pub(crate) fn see_other(location: &str, cookies: &[String]) -> Result<Response<Body>, Failure> {
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::SEE_OTHER;
    let headers = response.headers_mut();
    let value = |raw: &str| HeaderValue::from_str(raw).map_err(|error| Failure::Internal(error.into()));
    headers.insert(header::LOCATION, value(location)?);
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    for cookie in cookies {
        headers.append(header::SET_COOKIE, value(cookie)?);
    }
    Ok(response)
}

/// A page that only says something (`notice` names its texts), without the
/// signed-in header: before sign-in, after sign-out, or when it failed.
pub(crate) fn notice(
    request: &Request,
    language: Option<Language>,
    status: StatusCode,
    notice: &str,
) -> Result<Response<Body>, Failure> {
    let language = language.unwrap_or_else(|| browser_language(request));
    let chrome = Chrome {
        staff: None,
        csrf: String::new(),
        here: here(request),
        section: "",
    };
    let link = match notice {
        "signed_out" | "sign_in_failed" | "sign_in_expired" | "not_allowed" => Some(format!(
            "{}?lang={}",
            iln_domain::console_access::SIGN_IN_PATH,
            language.code()
        )),
        _ => Some(iln_domain::console_access::CONSOLE_PATH.to_owned()),
    };
    let page = console_pages::render(
        ConsoleTemplate::Notice,
        language,
        &chrome,
        &json!({ "notice": notice, "link": link }),
    )?;
    Ok(html(status, page))
}

fn failure_page(request: &Request, failure: Failure, language: Option<Language>) -> Response<Body> {
    let (status, key) = match &failure {
        Failure::SignInNeeded => {
            // Back to this page after signing in; a form's post cannot be
            // repeated, so it returns to the console's start.
            let return_to = match request.method().as_str() {
                "GET" => here(request),
                _ => iln_domain::console_access::CONSOLE_PATH.to_owned(),
            };
            let query = serde_html_form::to_string([("return_to", return_to.as_str())]).unwrap_or_default();
            let location = format!("{}?{query}", iln_domain::console_access::SIGN_IN_PATH);
            return see_other(&location, &[]).unwrap_or_else(|_| plain(StatusCode::INTERNAL_SERVER_ERROR));
        }
        Failure::NotFound => (StatusCode::NOT_FOUND, "not_found"),
        Failure::MethodNotAllowed(_) => (StatusCode::METHOD_NOT_ALLOWED, "not_found"),
        Failure::NotAllowed => (StatusCode::FORBIDDEN, "not_allowed"),
        Failure::StaleForm => (StatusCode::FORBIDDEN, "stale_form"),
        Failure::BadRequest => (StatusCode::BAD_REQUEST, "bad_request"),
        Failure::Unavailable(cause) => {
            iln_adapters::http::log_unavailable(cause);
            (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
        }
        Failure::Internal(cause) => {
            tracing::error!(error = %error_chain(cause.as_ref()), "console request failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal")
        }
    };
    let mut response = notice(request, language, status, key).unwrap_or_else(|_| plain(status));
    match failure {
        Failure::MethodNotAllowed(allow) => iln_adapters::http::with_allow(response, &allow),
        Failure::Unavailable(_) => {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from_static(iln_adapters::http::RETRY_AFTER_SECONDS),
            );
            response
        }
        _ => response,
    }
}

fn plain(status: StatusCode) -> Response<Body> {
    let mut response = Response::new(Body::from(status.canonical_reason().unwrap_or_default()));
    *response.status_mut() = status;
    response
}
