//! The IMI staff side of vetting: the queue, a nomination's file with its
//! findings, decisions, and the roster import.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};
