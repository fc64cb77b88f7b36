//! From confirmation to IMI International Leader: the nominee's invitation
//! page, accepting and declining, and the admin view of members with
//! derecognition.

mod config;
mod handler;
mod outbox_admin;

pub use config::Config;
pub use handler::{App, handle};
