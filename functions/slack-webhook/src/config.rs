use iln_adapters::config::{ConfigError, Variables};
use iln_domain::slack::ChannelLanguages;
use iln_domain::vetters::InitialVetters;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    pub slack_api_url: String,
    /// SSM SecureString names: the values never sit in the environment.
    pub slack_bot_token_parameter: String,
    pub slack_signing_secret_parameter: String,
    /// The deployment's vetters, in force until an admin first changes the
    /// staff list. Who may confirm comes from the table alone.
    pub initial_vetters: InitialVetters,
    pub rules: iln_domain::discussion::DiscussionRules,
    pub iac_address: iln_domain::EmailAddress,
    /// The language of each channel: private replies, modals and `/iln`
    /// answers fall back to it.
    pub languages: ChannelLanguages,
}

impl Config {
    /// The settings named by template.yaml, wherever their values come
    /// from: the process environment on AWS (`iln_adapters::config::environment`),
    /// the template itself locally.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables::new(lookup);
        // Empty is valid: nobody vets until an admin lists someone.
        let initial_vetters = variables.optional("SLACK_VETTERS").unwrap_or_default();
        Ok(Self {
            table_name: variables.required("TABLE_NAME")?,
            retention: variables.retention()?,
            slack_api_url: variables.required("SLACK_API_URL")?,
            slack_bot_token_parameter: variables.required("SLACK_BOT_TOKEN_PARAMETER")?,
            slack_signing_secret_parameter: variables.required("SLACK_SIGNING_SECRET_PARAMETER")?,
            initial_vetters: InitialVetters::parse(&initial_vetters).map_err(|error| ConfigError::Invalid {
                name: "SLACK_VETTERS",
                reason: error.to_string(),
            })?,
            rules: variables.discussion_rules()?,
            iac_address: variables.parsed("IAC_ADDRESS", iln_domain::EmailAddress::parse)?,
            languages: variables.channel_languages()?,
        })
    }
}
