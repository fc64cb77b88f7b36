//! Configuration read once per process, failing fast with the name of what
//! is missing.

use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use iln_domain::EmailAddress;
use iln_domain::nomination::Link;
use iln_domain::pages::PolicyLinks;
use iln_domain::retention::Retention;
use iln_domain::slack::{ChannelLanguage, ChannelLanguages};
use iln_domain::token::LinkValidity;
use std::time::Duration;

/// A function's variables as Lambda sets them: the process environment.
pub fn environment(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} is not set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

/// A function's settings by name: the process environment on Lambda, the
/// environment template.yaml declares for it in the local runner and the
/// tests. An empty value counts as unset: CloudFormation passes an empty
/// parameter as "".
pub struct Variables<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Variables<F> {
    pub fn new(lookup: F) -> Self {
        Self { lookup }
    }

    pub fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name).filter(|value| !value.trim().is_empty())
    }

    pub fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.optional(name).ok_or(ConfigError::Missing(name))
    }

    /// Parses a required variable with the domain's own parser.
    pub fn parsed<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<T, ConfigError> {
        let raw = self.required(name)?;
        parse(&raw).map_err(|error| invalid(name, error))
    }

    /// Parses a variable that may be unset or empty.
    pub fn parsed_if_set<T, E: std::fmt::Display>(
        &self,
        name: &'static str,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Result<Option<T>, ConfigError> {
        self.optional(name)
            .map(|raw| parse(raw.trim()).map_err(|error| invalid(name, error)))
            .transpose()
    }

    /// How long a closed nomination is kept: `RETENTION_DAYS`, and
    /// `CLOSED_BEFORE_DISCUSSION_RETENTION_DAYS` for one the ILN never saw.
    pub fn retention(&self) -> Result<Retention, ConfigError> {
        let days = |name: &'static str| {
            self.parsed(name, |raw| {
                raw.trim().parse::<i64>().map_err(|_| "not a whole number of days")
            })
        };
        Retention::new(
            days("RETENTION_DAYS")?,
            days("CLOSED_BEFORE_DISCUSSION_RETENTION_DAYS")?,
        )
        .map_err(|error| invalid("CLOSED_BEFORE_DISCUSSION_RETENTION_DAYS", error))
    }

    /// What every privacy text names: `CONTACT_ADDRESS`,
    /// `PRIVACY_POLICY_URL`, `TERMS_OF_USE_URL`, and the retention.
    pub fn policy_links(&self) -> Result<PolicyLinks, ConfigError> {
        Ok(PolicyLinks {
            contact: self.parsed("CONTACT_ADDRESS", EmailAddress::parse)?,
            privacy_policy: self.parsed("PRIVACY_POLICY_URL", Link::parse)?,
            terms_of_use: self.parsed("TERMS_OF_USE_URL", Link::parse)?,
            retention: self.retention()?,
        })
    }

    /// How the ILN confirms: `CONFIRMATION_MODE`, `CONFIRMATION_QUORUM`,
    /// `MINIMUM_CONFIRMATIONS` and `DISCUSSION_DAYS`.
    pub fn discussion_rules(&self) -> Result<iln_domain::discussion::DiscussionRules, ConfigError> {
        let whole =
            |name: &'static str| self.parsed(name, |raw| raw.trim().parse::<i64>().map_err(|_| "not a whole number"));
        let count = |name: &'static str| {
            whole(name).and_then(|value| usize::try_from(value).map_err(|_| invalid(name, "negative")))
        };
        let mode = self.required("CONFIRMATION_MODE")?;
        iln_domain::discussion::DiscussionRules::parse(
            &mode,
            count("CONFIRMATION_QUORUM")?,
            count("MINIMUM_CONFIRMATIONS")?,
            whole("DISCUSSION_DAYS")?,
        )
        .map_err(|error| invalid("CONFIRMATION_MODE", error))
        .and_then(|rules| Ok(rules.with_nominee_consent(self.nominee_consent()?)))
    }

    /// `NOMINEE_CONSENT`: whether the ILN waits for the nominee's agreement
    /// (`true`) or only for the notice to reach them (`false`, the default).
    pub fn nominee_consent(&self) -> Result<bool, ConfigError> {
        Ok(self
            .parsed_if_set("NOMINEE_CONSENT", |raw| match raw.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err("not true or false"),
            })?
            .unwrap_or(false))
    }

    /// How long links work: `INVITATION_VALIDITY_DAYS` for the invitation,
    /// the rest fixed by the process.
    pub fn link_validity(&self) -> Result<LinkValidity, ConfigError> {
        self.parsed("INVITATION_VALIDITY_DAYS", |raw| match raw.trim().parse::<i64>() {
            Ok(days) => LinkValidity::with_invitation_days(days).map_err(|error| error.to_string()),
            Err(_) => Err("not a whole number of days".to_owned()),
        })
    }

    /// The language each Slack channel is written in
    /// (`SLACK_VETTING_LANGUAGE`, `SLACK_ILN_LANGUAGE`: `en`, `es` or `both`).
    pub fn channel_languages(&self) -> Result<ChannelLanguages, ConfigError> {
        Ok(ChannelLanguages {
            vetting: self.parsed("SLACK_VETTING_LANGUAGE", ChannelLanguage::parse)?,
            iln: self.parsed("SLACK_ILN_LANGUAGE", ChannelLanguage::parse)?,
        })
    }
}

fn invalid(name: &'static str, reason: impl std::fmt::Display) -> ConfigError {
    ConfigError::Invalid {
        name,
        reason: reason.to_string(),
    }
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

    fn variables(pairs: &[(&str, &str)]) -> Variables<impl Fn(&str) -> Option<String>> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Variables::new(move |name: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        })
    }

    #[test]
    fn an_empty_variable_is_missing_and_a_bad_one_is_named() {
        let variables = variables(&[("EMPTY", " "), ("DAYS", "many"), ("INVITATION_VALIDITY_DAYS", "400")]);

        assert!(matches!(
            variables.required("EMPTY"),
            Err(ConfigError::Missing("EMPTY"))
        ));
        assert!(matches!(
            variables.required("UNSET"),
            Err(ConfigError::Missing("UNSET"))
        ));
        assert!(matches!(variables.parsed_if_set("EMPTY", str::parse::<u32>), Ok(None)));
        assert!(matches!(
            variables.parsed_if_set("DAYS", str::parse::<u32>),
            Err(ConfigError::Invalid { name: "DAYS", .. })
        ));
        assert!(matches!(
            variables.link_validity(),
            Err(ConfigError::Invalid {
                name: "INVITATION_VALIDITY_DAYS",
                ..
            })
        ));
    }
}
