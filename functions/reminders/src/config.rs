use chrono::Duration;
use iln_adapters::config::{ConfigError, Variables};
use iln_domain::EmailAddress;
use iln_domain::reminders::Thresholds;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    pub thresholds: Thresholds,
    /// Where the vetting digest is mailed; none: the card only.
    pub vetters_address: Option<EmailAddress>,
    pub rules: iln_domain::discussion::DiscussionRules,
}

impl Config {
    /// The settings named by template.yaml, wherever their values come
    /// from: the process environment on AWS (`iln_adapters::config::environment`),
    /// the template itself locally.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables::new(lookup);
        let days = |name: &'static str| variables.parsed(name, |raw: &str| raw.parse::<i64>().map(Duration::days));
        Ok(Self {
            table_name: variables.required("TABLE_NAME")?,
            retention: variables.retention()?,
            thresholds: Thresholds {
                vetting_overdue: days("VETTING_OVERDUE_DAYS")?,
                discussion_overdue: days("DISCUSSION_OVERDUE_DAYS")?,
                invitation_unanswered: days("INVITATION_REMINDER_DAYS")?,
                links: variables.link_validity()?,
            },
            vetters_address: variables.parsed_if_set("VETTERS_ADDRESS", EmailAddress::parse)?,
            rules: variables.discussion_rules()?,
        })
    }
}
