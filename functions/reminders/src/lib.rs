//! The daily run that keeps the process from stalling silently: expiries,
//! the vetting digest, reminders in ILN card threads.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, RunError, Summary, run};
