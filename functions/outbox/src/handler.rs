use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_lambda_events::streams::{DynamoDbBatchItemFailure, DynamoDbEventResponse};
use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::{
    AfterDelivery, Claim, Dossier, LinkToStore, NominationMove, NominationTable, OutboxMessage, OutboxStatus,
    RemovedNomination, StoreError,
};
use iln_adapters::ses::SesMailer;
use iln_adapters::slack::{PostedMessage, SlackClient, SlackError};
use iln_adapters::telemetry::error_chain;
use iln_domain::audit::{Actor, AuditEvent};
use iln_domain::findings;
use iln_domain::membership;
use iln_domain::membership::SentInvitation;
use iln_domain::message::{Email, MailLinks, Message, Route};
use iln_domain::reminders;
use iln_domain::slack::{self, Channel, SlackMessage};
use iln_domain::token::TokenPurpose;
use iln_domain::{Command, Nomination, Status};

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

/// What became of one stream record.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Delivered,
    /// Not an outbox insert, or already delivered or in flight elsewhere.
    NothingToDo,
    /// Will not succeed by retrying now; kept in the table for a person.
    Parked,
    /// A nomination's retention ended: the rest of its items removed.
    Purged,
    /// Nothing to send any more: marked cancelled, out of the undelivered queue.
    Cancelled,
}

/// A delivery that failed for a reason that may pass (SES, Slack or DynamoDB
/// unreachable, throttled): Lambda retries the record.
#[derive(Debug, thiserror::Error)]
#[error("delivery failed and will be retried")]
struct Retry(#[source] Box<dyn std::error::Error + Send + Sync>);

impl From<StoreError> for Retry {
    fn from(error: StoreError) -> Self {
        Retry(error.into())
    }
}

/// Delivers the outbox messages among `event`'s records, in order. A record
/// whose delivery should be retried is reported as a batch item failure; the
/// records after it are not attempted, as Lambda redelivers from there.
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
                break;
            }
        }
    }
    response
}

/// A message ready to go out, rendered before it is claimed so that a
/// rendering fault never leaves a claimed, unsent message.
enum Prepared {
    Email(Email),
    /// The invitation, which moves its nomination to `invited` once sent.
    Invitation(Email, Box<Nomination>, SentInvitation),
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

#[tracing::instrument(skip_all, fields(event_id = %record.event_id, message_id = tracing::field::Empty))]
async fn deliver(app: &App, record: &EventRecord, now: DateTime<Utc>) -> Result<Outcome, Retry> {
    if record.event_name == "REMOVE" {
        return purge(app, record).await;
    }
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
    let message = entry.message;
    tracing::Span::current().record("message_id", entry.id.as_str());

    let prepared = match prepare(app, &message).await? {
        Preparation::Ready(prepared) => prepared,
        Preparation::Parked => return Ok(Outcome::Parked),
        Preparation::Moot(why) => {
            app.table.cancel_message(&message.id()).await?;
            tracing::info!(kind = message.kind(), why, "nothing to send any more; cancelled");
            return Ok(Outcome::Cancelled);
        }
    };
    let links: Vec<LinkToStore> = message
        .link_purposes()
        .iter()
        .map(|&purpose| LinkToStore {
            purpose,
            hash: message.link(&app.links.key, purpose).hash(),
            valid_until: app.links.validity.expires_at(purpose, now),
        })
        .collect();
    if app.table.claim_message(&message, &links, now).await? == Claim::Unavailable {
        return Ok(Outcome::NothingToDo);
    }
    let sent = match &prepared {
        Prepared::Email(email) | Prepared::Invitation(email, ..) => app
            .mailer
            .send(email)
            .await
            .map(|_| None)
            .map_err(|e| (e.detail.clone(), Retry(e.into()))),
        Prepared::Card(channel, card) => app
            .slack
            .post_message(app.channels.id(*channel), card, None)
            .await
            .map(|posted| Some((*channel, posted)))
            .map_err(slack_failure),
        Prepared::CardUpdate(card, update) => app
            .slack
            .update_message(&card.channel, &card.ts, update)
            .await
            .map(|_| None)
            .map_err(slack_failure),
        Prepared::Thread(card, note) => app
            .slack
            .post_message(&card.channel, note, Some(&card.ts))
            .await
            .map(|_| None)
            .map_err(slack_failure),
        Prepared::Ephemeral { channel, user, text } => app
            .slack
            .post_ephemeral(channel, user, text)
            .await
            .map(|_| None)
            .map_err(slack_failure),
        Prepared::Note(channel, note) => app
            .slack
            .post_message(app.channels.id(*channel), note, None)
            .await
            .map(|_| None)
            .map_err(slack_failure),
    };
    match sent {
        Ok(posted_card) => {
            let after = match (&posted_card, &prepared) {
                (Some((channel, card)), _) => AfterDelivery::CardPosted(*channel, card),
                (None, Prepared::Invitation(_, nomination, sent)) => invited(nomination, sent, now),
                _ => AfterDelivery::Nothing,
            };
            app.table.mark_delivered(&message, after, now).await?;
            tracing::info!(kind = message.kind(), "message delivered");
            Ok(Outcome::Delivered)
        }
        Err((detail, retry)) => {
            if let Err(release) = app.table.release_message(&message.id(), &detail).await {
                // The lease runs out by itself; the retry claims it then.
                tracing::warn!(error = %error_chain(&release), "could not release message");
            }
            Err(retry)
        }
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
            Ok(Outcome::Parked)
        }
    }
}

