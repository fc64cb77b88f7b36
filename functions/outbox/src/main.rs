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
    // Both secrets are read once per cold start, concurrently, and the
    // table's connection is opened meanwhile: every invocation starts by
    // claiming its message there.
    let table = iln_adapters::dynamodb::NominationTable::new(dynamodb.clone(), &config.table_name);
    let (secrets, ()) = tokio::join!(
        async {
            tokio::try_join!(
                iln_adapters::secrets::read(&aws, &config.slack_bot_token_parameter),
                iln_adapters::secrets::read(&aws, &config.link_key_parameter),
            )
        },
        table.open_connection(),
    );
    let (bot_token, link_key) = secrets?;
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
