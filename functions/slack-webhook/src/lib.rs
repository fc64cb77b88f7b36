//! Slack's side of the process: verified button clicks and modals, the
//! `/iln` command and the Events API challenge. Every request is verified
//! before anything in it is read; every answer goes out within Slack's three
//! seconds, its effects through the outbox.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};

impl App {
    /// The function's state from its settings and the secrets read at cold
    /// start: built the same way on Lambda, in the local runner and in the
    /// tests.
    pub fn from_config(
        config: &Config,
        dynamodb: aws_sdk_dynamodb::Client,
        bot_token: iln_adapters::slack::BotToken,
        signing_secret: iln_domain::slack::signature::SigningSecret,
    ) -> Result<Self, iln_adapters::slack::SlackError> {
        let table =
            iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name).with_retention(config.retention);
        let slack = iln_adapters::slack::SlackClient::new(&config.slack_api_url, bot_token)?;
        Ok(Self {
            people: iln_adapters::slack_people::SlackPeople::new(
                table.clone(),
                slack.clone(),
                config.initial_vetters.clone(),
            ),
            table,
            slack,
            signing_secret,
            rules: config.rules,
            iac_address: config.iac_address.clone(),
            languages: config.languages,
        })
    }
}
