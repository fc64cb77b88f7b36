//! A member's own page: asking for a sign-in link, using it, the record,
//! the language IMI writes in, resigning and signing out. Every page is in
//! the member's language; every change is a form from the page itself.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{AddressMove, MoveError, SignIn, StoredToken};
use iln_adapters::http::{ApiFailure, html};
use iln_adapters::links::chosen_language;
use iln_domain::member_access::{
    LinkProblem, PAGE_PATH, Session, address_confirmation_mail, cleared_cookie, presented_session, session_cookie,
    sign_in_mail,
};
use iln_domain::membership::{self, Member, MemberStatus};
use iln_domain::pages::{self, AddressField, MemberPage};
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::{EmailAddress, Language};
use lambda_http::http::{HeaderValue, StatusCode, header};
use lambda_http::{Body, Request, RequestExt, Response};
use serde::Deserialize;

use super::App;

/// The page's language: the link's or form's choice, else the browser's.
fn language(request: &Request, chosen: Option<&str>) -> Language {
    let accept = request
        .headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|value| value.to_str().ok());
    match chosen_language(request) {
        Some(language) => language,
        None => Language::negotiate(chosen, accept),
    }
}

fn page(status: StatusCode, language: Language, shown: MemberPage<'_>) -> Result<Response<Body>, ApiFailure> {
    Ok(html(status, pages::member_page(language, shown)?))
}

fn with_cookie(mut response: Response<Body>, cookie: &str) -> Result<Response<Body>, ApiFailure> {
    let value = HeaderValue::from_str(cookie).map_err(|error| ApiFailure::Internal(error.into()))?;
    response.headers_mut().append(header::SET_COOKIE, value);
    Ok(response)
}

fn form<T: for<'de> Deserialize<'de>>(request: &Request) -> Result<T, ApiFailure> {
    serde_html_form::from_bytes(request.body().as_ref()).map_err(|_| ApiFailure::BadRequest("not a form".into()))
}

#[derive(Deserialize, Default)]
struct SignInForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    lang: String,
}

#[tracing::instrument(skip_all)]
pub(super) async fn sign_in_page(request: &Request) -> Result<Response<Body>, ApiFailure> {
    let language = language(request, None);
    let shown = MemberPage::SignIn {
        entered: "",
        invalid: false,
    };
    page(StatusCode::OK, language, shown)
}

/// The same answer whether or not the address is a member's, so the form
/// tells nobody who is in the ILN.
#[tracing::instrument(skip_all)]
pub(super) async fn request_sign_in(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: SignInForm = form(request)?;
    let language = language(request, Some(&form.lang));
    let Ok(address) = EmailAddress::parse(&form.email) else {
        let shown = MemberPage::SignIn {
            entered: &form.email,
            invalid: true,
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, language, shown);
    };
    if let Some(member) = app.table.member_at(&address).await? {
        // Only an active member is sent a link; the answer is the same.
        if let Ok(mail) = sign_in_mail(&member, now) {
            let queued = app.table.queue_member_mail(&mail, now).await?;
            tracing::info!(member_id = %member.id, queued, "a member asked for a sign-in link");
        }
    }
    page(StatusCode::OK, language, MemberPage::LinkSent)
}

/// The member's link behind `presented`, for `purpose`, while it works;
/// otherwise why not. Nothing is spent here.
async fn member_link(
    app: &App,
    presented: &str,
    purpose: TokenPurpose,
    now: DateTime<Utc>,
) -> Result<Result<(TokenHash, StoredToken), LinkProblem>, ApiFailure> {
    let Some(hash) = TokenHash::of_presented(presented) else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let token = app.table.token(&hash).await?;
    let Some(token) = token.filter(|token| token.purpose == purpose && token.member_id.is_some()) else {
        return Ok(Err(LinkProblem::Unknown));
    };
    Ok(match LinkProblem::of(token.used_at, token.valid_until, now) {
        Some(problem) => Err(problem),
        None => Ok((hash, token)),
    })
}

fn link_refused(language: Language, problem: LinkProblem) -> Result<Response<Body>, ApiFailure> {
    let status = match problem {
        LinkProblem::Unknown => StatusCode::NOT_FOUND,
        LinkProblem::Used | LinkProblem::Expired => StatusCode::GONE,
    };
    page(status, language, MemberPage::LinkRefused(problem))
}

