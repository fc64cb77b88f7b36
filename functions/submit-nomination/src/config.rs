use iln_adapters::config::{ConfigError, Variables};
use iln_domain::limits::SubmissionLimits;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    /// How many submissions a source network and a nominator address may
    /// make per hour and per day.
    pub limits: SubmissionLimits,
    /// What `/privacy` names.
    pub policies: iln_domain::pages::PolicyLinks,
    /// The discussion a nominee's agreement opens (`NomineeConsent`).
    pub rules: iln_domain::discussion::DiscussionRules,
}

impl Config {
    /// The settings named by template.yaml, wherever their values come
    /// from: the process environment on AWS (`iln_adapters::config::environment`),
    /// the template itself locally.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables::new(lookup);
        let limit = |name: &'static str| variables.parsed(name, str::parse::<u32>);
        let limits = SubmissionLimits::new(
            limit("SUBMISSIONS_PER_SOURCE_PER_HOUR")?,
            limit("SUBMISSIONS_PER_SOURCE_PER_DAY")?,
            limit("SUBMISSIONS_PER_ADDRESS_PER_HOUR")?,
            limit("SUBMISSIONS_PER_ADDRESS_PER_DAY")?,
        )
        .map_err(|error| ConfigError::Invalid {
            name: "SUBMISSIONS_PER_*",
            reason: error.to_string(),
        })?;
        Ok(Self {
            table_name: variables.required("TABLE_NAME")?,
            retention: variables.retention()?,
            limits,
            policies: variables.policy_links()?,
            rules: variables.discussion_rules()?,
        })
    }
}
