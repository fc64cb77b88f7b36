//! Runs the reminder function once against the local stack (`infra/up`
//! running), as its schedules would (the daily invocation, then
//! continuations until the run is complete), for a scheduled event's time:
//!
//! ```sh
//! cargo run -q -p iln-runner --bin run-reminders -- infra/events/reminders-schedule.json
//! cargo run -q -p iln-runner --bin run-reminders -- --days-ahead 8
//! ```
//!
//! The outbox of the running stack then delivers what it causes.

use chrono::{DateTime, Duration, Utc};
use iln_runner::functions::REMINDERS_FUNCTION;
use iln_runner::{Template, local};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    let now = match arguments.as_slice() {
        [flag, days] if flag == "--days-ahead" => Utc::now() + Duration::days(days.parse()?),
        [event] => {
            let event: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(event)?)?;
            let time = event["time"].as_str().ok_or("the event has no time")?;
            DateTime::parse_from_rfc3339(time)?.with_timezone(&Utc)
        }
        _ => return Err("give a scheduled event file, or --days-ahead N".into()),
    };
    let table = std::env::var("ILN_TABLE_NAME").unwrap_or_else(|_| "iln-nominations".to_owned());
    // The local stack's DynamoDB, whatever this shell's AWS settings say.
    let port = std::env::var("ILN_DYNAMODB_PORT").unwrap_or_else(|_| "8000".to_owned());
    let config = aws_sdk_dynamodb::config::Builder::new()
        .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
        .region(aws_sdk_dynamodb::config::Region::new("eu-west-1"))
        .credentials_provider(aws_sdk_dynamodb::config::Credentials::new(
            "local", "local", None, None, "local",
        ))
        .endpoint_url(format!("http://127.0.0.1:{port}"))
        .build();
    // The reminder function's settings as `infra/up` gives them (the
    // addresses in them are not used by the reminder run).
    let bindings = local::with_overrides_from_environment(local::bindings(
        &table,
        &local::loopback_url(3000),
        &local::loopback_url(local::DEFAULT_SLACK_PORT),
    ));
    let environment = Template::load()?.environment(REMINDERS_FUNCTION, &bindings)?;
    let app = reminders::App::from_config(
        &reminders::Config::from_lookup(environment.lookup())?,
        aws_sdk_dynamodb::Client::from_conf(config),
    );
    let summary = iln_runner::schedules::daily_run(&app, now).await?;
    println!("reminder run at {now}: {}", serde_json::to_string(&summary)?);
    Ok(())
}
