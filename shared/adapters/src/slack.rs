//! Calling Slack's Web API: posting and updating cards, ephemeral answers,
//! opening modals. Messages carry personal data: neither they nor the bot
//! token are ever logged or quoted in an error.
//!
//! `client` holds the connection, the token and the retry policy; `web_api`
//! the methods this service calls; `error` what Slack's answers mean.

mod client;
mod error;
mod web_api;

pub use client::{BotToken, SlackClient};
pub use error::SlackError;
pub use web_api::PostedMessage;

#[cfg(test)]
mod tests;
