use iln_adapters::config::{ConfigError, parsed, required};

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// Rationales shorter than this many characters are flagged as thin.
    pub thin_rationale_below: usize,
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Ok(Self {
            table_name: required("TABLE_NAME")?,
            thin_rationale_below: parsed("THIN_RATIONALE_BELOW", str::parse::<usize>)?,
        })
    }
}
