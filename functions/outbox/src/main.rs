// The runtime, SDK and handler futures nest deeper than the default limit.
#![recursion_limit = "256"]

use chrono::Utc;
use iln_adapters::secrets::Prefetched;
use iln_adapters::slack::BotToken;
use iln_domain::token::LinkKey;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use outbox::{App, Config, Deadline, Trigger};

// One thread. At the template's 256 MB Lambda gives a fraction of one vCPU:
// a second worker would not read the secrets beside init, only take turns
// with it. On one thread the read goes on while the runtime waits for its
// first event, and init is not kept waiting (docs/performance.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    // Both secrets in one call, read while init goes on: the first
    // invocation waits for them, init does not. The clients are built with
    // the app, once the secrets are there; nor is the table's connection
    // opened here: the first call pays that handshake, which init would pay
    // on every cold start (docs/performance.md, "Cold start").
    let names = [
        config.slack_bot_token_parameter.clone(),
        config.link_key_parameter.clone(),
    ];
    let sdk = aws.clone();
    let app = Prefetched::start(&aws, names, move |[bot_token, link_key]| {
        Ok(App::from_config(
            &config,
            aws_sdk_dynamodb::Client::new(&sdk),
            aws_sdk_ses::Client::new(&sdk),
            BotToken::new(bot_token),
            LinkKey::parse(&link_key)?,
        )?)
    });
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<serde_json::Value>| async move {
        let deadline = Deadline::at_epoch_millis(event.context.deadline);
        let trigger = Trigger::from_event(event.payload)?;
        outbox::run(app.get().await?, trigger, Utc::now(), deadline).await
    }))
    .await
}
