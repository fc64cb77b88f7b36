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
    // Both secrets are read once per cold start, concurrently, and the
    // table's connection is opened meanwhile: the first click's
    // acknowledgement (3 s) then starts with it open.
    let table = iln_adapters::dynamodb::NominationTable::new(dynamodb.clone(), &config.table_name);
    let (secrets, ()) = tokio::join!(
        async {
            tokio::try_join!(
                iln_adapters::secrets::read(&aws, &config.slack_bot_token_parameter),
                iln_adapters::secrets::read(&aws, &config.slack_signing_secret_parameter),
            )
        },
        table.open_connection(),
    );
    let (bot_token, signing_secret) = secrets?;
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
