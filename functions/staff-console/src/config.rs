use iln_adapters::config::{ConfigError, Variables};
use iln_adapters::identity_provider::IdentityProviderConfig;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub retention: iln_domain::retention::Retention,
    pub thin_rationale_below: usize,
    pub rules: iln_domain::discussion::DiscussionRules,
    /// The console's own address: the identity provider returns here.
    pub public_base_url: iln_domain::pages::PublicBaseUrl,
    /// Signs a direct invitation when the admin's token has no address.
    pub contact_address: iln_domain::EmailAddress,
    /// The Independent Advisory Committee, for referred derecognitions.
    pub iac_address: iln_domain::EmailAddress,
    pub identity_provider: IdentityProviderConfig,
    /// Where the file links the nomination's cards; unset, it names them only.
    pub slack_workspace: Option<iln_domain::slack::SlackWorkspace>,
}

impl Config {
    /// The settings named by template.yaml, wherever their values come
    /// from: the process environment on AWS, the template itself locally.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let variables = Variables::new(lookup);
        Ok(Self {
            table_name: variables.required("TABLE_NAME")?,
            retention: variables.retention()?,
            thin_rationale_below: variables.parsed("THIN_RATIONALE_BELOW", str::parse::<usize>)?,
            rules: variables.discussion_rules()?,
            public_base_url: variables.parsed("PUBLIC_BASE_URL", iln_domain::pages::PublicBaseUrl::parse)?,
            contact_address: variables.parsed("CONTACT_ADDRESS", iln_domain::EmailAddress::parse)?,
            iac_address: variables.parsed("IAC_ADDRESS", iln_domain::EmailAddress::parse)?,
            identity_provider: IdentityProviderConfig {
                sign_in_url: variables.required("STAFF_SIGN_IN_URL")?,
                issuer: variables.required("STAFF_ISSUER")?,
                client_id: variables.required("CONSOLE_CLIENT_ID")?,
            },
            slack_workspace: variables
                .parsed_if_set("SLACK_WORKSPACE_URL", iln_domain::slack::SlackWorkspace::parse)?,
        })
    }
}
