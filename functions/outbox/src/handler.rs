use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{NominationTable, OutboxMessage, OutboxStatus, RemovedNomination, StoreError};
use iln_adapters::ses::SesMailer;
use iln_adapters::slack::SlackClient;
use iln_adapters::telemetry::error_chain;
use iln_domain::message::MailLinks;
use iln_domain::slack::{CardContext, Channel, ChannelLanguages};

use std::time::Duration;

mod prepare;
mod sending;

pub use sending::deliver;
pub(crate) use sending::set_aside;

/// Where the system posts in Slack: channel ids.
#[derive(Debug, Clone)]
pub struct SlackChannels {
    pub vetting: String,
    pub iln: String,
}

impl App {
    /// How a card in `channel` is rendered.
    fn card_context(&self, channel: Channel) -> CardContext {
        CardContext {
            language: self.languages.of(channel),
            confirmations_needed: self.confirmations_needed,
        }
    }
}

impl SlackChannels {
    fn id(&self, channel: Channel) -> &str {
        match channel {
            Channel::Vetting => &self.vetting,
            Channel::Iln => &self.iln,
        }
    }
}

pub struct App {
    pub table: NominationTable,
    pub mailer: SesMailer,
    pub slack: SlackClient,
    pub channels: SlackChannels,
    /// The language of each channel: cards, notes and digests are worded
    /// in it when they are delivered.
    pub languages: ChannelLanguages,
    /// How many confirmations a card shows as needed.
    pub confirmations_needed: usize,
    /// Where links in e-mails point, their key and how long they work.
    pub links: MailLinks,
    /// Rationales shorter than this are flagged as thin on cards.
    pub thin_rationale_below: usize,
}

/// What became of one message or stream record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Not an outbox insert, or already delivered, cancelled or set aside.
    NothingToDo,
    /// Held by a live delivery; if that one dies, the sweeper takes the
    /// message once its lease lapses.
    Busy,
    /// Failed for good: set aside for a person, reported once.
    SetAside,
    /// A nomination's retention ended: the rest of its items removed.
    Purged,
    /// Nothing to send any more: marked cancelled, out of the undelivered queue.
    Cancelled,
}

/// A delivery that failed for a reason that may pass (SES, Slack or DynamoDB
/// unreachable, throttled, out of time). The message is back in the
/// undelivered queue with its next attempt due; a stream record is also
/// reported as a batch item failure, so Lambda tries it again soon.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed and will be retried")]
pub struct Retry(#[source] Box<dyn std::error::Error + Send + Sync>);

impl From<StoreError> for Retry {
    fn from(error: StoreError) -> Self {
        Retry(error.into())
    }
}

/// When this invocation must have finished: Lambda's deadline.
#[derive(Debug, Clone, Copy)]
pub struct Deadline(tokio::time::Instant);

impl Deadline {
    /// From the context's deadline (milliseconds since the epoch).
    pub fn at_epoch_millis(millis: u64) -> Self {
        let now_millis = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let left = u128::from(millis).saturating_sub(now_millis);
        Self::after(Duration::from_millis(u64::try_from(left).unwrap_or(u64::MAX)))
    }

    pub fn after(time: Duration) -> Self {
        Self(tokio::time::Instant::now() + time)
    }

    fn remaining(self) -> Duration {
        self.0.saturating_duration_since(tokio::time::Instant::now())
    }

    /// Whether there is time to start one more delivery and record it.
    fn allows_another(self) -> bool {
        self.remaining() >= RESERVE + MINIMUM_SEND_TIME
    }

    /// How long a send may take: within the lease, and leaving time to
    /// record its outcome before the invocation ends.
    fn send_limit(self) -> Duration {
        self.remaining().saturating_sub(RESERVE).min(SEND_TIME_LIMIT)
    }
}

/// Kept back from the deadline to record what a send came to.
const RESERVE: Duration = Duration::from_secs(4);
/// A delivery is not started with less than this left to send in.
const MINIMUM_SEND_TIME: Duration = Duration::from_secs(10);
/// One send (one SES call, one Slack call with its own Retry-After waits)
/// ends well inside the claim's lease, so no second deliverer can claim a
/// message still being sent.
const SEND_TIME_LIMIT: Duration = Duration::from_secs(45);
const _: () = assert!(SEND_TIME_LIMIT.as_secs() + 5 < iln_adapters::dynamodb::LEASE.num_seconds() as u64);

/// Delivers the outbox messages among `event`'s records, in order. A record
/// whose delivery should be retried is reported as a batch item failure; the
/// records after it are not attempted, as Lambda redelivers from there. A
/// record that cannot be started before the deadline is reported likewise.
pub async fn handle(app: &App, event: Event, now: DateTime<Utc>, deadline: Deadline) -> DynamoDbEventResponse {
    let mut response = DynamoDbEventResponse::default();
    for record in event.records {
        let result = match deadline.allows_another() {
            true => deliver_record(app, &record, now, deadline).await,
            false => Err(Retry("the invocation is running out of time".into())),
        };
        match result {
            Ok(outcome) => tracing::debug!(?outcome, "stream record handled"),
            Err(retry) => {
                tracing::warn!(error = %error_chain(&retry), "delivery will be retried");
                let mut failure = DynamoDbBatchItemFailure::default();
                failure.item_identifier = record.change.sequence_number.clone();
                response.batch_item_failures.push(failure);
                break;
            }
        }
    }
    response
}

/// What one sweep did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SweepSummary {
    pub delivered: usize,
    pub set_aside: usize,
    pub cancelled: usize,
    /// Failed again for a reason that may pass: due again later.
    pub retry_later: usize,
    /// Held by a live delivery, or taken by another deliverer meanwhile.
    pub busy: usize,
    /// Whether the sweep stopped at the deadline with due messages left
    /// (the next sweep goes on).
    pub stopped_early: bool,
}

