use chrono::Utc;
use lambda_http::{Error, Request, service_fn};
use staff_console::{App, Config, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    // The identity provider's keys are fetched by the first sign-in that
    // needs them, not here: most requests carry a session instead.
    let app = App::from_config(&config, aws_sdk_dynamodb::Client::new(&aws))?;
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handle(app, request, Utc::now()).await)
    }))
    .await
}
