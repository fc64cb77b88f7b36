//! Signing IMI staff in to the staff console: OAuth 2.0's authorization
//! code with PKCE at the staff identity provider (Cognito's managed login),
//! then a session kept on the server. The browser holds only the session's
//! random secret; the table keeps its hash.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::i18n::Language;
use crate::staff::Staff;
use crate::token::{Token, TokenHash, same_secret};

/// Every console page is under it, and its cookies are sent only there.
pub const CONSOLE_PATH: &str = "/console";
pub const SIGN_IN_PATH: &str = "/console/sign-in";
/// Where the identity provider sends the browser back with its code.
pub const CALLBACK_PATH: &str = "/console/callback";
pub const SIGN_OUT_PATH: &str = "/console/sign-out";
/// Where the identity provider's sign-out sends the browser last.
pub const SIGNED_OUT_PATH: &str = "/console/signed-out";

/// The session's cookie. `__Secure-` rather than `__Host-`: the console's
/// cookies are scoped to `/console`, which `__Host-` forbids.
pub const SESSION_COOKIE: &str = "__Secure-iln-console";
/// Ties a sign-in to the browser that began it: a code that comes back to
/// another browser (a forged callback link) signs no one in.
pub const SIGN_IN_COOKIE: &str = "__Secure-iln-console-sign-in";

/// A session unused for this long has ended.
pub const IDLE_TIMEOUT: Duration = Duration::minutes(30);
/// And every session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: Duration = Duration::hours(8);
/// Time to come back from the identity provider's page.
pub const SIGN_IN_TIME: Duration = Duration::minutes(10);

/// PKCE's proof: the verifier stays on the server, its S256 challenge goes
/// to the identity provider with the browser.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CodeVerifier(String);

impl CodeVerifier {
    /// 43 characters of base64url: within RFC 7636's 43 to 128 unreserved.
    pub fn from_random(token: &Token) -> Self {
        Self(token.as_str().to_owned())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `BASE64URL(SHA256(verifier))`, the `S256` method.
    pub fn challenge(&self) -> String {
        URL_SAFE_NO_PAD.encode(Sha256::digest(self.0.as_bytes()))
    }
}

impl std::fmt::Debug for CodeVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CodeVerifier(<secret>)")
    }
}

/// A console page a sign-in returns to: a path under the console, never
/// another site (an open redirect would carry staff anywhere).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConsolePath(String);

impl ConsolePath {
    pub fn home() -> Self {
        Self(CONSOLE_PATH.to_owned())
    }

    /// `raw` if it is a console page: an absolute path under `/console`
    /// with no scheme, host, backslash or control character.
    pub fn parse(raw: &str) -> Option<Self> {
        let under_console = raw == CONSOLE_PATH
            || raw
                .strip_prefix(CONSOLE_PATH)
                .is_some_and(|rest| rest.starts_with('/') || rest.starts_with('?'));
        let plain = !raw.contains("//")
            && !raw.contains('\\')
            && !raw.contains("/../")
            && !raw.ends_with("/..")
            && raw.chars().all(|c| !c.is_control() && c != ' ');
        (under_console && plain && raw.len() <= 512).then(|| Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A sign-in on its way through the identity provider, stored under the
/// hash of its `state` until the browser comes back (once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingSignIn {
    pub verifier: CodeVerifier,
    /// The ID token must carry it back: a token minted for another
    /// sign-in is refused.
    pub nonce: String,
    /// The hash of the browser's sign-in cookie.
    pub browser: TokenHash,
    pub return_to: ConsolePath,
    pub language: Language,
    pub valid_until: DateTime<Utc>,
}

impl PendingSignIn {
    pub fn is_current(&self, now: DateTime<Utc>) -> bool {
        now < self.valid_until
    }

    /// Whether the browser now presenting `cookie` is the one that began.
    pub fn began_in(&self, cookie: Option<&TokenHash>) -> bool {
        cookie.is_some_and(|cookie| same_secret(cookie.as_str(), self.browser.as_str()))
    }
}

/// A signed-in member of staff, as the table keeps it under the hash of
/// the cookie's secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffSession {
    pub staff: Staff,
    /// The name the identity provider gave, else the address: shown in the
    /// header, never recorded.
    pub display_name: String,
    pub language: Language,
    /// Every form carries it; a form without it did not come from the
    /// console (SameSite=Lax lets top-level cross-site GETs through, not
    /// POSTs, and this stops the rest).
    pub form_token: String,
    pub started_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

impl StaffSession {
    pub fn open(
        staff: Staff,
        display_name: String,
        language: Language,
        form_token: &Token,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            staff,
            display_name,
            language,
            form_token: form_token.as_str().to_owned(),
            started_at: now,
            last_seen_at: now,
        }
    }

    /// Open while used within the idle timeout and younger than the
    /// absolute one.
    pub fn is_open(&self, now: DateTime<Utc>) -> bool {
        now < self.last_seen_at + IDLE_TIMEOUT && now < self.ends_at()
    }

    /// The latest moment the session can last, however busy.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.started_at + ABSOLUTE_TIMEOUT
    }

    /// Whether a form came from this session's pages.
    pub fn sent_from_console(&self, presented: &str) -> bool {
        same_secret(&self.form_token, presented)
    }
}

