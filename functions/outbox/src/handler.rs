use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{
    AfterDelivery, Claim, Dossier, LinkToStore, NominationTable, OutboxMessage, OutboxStatus, RemovedNomination,
    StoreError,
};
use iln_adapters::ses::{SendError, SesMailer};
use iln_adapters::slack::{PostedMessage, SlackClient, SlackError};
use iln_adapters::telemetry::error_chain;
use iln_domain::EmailAddress;
use iln_domain::delivery::{self, AfterFailure, DeliveryFailure, FailureReason};
use iln_domain::findings;
use iln_domain::membership;
use iln_domain::membership::SentInvitation;
use iln_domain::message::MessageId;
use iln_domain::message::{Email, MailLinks, Message, Route};
use iln_domain::reminders;
use iln_domain::slack::{self, Channel, SlackMessage};
use iln_domain::step::Step;
use iln_domain::token::TokenPurpose;

use std::time::Duration;

/// Where the system posts in Slack: channel ids.
#[derive(Debug, Clone)]
pub struct SlackChannels {
    pub vetting: String,
    pub iln: String,
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

/// A message ready to go out, rendered before it is claimed so that a
/// rendering fault never leaves a claimed, unsent message.
enum Prepared {
    Email(Email),
    /// The invitation, which moves its nomination to `invited` once sent.
    /// The invitation, and the move its delivery makes.
    Invitation(Email, Box<Step>),
    Card(Channel, SlackMessage),
    CardUpdate(PostedMessage, SlackMessage),
    Thread(PostedMessage, SlackMessage),
    Ephemeral {
        channel: String,
        user: String,
        text: String,
    },
    Note(Channel, SlackMessage),
}

impl Prepared {
    /// The address an e-mail goes to: claimed only while not suppressed.
    fn mailed_to(&self) -> Option<&EmailAddress> {
        match self {
            Prepared::Email(email) | Prepared::Invitation(email, ..) => Some(&email.to),
            _ => None,
        }
    }
}

/// A send that did not succeed: how, and the service's own words (kept on
/// the item only: SES may quote an address).
struct SendFailure {
    failure: DeliveryFailure,
    detail: String,
}

impl From<SendError> for SendFailure {
    fn from(error: SendError) -> Self {
        if error.is_deployment_fault() {
            tracing::error!(code = %error.code, "SES refuses to send for this deployment; a person must act");
        }
        Self {
            failure: error.failure(),
            detail: error.detail,
        }
    }
}

impl From<SlackError> for SendFailure {
    fn from(error: SlackError) -> Self {
        let failure = match error.is_retryable() {
            true => DeliveryFailure::Transient,
            false => DeliveryFailure::Permanent(FailureReason::SlackRefused),
        };
        Self {
            failure,
            detail: error.to_string(),
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

/// Delivers one message once: claims it, sends it within the deadline and
/// records the outcome. The stream and the sweeper both come here.
#[tracing::instrument(skip_all, fields(message_id = %entry.id, kind = entry.message.kind()))]
pub async fn deliver(
    app: &App,
    entry: OutboxMessage,
    now: DateTime<Utc>,
    deadline: Deadline,
) -> Result<Outcome, Retry> {
    let message = entry.message;
    let id = message.id();
    let (prepared, waiting_for) = match prepare(app, &message, now).await? {
        Preparation::Ready(prepared) => (Some(prepared), None),
        Preparation::NotYet(why) => (None, Some(why)),
        Preparation::Unrenderable => {
            return Ok(set_aside(app, &message, FailureReason::Unrenderable, "cannot be rendered", now).await?);
        }
        Preparation::Moot(why) => {
            app.table.cancel_message(&id).await?;
            tracing::info!(why, "nothing to send any more; cancelled");
            return Ok(Outcome::Cancelled);
        }
    };
    let links: Vec<LinkToStore> = match prepared {
        Some(_) => message
            .link_purposes()
            .iter()
            .map(|&purpose| LinkToStore {
                purpose,
                hash: message.link(&app.links.key, purpose).hash(),
                valid_until: app.links.validity.expires_at(purpose, now),
            })
            .collect(),
        None => Vec::new(),
    };
    let mailed_to = prepared.as_ref().and_then(Prepared::mailed_to);
    match app.table.claim_message(&message, &links, mailed_to, now).await? {
        Claim::Claimed => {}
        Claim::Unavailable => return Ok(Outcome::Busy),
        Claim::Suppressed => {
            return Ok(set_aside(app, &message, FailureReason::Suppressed, "address suppressed", now).await?);
        }
    }
    let attempts = entry.attempts.saturating_add(1);
    let sent = match &prepared {
        Some(prepared) => match tokio::time::timeout(deadline.send_limit(), send(app, prepared, &id)).await {
            Ok(sent) => sent,
            Err(_) => Err(SendFailure {
                failure: DeliveryFailure::Transient,
                detail: "the send did not finish in the time left".to_owned(),
            }),
        },
        // Waits for an earlier message (its card) to be delivered first.
        None => Err(SendFailure {
            failure: DeliveryFailure::Transient,
            detail: waiting_for.unwrap_or_default().to_owned(),
        }),
    };
    match sent {
        Ok(posted_card) => {
            let after = match (&posted_card, &prepared) {
                (Some((channel, card)), _) => AfterDelivery::CardPosted(*channel, card),
                (None, Some(Prepared::Invitation(_, step))) => AfterDelivery::Move(step),
                _ => AfterDelivery::Nothing,
            };
            mark_delivered(app, &message, after, now, deadline).await?;
            tracing::info!("message delivered");
            Ok(Outcome::Delivered)
        }
        Err(failed) => match delivery::after_failure(failed.failure, attempts, now, jitter()) {
            AfterFailure::RetryAt(at) => {
                if let Err(release) = app.table.release_message(&id, &failed.detail, at).await {
                    // The lease runs out by itself; the sweeper takes it then.
                    tracing::warn!(error = %error_chain(&release), "could not release message");
                }
                Err(Retry(failed.detail.into()))
            }
            AfterFailure::SetAside(reason) => Ok(set_aside(app, &message, reason, &failed.detail, now).await?),
        },
    }
}

/// Sends a prepared message; for a card, where it was posted.
async fn send(app: &App, prepared: &Prepared, id: &MessageId) -> Result<Option<(Channel, PostedMessage)>, SendFailure> {
    match prepared {
        Prepared::Email(email) | Prepared::Invitation(email, ..) => {
            app.mailer.send(email, id).await?;
            Ok(None)
        }
        Prepared::Card(channel, card) => {
            let posted = app.slack.post_message(app.channels.id(*channel), card, None).await?;
            Ok(Some((*channel, posted)))
        }
        Prepared::CardUpdate(card, update) => {
            app.slack.update_message(&card.channel, &card.ts, update).await?;
            Ok(None)
        }
        Prepared::Thread(card, note) => {
            app.slack.post_message(&card.channel, note, Some(&card.ts)).await?;
            Ok(None)
        }
        Prepared::Ephemeral { channel, user, text } => {
            app.slack.post_ephemeral(channel, user, text).await?;
            Ok(None)
        }
        Prepared::Note(channel, note) => {
            app.slack.post_message(app.channels.id(*channel), note, None).await?;
            Ok(None)
        }
    }
}

/// How often, and how far apart, the delivered mark is tried: the message
/// went out, and a mark that never lands would have the sweeper send it again.
const MARK_ATTEMPTS: u32 = 4;
const MARK_PAUSE: Duration = Duration::from_millis(200);

async fn mark_delivered(
    app: &App,
    message: &Message,
    after: AfterDelivery<'_>,
    now: DateTime<Utc>,
    deadline: Deadline,
) -> Result<(), Retry> {
    let mut attempt = 1;
    loop {
        match app.table.mark_delivered(message, after.clone(), now).await {
            Ok(()) => return Ok(()),
            Err(error) if attempt < MARK_ATTEMPTS && deadline.remaining() > MARK_PAUSE * attempt + RESERVE / 2 => {
                tracing::warn!(error = %error_chain(&error), attempt, "delivered mark failed; trying again");
                tokio::time::sleep(MARK_PAUSE * attempt).await;
                attempt += 1;
            }
            Err(error) => {
                tracing::error!(
                    error = %error_chain(&error),
                    "message sent but not marked delivered; it may be sent again once its lease lapses"
                );
                return Err(error.into());
            }
        }
    }
}

/// Sets `message` aside for a person, with an alert to the vetting channel
/// (stored in the same write, so reported once) and a metric for the alarm.
/// A verification that cannot reach its nominator closes the nomination.
pub(crate) async fn set_aside(
    app: &App,
    message: &Message,
    reason: FailureReason,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let id = message.id();
    let alert = delivery::failed_delivery_note(&id, message, reason);
    if !app.table.set_aside(&id, reason, detail, alert, now).await? {
        return Ok(Outcome::NothingToDo);
    }
    tracing::warn!(reason = reason.code(), "message set aside for a person");
    iln_adapters::metrics::failed_message(message.kind(), reason);
    if delivery::closes_nomination(message, reason) {
        if let Some(nomination_id) = message.nomination_id() {
            close_unverifiable(app, nomination_id, now).await?;
        }
    }
    Ok(Outcome::SetAside)
}

/// Closes a nomination whose nominator cannot be mailed: it expires now
/// rather than in 72 hours, and stops holding its nominee.
async fn close_unverifiable(app: &App, id: iln_domain::NominationId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let Some(nomination) = app.table.nomination(id).await? else {
        return Ok(());
    };
    let Ok(step) = reminders::expire_unverifiable(&nomination, now) else {
        return Ok(()); // verified or closed meanwhile
    };
    // A lost race means it was verified or closed meanwhile: nothing to do.
    let _ = app.table.commit(&step).await?;
    Ok(())
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

/// What a message comes to before it is claimed.
enum Preparation {
    Ready(Prepared),
    /// It waits for an earlier message to be delivered: tried again later.
    NotYet(&'static str),
    /// Nothing to send any more (its nomination moved on or is gone): the
    /// message is cancelled.
    Moot(&'static str),
    /// A fault retrying cannot fix: set aside for a person.
    Unrenderable,
}

const NOMINATION_GONE: &str = "the nomination no longer exists";
/// A card is posted by an earlier message; until it is, updates and thread
/// notes wait.
const CARD_NOT_POSTED: &str = "the card is not posted yet";

/// Renders `message`, or says why it will not be sent.
async fn prepare(app: &App, message: &Message, now: DateTime<Utc>) -> Result<Preparation, Retry> {
    use Preparation::{Moot, NotYet, Ready, Unrenderable as Parked};
    let parked = |error: &dyn std::error::Error| {
        tracing::error!(kind = message.kind(), error = %error, "message cannot be rendered");
        Parked
    };
    match message.route() {
        Route::Email => match message.render_email(&app.links) {
            Ok(Some(email)) => Ok(Ready(Prepared::Email(email))),
            Ok(None) => Ok(Parked),
            Err(error) => Ok(parked(&error)),
        },
        Route::Card(channel) => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let findings = findings_of(app, &dossier).await?;
            let card = match channel {
                Channel::Vetting => slack::vetting_card(&dossier.nomination, &findings),
                Channel::Iln => slack::iln_card(&dossier.nomination, &findings),
            };
            Ok(Ready(Prepared::Card(channel, card)))
        }
        Route::CardUpdate(channel) => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let Some(card) = dossier.card(channel).cloned() else {
                return Ok(NotYet(CARD_NOT_POSTED));
            };
            let findings = findings_of(app, &dossier).await?;
            Ok(Ready(Prepared::CardUpdate(
                card,
                slack::updated_card(&dossier.nomination, &findings, channel),
            )))
        }
        Route::Note(channel) => Ok(message.note_text().map_or(Parked, |text| {
            Ready(Prepared::Note(
                channel,
                SlackMessage {
                    text,
                    blocks: serde_json::json!([]),
                },
            ))
        })),
        Route::Ephemeral => match message {
            Message::Ephemeral {
                channel, user, text, ..
            } => Ok(Ready(Prepared::Ephemeral {
                channel: channel.clone(),
                user: user.as_str().to_owned(),
                text: text.clone(),
            })),
            _ => Ok(Parked),
        },
        Route::Invitation => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let Message::Invitation { round, .. } = *message else {
                return Ok(Parked);
            };
            let token = message.link(&app.links.key, TokenPurpose::AnswerInvitation);
            let sent = SentInvitation {
                round,
                token: token.hash(),
            };
            // Withdrawn or otherwise moved on since confirmation: no invitation.
            let Ok(step) = membership::invitation_sent(&dossier.nomination, sent, now) else {
                return Ok(Moot("the nomination moved on"));
            };
            match membership::invitation_email(&dossier.nomination, &app.links, &token) {
                Ok(email) => Ok(Ready(Prepared::Invitation(email, Box::new(step)))),
                Err(error) => Ok(parked(&error)),
            }
        }
        Route::InvitationReminder => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let nomination = &dossier.nomination;
            let Message::InvitationReminder { round, .. } = *message else {
                return Ok(Parked);
            };
            let Some(current) = reminders::invitation_to_remind(nomination, round) else {
                return Ok(Moot("the invitation was answered, replaced, withdrawn or expired"));
            };
            let token = current
                .message(nomination.id)
                .link(&app.links.key, TokenPurpose::AnswerInvitation);
            match membership::invitation_reminder_email(nomination, &app.links, &token) {
                Ok(email) => Ok(Ready(Prepared::Email(email))),
                Err(error) => Ok(parked(&error)),
            }
        }
        Route::ErasedCard => match message {
            Message::DataErased {
                nomination_id,
                card_channel,
                card_ts,
                ..
            } => {
                let card = PostedMessage {
                    channel: card_channel.clone(),
                    ts: card_ts.clone(),
                };
                Ok(Ready(Prepared::CardUpdate(card, slack::erased_card(*nomination_id))))
            }
            _ => Ok(Parked),
        },
        Route::Thread(channel) => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let Some(card) = dossier.card(channel).cloned() else {
                return Ok(NotYet(CARD_NOT_POSTED));
            };
            let text = message.thread_note().unwrap_or_default();
            Ok(Ready(Prepared::Thread(
                card,
                SlackMessage {
                    blocks: serde_json::json!([]),
                    text,
                },
            )))
        }
    }
}

/// What a card shows about the nomination beside its own data.
async fn findings_of(app: &App, dossier: &Dossier) -> Result<findings::Findings, Retry> {
    let surroundings = app.table.surroundings(dossier).await?;
    Ok(findings::assess(
        &dossier.nomination,
        &surroundings,
        None,
        app.thin_rationale_below,
    ))
}

/// The file of the nomination `message` is about, if it is about one.
async fn dossier_of(app: &App, message: &Message) -> Result<Option<Dossier>, Retry> {
    match message.nomination_id() {
        Some(id) => Ok(app.table.dossier(id).await?),
        None => Ok(None),
    }
}
