//! Adapters to what ILN Nominations talks to, each small and named for it.
//! Rules live in `iln-domain`; these only move data in and out.

pub mod config;
pub mod deadline;
pub mod dynamodb;
pub mod http;
pub mod identity_provider;
pub mod links;
pub mod metrics;
pub mod random;
pub mod secrets;
pub mod ses;
pub mod slack;
pub mod slack_people;
pub mod staff_commands;
pub mod telemetry;
pub mod tls;

/// A function's cold start before its own set-up: logs through the Lambda
/// runtime's subscriber under Lambda's log controls (refusing TRACE, where
/// the runtime logs raw events), then the AWS configuration every client is
/// built from.
pub async fn start() -> Result<aws_config::SdkConfig, telemetry::RawEventLogging> {
    lambda_http::tracing::init_default_subscriber();
    telemetry::refuse_raw_event_logging()?;
    Ok(config::aws().await)
}
