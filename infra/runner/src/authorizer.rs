//! Plays API Gateway's JWT authorizer locally: verifies tokens this machine
//! signed and passes their claims on, as API Gateway does after checking a
//! token from the staff identity provider.

use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

const ISSUER: &str = "iln-local";
const AUDIENCE: &str = "iln-staff";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    email: Option<String>,
    #[serde(rename = "cognito:groups", default)]
    groups: Vec<String>,
    iat: i64,
    exp: i64,
}

#[derive(Debug, thiserror::Error)]
#[error("missing or invalid bearer token")]
pub struct Unauthorized;

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

    /// A token for a staff member, valid for `valid_for`.
    pub fn mint(
        &self,
        subject: &str,
        email: Option<&str>,
        groups: &[&str],
        now: DateTime<Utc>,
        valid_for: Duration,
    ) -> Result<String, jsonwebtoken::errors::Error> {
        let claims = Claims {
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
            sub: subject.to_owned(),
            email: email.map(str::to_owned),
            groups: groups.iter().map(|group| (*group).to_owned()).collect(),
            iat: now.timestamp(),
            exp: (now + valid_for).timestamp(),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
    }

    /// The claims API Gateway would pass for this `Authorization` header:
    /// strings, with the groups list flattened to `[a b]` as API Gateway does.
    pub fn verify(&self, authorization: Option<&str>) -> Result<BTreeMap<String, String>, Unauthorized> {
        let token = authorization
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(Unauthorized)?;
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        let claims = jsonwebtoken::decode::<Claims>(token.trim(), &self.decoding, &validation)
            .map_err(|_| Unauthorized)?
            .claims;
        let mut passed = BTreeMap::from([
            ("iss".to_owned(), claims.iss),
            ("aud".to_owned(), claims.aud),
            ("sub".to_owned(), claims.sub),
            ("iat".to_owned(), claims.iat.to_string()),
            ("exp".to_owned(), claims.exp.to_string()),
            ("cognito:groups".to_owned(), format!("[{}]", claims.groups.join(" "))),
        ]);
        if let Some(email) = claims.email {
            passed.insert("email".to_owned(), email);
        }
        Ok(passed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_token_passes_its_claims_as_api_gateway_does() {
        let authorizer = LocalAuthorizer::new(b"secret").unwrap();
        let token = authorizer
            .mint(
                "u1",
                Some("ana@imi.org"),
                &["iln-vetters"],
                Utc::now(),
                Duration::hours(1),
            )
            .unwrap();
        let claims = authorizer.verify(Some(&format!("Bearer {token}"))).unwrap();
        assert_eq!(claims["sub"], "u1");
        assert_eq!(claims["cognito:groups"], "[iln-vetters]");
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
