//! The public side of intake: the form, `POST /nominations`, the nominator's
//! verification link and the privacy notice.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(config: &Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self::with_table(
            iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name).with_retention(config.retention),
            config,
        )
    }
}
