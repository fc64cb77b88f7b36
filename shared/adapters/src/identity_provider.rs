//! The staff identity provider (Cognito's managed login): where a console
//! sign-in is sent, the authorization code exchanged for tokens, and the ID
//! token checked against the provider's published keys.

use chrono::{DateTime, Utc};
use iln_domain::console_access::CodeVerifier;
use iln_domain::i18n::Language;
use iln_domain::staff::Claims;
use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Url;
use serde::Deserialize;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::sync::RwLock;

const TIMEOUT: Duration = Duration::from_secs(5);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// An unknown key id sends for the keys again, at most this often: the
/// provider rotates its keys rarely, and a forged `kid` must not make every
/// request a fetch.
const KEYS_REFRESH: Duration = Duration::from_secs(60);
/// Clock difference allowed between the provider and this function.
const LEEWAY_SECONDS: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    /// The provider refused the code (used, expired, another client's, or
    /// the verifier does not match): the person should simply sign in again.
    #[error("the identity provider refused the authorization code ({0})")]
    Refused(String),
    /// The ID token did not pass its checks.
    #[error("the ID token is not acceptable: {0}")]
    InvalidToken(String),
    #[error("the identity provider could not be reached or answered unexpectedly")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    #[error("the identity provider's configuration: {0}")]
    Config(String),
}

/// Where the provider is and who this client is.
#[derive(Debug, Clone)]
pub struct IdentityProviderConfig {
    /// The managed login's base URL: `/oauth2/authorize`, `/oauth2/token`
    /// and `/logout` hang under it.
    pub sign_in_url: String,
    /// The ID token's `iss`; the keys are at `{issuer}/.well-known/jwks.json`.
    pub issuer: String,
    /// The app client: the ID token's `aud`.
    pub client_id: String,
}

/// What the provider says about the person who signed in.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// The ID token's claims, as `Staff::from_claims` reads them.
    pub claims: Claims,
    /// The `name` claim, else the e-mail.
    pub display_name: String,
}

struct Keys {
    set: JwkSet,
    fetched: Instant,
}

/// One per process: the connection and the provider's keys are reused.
pub struct IdentityProvider {
    http: reqwest::Client,
    sign_in_url: Url,
    jwks_url: Url,
    issuer: String,
    client_id: String,
    keys: RwLock<Option<Keys>>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    id_token: String,
}

#[derive(Deserialize)]
struct TokenRefusal {
    error: String,
}

impl IdentityProvider {
    pub fn new(config: IdentityProviderConfig) -> Result<Self, SignInError> {
        let url = |raw: &str, what: &str| {
            let url = Url::parse(raw).map_err(|error| SignInError::Config(format!("{what} {raw:?}: {error}")))?;
            let loopback = url
                .host_str()
                .is_some_and(|host| host == "127.0.0.1" || host == "localhost");
            match url.scheme() {
                "https" => Ok(url),
                "http" if loopback => Ok(url),
                _ => Err(SignInError::Config(format!("{what} {raw:?} must be https"))),
            }
        };
        let sign_in_url = url(config.sign_in_url.trim_end_matches('/'), "sign-in URL")?;
        let issuer = config.issuer.trim_end_matches('/').to_owned();
        let jwks_url = url(&format!("{issuer}/.well-known/jwks.json"), "issuer")?;
        let http = crate::tls::client_builder()
            .timeout(TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|error| SignInError::Config(format!("HTTP client: {}", crate::telemetry::error_chain(&error))))?;
        Ok(Self {
            http,
            sign_in_url,
            jwks_url,
            issuer,
            client_id: config.client_id,
            keys: RwLock::new(None),
        })
    }

    /// The managed login's origin (`https://host`): where the sign-out
    /// sends the browser.
    pub fn origin(&self) -> String {
        self.sign_in_url.origin().ascii_serialization()
    }

