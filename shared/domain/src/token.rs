//! Single-use secrets carried by links in e-mails. Only a token's hash is
//! ever stored, so a leaked table gives no working link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// 256 random bits, written URL-safe.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

const TOKEN_BYTES: usize = 32;
const TOKEN_LENGTH: usize = 43;

impl Token {
    /// A fresh token from the operating system's generator.
    pub fn generate() -> Result<Self, getrandom::Error> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::fill(&mut bytes)?;
        Ok(Self(URL_SAFE_NO_PAD.encode(bytes)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<secret>)")
    }
}

/// SHA-256 of a token. A plain hash is enough: tokens are random, not
/// guessable passwords.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TokenHash(String);

impl TokenHash {
    fn of(token: &str) -> Self {
        Self(URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes())))
    }

    /// The hash of a token someone presented in a link, if it has the shape
    /// of one of ours at all (anything else is simply unknown).
    pub fn of_presented(presented: &str) -> Option<Self> {
        let well_formed = presented.len() == TOKEN_LENGTH
            && presented
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        well_formed.then(|| Self::of(presented))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What a token lets its holder do, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    VerifyNominatorEmail,
    /// Answering a vetter's question about the nomination.
    ProvideInformation,
    /// The nominee accepting or declining the invitation.
    AnswerInvitation,
}

impl TokenPurpose {
    pub fn validity(self) -> Duration {
        match self {
            TokenPurpose::VerifyNominatorEmail => Duration::hours(72),
            TokenPurpose::ProvideInformation => Duration::days(14),
            TokenPurpose::AnswerInvitation => Duration::days(30),
        }
    }

    pub fn expires_at(self, issued_at: DateTime<Utc>) -> DateTime<Utc> {
        issued_at + self.validity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_has_256_random_bits_and_is_recognised_by_its_hash() {
        let token = Token::generate().unwrap();
        assert_eq!(token.as_str().len(), TOKEN_LENGTH);
        assert_ne!(token, Token::generate().unwrap());
        assert_eq!(TokenHash::of_presented(token.as_str()), Some(token.hash()));
        assert_ne!(token.hash().as_str(), token.as_str());
    }

    #[test]
    fn anything_not_shaped_like_a_token_is_unknown() {
        assert_eq!(TokenHash::of_presented(""), None);
        assert_eq!(TokenHash::of_presented("short"), None);
        assert_eq!(TokenHash::of_presented(&"a/".repeat(22)[..43]), None);
    }

    #[test]
    fn a_verification_link_lasts_seventy_two_hours() {
        let issued = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            TokenPurpose::VerifyNominatorEmail.expires_at(issued) - issued,
            Duration::hours(72)
        );
    }
}
