//! The secrets carried by links in e-mails. Only a token's hash is ever
//! stored, so a leaked table gives no working link.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Duration, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

use crate::message::MessageId;

/// 256 bits derived from the link key, written URL-safe.
#[derive(Clone, PartialEq, Eq)]
pub struct Token(String);

pub(crate) const TOKEN_LENGTH: usize = 43;

/// The secret every link's token is derived from: HMAC-SHA256 of the
/// message and what the link is for. Deriving rather than drawing at random
/// lets a reminder carry the very link first sent, while the table still
/// holds only hashes.
#[derive(Clone)]
pub struct LinkKey(Hmac<Sha256>);

/// A link key shorter than 32 bytes is refused: it would be guessable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the link key must be at least {LINK_KEY_MIN_BYTES} bytes long")]
pub struct WeakLinkKey;

pub const LINK_KEY_MIN_BYTES: usize = 32;

impl LinkKey {
    pub fn parse(secret: &str) -> Result<Self, WeakLinkKey> {
        if secret.trim().len() < LINK_KEY_MIN_BYTES {
            return Err(WeakLinkKey);
        }
        Hmac::new_from_slice(secret.trim().as_bytes())
            .map(Self)
            .map_err(|_| WeakLinkKey)
    }

    /// The token of `message`'s link for `purpose`: the same every time it
    /// is asked for, and unguessable without the key.
    pub fn token(&self, purpose: TokenPurpose, message: &MessageId) -> Token {
        let mut mac = self.0.clone();
        mac.update(purpose.code().as_bytes());
        mac.update(b"\n");
        mac.update(message.as_str().as_bytes());
        Token(URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
    }
}

impl fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LinkKey(<secret>)")
    }
}

impl Token {
    /// A token drawn from 32 random bytes rather than derived from a
    /// message: a member's session, which no mail ever carries.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Token(URL_SAFE_NO_PAD.encode(bytes))
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

/// The hash of the secret the cookie `name` holds among `cookie_headers`
/// (a member's or a staff member's session), if it has the shape of one of
/// ours; anything else is no secret at all.
pub fn presented_in_cookie<'a>(cookie_headers: impl IntoIterator<Item = &'a str>, name: &str) -> Option<TokenHash> {
    cookie_headers
        .into_iter()
        .flat_map(|header| header.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .and_then(|(_, value)| TokenHash::of_presented(value))
}

/// Whether a presented secret (a form's token) is the expected one, in the
/// same time wherever the two differ.
pub fn same_secret(expected: &str, presented: &str) -> bool {
    let (expected, presented) = (expected.as_bytes(), presented.as_bytes());
    expected.len() == presented.len()
        && expected
            .iter()
            .zip(presented)
            .fold(0u8, |differ, (a, b)| differ | (a ^ b))
            == 0
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
    /// The nominator withdrawing the nomination while it is open.
    WithdrawNomination,
    /// The nominator following the nomination's stage (and withdrawing it
    /// from there while it is open), for as long as the nomination is kept.
    FollowNomination,
    /// The nominee answering the notice sent before the ILN discusses them:
    /// objecting, or agreeing when asked.
    AnswerNotice,
    /// A member signing in to their own page: single use, short-lived.
    SignInMember,
    /// A member confirming, from the new address, the address they asked
    /// IMI to write to.
    ConfirmMemberAddress,
}

/// Longer than any record is kept: a century.
const FOR_THE_LIFE_OF_THE_RECORD: Duration = Duration::days(36_525);

/// How long each kind of link works. The invitation's is a setting
/// (`InvitationValidityDays`); the others are part of the process as the
/// pages describe it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinkValidity {
    invitation: Duration,
}

/// An invitation validity outside 1–365 days.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an invitation must stay valid between 1 and 365 days")]
pub struct InvalidValidity;

impl LinkValidity {
    pub const DEFAULT_INVITATION_DAYS: i64 = 30;

    pub fn with_invitation_days(days: i64) -> Result<Self, InvalidValidity> {
        match days {
            1..=365 => Ok(Self {
                invitation: Duration::days(days),
            }),
            _ => Err(InvalidValidity),
        }
    }

    pub fn of(self, purpose: TokenPurpose) -> Duration {
        match purpose {
            TokenPurpose::VerifyNominatorEmail => Duration::hours(72),
            TokenPurpose::ProvideInformation => Duration::days(14),
            TokenPurpose::AnswerInvitation => self.invitation,
            // The nomination's state decides; a year outlasts any open one.
            TokenPurpose::WithdrawNomination | TokenPurpose::AnswerNotice => Duration::days(365),
            // The nomination's record decides: once retention or erasure
            // removes it, the link finds nothing. A member's nomination is
            // kept for good, so the token must outlive any we know of.
            TokenPurpose::FollowNomination => FOR_THE_LIFE_OF_THE_RECORD,
            // Long enough to open the mail, short enough that an old mail
            // in a mailbox opens nothing.
            TokenPurpose::SignInMember => Duration::minutes(15),
            TokenPurpose::ConfirmMemberAddress => Duration::hours(24),
        }
    }

