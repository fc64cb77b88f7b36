//! Slack's request signatures: `v0=` HMAC-SHA256 of `v0:{timestamp}:{raw
//! body}` with the app's signing secret. Checked before anything is parsed.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Slack's replay window: a request stamped further from now is refused.
pub const MAX_CLOCK_SKEW_SECONDS: u64 = 300;

/// Slack's signing secrets are 32 characters; anything shorter is a paste
/// gone wrong or a placeholder, and would make signatures guessable.
pub const SIGNING_SECRET_MIN_BYTES: usize = 32;

/// The app's signing secret, trimmed (a secret pasted into SSM often ends
/// in a newline) and long enough. Never printed.
#[derive(Clone)]
pub struct SigningSecret(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the Slack signing secret must be at least {SIGNING_SECRET_MIN_BYTES} characters long")]
pub struct WeakSigningSecret;

impl SigningSecret {
    pub fn parse(secret: &str) -> Result<Self, WeakSigningSecret> {
        let secret = secret.trim();
        if secret.len() < SIGNING_SECRET_MIN_BYTES {
            return Err(WeakSigningSecret);
        }
        Ok(Self(secret.as_bytes().to_vec()))
    }
}

impl std::fmt::Debug for SigningSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningSecret(<secret>)")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureRefused {
    #[error("the X-Slack-Request-Timestamp header is missing or not a number")]
    BadTimestamp,
    #[error("the request is stamped more than five minutes away from now")]
    Stale,
    #[error("the X-Slack-Signature header is missing or not a v0 signature")]
    BadSignatureHeader,
    #[error("the signature does not match the body")]
    Mismatch,
}

/// Accepts the request only if `signature` signs `timestamp` and the raw
/// `body` with `secret`, and the timestamp is within five minutes of `now`.
/// The comparison takes the same time wherever the signatures differ.
pub fn verify(
    secret: &SigningSecret,
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureRefused> {
    let timestamp = timestamp.ok_or(SignatureRefused::BadTimestamp)?;
    let stamped: i64 = timestamp.trim().parse().map_err(|_| SignatureRefused::BadTimestamp)?;
    // abs_diff: any i64 a sender writes, however far off, is a distance.
    if now.timestamp().abs_diff(stamped) > MAX_CLOCK_SKEW_SECONDS {
        return Err(SignatureRefused::Stale);
    }
    let hex = signature
        .and_then(|s| s.strip_prefix("v0="))
        .ok_or(SignatureRefused::BadSignatureHeader)?;
    let expected = decode_hex(hex).ok_or(SignatureRefused::BadSignatureHeader)?;
    mac(&secret.0, timestamp, body)
        .verify_slice(&expected)
        .map_err(|_| SignatureRefused::Mismatch)
}

/// The signature Slack would send: for the local stand-in and tests.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    let digest = mac(secret, timestamp, body).finalize().into_bytes();
    let hex: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
    format!("v0={hex}")
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).unwrap_or_else(|_| unreachable!());
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.len() != 64 || !hex.is_ascii() {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slack's published example ("Verifying requests from Slack").
    const SECRET_TEXT: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const SECRET: &[u8] = SECRET_TEXT.as_bytes();
    const TIMESTAMP: &str = "1531420618";
    const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_531_420_618 + seconds, 0).unwrap()
    }

    fn secret() -> SigningSecret {
        SigningSecret::parse(SECRET_TEXT).unwrap()
    }

    #[test]
    fn a_timestamp_at_the_ends_of_the_range_is_stale_not_an_overflow() {
        for timestamp in [i64::MIN.to_string(), i64::MAX.to_string()] {
            assert_eq!(
                verify(&secret(), Some(&timestamp), Some(SIGNATURE), BODY, at(0)),
                Err(SignatureRefused::Stale),
                "{timestamp}"
            );
        }
    }

    #[test]
    fn the_secret_is_trimmed_and_must_be_long_enough() {
        let pasted = SigningSecret::parse(&format!("  {SECRET_TEXT}\n")).unwrap();
        assert_eq!(verify(&pasted, Some(TIMESTAMP), Some(SIGNATURE), BODY, at(0)), Ok(()));
        assert_eq!(SigningSecret::parse("short").unwrap_err(), WeakSigningSecret);
        assert_eq!(
            SigningSecret::parse(&format!("{}\n", &SECRET_TEXT[..31])).unwrap_err(),
            WeakSigningSecret,
            "the newline does not count"
        );
        assert_eq!(format!("{:?}", secret()), "SigningSecret(<secret>)");
    }

    #[test]
    fn slacks_published_example_verifies_at_its_timestamp() {
        assert_eq!(sign(SECRET, TIMESTAMP, BODY), SIGNATURE);
        assert_eq!(verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), BODY, at(0)), Ok(()));
    }

    #[test]
    fn five_minutes_either_way_is_the_limit() {
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), BODY, at(300)),
            Ok(())
        );
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), BODY, at(-300)),
            Ok(())
        );
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), BODY, at(301)),
            Err(SignatureRefused::Stale)
        );
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), BODY, at(-301)),
            Err(SignatureRefused::Stale)
        );
    }

    #[test]
    fn one_flipped_body_byte_fails() {
        let mut body = BODY.to_vec();
        body[10] ^= 0x01;
        assert_eq!(
            verify(&secret(), Some(TIMESTAMP), Some(SIGNATURE), &body, at(0)),
            Err(SignatureRefused::Mismatch)
        );
    }

    #[test]
    fn missing_or_garbled_headers_fail() {
        let cases = [
            (None, Some(SIGNATURE), SignatureRefused::BadTimestamp),
            (Some("soon"), Some(SIGNATURE), SignatureRefused::BadTimestamp),
            (Some(TIMESTAMP), None, SignatureRefused::BadSignatureHeader),
            (
                Some(TIMESTAMP),
                Some("v1=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"),
                SignatureRefused::BadSignatureHeader,
            ),
            (Some(TIMESTAMP), Some("v0=zz"), SignatureRefused::BadSignatureHeader),
            (
                Some(TIMESTAMP),
                Some("v0=a2114d57"),
                SignatureRefused::BadSignatureHeader,
            ),
        ];
        for (timestamp, signature, refused) in cases {
            assert_eq!(
                verify(&secret(), timestamp, signature, BODY, at(0)),
                Err(refused),
                "{timestamp:?} {signature:?}"
            );
        }
    }
}