    fn endpoint(&self, path: &str) -> Url {
        let mut url = self.sign_in_url.clone();
        let base = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base}{path}"));
        url
    }

    /// The provider's sign-in page for this sign-in: the code comes back
    /// to `redirect_uri` with `state`.
    pub fn authorize_url(
        &self,
        redirect_uri: &str,
        state: &str,
        nonce: &str,
        verifier: &CodeVerifier,
        language: Language,
    ) -> String {
        let mut url = self.endpoint("/oauth2/authorize");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", "openid email profile")
            .append_pair("state", state)
            .append_pair("nonce", nonce)
            .append_pair("code_challenge", &verifier.challenge())
            .append_pair("code_challenge_method", "S256")
            .append_pair("lang", language.code());
        url.into()
    }

    /// The provider's sign-out, which ends its own session too and then
    /// sends the browser to `logout_uri`.
    pub fn logout_url(&self, logout_uri: &str) -> String {
        let mut url = self.endpoint("/logout");
        url.query_pairs_mut()
            .append_pair("client_id", &self.client_id)
            .append_pair("logout_uri", logout_uri);
        url.into()
    }

    /// Exchanges `code` (with the PKCE `verifier`) and checks the ID token:
    /// signed by one of the provider's keys (RS256), issued by it, for this
    /// client, current at `now`, and carrying `nonce`.
    #[tracing::instrument(skip_all)]
    pub async fn sign_in(
        &self,
        code: &str,
        verifier: &CodeVerifier,
        redirect_uri: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let answer = self
            .http
            .post(self.endpoint("/oauth2/token"))
            .form(&[
                ("grant_type", "authorization_code"),
                ("client_id", self.client_id.as_str()),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier.as_str()),
            ])
            .send()
            .await
            .map_err(|error| SignInError::Unavailable(error.into()))?;
        let status = answer.status();
        let body = answer
            .bytes()
            .await
            .map_err(|error| SignInError::Unavailable(error.into()))?;
        if status.is_client_error() {
            let refusal = serde_json::from_slice::<TokenRefusal>(&body)
                .map(|refusal| refusal.error)
                .unwrap_or_else(|_| status.to_string());
            return Err(SignInError::Refused(refusal));
        }
        if !status.is_success() {
            return Err(SignInError::Unavailable(
                format!("token endpoint answered {status}").into(),
            ));
        }
        let tokens: TokenAnswer =
            serde_json::from_slice(&body).map_err(|error| SignInError::Unavailable(error.into()))?;
        self.verify(&tokens.id_token, nonce, now).await
    }

    async fn verify(&self, id_token: &str, nonce: &str, now: DateTime<Utc>) -> Result<SignedIn, SignInError> {
        let invalid = |why: String| SignInError::InvalidToken(why);
        let header = jsonwebtoken::decode_header(id_token).map_err(|error| invalid(error.to_string()))?;
        if header.alg != Algorithm::RS256 {
            return Err(invalid(format!("signed with {:?}, not RS256", header.alg)));
        }
        let kid = header.kid.ok_or_else(|| invalid("no key id".to_owned()))?;
        let key = self.key(&kid).await?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.client_id]);
        validation.set_required_spec_claims(&["iss", "aud", "sub", "exp", "iat"]);
        // Time is passed in: `exp` is checked against `now` below.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let claims = jsonwebtoken::decode::<serde_json::Map<String, Value>>(id_token, &key, &validation)
            .map_err(|error| invalid(error.to_string()))?
            .claims;
        let number = |name: &str| claims.get(name).and_then(Value::as_i64);
        let expires = number("exp").ok_or_else(|| invalid("no exp".to_owned()))?;
        let issued = number("iat").ok_or_else(|| invalid("no iat".to_owned()))?;
        if expires + LEEWAY_SECONDS <= now.timestamp() {
            return Err(invalid("expired".to_owned()));
        }
        if issued - LEEWAY_SECONDS > now.timestamp() {
            return Err(invalid("issued in the future".to_owned()));
        }
        if claims.get("nonce").and_then(Value::as_str) != Some(nonce) {
            return Err(invalid("the nonce is not this sign-in's".to_owned()));
        }
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(Value::as_str)
                .filter(|value| !value.trim().is_empty())
        };
        let display_name = text("name")
            .or_else(|| text("email"))
            .or_else(|| text("cognito:username"))
            .unwrap_or_default()
            .to_owned();
        Ok(SignedIn {
            claims: flatten(&claims),
            display_name,
        })
    }

    /// The provider's key `kid`, from the cached set, fetched again when
    /// the set does not hold it (a rotation) and the last fetch is not
    /// recent.
    async fn key(&self, kid: &str) -> Result<DecodingKey, SignInError> {
        let find = |keys: &Option<Keys>| -> Option<Result<DecodingKey, SignInError>> {
            keys.as_ref()
                .and_then(|keys| keys.set.find(kid))
                .map(|jwk| DecodingKey::from_jwk(jwk).map_err(|error| SignInError::InvalidToken(error.to_string())))
        };
        if let Some(key) = find(&*self.keys.read().await) {
            return key;
        }
        let mut keys = self.keys.write().await;
        // Another request may have fetched them meanwhile.
        if let Some(key) = find(&keys) {
            return key;
        }
        if keys.as_ref().is_some_and(|keys| keys.fetched.elapsed() < KEYS_REFRESH) {
            return Err(SignInError::InvalidToken(format!("no key {kid:?}")));
        }
        let set: JwkSet = self
            .http
            .get(self.jwks_url.clone())
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| SignInError::Unavailable(error.into()))?
            .json()
            .await
            .map_err(|error| SignInError::Unavailable(error.into()))?;
        *keys = Some(Keys {
            set,
            fetched: Instant::now(),
        });
        find(&keys).unwrap_or_else(|| Err(SignInError::InvalidToken(format!("no key {kid:?}"))))
    }
}

