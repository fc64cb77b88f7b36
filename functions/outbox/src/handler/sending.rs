//! Sending one claimed message and recording what the send came to.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{AfterDelivery, Claim, LinkToStore, OutboxMessage, StoreError};
use iln_adapters::ses::SendError;
use iln_adapters::slack::{MembershipChange, PostedMessage, SlackError};
use iln_adapters::telemetry::error_chain;
use iln_domain::delivery::{self, AfterFailure, DeliveryFailure, FailureReason};
use iln_domain::membership::{self, ChannelOutcome, MemberId};
use iln_domain::message::Message;
use iln_domain::message::MessageId;
use iln_domain::reminders;
use iln_domain::slack::Channel;
use iln_domain::slack::interaction::SlackUserId;

use std::time::Duration;

use super::prepare::{ChannelChange, Preparation, Prepared, prepare};
use super::{App, Deadline, Outcome, RESERVE, Retry, jitter};

/// A send that did not succeed: how, and the service's own words (kept on
/// the item only: SES may quote an address).
struct SendFailure {
    failure: DeliveryFailure,
    detail: String,
    /// Slack's error code, when Slack refused for good.
    slack_error: Option<String>,
}

impl From<SendError> for SendFailure {
    fn from(error: SendError) -> Self {
        if error.is_deployment_fault() {
            tracing::error!(code = %error.code, "SES refuses to send for this deployment; a person must act");
        }
        Self {
            failure: error.failure(),
            detail: error.detail,
            slack_error: None,
        }
    }
}

impl From<SlackError> for SendFailure {
    fn from(error: SlackError) -> Self {
        let failure = match error.is_retryable() {
            true => DeliveryFailure::Transient,
            false => DeliveryFailure::Permanent(FailureReason::SlackRefused),
        };
        let slack_error = match &error {
            SlackError::Refused { error } if !failure_is_transient(failure) => Some(error.clone()),
            _ => None,
        };
        Self {
            failure,
            detail: error.to_string(),
            slack_error,
        }
    }
}

fn failure_is_transient(failure: DeliveryFailure) -> bool {
    matches!(failure, DeliveryFailure::Transient)
}

/// A read of the table during a send (the member's Slack user): retried.
impl From<StoreError> for SendFailure {
    fn from(error: StoreError) -> Self {
        Self {
            failure: DeliveryFailure::Transient,
            detail: error_chain(&error),
            slack_error: None,
        }
    }
}

/// What a send did, as the delivered mark records it.
enum Sent {
    Plain,
    Card(Channel, PostedMessage),
    IlnChannel {
        member: MemberId,
        removal: bool,
        outcome: ChannelOutcome,
        /// The member's Slack user, kept on their record after an invite.
        found: Option<SlackUserId>,
    },
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
                slack_error: None,
            }),
        },
        // Waits for an earlier message (its card) to be delivered first.
        None => Err(SendFailure {
            failure: DeliveryFailure::Transient,
            detail: waiting_for.unwrap_or_default().to_owned(),
            slack_error: None,
        }),
    };
    match sent {
        Ok(sent) => {
            let after = match (&sent, &prepared) {
                (Sent::Card(channel, card), _) => AfterDelivery::CardPosted(*channel, card),
                (Sent::Plain, Some(Prepared::Invitation(_, step))) => AfterDelivery::Move(step),
                (
                    Sent::IlnChannel {
                        member,
                        removal,
                        outcome,
                        found,
                    },
                    _,
                ) => {
                    tracing::info!(removal, ?outcome, "ILN channel membership handled");
                    AfterDelivery::IlnChannel {
                        member: *member,
                        audit: membership::iln_channel_audit(*removal, *outcome, now),
                        slack_user: found.as_ref(),
                    }
                }
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
            AfterFailure::SetAside(reason) => {
                let problem = failed.slack_error.as_deref().unwrap_or(reason.code());
                Ok(set_aside_because(app, &message, reason, &failed.detail, problem, now).await?)
            }
        },
    }
}

/// Sends a prepared message: what it did.
async fn send(app: &App, prepared: &Prepared, id: &MessageId) -> Result<Sent, SendFailure> {
    match prepared {
        Prepared::Email(email) | Prepared::Invitation(email, ..) => {
            app.mailer.send(email, id).await?;
            Ok(Sent::Plain)
        }
        Prepared::Card(channel, card) => {
            let posted = app.slack.post_message(app.channels.id(*channel), card, None).await?;
            Ok(Sent::Card(*channel, posted))
        }
        Prepared::CardUpdate(card, update) => {
            app.slack.update_message(&card.channel, &card.ts, update).await?;
            Ok(Sent::Plain)
        }
        Prepared::Thread(card, note) => {
            app.slack.post_message(&card.channel, note, Some(&card.ts)).await?;
            Ok(Sent::Plain)
        }
        Prepared::Ephemeral { channel, user, text } => {
            app.slack.post_ephemeral(channel, user, text).await?;
            Ok(Sent::Plain)
        }
        Prepared::Note(channel, note) => {
            app.slack.post_message(app.channels.id(*channel), note, None).await?;
            Ok(Sent::Plain)
        }
        Prepared::IlnChannel(change) => change_iln_channel(app, change).await,
    }
}

/// Invites a new member to the ILN channel, or removes a derecognised one,
/// found in Slack by address (a removal first by the Slack user kept on the
/// member). Slack's "already so" answers are successes: delivered again,
/// the message changes nothing.
async fn change_iln_channel(app: &App, change: &ChannelChange) -> Result<Sent, SendFailure> {
    let kept = match change.removal {
        true => app.table.member_slack_user(change.member).await?,
        false => None,
    };
    let user = match kept {
        Some(user) => Some(user),
        None => app.slack.lookup_by_email(&change.email).await?,
    };
    let Some(user) = user else {
        return Ok(Sent::IlnChannel {
            member: change.member,
            removal: change.removal,
            outcome: ChannelOutcome::NotInSlack,
            found: None,
        });
    };
    let changed = match change.removal {
        true => {
            app.slack
                .remove_from_channel(app.channels.id(Channel::Iln), &user)
                .await?
        }
        false => {
            app.slack
                .invite_to_channel(app.channels.id(Channel::Iln), &user)
                .await?
        }
    };
    Ok(Sent::IlnChannel {
        member: change.member,
        removal: change.removal,
        outcome: match changed {
            MembershipChange::Done => ChannelOutcome::Changed,
            MembershipChange::AlreadySo => ChannelOutcome::AlreadySo,
        },
        found: (!change.removal).then_some(user),
    })
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
    set_aside_because(app, message, reason, detail, reason.code(), now).await
}

/// The same, `problem` naming what went wrong in words a vetter may read
/// (Slack's error code): a refused change of the ILN channel is reported
/// with it, and audited on the member in the same write.
async fn set_aside_because(
    app: &App,
    message: &Message,
    reason: FailureReason,
    detail: &str,
    problem: &str,
    now: DateTime<Utc>,
) -> Result<Outcome, StoreError> {
    let id = message.id();
    let (alert, member_audit) = match membership::iln_channel_refused(message, problem, now) {
        Some((note, member, audit)) => (Some(note), Some((member, audit))),
        None => (delivery::failed_delivery_note(&id, message, reason), None),
    };
    if !app
        .table
        .set_aside(&id, reason, detail, alert, member_audit, now)
        .await?
    {
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
