// The runtime, SDK and handler futures nest deeper than the default limit.
#![recursion_limit = "256"]

use aws_lambda_events::event::dynamodb::Event;
use chrono::Utc;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use outbox::{App, Config, handle};

#[tokio::main]
async fn main() -> Result<(), Error> {
    iln_adapters::telemetry::init();
    let config = Config::from_env()?;
    let app = App::new(&iln_adapters::config::aws().await, &config);
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Event>| async move {
        Ok::<_, std::convert::Infallible>(handle(app, event.payload, Utc::now()).await)
    }))
    .await
}
