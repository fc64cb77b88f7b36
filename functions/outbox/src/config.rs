use iln_adapters::config::{ConfigError, SenderAddress, Variables};
use iln_domain::pages::PublicBaseUrl;
use iln_domain::slack::ChannelLanguages;
use iln_domain::token::LinkValidity;

use crate::handler::SlackChannels;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    pub sender: SenderAddress,
    pub public_base_url: PublicBaseUrl,
    pub slack_api_url: String,
    /// Name of the SSM SecureString holding the bot token (never the token).
    pub slack_bot_token_parameter: String,
    /// Name of the SSM SecureString holding the key links are derived from.
    pub link_key_parameter: String,
    pub channels: SlackChannels,
    /// The language cards, notes and digests are written in, per channel.
    pub languages: ChannelLanguages,
    /// How many confirmations a card shows as needed.
    pub confirmations_needed: usize,
    pub thin_rationale_below: usize,
    pub link_validity: LinkValidity,
    /// What the privacy texts in mail name.
    pub policies: iln_domain::pages::PolicyLinks,
    /// The SES configuration set whose events report bounces and complaints.
    pub configuration_set: Option<String>,
}

impl Config {
    /// The settings named by template.yaml, wherever their values come
    /// from: the process environment on AWS (`iln_adapters::config::environment`),
    /// the template itself locally.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables::new(lookup);
        Ok(Self {
            table_name: variables.required("TABLE_NAME")?,
            retention: variables.retention()?,
            sender: variables.parsed("SENDER_ADDRESS", SenderAddress::parse)?,
            public_base_url: variables.parsed("PUBLIC_BASE_URL", PublicBaseUrl::parse)?,
            slack_api_url: variables.required("SLACK_API_URL")?,
            slack_bot_token_parameter: variables.required("SLACK_BOT_TOKEN_PARAMETER")?,
            link_key_parameter: variables.required("LINK_KEY_PARAMETER")?,
            channels: SlackChannels {
                vetting: variables.required("SLACK_VETTING_CHANNEL")?,
                iln: variables.required("SLACK_ILN_CHANNEL")?,
            },
            languages: variables.channel_languages()?,
            confirmations_needed: variables.discussion_rules()?.needed(),
            thin_rationale_below: variables.parsed("THIN_RATIONALE_BELOW", str::parse::<usize>)?,
            link_validity: variables.link_validity()?,
            policies: variables.policy_links()?,
            configuration_set: variables.optional("SES_CONFIGURATION_SET"),
        })
    }
}
