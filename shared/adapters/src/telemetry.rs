//! Structured logs for CloudWatch. Never log a request body, a name, an
//! e-mail address or a token: log references and outcomes.

use tracing_subscriber::EnvFilter;

/// JSON lines, level from `RUST_LOG` (default `info`). Call once in `main`.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .with_ansi(false)
        .without_time() // Lambda stamps every line already.
        .init();
}

/// Human-readable logs for the local runner and tests, quiet unless
/// `RUST_LOG` asks.
pub fn init_for_humans(default_filter: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

/// An error with its whole cause chain on one line, for the log only: never
/// returned to a caller.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
