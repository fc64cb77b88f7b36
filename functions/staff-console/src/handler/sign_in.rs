//! Signing in through the staff identity provider, choosing the language,
//! signing out.

use iln_adapters::identity_provider::SignInError;
use iln_domain::Language;
use iln_domain::console_access::{
    CALLBACK_PATH, CodeVerifier, ConsolePath, PendingSignIn, SESSION_COOKIE, SIGN_IN_COOKIE, SIGN_IN_TIME,
    SIGNED_OUT_PATH, StaffSession, cleared_cookie, presented_cookie, session_cookie, sign_in_cookie,
};
use iln_domain::staff::{Staff, StaffRole};
use iln_domain::token::TokenHash;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Request, Response};
use serde::Deserialize;

use super::{App, Failure, Visit, browser_language, cookie_headers, notice, query, see_other};
use chrono::{DateTime, Utc};

fn redirect_uri(app: &App) -> String {
    app.base_url.link(CALLBACK_PATH, &[])
}

/// Sends the browser to the identity provider's sign-in page, with a
/// fresh state, nonce and PKCE verifier kept here until it returns.
#[tracing::instrument(skip_all)]
pub(super) async fn begin(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let language = browser_language(request);
    let return_to = query(request, "return_to")
        .and_then(ConsolePath::parse)
        .unwrap_or_else(ConsolePath::home);
    let (state, nonce, verifier, browser) = (
        iln_adapters::random::token()?,
        iln_adapters::random::token()?,
        iln_adapters::random::token()?,
        iln_adapters::random::token()?,
    );
    let verifier = CodeVerifier::from_random(&verifier);
    let pending = PendingSignIn {
        verifier,
        nonce: nonce.as_str().to_owned(),
        browser: browser.hash(),
        return_to,
        language,
        valid_until: now + SIGN_IN_TIME,
    };
    app.table.begin_sign_in(&state.hash(), &pending).await?;
    let location = app.identity_provider.authorize_url(
        &redirect_uri(app),
        state.as_str(),
        nonce.as_str(),
        &pending.verifier,
        language,
    );
    see_other(&location, &[sign_in_cookie(&browser)])
}

/// The identity provider's answer: the code exchanged, the ID token
/// checked, and a session opened for a member of staff.
#[tracing::instrument(skip_all)]
pub(super) async fn complete(app: &App, request: &Request, now: DateTime<Utc>) -> Result<Response<Body>, Failure> {
    let refused = |language: Option<Language>, status: StatusCode, key: &str| {
        let mut response = notice(request, language, status, key)?;
        clear(&mut response, SIGN_IN_COOKIE)?;
        Ok(response)
    };
    let Some(state) = query(request, "state").and_then(TokenHash::of_presented) else {
        return refused(None, StatusCode::BAD_REQUEST, "sign_in_failed");
    };
    // Taken as it is read: a callback works once.
    let Some(pending) = app.table.take_sign_in(&state).await? else {
        return refused(None, StatusCode::GONE, "sign_in_expired");
    };
    let language = Some(pending.language);
    if !pending.is_current(now) {
        return refused(language, StatusCode::GONE, "sign_in_expired");
    }
    if !pending.began_in(presented_cookie(cookie_headers(request), SIGN_IN_COOKIE).as_ref()) {
        tracing::warn!("a sign-in came back to a browser that did not begin it");
        return refused(language, StatusCode::FORBIDDEN, "sign_in_failed");
    }
    let Some(code) = query(request, "code").filter(|code| !code.is_empty()) else {
        // The provider's own refusal (`error=access_denied`, …).
        return refused(language, StatusCode::FORBIDDEN, "sign_in_failed");
    };
    let signed_in = match app
        .identity_provider
        .sign_in(code, &pending.verifier, &redirect_uri(app), &pending.nonce, now)
        .await
    {
        Ok(signed_in) => signed_in,
        Err(SignInError::Refused(why)) => {
            tracing::warn!(why, "the identity provider refused the code");
            return refused(language, StatusCode::GONE, "sign_in_expired");
        }
        Err(SignInError::InvalidToken(why)) => {
            tracing::warn!(why, "an ID token was refused");
            return refused(language, StatusCode::FORBIDDEN, "sign_in_failed");
        }
        Err(error @ (SignInError::Unavailable(_) | SignInError::Config(_))) => {
            tracing::error!(error = %iln_adapters::telemetry::error_chain(&error), "sign-in could not complete");
            return refused(language, StatusCode::SERVICE_UNAVAILABLE, "unavailable");
        }
    };
    let staff = match Staff::from_claims(&signed_in.claims) {
        Ok(staff) if staff.may_act_as(StaffRole::Vetter) => staff,
        _ => return refused(language, StatusCode::FORBIDDEN, "not_allowed"),
    };
    let (secret, form_token) = (iln_adapters::random::token()?, iln_adapters::random::token()?);
    let session = StaffSession::open(staff, signed_in.display_name, pending.language, &form_token, now);
    app.table.open_staff_session(&secret.hash(), &session).await?;
    tracing::info!(subject = %session.staff.subject, "signed in to the console");
    see_other(
        pending.return_to.as_str(),
        &[session_cookie(&secret), cleared_cookie(SIGN_IN_COOKIE)],
    )
}

fn clear(response: &mut Response<Body>, cookie: &str) -> Result<(), Failure> {
    let value = lambda_http::http::HeaderValue::from_str(&cleared_cookie(cookie))
        .map_err(|error| Failure::Internal(error.into()))?;
    response
        .headers_mut()
        .append(lambda_http::http::header::SET_COOKIE, value);
    Ok(())
}

/// Ends the session here and at the identity provider, which then sends
/// the browser to the signed-out page.
#[tracing::instrument(skip_all)]
pub(super) async fn sign_out(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    visit.check_button()?;
    visit.app.table.close_staff_session(&visit.secret).await?;
    // Exactly as registered with the provider: no query of its own.
    let signed_out = visit.app.base_url.link(SIGNED_OUT_PATH, &[]);
    see_other(
        &visit.app.identity_provider.logout_url(&signed_out),
        &[cleared_cookie(SESSION_COOKIE)],
    )
}

#[derive(Deserialize)]
struct LanguageForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
    #[serde(default)]
    return_to: String,
}

/// The console in the other language, from now on for this session.
#[tracing::instrument(skip_all)]
pub(super) async fn choose_language(visit: &Visit<'_>) -> Result<Response<Body>, Failure> {
    let form: LanguageForm = form(visit.request)?;
    visit.check_form(&form.csrf)?;
    let language = Language::parse(&form.lang).map_err(|_| Failure::BadRequest)?;
    visit
        .app
        .table
        .choose_staff_language(&visit.secret, language, visit.now)
        .await?
        .ok_or(Failure::SignInNeeded)?;
    let back = ConsolePath::parse(&form.return_to).unwrap_or_else(ConsolePath::home);
    see_other(back.as_str(), &[])
}

/// A URL-encoded form of a console page.
pub(super) fn form<T: for<'de> Deserialize<'de>>(request: &Request) -> Result<T, Failure> {
    serde_html_form::from_bytes(request.body().as_ref()).map_err(|_| Failure::BadRequest)
}