/// Messages per page of the sweep: enough for a batch, few enough that a
/// page is read again soon if the deadline comes.
const SWEEP_PAGE: i32 = 25;

/// Re-drives what the stream did not deliver: every undelivered message
/// whose next attempt is due or whose lease lapsed, oldest first, until
/// none is left or the deadline nears. The table is the source of truth;
/// the stream only the fast path.
#[tracing::instrument(skip_all)]
pub async fn sweep(app: &App, now: DateTime<Utc>, deadline: Deadline) -> Result<SweepSummary, StoreError> {
    let mut summary = SweepSummary::default();
    let mut cursor = None;
    loop {
        let (due, next) = app.table.due_messages(now, SWEEP_PAGE, cursor).await?;
        for entry in due {
            if !deadline.allows_another() {
                summary.stopped_early = true;
                return Ok(summary);
            }
            match deliver(app, entry, now, deadline).await {
                Ok(Outcome::Delivered) => summary.delivered += 1,
                Ok(Outcome::SetAside) => summary.set_aside += 1,
                Ok(Outcome::Cancelled) => summary.cancelled += 1,
                Ok(_) => summary.busy += 1,
                Err(retry) => {
                    tracing::warn!(error = %error_chain(&retry), "delivery will be retried");
                    summary.retry_later += 1;
                }
            }
        }
        match next {
            Some(next) => cursor = Some(next),
            None => return Ok(summary),
        }
    }
}

#[tracing::instrument(skip_all, fields(event_id = %record.event_id))]
async fn deliver_record(
    app: &App,
    record: &EventRecord,
    now: DateTime<Utc>,
    deadline: Deadline,
) -> Result<Outcome, Retry> {
    if record.event_name == "REMOVE" {
        return purge(app, record).await;
    }
    if record.event_name != "INSERT" {
        return Ok(Outcome::NothingToDo);
    }
    match OutboxMessage::from_image(record.change.new_image.clone()) {
        Ok(Some(entry)) if entry.status == OutboxStatus::Pending => deliver(app, entry, now, deadline).await,
        Ok(_) => Ok(Outcome::NothingToDo),
        Err(error) => {
            // Retrying cannot fix an unreadable item; blocking the stream on it
            // would stop every other message.
            tracing::error!(error = %error, "outbox item unreadable; skipped");
            Ok(Outcome::NothingToDo)
        }
    }
}

/// A number in `[0, 1]` to spread retries; without OS randomness, the middle.
fn jitter() -> f64 {
    let mut bytes = [0u8; 2];
    match getrandom::fill(&mut bytes) {
        Ok(()) => f64::from(u16::from_le_bytes(bytes)) / f64::from(u16::MAX),
        Err(_) => 0.5,
    }
}

/// TTL removed a closed nomination at the end of its retention: what else
/// it left goes too, so nothing about its people outlives it.
async fn purge(app: &App, record: &EventRecord) -> Result<Outcome, Retry> {
    match RemovedNomination::from_image(record.change.old_image.clone()) {
        Ok(Some(removed)) => {
            let purged = app.table.purge_nomination(&removed).await?;
            tracing::info!(nomination_id = %removed.id, purged, "retention ended; the rest of the nomination removed");
            Ok(Outcome::Purged)
        }
        Ok(None) => Ok(Outcome::NothingToDo),
        Err(error) => {
            tracing::error!(error = %error, "removed item unreadable; skipped");
            Ok(Outcome::NothingToDo)
        }
    }
}
