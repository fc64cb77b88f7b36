//! Delivers every message the table's stream announces, once: e-mail through
//! SES, cards and notes through Slack's Web API. A schedule sweeps up what
//! the stream did not deliver; SES's bounce and complaint events come back
//! here through SNS.

mod config;
mod handler;
mod mail_events;
mod trigger;

pub use config::Config;
pub use handler::{App, Deadline, Outcome, SlackChannels, SweepSummary, deliver, handle, sweep};
pub use mail_events::{MailEventsSummary, handle_mail_events};
pub use trigger::{Trigger, run};

impl App {
    /// The function's state from its settings, its clients and the secrets
    /// read at cold start: built the same way on Lambda, in the local runner
    /// and in the tests.
    pub fn from_config(
        config: &Config,
        dynamodb: aws_sdk_dynamodb::Client,
        ses: aws_sdk_ses::Client,
        bot_token: iln_adapters::slack::BotToken,
        link_key: iln_domain::token::LinkKey,
    ) -> Result<Self, iln_adapters::slack::SlackError> {
        Ok(Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention(config.retention),
            mailer: iln_adapters::ses::SesMailer::new(ses, config.sender.clone())
                .with_configuration_set(config.configuration_set.clone()),
            slack: iln_adapters::slack::SlackClient::new(&config.slack_api_url, bot_token)?,
            channels: config.channels.clone(),
            languages: config.languages,
            confirmations_needed: config.confirmations_needed,
            links: iln_domain::message::MailLinks {
                base_url: config.public_base_url.clone(),
                key: link_key,
                validity: config.link_validity,
                policies: config.policies.clone(),
            },
            thin_rationale_below: config.thin_rationale_below,
        })
    }
}
