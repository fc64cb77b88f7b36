//! The IMI staff side of vetting: the queue, a nomination's file with its
//! findings, decisions, and the roster import.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(config: &Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention(config.retention),
            thin_rationale_below: config.thin_rationale_below,
            rules: config.rules,
            iac_address: config.iac_address.clone(),
        }
    }
}
