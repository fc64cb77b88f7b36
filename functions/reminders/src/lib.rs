//! The daily run that keeps the process from stalling silently: expiries,
//! the vetting digest, reminders in ILN card threads.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, RunError, Summary, resume, run, run_scheduled};

/// A run stops this long before Lambda's deadline: time to save where it
/// stands even when its last action takes its SDK deadline of 8 s
/// (`iln_adapters::config::timeouts`).
const STOP_BEFORE_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// Whether another action fits before the invocation's deadline
/// (`deadline_ms`, milliseconds since the epoch, as Lambda gives it).
pub fn time_left_until(deadline_ms: u64) -> impl FnMut() -> bool + Send {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_millis();
    let remaining =
        std::time::Duration::from_millis(u64::try_from(u128::from(deadline_ms).saturating_sub(now_ms)).unwrap_or(0));
    let stop_at = std::time::Instant::now() + remaining.saturating_sub(STOP_BEFORE_DEADLINE);
    move || std::time::Instant::now() < stop_at
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
