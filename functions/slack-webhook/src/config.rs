use iln_adapters::config::{ConfigError, parsed, required};
use iln_domain::confirmation::SlackPermissions;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub slack_api_url: String,
    /// SSM SecureString names: the values never sit in the environment.
    pub slack_bot_token_parameter: String,
    pub slack_signing_secret_parameter: String,
    pub permissions: SlackPermissions,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let quorum = parsed("CONFIRMATION_QUORUM", str::parse::<usize>)?;
        let vetters = std::env::var("SLACK_VETTERS").unwrap_or_default();
        let confirmers = std::env::var("SLACK_CONFIRMERS").unwrap_or_default();
        let members = std::env::var("SLACK_MEMBERS").unwrap_or_default();
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            slack_api_url: required("SLACK_API_URL")?,
            slack_bot_token_parameter: required("SLACK_BOT_TOKEN_PARAMETER")?,
            slack_signing_secret_parameter: required("SLACK_SIGNING_SECRET_PARAMETER")?,
            permissions: SlackPermissions::parse(&vetters, &confirmers, quorum)
                .and_then(|permissions| permissions.with_members(&members))
                .map_err(|error| ConfigError::Invalid {
                    name: "SLACK_VETTERS/SLACK_CONFIRMERS/SLACK_MEMBERS",
                    reason: error.to_string(),
                })?,
        })
    }
}