/// Behind the mailed link: asks first, so that a mail scanner opening the
/// link spends nothing.
#[tracing::instrument(skip_all)]
pub(super) async fn confirm_sign_in(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let language = language(request, None);
    let query = request.query_string_parameters();
    let presented = query.first("token").unwrap_or_default();
    match member_link(app, presented, TokenPurpose::SignInMember, now).await? {
        Ok(_) => page(StatusCode::OK, language, MemberPage::ConfirmSignIn { token: presented }),
        Err(problem) => link_refused(language, problem),
    }
}

#[derive(Deserialize, Default)]
struct SessionForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    lang: String,
}

/// Spends the link and opens the session in one write, then sends the
/// browser to the member's page with the session's cookie.
#[tracing::instrument(skip_all)]
pub(super) async fn sign_in(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let form: SessionForm = form(request)?;
    let language = language(request, Some(&form.lang));
    let (link, member_id) = match member_link(app, &form.token, TokenPurpose::SignInMember, now).await? {
        Ok((
            link,
            StoredToken {
                member_id: Some(member_id),
                ..
            },
        )) => (link, member_id),
        Ok(_) => return link_refused(language, LinkProblem::Unknown),
        Err(problem) => return link_refused(language, problem),
    };
    let random = |_| ApiFailure::Internal("the random source failed".into());
    let (secret, form_token) = (
        iln_adapters::random::token().map_err(random)?,
        iln_adapters::random::token().map_err(random)?,
    );
    let session = Session::open(member_id, &form_token, now);
    match app.table.open_session(&link, &secret.hash(), &session, now).await? {
        SignIn::Refused(problem) => link_refused(language, problem),
        SignIn::Opened => {
            tracing::info!(member_id = %member_id, "a member signed in");
            let mut response = html(StatusCode::SEE_OTHER, String::new());
            let location = format!("{PAGE_PATH}?lang={}", language.code());
            let location = HeaderValue::from_str(&location).map_err(|error| ApiFailure::Internal(error.into()))?;
            response.headers_mut().insert(header::LOCATION, location);
            with_cookie(response, &session_cookie(&secret))
        }
    }
}

/// The signed-in member: the session's secret, the session, the member.
struct SignedIn {
    secret: TokenHash,
    session: Session,
    member: Member,
}

async fn signed_in(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Option<SignedIn>, ApiFailure> {
    let cookies = request
        .headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok());
    let Some(secret) = presented_session(cookies) else {
        return Ok(None);
    };
    let Some(session) = app.table.session(&secret, now).await? else {
        return Ok(None);
    };
    let member = app.table.member(session.member_id).await?;
    Ok(member.map(|member| SignedIn {
        secret,
        session,
        member,
    }))
}

/// The page for a request with no session (never signed in, ended, or the
/// member's record erased): how to sign in again.
fn signed_out(language: Language) -> Result<Response<Body>, ApiFailure> {
    page(StatusCode::FORBIDDEN, language, MemberPage::SignedOut)
}

/// The page's language for a signed-in member: the link's `?lang=`, else
/// theirs.
fn member_language(request: &Request, member: &Member) -> Language {
    chosen_language(request).unwrap_or_else(|| member.language())
}

/// What the record page says besides the record: a change saved, a form
/// that did not come from the page, the address form's state.
#[derive(Clone, Copy)]
struct Said<'a> {
    saved: bool,
    stale_form: bool,
    address: AddressField<'a>,
}

const NOTHING_SAID: Said<'static> = Said {
    saved: false,
    stale_form: false,
    address: AddressField::Empty,
};

const STALE_FORM: Said<'static> = Said {
    stale_form: true,
    ..NOTHING_SAID
};

fn record(
    status: StatusCode,
    language: Language,
    signed_in: &SignedIn,
    said: Said<'_>,
) -> Result<Response<Body>, ApiFailure> {
    let shown = MemberPage::Record {
        member: &signed_in.member,
        form_token: &signed_in.session.form_token,
        saved: said.saved,
        stale_form: said.stale_form,
        address: said.address,
    };
    page(status, language, shown)
}

#[tracing::instrument(skip_all)]
pub(super) async fn member_page(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    match signed_in(app, request, now).await? {
        None => signed_out(language(request, None)),
        Some(signed_in) => {
            let language = member_language(request, &signed_in.member);
            record(StatusCode::OK, language, &signed_in, NOTHING_SAID)
        }
    }
}

#[derive(Deserialize, Default)]
struct PageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    lang: String,
}

