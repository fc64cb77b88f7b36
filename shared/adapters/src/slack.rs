//! Calling Slack's Web API: posting and updating cards, ephemeral answers,
//! opening modals, who a user is, the ILN channel's membership. Messages
//! and addresses are personal data: neither they nor the bot token are ever
//! logged or quoted in an error.
//!
//! `client` holds the connection, the token and the retry policy; `web_api`
//! the messaging methods this service calls; `users` the users and channel
//! membership methods; `error` what Slack's answers mean.

mod client;
mod error;
mod users;
mod web_api;

pub use client::{BotToken, SlackClient};
pub use error::SlackError;
pub use users::{MembershipChange, SlackUser};
pub use web_api::PostedMessage;

#[cfg(test)]
mod tests;
