//! From confirmation to IMI International Leader: the nominee's invitation
//! page, accepting and declining, and the admin view of members with
//! derecognition.

mod config;
mod handler;
mod outbox_admin;

pub use config::Config;
pub use handler::{App, handle};

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(config: Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention(config.retention),
            config,
        }
    }
}
