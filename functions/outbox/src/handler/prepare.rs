//! Rendering a message before it is claimed, or saying why it will not be sent.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::Dossier;
use iln_adapters::dynamodb::OutboxStatus;
use iln_adapters::slack::PostedMessage;
use iln_domain::EmailAddress;
use iln_domain::Status;
use iln_domain::findings;
use iln_domain::membership;
use iln_domain::membership::MemberId;
use iln_domain::membership::SentInvitation;
use iln_domain::message::{Email, Message, Route};
use iln_domain::nominee_notice;
use iln_domain::reminders;
use iln_domain::slack::{self, Channel, SlackMessage};
use iln_domain::step::Step;
use iln_domain::token::TokenPurpose;

use super::{App, Retry};

/// A message ready to go out, rendered before it is claimed so that a
/// rendering fault never leaves a claimed, unsent message.
pub(super) enum Prepared {
    Email(Email),
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
    /// A member added to (or removed from) the ILN channel.
    IlnChannel(ChannelChange),
}

/// Who joins or leaves the ILN channel.
pub(super) struct ChannelChange {
    pub(super) member: MemberId,
    pub(super) email: EmailAddress,
    pub(super) removal: bool,
}

impl Prepared {
    /// The address an e-mail goes to: claimed only while not suppressed.
    pub(super) fn mailed_to(&self) -> Option<&EmailAddress> {
        match self {
            Prepared::Email(email) | Prepared::Invitation(email, ..) => Some(&email.to),
            _ => None,
        }
    }
}

/// What a message comes to before it is claimed.
pub(super) enum Preparation {
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
const NOTICE_NOT_SENT: &str = "the nominee's notice is not sent yet";

/// The nominee is told before the ILN discusses them: the ILN card waits
/// until their notice was delivered, and is not posted at all once they
/// objected. `None`: the card may go.
async fn iln_card_waits(app: &App, dossier: &Dossier) -> Result<Option<Preparation>, Retry> {
    let nomination = &dossier.nomination;
    if nomination.status == Status::Objected {
        return Ok(Some(Preparation::Moot("the nominee objected")));
    }
    let notice = nominee_notice::notice(nomination, false).id();
    let delivered = app
        .table
        .outbox_message(&notice)
        .await?
        .is_some_and(|message| message.status == OutboxStatus::Delivered);
    Ok((!delivered).then_some(Preparation::NotYet(NOTICE_NOT_SENT)))
}

/// Renders `message`, or says why it will not be sent.
pub(super) async fn prepare(app: &App, message: &Message, now: DateTime<Utc>) -> Result<Preparation, Retry> {
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
            if channel == Channel::Iln {
                if let Some(waiting) = iln_card_waits(app, &dossier).await? {
                    return Ok(waiting);
                }
            }
            let findings = findings_of(app, &dossier).await?;
            let context = app.card_context(channel);
            let card = match channel {
                Channel::Vetting => slack::vetting_card(&dossier.nomination, &findings, &context),
                Channel::Iln => slack::iln_card(&dossier.nomination, &findings, &context),
            };
            Ok(Ready(Prepared::Card(channel, card)))
        }
        Route::CardUpdate(channel) => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let Some(card) = dossier.card(channel).cloned() else {
                // An objection before the ILN card went out: it never will.
                if dossier.nomination.status == Status::Objected {
                    return Ok(Moot("the card was never posted"));
                }
                return Ok(NotYet(CARD_NOT_POSTED));
            };
            let findings = findings_of(app, &dossier).await?;
            Ok(Ready(Prepared::CardUpdate(
                card,
                slack::updated_card(&dossier.nomination, &findings, channel, &app.card_context(channel)),
            )))
        }
        Route::Note(channel) => Ok(message.note_text(app.languages.of(channel)).map_or(Parked, |text| {
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
                channel,
                card_channel,
                card_ts,
            } => {
                let card = PostedMessage {
                    channel: card_channel.clone(),
                    ts: card_ts.clone(),
                };
                let erased = slack::erased_card(*nomination_id, app.languages.of(*channel));
                Ok(Ready(Prepared::CardUpdate(card, erased)))
            }
            _ => Ok(Parked),
        },
        Route::IlnChannel => match message {
            Message::IlnChannelInvite { member_id, to, .. } => Ok(Ready(Prepared::IlnChannel(ChannelChange {
                member: *member_id,
                email: to.clone(),
                removal: false,
            }))),
            Message::IlnChannelRemoval { member_id, to, .. } => Ok(Ready(Prepared::IlnChannel(ChannelChange {
                member: *member_id,
                email: to.clone(),
                removal: true,
            }))),
            _ => Ok(Parked),
        },
        Route::Thread(channel) => {
            let Some(dossier) = dossier_of(app, message).await? else {
                return Ok(Moot(NOMINATION_GONE));
            };
            let Some(card) = dossier.card(channel).cloned() else {
                return Ok(NotYet(CARD_NOT_POSTED));
            };
            let text = message.thread_note(app.languages.of(channel)).unwrap_or_default();
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
