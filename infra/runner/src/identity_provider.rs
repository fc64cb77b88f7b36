//! A local stand-in for the Cognito user pool's managed login, so that the
//! staff console signs people in locally through the same protocol as on
//! AWS: OAuth 2.0 authorization code with PKCE (`S256`) for a public app
//! client, ID and access tokens signed RS256 with a key published at
//! `{issuer}/.well-known/jwks.json`.
//!
//! Routes, as Cognito's managed login domain and issuer have them (here one
//! base URL serves both): `GET`/`POST /oauth2/authorize`,
//! `POST /oauth2/token`, `GET /logout`, `GET /.well-known/jwks.json`.
//!
//! As on Cognito: an unknown `client_id` or a `redirect_uri` that is not
//! exactly a registered callback URL gets an error page, never a redirect;
//! other faults in an authorize request are redirected to the client with
//! `error` and the `state`. Codes live 5 minutes and are spent on the first
//! exchange attempt, right or wrong. Signing in sets a session cookie for 1
//! hour; while it lasts `/oauth2/authorize` answers with a code at once.
//!
//! Deliberately stricter than Cognito: PKCE `S256` is required (the console
//! always sends it), and the sign-in page lists demo staff instead of
//! asking for a password. Codes, sessions and refresh tokens are the
//! identity provider's own state, kept in memory.

mod pages;
mod signing_key;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::json;

use pages::{Lang, PageProblem};
use signing_key::SigningKey;

/// Cognito's authorization codes are valid for 5 minutes.
const CODE_LIFETIME: Duration = Duration::minutes(5);
/// The app client's ID and access token validity (Cognito's default, 1 hour).
const TOKEN_LIFETIME: Duration = Duration::hours(1);
/// Managed login's session cookie is valid for 1 hour.
const SESSION_LIFETIME: Duration = Duration::hours(1);
/// The stand-in's session cookie, named as Cognito's on its own domain.
const SESSION_COOKIE: &str = "cognito";
/// The scopes the app client allows; a request without `scope` gets them all.
const ALLOWED_SCOPES: [&str; 3] = ["openid", "email", "profile"];

/// A person one can sign in as.
#[derive(Debug, Clone)]
pub struct DemoStaff {
    /// The user's `sub` (and `cognito:username`).
    pub subject: String,
    pub email: String,
    pub name: String,
    /// The user pool groups (`cognito:groups`).
    pub groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct IdentityProviderConfig {
    /// Where this stand-in is served, e.g. `http://127.0.0.1:8010`: it is
    /// also the issuer (`iss`), as Cognito's issuer is the URL the JWKS
    /// hangs under.
    pub base_url: String,
    /// The public app client (no secret).
    pub client_id: String,
    /// Allowed callback URLs, matched exactly as Cognito matches them.
    pub callback_urls: Vec<String>,
    /// Allowed sign-out URLs, matched exactly.
    pub logout_urls: Vec<String>,
    pub staff: Vec<DemoStaff>,
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityProviderError {
    #[error("the identity provider's base URL must be an http(s) URL, got {0:?}")]
    BaseUrl(String),
    #[error("could not generate the identity provider's RSA signing key")]
    KeyGeneration,
}

/// The clock the stand-in reads: codes, sessions and token times follow it.
pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

/// The identity provider: cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct IdentityProvider {
    inner: Arc<Inner>,
}

struct Inner {
    config: IdentityProviderConfig,
    issuer: String,
    signing_key: SigningKey,
    clock: Clock,
    state: Mutex<ProviderState>,
}

#[derive(Default)]
struct ProviderState {
    codes: HashMap<String, IssuedCode>,
    sessions: HashMap<String, SignInSession>,
    refresh_tokens: HashMap<String, RefreshGrant>,
}

/// What an authorization code was issued for.
struct IssuedCode {
    client_id: String,
    redirect_uri: String,
    code_challenge: String,
    nonce: Option<String>,
    scope: String,
    subject: String,
    auth_time: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

struct SignInSession {
    subject: String,
    auth_time: DateTime<Utc>,
    expires_at: DateTime<Utc>,
}

struct RefreshGrant {
    client_id: String,
    scope: String,
    subject: String,
    auth_time: DateTime<Utc>,
}

impl IdentityProvider {
    /// A stand-in with a fresh RSA 2048 key pair and a random `kid`.
    pub fn new(config: IdentityProviderConfig) -> Result<Self, IdentityProviderError> {
        Self::with_clock(config, Arc::new(Utc::now))
    }

