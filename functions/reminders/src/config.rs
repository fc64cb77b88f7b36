use chrono::Duration;
use iln_adapters::config::{ConfigError, parsed, required};
use iln_domain::EmailAddress;
use iln_domain::reminders::Thresholds;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub thresholds: Thresholds,
    /// Where the vetting digest is mailed; none: the card only.
    pub vetters_address: Option<EmailAddress>,
    pub quorum: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let days = |name: &'static str| parsed(name, |raw: &str| raw.parse::<i64>().map(Duration::days));
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            thresholds: Thresholds {
                vetting_overdue: days("VETTING_OVERDUE_DAYS")?,
                discussion_overdue: days("DISCUSSION_OVERDUE_DAYS")?,
                invitation_unanswered: days("INVITATION_REMINDER_DAYS")?,
                links: iln_adapters::config::link_validity()?,
            },
            vetters_address: match std::env::var("VETTERS_ADDRESS").unwrap_or_default().trim() {
                "" => None,
                raw => Some(EmailAddress::parse(raw).map_err(|problem| ConfigError::Invalid {
                    name: "VETTERS_ADDRESS",
                    reason: problem.to_string(),
                })?),
            },
            quorum: parsed("CONFIRMATION_QUORUM", str::parse::<usize>)?,
        })
    }
}
