//! Staff tokens as Cognito mints them, signed by the test's local
//! authorizer, and requests that carry them.

use crate::{TestApp, TestResponse, VETTER_EMAIL};
use chrono::Utc;
use iln_runner::authorizer::{Identity, LocalAuthorizer};
use serde_json::Value;

/// The authorizer the test's gateway checks tokens with.
pub(crate) fn authorizer() -> LocalAuthorizer {
    LocalAuthorizer::new(b"iln-tests-local-jwt-secret").expect("authorizer")
}

/// A bearer ID token signed by the test's local authorizer, as Cognito
/// mints it (`token_use` `id`; an address is `email_verified`).
pub fn staff_token(subject: &str, email: Option<&str>, groups: &[&str]) -> String {
    id_token(Identity {
        subject,
        email,
        email_verified: true,
        groups,
    })
}

/// An ID token saying exactly what `identity` says (an unverified address).
pub fn id_token(identity: Identity<'_>) -> String {
    bearer(authorizer().mint_id_token(identity, Utc::now(), chrono::Duration::hours(1)))
}

/// The same user's access token: API Gateway's authorizer passes it.
pub fn access_token(subject: &str, groups: &[&str]) -> String {
    bearer(authorizer().mint_access_token(subject, groups, Utc::now(), chrono::Duration::hours(1)))
}

fn bearer(token: Result<String, impl std::fmt::Debug>) -> String {
    format!("Bearer {}", token.expect("token"))
}

pub fn vetter_token() -> String {
    staff_token("vera", Some(VETTER_EMAIL), &["iln-vetters"])
}

pub fn admin_token() -> String {
    staff_token("ada", Some("ada.admin@imi.test"), &["iln-admins"])
}

impl TestApp {
    /// A staff request with a bearer token (`None`: no token).
    pub async fn staff_request(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> TestResponse {
        let mut headers = vec![("content-type", "application/json")];
        if let Some(token) = token {
            headers.push(("authorization", token));
        }
        let body = body.map(Value::to_string).unwrap_or_default();
        self.request(method, path_and_query, &headers, body.as_bytes()).await
    }
}