/// The signed-in member behind a form from their own page, or the page to
/// answer with instead.
async fn from_page(
    app: &App,
    request: &Request,
    form: &PageForm,
    now: DateTime<Utc>,
) -> Result<Result<SignedIn, Response<Body>>, ApiFailure> {
    let Some(signed_in) = signed_in(app, request, now).await? else {
        return Ok(Err(signed_out(language(request, Some(&form.lang)))?));
    };
    if !signed_in.session.sent_from_page(&form.csrf) {
        let language = member_language(request, &signed_in.member);
        return Ok(Err(record(StatusCode::FORBIDDEN, language, &signed_in, STALE_FORM)?));
    }
    Ok(Ok(signed_in))
}

#[tracing::instrument(skip_all)]
pub(super) async fn choose_language(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: PageForm = form(request)?;
    let mut signed_in = match from_page(app, request, &form, now).await? {
        Ok(signed_in) => signed_in,
        Err(response) => return Ok(response),
    };
    let Ok(chosen) = Language::parse(&form.language) else {
        let language = member_language(request, &signed_in.member);
        return record(StatusCode::UNPROCESSABLE_ENTITY, language, &signed_in, STALE_FORM);
    };
    match membership::choose_language(&signed_in.member, chosen, now) {
        Ok(Some((languages, audit))) => match app
            .table
            .choose_member_language(&signed_in.member, &languages, audit)
            .await
        {
            Ok(()) => signed_in.member.languages = languages,
            Err(MoveError::Conflict) => return ended(app, request, signed_in).await,
            Err(MoveError::Store(error)) => return Err(error.into()),
        },
        Ok(None) => {}
        Err(_) => return ended(app, request, signed_in).await,
    }
    let saved = Said {
        saved: true,
        ..NOTHING_SAID
    };
    record(StatusCode::OK, chosen, &signed_in, saved)
}

/// The membership ended while the page was open: the record as it is now.
async fn ended(app: &App, request: &Request, mut signed_in: SignedIn) -> Result<Response<Body>, ApiFailure> {
    if let Some(member) = app.table.member(signed_in.member.id).await? {
        signed_in.member = member;
    }
    let language = member_language(request, &signed_in.member);
    record(StatusCode::CONFLICT, language, &signed_in, NOTHING_SAID)
}

/// Asks before anything happens.
#[tracing::instrument(skip_all)]
pub(super) async fn resignation_page(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    match signed_in(app, request, now).await? {
        None => signed_out(language(request, None)),
        Some(signed_in) if signed_in.member.status != MemberStatus::Active => {
            let language = member_language(request, &signed_in.member);
            record(StatusCode::OK, language, &signed_in, NOTHING_SAID)
        }
        Some(signed_in) => {
            let language = member_language(request, &signed_in.member);
            let shown = MemberPage::ConfirmResignation {
                form_token: &signed_in.session.form_token,
            };
            page(StatusCode::OK, language, shown)
        }
    }
}

/// Resigns, and ends the session: the page is for members.
#[tracing::instrument(skip_all)]
pub(super) async fn resign(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let form: PageForm = form(request)?;
    let signed_in = match from_page(app, request, &form, now).await? {
        Ok(signed_in) => signed_in,
        Err(response) => return Ok(response),
    };
    let language = member_language(request, &signed_in.member);
    let change = match membership::resign(&signed_in.member, now) {
        Ok(change) => change,
        // A second click, after the first resigned them.
        Err(membership::NoLongerActive(MemberStatus::Resigned)) => {
            return page(StatusCode::OK, language, MemberPage::Resigned);
        }
        Err(_) => return ended(app, request, signed_in).await,
    };
    match app.table.resign(&signed_in.member, change, now).await {
        Ok(()) => {}
        Err(MoveError::Conflict) => {
            let now_resigned = app
                .table
                .member(signed_in.member.id)
                .await?
                .is_some_and(|member| member.status == MemberStatus::Resigned);
            if !now_resigned {
                return ended(app, request, signed_in).await;
            }
        }
        Err(MoveError::Store(error)) => return Err(error.into()),
    }
    tracing::info!(member_id = %signed_in.member.id, "a member resigned");
    app.table.close_session(&signed_in.secret).await?;
    let response = page(StatusCode::OK, language, MemberPage::Resigned)?;
    with_cookie(response, &cleared_cookie())
}

