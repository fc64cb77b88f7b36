use iln_adapters::config::{ConfigError, parsed, required};
use iln_domain::limits::SubmissionLimits;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How many submissions a source network and a nominator address may
    /// make per hour and per day.
    pub limits: SubmissionLimits,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let limit = |name: &'static str| parsed(name, str::parse::<u32>);
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
            table_name: required("TABLE_NAME")?,
            limits,
        })
    }
}
