//! Slack's side of the process: verified button clicks and modals, the
//! `/iln` command and the Events API challenge. Every request is verified
//! before anything in it is read; every answer goes out within Slack's three
//! seconds, its effects through the outbox.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};
