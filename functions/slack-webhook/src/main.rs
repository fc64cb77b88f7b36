use chrono::Utc;
use iln_adapters::secrets::Prefetched;
use iln_adapters::slack::BotToken;
use iln_domain::slack::signature::SigningSecret;
use lambda_http::{Error, Request, service_fn};
use slack_webhook::{App, Config, handle};

// One thread. At the template's 256 MB Lambda gives a fraction of one vCPU:
// a second worker would not read the secrets beside init, only take turns
// with it. On one thread the read goes on while the runtime waits for its
// first event, and init is not kept waiting (docs/performance.md).
#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    // Both secrets in one call, read while init goes on: the first request
    // waits for them, init does not. The table's client is built with the
    // app, once the secrets are there; nor is its connection opened here:
    // the first call pays that handshake, which init would pay on every cold
    // start (docs/performance.md, "Cold start").
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(&aws)
        .timeout_config(iln_adapters::config::slack_acknowledgement_timeouts());
    let names = [
        config.slack_bot_token_parameter.clone(),
        config.slack_signing_secret_parameter.clone(),
    ];
    let app = Prefetched::start(&aws, names, move |[bot_token, signing_secret]| {
        Ok(App::from_config(
            &config,
            aws_sdk_dynamodb::Client::from_conf(dynamodb.clone().build()),
            BotToken::new(bot_token),
            // Trimmed and length-checked, as the link key is: a bad paste
            // fails every request with its reason in the log, not one
            // signature check after another.
            SigningSecret::parse(&signing_secret)?,
        )?)
    });
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, Error>(handle(app.get().await?, request, Utc::now()).await)
    }))
    .await
}
