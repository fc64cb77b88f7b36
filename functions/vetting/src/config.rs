use iln_adapters::config::{ConfigError, Variables};

/// What this function reads from its environment, once per process.
#[derive(Debug, Clone)]
pub struct Config {
    pub table_name: String,
    /// How long closed nominations are kept before TTL removes them.
    pub retention: iln_domain::retention::Retention,
    /// Rationales shorter than this many characters are flagged as thin.
    pub thin_rationale_below: usize,
    pub rules: iln_domain::discussion::DiscussionRules,
    pub iac_address: iln_domain::EmailAddress,
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
            thin_rationale_below: variables.parsed("THIN_RATIONALE_BELOW", str::parse::<usize>)?,
            rules: variables.discussion_rules()?,
            iac_address: variables.parsed("IAC_ADDRESS", iln_domain::EmailAddress::parse)?,
        })
    }
}
