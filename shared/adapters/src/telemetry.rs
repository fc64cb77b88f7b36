//! Logs. The functions use the Lambda runtime's own subscriber
//! (`lambda_runtime::tracing::init_default_subscriber`), which follows the
//! function's log format and level controls. Never log a request body, a
//! name, an e-mail address or a token: log references and outcomes.

use tracing::level_filters::LevelFilter;
use tracing_subscriber::EnvFilter;

/// A TRACE log level: at trace the Lambda runtime logs every raw event it
/// receives, i.e. the personal data in forms, clicks and stream records.
#[derive(thiserror::Error)]
#[error(
    "the log level is TRACE, at which the Lambda runtime logs every raw event (personal data); \
     set the function's application log level to DEBUG at most"
)]
pub struct RawEventLogging;

/// The sentence itself: `main` returning this error prints its `Debug`.
impl std::fmt::Debug for RawEventLogging {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(self, formatter)
    }
}

/// Refuses to start when the subscriber in place lets TRACE through; call
/// right after setting it up, before the first event is read.
pub fn refuse_raw_event_logging() -> Result<(), RawEventLogging> {
    refuse_trace(LevelFilter::current())
}

fn refuse_trace(level: LevelFilter) -> Result<(), RawEventLogging> {
    match level {
        LevelFilter::TRACE => Err(RawEventLogging),
        _ => Ok(()),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trace_is_refused() {
        assert!(refuse_trace(LevelFilter::TRACE).is_err());
        for level in [
            LevelFilter::DEBUG,
            LevelFilter::INFO,
            LevelFilter::WARN,
            LevelFilter::OFF,
        ] {
            assert!(refuse_trace(level).is_ok(), "{level} was refused");
        }
    }
}