fn slack_failure(error: SlackError) -> (String, Retry) {
    (error.to_string(), Retry(error.into()))
}

/// What a message comes to before it is claimed.
enum Preparation {
    Ready(Prepared),
    /// Nothing to send any more (its nomination moved on or is gone): the
    /// message is cancelled.
    Moot(&'static str),
    /// A fault retrying cannot fix: kept, undelivered, for a person.
    Parked,
}

const NOMINATION_GONE: &str = "the nomination no longer exists";

/// Renders `message`, or says why it will not be sent.
async fn prepare(app: &App, message: &Message) -> Result<Preparation, Retry> {
    use Preparation::{Moot, Parked, Ready};
    let parked = |error: &dyn std::error::Error| {
        tracing::error!(kind = message.kind(), error = %error, "message cannot be rendered; parked");
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
            let card = posted_card(&dossier, channel)?;
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
            // Withdrawn or otherwise moved on since confirmation: no invitation.
            if dossier
                .nomination
                .status
                .apply(invitation_command(&dossier.nomination))
                .is_err()
            {
                return Ok(Moot("the nomination moved on"));
            }
            let Message::Invitation { round, .. } = *message else {
                return Ok(Parked);
            };
            let token = message.link(&app.links.key, TokenPurpose::AnswerInvitation);
            let sent = SentInvitation {
                round,
                token: token.hash(),
            };
            match membership::invitation_email(&dossier.nomination, &app.links, &token) {
                Ok(email) => Ok(Ready(Prepared::Invitation(email, Box::new(dossier.nomination), sent))),
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
            let card = posted_card(&dossier, channel)?;
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

/// Where the nomination's card in `channel` is. It is posted by an earlier
/// message; until it is, the delivery waits (is retried).
fn posted_card(dossier: &Dossier, channel: Channel) -> Result<PostedMessage, Retry> {
    dossier
        .card(channel)
        .cloned()
        .ok_or_else(|| Retry("the card is not posted yet".into()))
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

/// The command an invitation's delivery carries out: the first sends it,
/// a later round replaces the link.
fn invitation_command(nomination: &Nomination) -> Command {
    match nomination.status {
        Status::Invited => Command::ResendInvitation,
        _ => Command::SendInvitation,
    }
}

/// The move an invitation's delivery makes: `confirmed` → `invited` (or
/// `invited` again), with the link just sent as the only one that works.
fn invited<'a>(nomination: &'a Nomination, sent: &'a SentInvitation, now: DateTime<Utc>) -> AfterDelivery<'a> {
    let to = Status::Invited;
    let command = invitation_command(nomination);
    AfterDelivery::Move(NominationMove {
        invitation: Some(sent),
        ..NominationMove::new(
            nomination,
            to,
            now,
            AuditEvent::moved(now, Actor::System, command, nomination.status, to),
            Vec::new(),
        )
    })
}
