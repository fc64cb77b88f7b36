//! Sending one claimed message and recording what the send came to.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{AfterDelivery, Claim, LinkToStore, OutboxMessage, StoreError};
use iln_adapters::ses::SendError;
use iln_adapters::slack::{PostedMessage, SlackError};
use iln_adapters::telemetry::error_chain;
use iln_domain::delivery::{self, AfterFailure, DeliveryFailure, FailureReason};
use iln_domain::message::Message;
use iln_domain::message::MessageId;
use iln_domain::reminders;
use iln_domain::slack::Channel;

use std::time::Duration;

use super::prepare::{Preparation, Prepared, prepare};
use super::{App, Deadline, Outcome, RESERVE, Retry, jitter};

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
