use iln_adapters::config::{ConfigError, SenderAddress, parsed, required};
use iln_domain::pages::PublicBaseUrl;

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    pub sender: SenderAddress,
    pub public_base_url: PublicBaseUrl,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            sender: parsed("SENDER_ADDRESS", SenderAddress::parse)?,
            public_base_url: parsed("PUBLIC_BASE_URL", PublicBaseUrl::parse)?,
        })
    }
}