    /// The same, reading time from `clock` (tests move it past a lifetime).
    pub fn with_clock(config: IdentityProviderConfig, clock: Clock) -> Result<Self, IdentityProviderError> {
        let issuer = config.base_url.trim_end_matches('/').to_owned();
        if !(issuer.starts_with("http://") || issuer.starts_with("https://")) || url::Url::parse(&issuer).is_err() {
            return Err(IdentityProviderError::BaseUrl(config.base_url));
        }
        Ok(Self {
            inner: Arc::new(Inner {
                signing_key: SigningKey::generate()?,
                issuer,
                config,
                clock,
                state: Mutex::new(ProviderState::default()),
            }),
        })
    }

    /// The tokens' `iss`, and the URL the JWKS hangs under.
    pub fn issuer(&self) -> &str {
        &self.inner.issuer
    }

    pub fn router(&self) -> Router {
        Router::new()
            .route("/oauth2/authorize", get(authorize_page).post(sign_in))
            .route("/oauth2/token", post(token))
            .route("/logout", get(logout))
            .route("/.well-known/jwks.json", get(jwks))
            .with_state(self.clone())
    }

    fn config(&self) -> &IdentityProviderConfig {
        &self.inner.config
    }

    fn now(&self) -> DateTime<Utc> {
        (self.inner.clock)()
    }

    fn lock(&self) -> MutexGuard<'_, ProviderState> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn staff(&self, subject: &str) -> Option<&DemoStaff> {
        self.config().staff.iter().find(|staff| staff.subject == subject)
    }

    /// A fresh code for `subject`, who authenticated at `auth_time`.
    fn issue_code(&self, request: &AuthorizeRequest, subject: &str, auth_time: DateTime<Utc>) -> Option<String> {
        let code = random_token(32).ok()?;
        let now = self.now();
        let mut state = self.lock();
        state.codes.retain(|_, issued| issued.expires_at > now);
        state.codes.insert(
            code.clone(),
            IssuedCode {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                nonce: request.nonce.clone(),
                scope: request.scope.clone(),
                subject: subject.to_owned(),
                auth_time,
                expires_at: now + CODE_LIFETIME,
            },
        );
        Some(code)
    }

    fn session_of(&self, headers: &HeaderMap) -> Option<(String, DateTime<Utc>)> {
        let id = session_cookie(headers)?;
        let now = self.now();
        let state = self.lock();
        let session = state.sessions.get(&id).filter(|session| session.expires_at > now)?;
        Some((session.subject.clone(), session.auth_time))
    }
}

/// Query or form parameters, each of which may appear once.
struct Params(Vec<(String, String)>);

/// A parameter given more than once.
struct Repeated;

impl Params {
    fn parse(encoded: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(encoded).into_owned().collect())
    }

    fn get(&self, name: &str) -> Result<Option<&str>, Repeated> {
        let mut values = self
            .0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str());
        match (values.next(), values.next()) {
            (value, None) => Ok(value),
            (Some(_), Some(_)) | (None, Some(_)) => Err(Repeated),
        }
    }
}

/// A valid authorization request.
#[derive(Debug, Clone)]
struct AuthorizeRequest {
    client_id: String,
    redirect_uri: String,
    state: Option<String>,
    scope: String,
    nonce: Option<String>,
    code_challenge: String,
    lang: Lang,
}

