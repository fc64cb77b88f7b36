use aws_config::SdkConfig;
use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{Claim, NominationTable, OutboxMessage, OutboxStatus, TokenToIssue};
use iln_adapters::ses::SesMailer;
use iln_adapters::telemetry::error_chain;
use iln_domain::pages::PublicBaseUrl;
use iln_domain::token::Token;

use crate::Config;

pub struct App {
    table: NominationTable,
    mailer: SesMailer,
    base_url: PublicBaseUrl,
}

impl App {
    pub fn new(aws: &SdkConfig, config: &Config) -> Self {
        Self::with_parts(
            NominationTable::new(aws_sdk_dynamodb::Client::new(aws), &config.table_name),
            SesMailer::new(aws_sdk_ses::Client::new(aws), config.sender.clone()),
            config.public_base_url.clone(),
        )
    }

    pub fn with_parts(table: NominationTable, mailer: SesMailer, base_url: PublicBaseUrl) -> Self {
        Self {
            table,
            mailer,
            base_url,
        }
    }
}

/// What became of one stream record.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Delivered,
    /// Not an outbox insert, or already delivered or in flight elsewhere.
    NothingToDo,
    /// Will not succeed by retrying now; kept in the table for a person.
    Parked,
}

/// A delivery that failed for a reason that may pass (SES or DynamoDB
/// unreachable, throttled): Lambda retries the record.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed and will be retried")]
struct Retry(#[source] Box<dyn std::error::Error + Send + Sync>);

/// Delivers the outbox messages among `event`'s records, in order. A record
/// whose delivery should be retried is reported as a batch item failure, and
/// so is every record after it, as Lambda expects for ordered streams.
pub async fn handle(app: &App, event: Event, now: DateTime<Utc>) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        match deliver(app, &record, now).await {
            Ok(outcome) => tracing::debug!(?outcome, "stream record handled"),
            Err(retry) => {
                tracing::warn!(error = %error_chain(&retry), "delivery will be retried");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
                // Lambda restarts from the first failure: later records are
                // redelivered anyway, and claims make that harmless.
                break;
            }
        }
    }
    response
}

#[tracing::instrument(skip_all, fields(event_id = %record.event_id, message_id = tracing::field::Empty))]
async fn deliver(app: &App, record: &EventRecord, now: DateTime<Utc>) -> Result<Outcome, Retry> {
    if record.event_name != "INSERT" {
        return Ok(Outcome::NothingToDo);
    }
    let entry = match OutboxMessage::from_image(record.change.new_image.clone()) {
        Ok(Some(entry)) if entry.status == OutboxStatus::Pending => entry,
        Ok(_) => return Ok(Outcome::NothingToDo),
        Err(error) => {
            // Retrying cannot fix an unreadable item; blocking the stream on it
            // would stop every other message.
            tracing::error!(error = %error, "outbox item unreadable; skipped");
            return Ok(Outcome::Parked);
        }
    };
    let message_id = entry.id.clone();
    tracing::Span::current().record("message_id", message_id.as_str());

    let token = match entry.message.token_purpose() {
        Some(_) => Some(Token::generate().map_err(|e| Retry(e.into()))?),
        None => None,
    };
    let email = match entry.message.render(&app.base_url, token.as_ref()) {
        Ok(email) => email,
        Err(error) => {
            tracing::error!(message_id = %message_id, error = %error_chain(&error), "message cannot be rendered; parked");
            return Ok(Outcome::Parked);
        }
    };
    let hash = token.as_ref().map(Token::hash);
    let issue = hash.as_ref().map(|hash| TokenToIssue { hash, issued_at: now });
    match app.table.claim_message(&entry.message, issue, now).await {
        Ok(Claim::Claimed) => {}
        Ok(Claim::Unavailable) => return Ok(Outcome::NothingToDo),
        Err(error) => return Err(Retry(error.into())),
    }
    match app.mailer.send(&email).await {
        Ok(_) => {
            app.table
                .mark_delivered(&message_id, now)
                .await
                .map_err(|e| Retry(e.into()))?;
            tracing::info!(message_id = %message_id, "message delivered");
            Ok(Outcome::Delivered)
        }
        Err(error) => {
            if let Err(release) = app.table.release_message(&message_id, &error.detail).await {
                // The lease runs out by itself; the retry claims it then.
                tracing::warn!(message_id = %message_id, error = %error_chain(&release), "could not release message");
            }
            Err(Retry(error.into()))
        }
    }
}
