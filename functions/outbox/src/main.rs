// The runtime, SDK and handler futures nest deeper than the default limit.
#![recursion_limit = "256"]

use chrono::Utc;
use iln_adapters::slack::BotToken;
use iln_domain::token::LinkKey;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use outbox::{App, Config, Deadline, Trigger};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    let dynamodb = aws_sdk_dynamodb::Client::new(&aws);
    // Read once per cold start, in one call. The table's connection is not
    // opened here: the first request pays that handshake, which init would
    // pay on every cold start (docs/performance.md, "Cold start").
    let [bot_token, link_key] =
        iln_adapters::secrets::read(&aws, [&config.slack_bot_token_parameter, &config.link_key_parameter]).await?;
    let app = App::from_config(
        &config,
        dynamodb,
        aws_sdk_ses::Client::new(&aws),
        BotToken::new(bot_token),
        LinkKey::parse(&link_key)?,
    )?;
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = Deadline::at_epoch_millis(event.context.deadline);
        let trigger = Trigger::from_event(event.payload)?;
        outbox::run(app, trigger, Utc::now(), deadline).await
    }))
    .await
}
