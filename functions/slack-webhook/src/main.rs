use chrono::Utc;
use iln_adapters::slack::BotToken;
use iln_domain::slack::signature::SigningSecret;
use lambda_http::{Error, Request, service_fn};
use slack_webhook::{App, Config, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    let dynamodb = aws_sdk_dynamodb::config::Builder::from(&aws)
        .timeout_config(iln_adapters::config::slack_acknowledgement_timeouts())
        .build();
    let dynamodb = aws_sdk_dynamodb::Client::from_conf(dynamodb);
    // Read once per cold start, in one call. The table's connection is not
    // opened here: the first request pays that handshake, which init would
    // pay on every cold start (docs/performance.md, "Cold start").
    let [bot_token, signing_secret] = iln_adapters::secrets::read(
        &aws,
        [
            &config.slack_bot_token_parameter,
            &config.slack_signing_secret_parameter,
        ],
    )
    .await?;
    let app = App::from_config(
        &config,
        dynamodb,
        BotToken::new(bot_token),
        // Trimmed and length-checked, as the link key is: a bad paste fails
        // the cold start instead of every request.
        SigningSecret::parse(&signing_secret)?,
    )?;
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handle(app, request, Utc::now()).await)
    }))
    .await
}
