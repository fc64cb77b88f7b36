//! The daily run that keeps the process from stalling silently: expiries,
//! the vetting digest, reminders in ILN card threads.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, RunError, Summary, resume, run_scheduled};

/// A run stops this long before Lambda's deadline: time to save where it
/// stands even when its last action takes its SDK deadline of 8 s
/// (`iln_adapters::config::timeouts`).
const STOP_BEFORE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether another action fits before the invocation's deadline
/// (`deadline_ms`, milliseconds since the epoch, as Lambda gives it).
pub fn time_left_until(deadline_ms: u64) -> impl FnMut() -> bool + Send {
    iln_adapters::deadline::time_left_until(deadline_ms, STOP_BEFORE_DEADLINE)
}

/// The scheduled time the daily schedule's input carries (template.yaml:
/// `{"time": "<aws.scheduler.scheduled-time>"}`), so that a retried
/// invocation acts as of the same instant and sends nothing new.
pub fn scheduled_time(input: &serde_json::Value) -> Option<chrono::DateTime<chrono::Utc>> {
    let time = input.get("time")?.as_str()?;
    Some(
        chrono::DateTime::parse_from_rfc3339(time)
            .ok()?
            .with_timezone(&chrono::Utc),
    )
}

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(config: &Config, dynamodb: aws_sdk_dynamodb::Client) -> Self {
        Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention(config.retention),
            thresholds: config.thresholds.clone(),
            vetters_address: config.vetters_address.clone(),
            rules: config.rules,
        }
    }
}
