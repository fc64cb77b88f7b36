use chrono::Utc;
use invitations::{App, Config, handle};
use lambda_http::{Error, Request, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::tracing::init_default_subscriber();
    iln_adapters::telemetry::refuse_raw_event_logging()?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    let aws = iln_adapters::config::aws().await;
    let app = App::from_config(config, aws_sdk_dynamodb::Client::new(&aws));
    let app = &app;
    lambda_http::run(service_fn(move |request: Request| async move {
        Ok::<_, std::convert::Infallible>(handle(app, request, Utc::now()).await)
    }))
    .await
}