/// The `Set-Cookie` value for the session: console pages only, never
/// readable by scripts; `Lax` so that the identity provider's redirect back
/// to the console (a top-level navigation) carries it.
pub fn session_cookie(secret: &Token) -> String {
    cookie(SESSION_COOKIE, secret.as_str(), ABSOLUTE_TIMEOUT)
}

pub fn sign_in_cookie(secret: &Token) -> String {
    cookie(SIGN_IN_COOKIE, secret.as_str(), SIGN_IN_TIME)
}

/// The `Set-Cookie` value that removes `name`.
pub fn cleared_cookie(name: &str) -> String {
    format!("{name}=; Path={CONSOLE_PATH}; Max-Age=0; Secure; HttpOnly; SameSite=Lax")
}

fn cookie(name: &str, value: &str, lasts: Duration) -> String {
    format!(
        "{name}={value}; Path={CONSOLE_PATH}; Max-Age={}; Secure; HttpOnly; SameSite=Lax",
        lasts.num_seconds()
    )
}

/// The hash of the secret the cookie `name` holds among `cookie_headers`,
/// if it has the shape of one of ours.
pub fn presented_cookie<'a>(cookie_headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<TokenHash> {
    crate::token::presented_in_cookie(cookie_headers, name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::staff::Claims;

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn token(byte: u8) -> Token {
        Token::from_random([byte; 32])
    }

    fn vetter() -> Staff {
        let claims: Claims = [
            ("sub", "vera"),
            ("token_use", "id"),
            ("cognito:groups", "[iln-vetters]"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        Staff::from_claims(&claims).unwrap()
    }

    #[test]
    fn the_challenge_is_rfc_7636s_s256_of_the_verifier() {
        // RFC 7636, appendix B.
        let verifier = CodeVerifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".to_owned());
        assert_eq!(verifier.challenge(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
        let random = CodeVerifier::from_random(&token(7));
        assert_eq!(random.as_str().len(), 43, "RFC 7636 asks for 43 to 128 characters");
        assert!(!format!("{random:?}").contains(random.as_str()), "never logged");
    }

    #[test]
    fn a_sign_in_returns_only_to_a_console_page() {
        for page in [
            "/console",
            "/console/nominations/01J?status=submitted",
            "/console?lang=es",
        ] {
            assert_eq!(ConsolePath::parse(page).map(|p| p.0), Some(page.to_owned()));
        }
        for elsewhere in [
            "https://evil.example/console",
            "//evil.example/console",
            "/console//evil.example",
            "/consoles",
            "/console/../nominate",
            "/console/..",
            "/console\\evil",
            "/nominate",
            "",
            "/console/\nSet-Cookie",
        ] {
            assert_eq!(ConsolePath::parse(elsewhere), None, "{elsewhere:?}");
        }
    }

    #[test]
    fn a_session_ends_after_thirty_idle_minutes_or_eight_hours_in_all() {
        let mut session = StaffSession::open(vetter(), "Vera".into(), Language::En, &token(1), at(0));
        assert!(session.is_open(at(29 * 60)));
        assert!(!session.is_open(at(30 * 60)), "idle for thirty minutes");
        // Busy all day: used every twenty minutes.
        for minutes in (20..8 * 60).step_by(20) {
            assert!(session.is_open(at(minutes * 60)), "busy at minute {minutes}");
            session.last_seen_at = at(minutes * 60);
        }
        assert!(
            !session.is_open(at(8 * 3600)),
            "eight hours after sign-in, however busy"
        );
    }

    #[test]
    fn a_form_must_carry_its_sessions_own_token() {
        let session = StaffSession::open(vetter(), "Vera".into(), Language::En, &token(1), at(0));
        assert!(session.sent_from_console(token(1).as_str()));
        assert!(!session.sent_from_console(token(2).as_str()));
        assert!(!session.sent_from_console(""));
    }

    #[test]
    fn a_sign_in_completes_only_in_the_browser_that_began_it_and_in_time() {
        let browser = token(3);
        let pending = PendingSignIn {
            verifier: CodeVerifier::from_random(&token(4)),
            nonce: token(5).as_str().to_owned(),
            browser: browser.hash(),
            return_to: ConsolePath::home(),
            language: Language::Es,
            valid_until: at(0) + SIGN_IN_TIME,
        };
        assert!(pending.began_in(Some(&browser.hash())));
        assert!(!pending.began_in(Some(&token(6).hash())));
        assert!(!pending.began_in(None));
        assert!(pending.is_current(at(9 * 60)));
        assert!(!pending.is_current(at(10 * 60)));
    }

    #[test]
    fn the_cookies_are_for_the_console_only_secure_and_out_of_scripts_reach() {
        let cookie = session_cookie(&token(1));
        assert!(cookie.starts_with("__Secure-iln-console="));
        for attribute in ["Path=/console", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=28800"] {
            assert!(cookie.split("; ").any(|a| a == attribute), "{attribute} in {cookie}");
        }
        let presented = format!("other=1; {}={}", SESSION_COOKIE, token(1).as_str());
        assert_eq!(
            presented_cookie([presented.as_str()], SESSION_COOKIE),
            Some(token(1).hash())
        );
        assert_eq!(presented_cookie(["__Secure-iln-console=short"], SESSION_COOKIE), None);
        assert_eq!(
            presented_cookie([presented.as_str()], SIGN_IN_COOKIE),
            None,
            "one cookie is not the other"
        );
    }
}
