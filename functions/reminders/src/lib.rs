//! The daily run that keeps the process from stalling silently: expiries,
//! the vetting digest, reminders in ILN card threads.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, RunError, Summary, run};

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(config: &Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention_days(config.retention_days),
            thresholds: config.thresholds.clone(),
            vetters_address: config.vetters_address.clone(),
            rules: config.rules,
        }
    }
}
