use iln_adapters::config::{ConfigError, parsed, required};
use iln_domain::EmailAddress;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// The version of the ILN terms a nominee consents to by accepting.
    pub terms_version: String,
    pub slack_join_url: String,
    /// IMI's Independent Advisory Committee, for referred derecognitions.
    pub iac_address: EmailAddress,
    /// Where a nominee with an expired invitation asks for a new one.
    pub contact_address: EmailAddress,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            terms_version: required("TERMS_VERSION")?,
            slack_join_url: required("SLACK_JOIN_URL")?,
            iac_address: parsed("IAC_ADDRESS", EmailAddress::parse)?,
            contact_address: parsed("CONTACT_ADDRESS", EmailAddress::parse)?,
        })
    }
}
