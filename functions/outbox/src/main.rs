// The runtime, SDK and handler futures nest deeper than the default limit.
#![recursion_limit = "256"]

use chrono::Utc;
use iln_adapters::dynamodb::NominationTable;
use iln_adapters::ses::SesMailer;
use iln_adapters::slack::SlackClient;
use iln_domain::message::MailLinks;
use iln_domain::token::LinkKey;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use outbox::{App, Config, Deadline, Trigger};

#[tokio::main]
async fn main() -> Result<(), Error> {
    iln_adapters::telemetry::init();
    let config = Config::from_env()?;
    let aws = iln_adapters::config::aws().await;
    // Both secrets are read once per cold start, concurrently.
    let (bot_token, link_key) = tokio::try_join!(
        iln_adapters::secrets::read(&aws, &config.slack_bot_token_parameter),
        iln_adapters::secrets::read(&aws, &config.link_key_parameter),
    )?;
    let app = App {
        table: NominationTable::new(aws_sdk_dynamodb::Client::new(&aws), &config.table_name)
            .with_retention_days(iln_adapters::config::retention_days()?),
        mailer: SesMailer::new(aws_sdk_ses::Client::new(&aws), config.sender.clone())
            .with_configuration_set(config.configuration_set.clone()),
        slack: SlackClient::new(&config.slack_api_url, bot_token.into())?,
        channels: config.channels.clone(),
        links: MailLinks {
            base_url: config.public_base_url.clone(),
            key: LinkKey::parse(&link_key)?,
            validity: config.link_validity,
        },
        thin_rationale_below: config.thin_rationale_below,
    };
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = Deadline::at_epoch_millis(event.context.deadline);
        let trigger = Trigger::from_event(event.payload)?;
        outbox::run(app, trigger, Utc::now(), deadline).await
    }))
    .await
}
