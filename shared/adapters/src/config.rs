//! Configuration read once per process, failing fast with the name of what
//! is missing.

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use iln_domain::EmailAddress;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

pub fn required(name: &'static str) -> Result<String, ConfigError> {
    match std::env::var(name) {
        Ok(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(ConfigError::Missing(name)),
    }
}

/// Parses a required variable with the domain's own parser.
pub fn parsed<T, E: std::fmt::Display>(
    name: &'static str,
    parse: impl FnOnce(&str) -> Result<T, E>,
) -> Result<T, ConfigError> {
    let raw = required(name)?;
    parse(&raw).map_err(|error| ConfigError::Invalid {
        name,
        reason: error.to_string(),
    })
}

/// The From address of every e-mail: `Name <address>` or a bare address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SenderAddress(String);

impl SenderAddress {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let address = match (raw.rfind('<'), raw.ends_with('>')) {
            (Some(open), true) => &raw[open + 1..raw.len() - 1],
            _ => raw,
        };
        EmailAddress::parse(address).map_err(|problem| problem.to_string())?;
        Ok(Self(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Days a closed nomination is kept (`RETENTION_DAYS`, default 365).
pub fn retention_days() -> Result<i64, ConfigError> {
    match std::env::var("RETENTION_DAYS") {
        Ok(raw) if !raw.trim().is_empty() => raw.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "RETENTION_DAYS",
            reason: "not a whole number of days".into(),
        }),
        _ => Ok(365),
    }
}

/// How long links work: `INVITATION_VALIDITY_DAYS` (default 30) for the
/// invitation, the rest fixed.
pub fn link_validity() -> Result<iln_domain::token::LinkValidity, ConfigError> {
    let days = match std::env::var("INVITATION_VALIDITY_DAYS") {
        Ok(raw) if !raw.trim().is_empty() => raw.trim().parse().map_err(|_| ConfigError::Invalid {
            name: "INVITATION_VALIDITY_DAYS",
            reason: "not a whole number of days".into(),
        })?,
        _ => iln_domain::token::LinkValidity::DEFAULT_INVITATION_DAYS,
    };
    iln_domain::token::LinkValidity::with_invitation_days(days).map_err(|error| ConfigError::Invalid {
        name: "INVITATION_VALIDITY_DAYS",
        reason: error.to_string(),
    })
}

/// AWS SDK configuration shared by every client of a process. Every call
/// has a deadline: a stuck endpoint must fail a request, not hang it.
/// Local endpoints come from the SDK's own `AWS_ENDPOINT_URL_<SERVICE>`.
pub async fn aws() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(timeouts())
        .load()
        .await
}

/// The deadlines of every AWS call (see [`aws`]).
pub fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_attempt_timeout(Duration::from_secs(3))
        .operation_timeout(Duration::from_secs(8))
        .build()
}

/// The deadlines of the Slack webhook's table calls. Slack waits 3 s for an
/// acknowledgement: with the 8 s above, a table that does not answer would
/// leave Slack with no answer at all; with these the webhook can still say
/// so (in about 2 s, one retry included).
pub fn slack_acknowledgement_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(500))
        .operation_attempt_timeout(Duration::from_secs(1))
        .operation_timeout(Duration::from_secs(2))
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sender_is_a_valid_address_with_an_optional_display_name() {
        assert!(SenderAddress::parse("ILN Nominations <nominations@example.org>").is_ok());
        assert!(SenderAddress::parse("nominations@example.org").is_ok());
        assert!(SenderAddress::parse("ILN <not an address>").is_err());
    }
}
