//! Delivers every message the table's stream announces, once: e-mail through
//! SES, cards and notes through Slack's Web API.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, SlackChannels, handle};
