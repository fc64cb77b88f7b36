//! Plays API Gateway's JWT authorizer locally: verifies tokens this machine
//! signed and passes their claims on, as API Gateway does after checking a
//! token from the staff identity provider.
//!
//! Tokens are shaped as Cognito mints them (AWS-FACTS.md, "Cognito user
//! pools"): an ID token has `token_use` `id`, `aud` the app client,
//! `email`, `email_verified` and `cognito:groups`; an access token has
//! `token_use` `access`, `client_id`, the groups and no `aud` or `email`.
//! Like API Gateway's, this authorizer accepts a token whose `aud` **or**
//! `client_id` is the audience, so an access token passes it too: the
//! functions must tell them apart.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

const ISSUER: &str = "iln-local";
/// The app client id the local tokens are minted for.
const AUDIENCE: &str = "iln-staff";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    client_id: Option<String>,
    sub: String,
    token_use: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email_verified: Option<bool>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
    iat: i64,
    exp: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("missing or invalid bearer token")]
pub struct Unauthorized;

/// What a staff member's token says about them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Identity<'a> {
    pub subject: &'a str,
    /// `None`: a token without an e-mail claim.
    pub email: Option<&'a str>,
    /// The identity provider's word on the address (Cognito: `true` once
    /// the user confirmed it, or an admin created the user verified).
    pub email_verified: bool,
    pub groups: &'a [&'a str],
}

/// Mints and verifies HS256 tokens with one local secret.
pub struct LocalAuthorizer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl LocalAuthorizer {
    pub fn new(secret: &[u8]) -> Result<Self, jsonwebtoken::errors::Error> {
        Ok(Self {
            encoding: EncodingKey::from_secret(secret)?,
            decoding: DecodingKey::from_secret(secret)?,
        })
    }

    /// An ID token for a staff member, valid for `valid_for`, as Cognito
    /// mints it for a user whose address is verified.
    pub fn mint(
        &self,
        subject: &str,
        email: Option<&str>,
        groups: &[&str],
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.mint_id_token(
            Identity {
                subject,
                email,
                email_verified: true,
                groups,
            },
            now,
            valid_for,
        )
    }

    /// An ID token saying exactly what `identity` says.
    pub fn mint_id_token(
        &self,
        identity: Identity<'_>,
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(Claims {
            iss: ISSUER.to_owned(),
            aud: Some(AUDIENCE.to_owned()),
            client_id: None,
            sub: identity.subject.to_owned(),
            token_use: "id".to_owned(),
            email: identity.email.map(str::to_owned),
            email_verified: identity.email.map(|_| identity.email_verified),
            groups: identity.groups.iter().map(|group| (*group).to_owned()).collect(),
            iat: now.timestamp(),
            exp: (now + valid_for).timestamp(),
        })
    }

    /// An access token for the same user: it passes the authorizer (its
    /// `client_id` is the audience) but says nothing of the address.
    pub fn mint_access_token(
        &self,
        subject: &str,
        groups: &[&str],
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        self.sign(Claims {
            iss: ISSUER.to_owned(),
            aud: None,
            client_id: Some(AUDIENCE.to_owned()),
            sub: subject.to_owned(),
            token_use: "access".to_owned(),
            email: None,
            email_verified: None,
            groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            iat: now.timestamp(),
            exp: (now + valid_for).timestamp(),
        })
    }

    fn sign(&self, claims: Claims) -> Result<String, jsonwebtoken::errors::Error> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims API Gateway would pass for this `Authorization` header:
    /// every claim as a string (`true`, `1700000000`), a list flattened to
    /// `[a b]` as API Gateway does.
    pub fn verify(&self, authorization: Option<&str>) -> Result<BTreeMap<String, String>, Unauthorized> {
        let token = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(Unauthorized)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        // Checked below: `aud` or `client_id`, as API Gateway does.
        validation.validate_aud = false;
        let claims = jsonwebtoken::decode::<BTreeMap<String, Value>>(token.trim(), &self.decoding, &validation)
            .map_err(|_| Unauthorized)?
            .claims;
        let audience_matches = |name: &str| match claims.get(name) {
            Some(Value::String(value)) => value == AUDIENCE,
            Some(Value::Array(values)) => values.iter().any(|value| value == AUDIENCE),
            _ => false,
        };
        if !(audience_matches("aud") || audience_matches("client_id")) {
            return Err(Unauthorized);
        }
        Ok(claims
            .into_iter()
            .map(|(name, value)| (name, as_api_gateway_passes_it(value)))
            .collect())
    }
}

fn as_api_gateway_passes_it(value: Value) -> String {
    match value {
        Value::String(text) => text,
        Value::Array(values) => format!(
            "[{}]",
            values
                .into_iter()
                .map(as_api_gateway_passes_it)
                .collect::<Vec<_>>()
                .join(" ")
        ),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_is_an_id_token_and_passes_its_claims_as_api_gateway_does() {
        let authorizer = LocalAuthorizer::new(b"secret").unwrap();
        let token = authorizer
            .mint(
                "u1",
                Some("ana@imi.org"),
                &["iln-vetters", "iln-admins"],
                Utc::now(),
                Duration::hours(1),
            )
            .unwrap();
        let claims = authorizer.verify(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(claims["token_use"], "id");
        assert_eq!(claims["aud"], "iln-staff");
        assert_eq!(claims["email"], "ana@imi.org");
        assert_eq!(claims["email_verified"], "true");
        assert_eq!(claims["cognito:groups"], "[iln-vetters iln-admins]");
        assert!(claims["exp"].parse::<i64>().is_ok());
    }

    #[test]
    fn an_access_token_passes_like_on_aws_and_says_so() {
        let authorizer = LocalAuthorizer::new(b"secret").unwrap();
        let token = authorizer
            .mint_access_token("u1", &["iln-admins"], Utc::now(), Duration::hours(1))
            .unwrap();
        let claims = authorizer.verify(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["token_use"], "access");
        assert_eq!(claims["client_id"], "iln-staff");
        assert!(!claims.contains_key("aud") && !claims.contains_key("email"));
    }

    #[test]
    fn missing_foreign_and_expired_tokens_are_refused() {
        let authorizer = LocalAuthorizer::new(b"secret").unwrap();
        let foreign = LocalAuthorizer::new(b"other")
            .unwrap()
            .mint("u1", None, &[], Utc::now(), Duration::hours(1))
            .unwrap();
        let expired = authorizer
            .mint("u1", None, &[], Utc::now() - Duration::hours(2), Duration::hours(1))
            .unwrap();
        assert!(authorizer.verify(None).is_err());
        assert!(authorizer.verify(Some("Basic abc")).is_err());
        assert!(authorizer.verify(Some(&format!("Bearer {foreign}"))).is_err());
        assert!(authorizer.verify(Some(&format!("Bearer {expired}"))).is_err());
    }
}
