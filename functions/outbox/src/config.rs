use iln_adapters::config::link_validity;
use iln_adapters::config::{ConfigError, SenderAddress, parsed, required};
use iln_domain::pages::PublicBaseUrl;
use iln_domain::token::LinkValidity;

use crate::handler::SlackChannels;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub sender: SenderAddress,
    pub public_base_url: PublicBaseUrl,
    pub slack_api_url: String,
    /// Name of the SSM SecureString holding the bot token (never the token).
    pub slack_bot_token_parameter: String,
    /// Name of the SSM SecureString holding the key links are derived from.
    pub link_key_parameter: String,
    pub channels: SlackChannels,
    pub thin_rationale_below: usize,
    pub link_validity: LinkValidity,
    /// The SES configuration set whose events report bounces and complaints.
    pub configuration_set: Option<String>,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            sender: parsed("SENDER_ADDRESS", SenderAddress::parse)?,
            public_base_url: parsed("PUBLIC_BASE_URL", PublicBaseUrl::parse)?,
            slack_api_url: required("SLACK_API_URL")?,
            slack_bot_token_parameter: required("SLACK_BOT_TOKEN_PARAMETER")?,
            link_key_parameter: required("LINK_KEY_PARAMETER")?,
            channels: SlackChannels {
                vetting: required("SLACK_VETTING_CHANNEL")?,
                iln: required("SLACK_ILN_CHANNEL")?,
            },
            thin_rationale_below: parsed("THIN_RATIONALE_BELOW", str::parse::<usize>)?,
            link_validity: link_validity()?,
            configuration_set: std::env::var("SES_CONFIGURATION_SET")
                .ok()
                .filter(|name| !name.is_empty()),
        })
    }
}
