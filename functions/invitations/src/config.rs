use iln_adapters::config::{ConfigError, Variables};
use iln_domain::EmailAddress;
use iln_domain::vetters::InitialVetters;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    /// The version of the ILN terms a nominee consents to by accepting.
    pub terms_version: String,
    pub slack_join_url: String,
    /// IMI's Independent Advisory Committee, for referred derecognitions.
    pub iac_address: EmailAddress,
    /// Where a nominee with an expired invitation asks for a new one.
    pub contact_address: EmailAddress,
    /// The deployment's vetters: the staff list until an admin first
    /// changes it, which then starts from them.
    pub initial_vetters: InitialVetters,
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
            terms_version: variables.required("TERMS_VERSION")?,
            slack_join_url: variables.required("SLACK_JOIN_URL")?,
            iac_address: variables.parsed("IAC_ADDRESS", EmailAddress::parse)?,
            contact_address: variables.parsed("CONTACT_ADDRESS", EmailAddress::parse)?,
            initial_vetters: InitialVetters::parse(&variables.optional("SLACK_VETTERS").unwrap_or_default()).map_err(
                |error| ConfigError::Invalid {
                    name: "SLACK_VETTERS",
                    reason: error.to_string(),
                },
            )?,
        })
    }
}
