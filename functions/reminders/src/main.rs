// The runtime, SDK and handler futures nest deeper than the default limit.
#![recursion_limit = "256"]

use chrono::Utc;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use reminders::{App, Config, resume, run_scheduled, scheduled_time, time_left_until};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let aws = iln_adapters::start().await?;
    let config = Config::from_lookup(iln_adapters::config::environment)?;
    let app = App::from_config(&config, aws_sdk_dynamodb::Client::new(&aws));
    let app = &app;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let mut time_left = time_left_until(event.context.deadline);
        // The continuation schedule's input (template.yaml): go on with a
        // run that stopped for time.
        if event.payload.get("continue").is_some() {
            return resume(app, &mut time_left).await;
        }
        // The schedule's own time: a retried or repeated event acts as of the
        // same instant, so it sends nothing new.
        let now = scheduled_time(&event.payload).unwrap_or_else(Utc::now);
        run_scheduled(app, now, &mut time_left).await
    }))
    .await
}