    pub fn expires_at(self, purpose: TokenPurpose, issued_at: DateTime<Utc>) -> DateTime<Utc> {
        issued_at + self.of(purpose)
    }
}

impl Default for LinkValidity {
    fn default() -> Self {
        Self {
            invitation: Duration::days(Self::DEFAULT_INVITATION_DAYS),
        }
    }
}

impl TokenPurpose {
    pub fn code(self) -> &'static str {
        match self {
            TokenPurpose::VerifyNominatorEmail => "verify_nominator_email",
            TokenPurpose::ProvideInformation => "provide_information",
            TokenPurpose::AnswerInvitation => "answer_invitation",
            TokenPurpose::WithdrawNomination => "withdraw_nomination",
            TokenPurpose::FollowNomination => "follow_nomination",
            TokenPurpose::AnswerNotice => "answer_notice",
            TokenPurpose::SignInMember => "sign_in_member",
            TokenPurpose::ConfirmMemberAddress => "confirm_member_address",
        }
    }

    /// Whether a link for this purpose may withdraw the nomination: the
    /// withdraw link, and the status link that carries the same power (both
    /// come in the same mail to the same person).
    pub fn withdraws(self) -> bool {
        matches!(self, TokenPurpose::WithdrawNomination | TokenPurpose::FollowNomination)
    }

    /// A link the nominee follows, whose pages are in the nominee's language.
    pub fn is_for_nominee(self) -> bool {
        matches!(self, TokenPurpose::AnswerInvitation | TokenPurpose::AnswerNotice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> LinkKey {
        LinkKey::parse("a test key that is long enough for HMAC-SHA256").unwrap()
    }

    fn message(id: &str) -> MessageId {
        serde_json::from_value(serde_json::json!(id)).unwrap()
    }

    #[test]
    fn a_link_is_the_same_each_time_it_is_derived_and_recognised_by_its_hash() {
        let token = key().token(TokenPurpose::AnswerInvitation, &message("n.invitation.0"));
        assert_eq!(token.as_str().len(), TOKEN_LENGTH);
        assert_eq!(
            token,
            key().token(TokenPurpose::AnswerInvitation, &message("n.invitation.0"))
        );
        assert_eq!(TokenHash::of_presented(token.as_str()), Some(token.hash()));
        assert_ne!(token.hash().as_str(), token.as_str());
    }

    #[test]
    fn links_differ_by_message_purpose_and_key() {
        let token = key().token(TokenPurpose::AnswerInvitation, &message("n.invitation.0"));
        assert_ne!(
            token,
            key().token(TokenPurpose::AnswerInvitation, &message("n.invitation.1"))
        );
        assert_ne!(
            token,
            key().token(TokenPurpose::WithdrawNomination, &message("n.invitation.0"))
        );
        let other = LinkKey::parse("another key, also long enough for HMAC-SHA256").unwrap();
        assert_ne!(
            token,
            other.token(TokenPurpose::AnswerInvitation, &message("n.invitation.0"))
        );
    }

    #[test]
    fn a_short_link_key_is_refused() {
        assert_eq!(LinkKey::parse("too short").unwrap_err(), WeakLinkKey);
        assert_eq!(format!("{:?}", key()), "LinkKey(<secret>)");
    }

    #[test]
    fn anything_not_shaped_like_a_token_is_unknown() {
        assert_eq!(TokenHash::of_presented(""), None);
        assert_eq!(TokenHash::of_presented("short"), None);
        assert_eq!(TokenHash::of_presented(&"a/".repeat(22)[..43]), None);
    }

    #[test]
    fn a_verification_link_lasts_seventy_two_hours_and_an_invitation_as_configured() {
        let issued = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let validity = LinkValidity::with_invitation_days(45).unwrap();
        assert_eq!(
            validity.expires_at(TokenPurpose::VerifyNominatorEmail, issued) - issued,
            Duration::hours(72)
        );
        assert_eq!(validity.of(TokenPurpose::AnswerInvitation), Duration::days(45));
        assert_eq!(
            LinkValidity::default().of(TokenPurpose::AnswerInvitation),
            Duration::days(30)
        );
        assert_eq!(LinkValidity::with_invitation_days(0), Err(InvalidValidity));
    }
}