#[tracing::instrument(skip_all)]
pub(super) async fn sign_out(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, ApiFailure> {
    let form: PageForm = form(request)?;
    let signed_in = match from_page(app, request, &form, now).await? {
        Ok(signed_in) => signed_in,
        Err(response) => return Ok(response),
    };
    app.table.close_session(&signed_in.secret).await?;
    let language = member_language(request, &signed_in.member);
    let response = page(StatusCode::OK, language, MemberPage::SignedOut)?;
    with_cookie(response, &cleared_cookie())
}

/// The member asks for a new address: a confirmation link goes to it, and
/// nothing changes until it is used there.
#[tracing::instrument(skip_all)]
pub(super) async fn request_address_change(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: PageForm = form(request)?;
    let signed_in = match from_page(app, request, &form, now).await? {
        Ok(signed_in) => signed_in,
        Err(response) => return Ok(response),
    };
    let language = member_language(request, &signed_in.member);
    let refused = |unchanged| Said {
        address: AddressField::Refused {
            entered: &form.email,
            unchanged,
        },
        ..NOTHING_SAID
    };
    let Ok(address) = EmailAddress::parse(&form.email) else {
        return record(StatusCode::UNPROCESSABLE_ENTITY, language, &signed_in, refused(false));
    };
    let mail = match address_confirmation_mail(&signed_in.member, &address, now) {
        Ok(mail) => mail,
        Err(membership::AddressRefused::Unchanged) => {
            return record(StatusCode::UNPROCESSABLE_ENTITY, language, &signed_in, refused(true));
        }
        Err(_) => return ended(app, request, signed_in).await,
    };
    let queued = app.table.queue_member_mail(&mail, now).await?;
    tracing::info!(member_id = %signed_in.member.id, queued, "a member asked to change their address");
    let sent = Said {
        address: AddressField::Sent(address.as_str()),
        ..NOTHING_SAID
    };
    record(StatusCode::OK, language, &signed_in, sent)
}

/// The confirmation link behind `presented`, and the change it asks for
/// (from which address to which), read from the message that carried it.
async fn address_link(
    app: &App,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Result<(TokenHash, EmailAddress, EmailAddress, Member), LinkProblem>, ApiFailure> {
    let (hash, token) = match member_link(app, presented, TokenPurpose::ConfirmMemberAddress, now).await? {
        Ok(found) => found,
        Err(problem) => return Ok(Err(problem)),
    };
    let message = match &token.message_id {
        Some(id) => app.table.outbox_message(id).await?.map(|entry| entry.message),
        None => None,
    };
    let Some(iln_domain::message::Message::MemberAddressConfirmation {
        member_id, from, to, ..
    }) = message
    else {
        return Ok(Err(LinkProblem::Unknown));
    };
    let Some(member) = app.table.member(member_id).await? else {
        return Ok(Err(LinkProblem::Unknown));
    };
    Ok(Ok((hash, from, to, member)))
}

/// Behind the link mailed to the new address: asks first.
#[tracing::instrument(skip_all)]
pub(super) async fn confirm_address_page(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let query = request.query_string_parameters();
    let presented = query.first("token").unwrap_or_default();
    match address_link(app, presented, now).await? {
        Err(problem) => link_refused(language(request, None), problem),
        Ok((_, _, to, member)) => {
            let language = member_language(request, &member);
            let shown = MemberPage::ConfirmAddress {
                token: presented,
                address: to.as_str(),
            };
            page(StatusCode::OK, language, shown)
        }
    }
}

#[tracing::instrument(skip_all)]
pub(super) async fn confirm_address(
    app: &App,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Response<Body>, ApiFailure> {
    let form: SessionForm = form(request)?;
    let (link, from, to, member) = match address_link(app, &form.token, now).await? {
        Ok(found) => found,
        Err(problem) => return link_refused(language(request, Some(&form.lang)), problem),
    };
    let language = member_language(request, &member);
    let change = match membership::change_address(&member, &from, &to, now) {
        Ok(change) => change,
        Err(_) => return page(StatusCode::CONFLICT, language, MemberPage::AddressSuperseded),
    };
    match app
        .table
        .change_member_address(&member, (&from, &to), change, &link, now)
        .await?
    {
        AddressMove::Changed => {
            tracing::info!(member_id = %member.id, "a member changed their address");
            page(
                StatusCode::OK,
                language,
                MemberPage::AddressChanged { address: to.as_str() },
            )
        }
        AddressMove::LinkRefused(problem) => link_refused(language, problem),
        AddressMove::Superseded => page(StatusCode::CONFLICT, language, MemberPage::AddressSuperseded),
        AddressMove::Taken => {
            let contact = app.config.contact_address.as_str();
            page(StatusCode::CONFLICT, language, MemberPage::AddressTaken { contact })
        }
    }
}