/// A token's claims as API Gateway passes them to the staff API: strings
/// as they are, other values in JSON (`Staff::from_claims` reads a JSON
/// array of groups), so that both routes read one shape.
fn flatten(claims: &serde_json::Map<String, Value>) -> Claims {
    claims
        .iter()
        .map(|(name, value)| {
            let value = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (name.clone(), value)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider() -> IdentityProvider {
        IdentityProvider::new(IdentityProviderConfig {
            sign_in_url: "https://iln-staff.auth.eu-west-1.amazoncognito.com/".to_owned(),
            issuer: "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc".to_owned(),
            client_id: "client123".to_owned(),
        })
        .unwrap()
    }

    #[test]
    fn the_sign_in_page_is_asked_for_a_code_with_pkce_s256() {
        let verifier = CodeVerifier::from_random(&iln_domain::token::Token::from_random([9; 32]));
        let url = Url::parse(&provider().authorize_url(
            "https://api.example/console/callback",
            "the-state",
            "the-nonce",
            &verifier,
            Language::Es,
        ))
        .unwrap();
        assert_eq!(url.path(), "/oauth2/authorize");
        let query: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(query["response_type"], "code");
        assert_eq!(query["client_id"], "client123");
        assert_eq!(query["redirect_uri"], "https://api.example/console/callback");
        assert_eq!(query["state"], "the-state");
        assert_eq!(query["nonce"], "the-nonce");
        assert_eq!(query["code_challenge"], verifier.challenge());
        assert_eq!(query["code_challenge_method"], "S256");
        assert!(query["scope"].split(' ').any(|scope| scope == "openid"));
        assert!(!url.as_str().contains(verifier.as_str()), "the verifier never leaves");
    }

    #[test]
    fn only_https_is_accepted_off_this_machine() {
        let config = |url: &str| IdentityProviderConfig {
            sign_in_url: url.to_owned(),
            issuer: url.to_owned(),
            client_id: "c".to_owned(),
        };
        assert!(IdentityProvider::new(config("http://idp.example")).is_err());
        assert!(IdentityProvider::new(config("http://127.0.0.1:8010")).is_ok());
    }

    #[test]
    fn claims_reach_staff_in_the_shape_the_api_gateway_gives() {
        let claims: serde_json::Map<String, Value> = serde_json::from_value(serde_json::json!({
            "sub": "vera", "token_use": "id", "email": "vera@imi.org", "email_verified": true,
            "cognito:groups": ["iln-vetters"], "exp": 1
        }))
        .unwrap();
        let staff = iln_domain::staff::Staff::from_claims(&flatten(&claims)).unwrap();
        assert!(staff.may_act_as(iln_domain::staff::StaffRole::Vetter));
        assert_eq!(
            staff.email.map(|email| email.to_string()),
            Some("vera@imi.org".to_owned())
        );
    }
}