impl AuthorizeRequest {
    /// The parameters a form must carry to repeat this request.
    fn hidden_fields(&self) -> Vec<(&'static str, &str)> {
        let mut fields = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", self.redirect_uri.as_str()),
            ("scope", self.scope.as_str()),
            ("code_challenge", self.code_challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("lang", self.lang.code()),
        ];
        if let Some(state) = &self.state {
            fields.push(("state", state));
        }
        if let Some(nonce) = &self.nonce {
            fields.push(("nonce", nonce));
        }
        fields
    }
}

/// Why an authorization request was refused, and how the refusal travels.
enum Refusal {
    /// The client or its callback URL cannot be trusted: a page, never a redirect.
    Page(PageProblem, Lang),
    /// Back to the client's callback URL with an OAuth error and the state.
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: &'static str,
        state: Option<String>,
    },
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        match self {
            Self::Page(problem, lang) => pages::problem(problem, lang),
            Self::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut query = vec![("error", error), ("error_description", description)];
                if let Some(state) = &state {
                    query.push(("state", state));
                }
                found(&with_query(&redirect_uri, &query))
            }
        }
    }
}

impl IdentityProvider {
    /// Checks an authorization request in Cognito's order: client and
    /// callback URL first (a page), then everything else (a redirect).
    fn authorize_request(&self, params: &Params) -> Result<AuthorizeRequest, Refusal> {
        let lang = params
            .get("lang")
            .ok()
            .flatten()
            .map(Lang::from_code)
            .unwrap_or_default();
        let client_id = match params.get("client_id") {
            Ok(Some(client_id)) if client_id == self.config().client_id => client_id,
            _ => return Err(Refusal::Page(PageProblem::UnknownClient, lang)),
        };
        let redirect_uri = match params.get("redirect_uri") {
            Ok(Some(uri)) if self.config().callback_urls.iter().any(|url| url == uri) => uri,
            _ => return Err(Refusal::Page(PageProblem::RedirectMismatch, lang)),
        };
        // Past this point the client is known and its callback URL trusted.
        let state = params.get("state").ok().flatten().map(str::to_owned);
        let refuse = |error, description| Refusal::Redirect {
            redirect_uri: redirect_uri.to_owned(),
            error,
            description,
            state: state.clone(),
        };
        let single = |name| {
            params
                .get(name)
                .map_err(|Repeated| refuse("invalid_request", "a parameter is repeated"))
        };
        if params.get("state").is_err() {
            return Err(refuse("invalid_request", "state is repeated"));
        }
        match single("response_type")? {
            Some("code") => {}
            None => return Err(refuse("invalid_request", "response_type is missing")),
            // The app client allows the code grant only.
            Some("token") => {
                return Err(refuse(
                    "unauthorized_client",
                    "the client may not use the implicit grant",
                ));
            }
            Some(_) => return Err(refuse("unsupported_response_type", "response_type must be code")),
        }
        let scope = match single("scope")? {
            None => ALLOWED_SCOPES.join(" "),
            Some(requested) => {
                let scopes: Vec<&str> = requested.split(' ').filter(|scope| !scope.is_empty()).collect();
                if scopes.iter().any(|scope| !ALLOWED_SCOPES.contains(scope)) {
                    return Err(refuse("invalid_scope", "a scope is not allowed for this client"));
                }
                if !scopes.contains(&"openid") {
                    return Err(refuse("invalid_scope", "email and profile need the openid scope"));
                }
                scopes.join(" ")
            }
        };
        let code_challenge = match (single("code_challenge")?, single("code_challenge_method")?) {
            (Some(challenge), Some("S256")) if is_s256_challenge(challenge) => challenge.to_owned(),
            (Some(_), Some("S256")) => return Err(refuse("invalid_request", "code_challenge is not a SHA-256 digest")),
            (None, _) => return Err(refuse("invalid_request", "code_challenge is required")),
            (Some(_), _) => return Err(refuse("invalid_request", "code_challenge_method must be S256")),
        };
        Ok(AuthorizeRequest {
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            nonce: single("nonce")?.map(str::to_owned),
            state,
            scope,
            code_challenge,
            lang,
        })
    }
}

