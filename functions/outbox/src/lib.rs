//! Delivers every message the table's stream announces, once: e-mail through
//! SES now, Slack in later functions' messages.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};