/// BASE64URL-NOPAD of 32 bytes: 43 characters of the URL-safe alphabet.
fn is_s256_challenge(challenge: &str) -> bool {
    URL_SAFE_NO_PAD.decode(challenge).is_ok_and(|digest| digest.len() == 32)
}

async fn authorize_page(
    State(idp): State<IdentityProvider>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let request = match idp.authorize_request(&params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    // Signed in already on this browser: a new code at once, as Cognito does.
    if let Some((subject, auth_time)) = idp.session_of(&headers) {
        if idp.staff(&subject).is_some() {
            return redirect_with_code(&idp, &request, &subject, auth_time);
        }
    }
    pages::sign_in(&request, &idp.config().staff, None)
}

async fn sign_in(State(idp): State<IdentityProvider>, headers: HeaderMap, body: Bytes) -> Response {
    if !is_form(&headers) {
        return pages::problem(PageProblem::NotAForm, Lang::default());
    }
    let params = Params::parse(&body);
    let request = match idp.authorize_request(&params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let Some(staff) = params
        .get("subject")
        .ok()
        .flatten()
        .and_then(|subject| idp.staff(subject))
    else {
        return pages::sign_in(&request, &idp.config().staff, Some(StatusCode::BAD_REQUEST));
    };
    let subject = staff.subject.clone();
    let now = idp.now();
    let Ok(session_id) = random_token(32) else {
        return server_error();
    };
    {
        let mut state = idp.lock();
        state.sessions.retain(|_, session| session.expires_at > now);
        state.sessions.insert(
            session_id.clone(),
            SignInSession {
                subject: subject.clone(),
                auth_time: now,
                expires_at: now + SESSION_LIFETIME,
            },
        );
    }
    let mut response = redirect_with_code(&idp, &request, &subject, now);
    let secure = if idp.issuer().starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{SESSION_COOKIE}={session_id}; Path=/; Max-Age={}; HttpOnly; SameSite=Lax{secure}",
        SESSION_LIFETIME.num_seconds()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

fn redirect_with_code(
    idp: &IdentityProvider,
    request: &AuthorizeRequest,
    subject: &str,
    auth_time: DateTime<Utc>,
) -> Response {
    let Some(code) = idp.issue_code(request, subject, auth_time) else {
        return server_error();
    };
    let mut query = vec![("code", code.as_str())];
    if let Some(state) = &request.state {
        query.push(("state", state));
    }
    found(&with_query(&request.redirect_uri, &query))
}

async fn logout(State(idp): State<IdentityProvider>, RawQuery(query): RawQuery, headers: HeaderMap) -> Response {
    let params = Params::parse(query.unwrap_or_default().as_bytes());
    let lang = params
        .get("lang")
        .ok()
        .flatten()
        .map(Lang::from_code)
        .unwrap_or_default();
    if params.get("client_id").ok().flatten() != Some(idp.config().client_id.as_str()) {
        return pages::problem(PageProblem::UnknownClient, lang);
    }
    let Some(logout_uri) = params
        .get("logout_uri")
        .ok()
        .flatten()
        .filter(|uri| idp.config().logout_urls.iter().any(|url| url == uri))
    else {
        return pages::problem(PageProblem::LogoutMismatch, lang);
    };
    if let Some(id) = session_cookie(&headers) {
        idp.lock().sessions.remove(&id);
    }
    let mut response = found(logout_uri);
    let expired = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
    if let Ok(value) = HeaderValue::from_str(&expired) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

async fn jwks(State(idp): State<IdentityProvider>) -> Response {
    json_response(StatusCode::OK, &idp.inner.signing_key.jwks())
}

/// The token endpoint's refusals, as Cognito names them (all 400).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenError {
    InvalidRequest,
    InvalidClient,
    InvalidGrant,
    UnsupportedGrantType,
    /// The stand-in itself failed (randomness, signing): logged, a bare 500.
    Internal,
}

impl IntoResponse for TokenError {
    fn into_response(self) -> Response {
        let error = match self {
            Self::Internal => return server_error(),
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        };
        json_response(StatusCode::BAD_REQUEST, &json!({ "error": error }))
    }
}

#[derive(Serialize)]
struct TokenResponse {
    id_token: String,
    access_token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    expires_in: i64,
    token_type: &'static str,
}

async fn token(State(idp): State<IdentityProvider>, headers: HeaderMap, body: Bytes) -> Response {
    match exchange(&idp, &headers, &body) {
        Ok(tokens) => json_response(StatusCode::OK, &tokens),
        Err(error) => error.into_response(),
    }
}

fn exchange(idp: &IdentityProvider, headers: &HeaderMap, body: &[u8]) -> Result<TokenResponse, TokenError> {
    if !is_form(headers) {
        return Err(TokenError::InvalidRequest);
    }
    let params = Params::parse(body);
    let single = |name| params.get(name).map_err(|Repeated| TokenError::InvalidRequest);
    let grant_type = single("grant_type")?.ok_or(TokenError::InvalidRequest)?;
    let client_id = single("client_id")?.ok_or(TokenError::InvalidRequest)?;
    if client_id != idp.config().client_id {
        return Err(TokenError::InvalidClient);
    }
    // A public client has no secret to present.
    if single("client_secret")?.is_some() || headers.contains_key(header::AUTHORIZATION) {
        return Err(TokenError::InvalidClient);
    }
    match grant_type {
        "authorization_code" => redeem_code(idp, &params),
        "refresh_token" => refresh(idp, &params),
        _ => Err(TokenError::UnsupportedGrantType),
    }
}

fn redeem_code(idp: &IdentityProvider, params: &Params) -> Result<TokenResponse, TokenError> {
    let single = |name| params.get(name).map_err(|Repeated| TokenError::InvalidRequest);
    let code = single("code")?.ok_or(TokenError::InvalidRequest)?;
    let now = idp.now();
    // Spent on this first attempt, whatever follows.
    let issued = idp.lock().codes.remove(code).ok_or(TokenError::InvalidGrant)?;
    let redirect_uri = single("redirect_uri")?.ok_or(TokenError::InvalidRequest)?;
    let code_verifier = single("code_verifier")?.ok_or(TokenError::InvalidRequest)?;
    if issued.expires_at <= now
        || issued.client_id != params.get("client_id").ok().flatten().unwrap_or_default()
        || issued.redirect_uri != redirect_uri
        || s256(code_verifier) != issued.code_challenge
    {
        return Err(TokenError::InvalidGrant);
    }
    let staff = idp.staff(&issued.subject).ok_or(TokenError::InvalidGrant)?;
    let refresh_token = random_token(48).map_err(|_| TokenError::Internal)?;
    let tokens = mint(
        idp,
        staff,
        &issued.scope,
        issued.auth_time,
        issued.nonce.as_deref(),
        Some(refresh_token.clone()),
    )?;
    idp.lock().refresh_tokens.insert(
        refresh_token,
        RefreshGrant {
            client_id: issued.client_id,
            scope: issued.scope,
            subject: issued.subject,
            auth_time: issued.auth_time,
        },
    );
    Ok(tokens)
}

/// New ID and access tokens for a refresh token, which stays the same
/// (Cognito without refresh token rotation).
fn refresh(idp: &IdentityProvider, params: &Params) -> Result<TokenResponse, TokenError> {
    let refresh_token = params
        .get("refresh_token")
        .map_err(|Repeated| TokenError::InvalidRequest)?
        .ok_or(TokenError::InvalidRequest)?;
    let (scope, subject, auth_time) = {
        let state = idp.lock();
        let grant = state
            .refresh_tokens
            .get(refresh_token)
            .ok_or(TokenError::InvalidGrant)?;
        if params.get("client_id").ok().flatten() != Some(grant.client_id.as_str()) {
            return Err(TokenError::InvalidGrant);
        }
        (grant.scope.clone(), grant.subject.clone(), grant.auth_time)
    };
    let staff = idp.staff(&subject).ok_or(TokenError::InvalidGrant)?;
    mint(idp, staff, &scope, auth_time, None, None)
}

#[derive(Serialize)]
struct IdClaims<'a> {
    sub: &'a str,
    #[serde(rename = "cognito:groups")]
    groups: &'a [String],
    email_verified: bool,
    iss: &'a str,
    #[serde(rename = "cognito:username")]
    username: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<&'a str>,
    aud: &'a str,
    token_use: &'static str,
    auth_time: i64,
    name: &'a str,
    exp: i64,
    iat: i64,
    jti: &'a str,
    email: &'a str,
}

#[derive(Serialize)]
struct AccessClaims<'a> {
    sub: &'a str,
    #[serde(rename = "cognito:groups")]
    groups: &'a [String],
    iss: &'a str,
    version: u8,
    client_id: &'a str,
    token_use: &'static str,
    scope: &'a str,
    auth_time: i64,
    exp: i64,
    iat: i64,
    jti: &'a str,
    username: &'a str,
}

fn mint(
    idp: &IdentityProvider,
    staff: &DemoStaff,
    scope: &str,
    auth_time: DateTime<Utc>,
    nonce: Option<&str>,
    refresh_token: Option<String>,
) -> Result<TokenResponse, TokenError> {
    let now = idp.now();
    let (iat, exp) = (now.timestamp(), (now + TOKEN_LIFETIME).timestamp());
    let (id_jti, access_jti) = (
        random_token(16).map_err(|_| TokenError::Internal)?,
        random_token(16).map_err(|_| TokenError::Internal)?,
    );
    let key = &idp.inner.signing_key;
    let id_token = key.sign(&IdClaims {
        sub: &staff.subject,
        groups: &staff.groups,
        email_verified: true,
        iss: idp.issuer(),
        username: &staff.subject,
        nonce,
        aud: &idp.config().client_id,
        token_use: "id",
        auth_time: auth_time.timestamp(),
        name: &staff.name,
        exp,
        iat,
        jti: &id_jti,
        email: &staff.email,
    });
    let access_token = key.sign(&AccessClaims {
        sub: &staff.subject,
        groups: &staff.groups,
        iss: idp.issuer(),
        version: 2,
        client_id: &idp.config().client_id,
        token_use: "access",
        scope,
        auth_time: auth_time.timestamp(),
        exp,
        iat,
        jti: &access_jti,
        username: &staff.subject,
    });
    match (id_token, access_token) {
        (Ok(id_token), Ok(access_token)) => Ok(TokenResponse {
            id_token,
            access_token,
            refresh_token,
            expires_in: TOKEN_LIFETIME.num_seconds(),
            token_type: "Bearer",
        }),
        (Err(error), _) | (_, Err(error)) => {
            tracing::error!(%error, "the identity provider stand-in could not sign a token");
            Err(TokenError::Internal)
        }
    }
}

/// BASE64URL-NOPAD(SHA256(verifier)), PKCE's `S256`.
fn s256(code_verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        code_verifier.as_bytes(),
    ))
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|media_type| {
            media_type
                .trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// `base` with `pairs` appended to its query, form-encoded.
fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let separator = if base.contains('?') { '&' } else { '?' };
    format!("{base}{separator}{query}")
}

/// A 302, as Cognito redirects.
fn found(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(location) => (StatusCode::FOUND, [(header::LOCATION, location)]).into_response(),
        Err(_) => server_error(),
    }
}

/// A JSON answer that no cache keeps (tokens, and errors about them).
fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(body) => (
            status,
            [
                (header::CONTENT_TYPE, "application/json"),
                (header::CACHE_CONTROL, "no-store"),
            ],
            body,
        )
            .into_response(),
        Err(_) => server_error(),
    }
}

fn server_error() -> Response {
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}

/// `bytes` random bytes, base64url without padding.
fn random_token(bytes: usize) -> Result<String, getrandom::Error> {
    let mut buffer = vec![0; bytes];
    getrandom::fill(&mut buffer)?;
    Ok(URL_SAFE_NO_PAD.encode(buffer))
}
