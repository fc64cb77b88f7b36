//! The messages a change of state causes. Each is stored in the outbox in the
//! same write as the change, and rendered only when it is delivered.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::delivery::FailureReason;
use crate::i18n::Language;
use crate::nomination::{Nomination, NominationId};
use crate::pages::{self, PublicBaseUrl, RenderError};
use crate::person::{EmailAddress, PersonName};
use crate::slack::Channel;
use crate::slack::interaction::SlackUserId;
use crate::token::{LinkKey, LinkValidity, Token, TokenPurpose};

/// What the links in e-mails are made of: where the system answers, the key
/// their tokens are derived from, and how long each kind works.
#[derive(Debug, Clone)]
pub struct MailLinks {
    pub base_url: PublicBaseUrl,
    pub key: LinkKey,
    pub validity: LinkValidity,
}

/// Who an e-mail to a nominator goes to, and in which language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    pub to: EmailAddress,
    pub language: Language,
    pub nominator_name: PersonName,
    pub nominee_name: PersonName,
}

impl Addressee {
    pub fn nominator_of(nomination: &Nomination) -> Self {
        let submission = &nomination.submission;
        Self {
            to: submission.nominator.email.clone(),
            language: submission.language,
            nominator_name: submission.nominator.name.clone(),
            nominee_name: submission.nominee.name.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// Asks the nominator to confirm their address before anyone vets.
    NominatorVerification {
        nomination_id: NominationId,
        #[serde(flatten)]
        addressee: Addressee,
    },
    /// Tells the nominator the nomination will not go forward.
    Rejection {
        nomination_id: NominationId,
        #[serde(flatten)]
        addressee: Addressee,
        /// Only when the vetter chose to share it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    /// Asks the nominator a vetter's question, with a link to answer it.
    InformationRequest {
        nomination_id: NominationId,
        /// The nomination's version when asked: one message per request.
        request: u64,
        #[serde(flatten)]
        addressee: Addressee,
        question: String,
    },
    /// The nomination's card in the vetting channel.
    VettingCard { nomination_id: NominationId },
    /// The nomination's card in the ILN channel.
    IlnCard { nomination_id: NominationId },
    /// A note in the vetting card's thread: the nominator answered.
    InformationAdded { nomination_id: NominationId, request: u64 },
    /// The card in `channel` shown again as the nomination now stands.
    CardUpdate {
        nomination_id: NominationId,
        channel: Channel,
        version: u64,
    },
    /// A concern an ILN member raised, posted in the ILN card's thread.
    ConcernRaised {
        nomination_id: NominationId,
        by: SlackUserId,
        concern: String,
        key: String,
    },
    /// A private answer to one person's click in a channel.
    Ephemeral {
        nomination_id: NominationId,
        channel: String,
        user: SlackUserId,
        text: String,
        key: String,
    },
    /// The nominee's invitation, with the link to accept or decline; each
    /// resend is a new round with a new link.
    Invitation {
        nomination_id: NominationId,
        #[serde(default)]
        round: u32,
    },
    /// Reminds the nominee of an unanswered invitation, with the link of
    /// the round it reminds of.
    InvitationReminder { nomination_id: NominationId, round: u32 },
    /// Welcome to a new member, with how to join Slack.
    Welcome {
        nomination_id: NominationId,
        to: EmailAddress,
        language: Language,
        member_name: PersonName,
        slack_join_url: String,
    },
    /// Tells a member they are derecognised.
    Derecognition {
        nomination_id: NominationId,
        to: EmailAddress,
        language: Language,
        member_name: PersonName,
        reason: String,
    },
    /// Refers a derecognition to IMI's Independent Advisory Committee.
    IacReferral {
        nomination_id: NominationId,
        to: EmailAddress,
        member_id: String,
        country: String,
        reason: String,
    },
    /// The day's list of nominations waiting too long for vetting, posted in
    /// the vetting channel and mailed to the vetters: references only.
    VettingDigest {
        date: String,
        references: Vec<NominationId>,
        to: Option<EmailAddress>,
    },
    /// Tells the vetting channel that a message keeps failing: its kind and
    /// nomination reference, never its content.
    DeliveryAlert {
        message_id: String,
        failing_kind: String,
        nomination_id: Option<NominationId>,
        attempts: u32,
    },
    /// Tells the vetting channel that a message was set aside for a person
    /// (`GET /admin/outbox?status=failed`): its kind, nomination reference
    /// and why, never its content or address.
    DeliveryFailed {
        message_id: String,
        failing_kind: String,
        nomination_id: Option<NominationId>,
        reason: FailureReason,
    },
    /// A reminder in a card's thread that a decision is still due.
    Reminder {
        nomination_id: NominationId,
        channel: Channel,
        date: String,
        text: String,
    },
    /// A card shown again without the personal data erased from its
    /// nomination; where the card is travels with the message, as the
    /// nomination no longer holds anything to render.
    DataErased {
        nomination_id: NominationId,
        channel: Channel,
        card_channel: String,
        card_ts: String,
    },
    /// A message posted in a channel (not a card, not a thread).
    ChannelNote {
        nomination_id: NominationId,
        channel: Channel,
        text: String,
        key: String,
    },
}

/// Identifies a message so that causing it twice stores it once: the
/// nomination and what the message is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// An id as a request or a mail service hands it back: it only names a
    /// message, so an unknown one simply finds nothing.
    pub fn from_reference(reference: &str) -> Self {
        Self(reference.to_owned())
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Email,
    /// A card posted to a channel; its channel and timestamp are kept so it
    /// can be updated.
    Card(Channel),
    /// A reply in the thread of the nomination's card in a channel.
    Thread(Channel),
    /// The nomination's card in a channel, updated in place.
    CardUpdate(Channel),
    /// A message only one person sees.
    Ephemeral,
    /// The invitation e-mail, rendered from the nomination.
    Invitation,
    /// The invitation's reminder, sent only while its link is the one that
    /// works.
    InvitationReminder,
    /// A message posted in a channel.
    Note(Channel),
    /// A card updated to show its nomination's personal data was erased.
    ErasedCard,
}

/// Whom a message is for, as far as personal data goes: what a person's
/// subject-access export lists as sent to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    Nominator,
    Nominee,
    /// IMI's staff, the channels, or the IAC.
    Staff,
}

impl Message {
    pub fn id(&self) -> MessageId {
        let id = match self {
            Message::VettingDigest { date, to, .. } => {
                let kind = if to.is_some() { "mail" } else { "card" };
                return MessageId(format!("digest.{kind}.{date}"));
            }
            Message::DeliveryAlert { message_id, .. } => return MessageId(format!("alert.{message_id}")),
            Message::DeliveryFailed { message_id, .. } => return MessageId(format!("alert.failed.{message_id}")),
            other => other.nomination_id().map(|id| id.to_string()).unwrap_or_default(),
        };
        MessageId(match self {
            Message::NominatorVerification { .. } => format!("{id}.nominator_verification"),
            Message::Rejection { .. } => format!("{id}.rejection"),
            Message::InformationRequest { request, .. } => format!("{id}.information_request.{request}"),
            Message::VettingCard { .. } => format!("{id}.vetting_card"),
            Message::IlnCard { .. } => format!("{id}.iln_card"),
            Message::InformationAdded { request, .. } => format!("{id}.information_added.{request}"),
            Message::CardUpdate { channel, version, .. } => format!("{id}.card_update.{}.{version}", channel.code()),
            Message::ConcernRaised { key, .. } => format!("{id}.concern.{key}"),
            Message::Ephemeral { key, .. } => format!("{id}.ephemeral.{key}"),
            Message::Invitation { round, .. } => format!("{id}.invitation.{round}"),
            Message::InvitationReminder { round, .. } => format!("{id}.invitation_reminder.{round}"),
            Message::Welcome { .. } => format!("{id}.welcome"),
            Message::Derecognition { .. } => format!("{id}.derecognition"),
            Message::IacReferral { .. } => format!("{id}.iac_referral"),
            Message::VettingDigest { .. } | Message::DeliveryAlert { .. } | Message::DeliveryFailed { .. } => {
                unreachable!("returned above")
            }
            Message::Reminder { channel, date, .. } => format!("{id}.reminder.{}.{date}", channel.code()),
            Message::ChannelNote { channel, key, .. } => format!("{id}.note.{}.{key}", channel.code()),
            Message::DataErased { channel, .. } => format!("{id}.erased.{}", channel.code()),
        })
    }

    /// The nomination the message is about; `None` for a digest of many.
    pub fn nomination_id(&self) -> Option<NominationId> {
        match self {
            Message::VettingDigest { .. } => None,
            Message::DeliveryAlert { nomination_id, .. } | Message::DeliveryFailed { nomination_id, .. } => {
                *nomination_id
            }
            Message::Reminder { nomination_id, .. } => Some(*nomination_id),
            Message::NominatorVerification { nomination_id, .. }
            | Message::Rejection { nomination_id, .. }
            | Message::InformationRequest { nomination_id, .. }
            | Message::VettingCard { nomination_id }
            | Message::IlnCard { nomination_id }
            | Message::InformationAdded { nomination_id, .. }
            | Message::CardUpdate { nomination_id, .. }
            | Message::ConcernRaised { nomination_id, .. }
            | Message::Ephemeral { nomination_id, .. }
            | Message::Invitation { nomination_id, .. }
            | Message::InvitationReminder { nomination_id, .. }
            | Message::Welcome { nomination_id, .. }
            | Message::Derecognition { nomination_id, .. }
            | Message::IacReferral { nomination_id, .. }
            | Message::ChannelNote { nomination_id, .. }
            | Message::DataErased { nomination_id, .. } => Some(*nomination_id),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Message::NominatorVerification { .. } => "nominator_verification",
            Message::Rejection { .. } => "rejection",
            Message::InformationRequest { .. } => "information_request",
            Message::VettingCard { .. } => "vetting_card",
            Message::IlnCard { .. } => "iln_card",
            Message::InformationAdded { .. } => "information_added",
            Message::CardUpdate { .. } => "card_update",
            Message::ConcernRaised { .. } => "concern_raised",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Invitation { .. } => "invitation",
            Message::InvitationReminder { .. } => "invitation_reminder",
            Message::Welcome { .. } => "welcome",
            Message::Derecognition { .. } => "derecognition",
            Message::IacReferral { .. } => "iac_referral",
            Message::ChannelNote { .. } => "channel_note",
            Message::DataErased { .. } => "data_erased",
            Message::VettingDigest { .. } => "vetting_digest",
            Message::DeliveryAlert { .. } => "delivery_alert",
            Message::DeliveryFailed { .. } => "delivery_failed",
            Message::Reminder { .. } => "reminder",
        }
    }

    pub fn route(&self) -> Route {
        match self {
            Message::NominatorVerification { .. } | Message::Rejection { .. } | Message::InformationRequest { .. } => {
                Route::Email
            }
            Message::VettingCard { .. } => Route::Card(Channel::Vetting),
            Message::IlnCard { .. } => Route::Card(Channel::Iln),
            Message::InformationAdded { .. } => Route::Thread(Channel::Vetting),
            Message::CardUpdate { channel, .. } => Route::CardUpdate(*channel),
            Message::ConcernRaised { .. } => Route::Thread(Channel::Iln),
            Message::Ephemeral { .. } => Route::Ephemeral,
            Message::Invitation { .. } => Route::Invitation,
            Message::InvitationReminder { .. } => Route::InvitationReminder,
            Message::Welcome { .. } | Message::Derecognition { .. } | Message::IacReferral { .. } => Route::Email,
            Message::ChannelNote { channel, .. } => Route::Note(*channel),
            Message::DataErased { .. } => Route::ErasedCard,
            Message::VettingDigest { to: Some(_), .. } => Route::Email,
            Message::VettingDigest { to: None, .. }
            | Message::DeliveryAlert { .. }
            | Message::DeliveryFailed { .. } => Route::Note(Channel::Vetting),
            Message::Reminder { channel, .. } => Route::Thread(*channel),
        }
    }

    pub fn reader(&self) -> Reader {
        match self {
            Message::NominatorVerification { .. } | Message::Rejection { .. } | Message::InformationRequest { .. } => {
                Reader::Nominator
            }
            Message::Invitation { .. }
            | Message::InvitationReminder { .. }
            | Message::Welcome { .. }
            | Message::Derecognition { .. } => Reader::Nominee,
            _ => Reader::Staff,
        }
    }

    /// The links the message carries, each stored by hash when it is sent.
    pub fn link_purposes(&self) -> &'static [TokenPurpose] {
        match self {
            Message::NominatorVerification { .. } => {
                &[TokenPurpose::VerifyNominatorEmail, TokenPurpose::WithdrawNomination]
            }
            Message::InformationRequest { .. } => &[TokenPurpose::ProvideInformation],
            Message::Invitation { .. } => &[TokenPurpose::AnswerInvitation],
            _ => &[],
        }
    }

    /// The token of this message's link for `purpose`.
    pub fn link(&self, key: &LinkKey, purpose: TokenPurpose) -> Token {
        key.token(purpose, &self.id())
    }

    /// The text of a thread note: references only, no personal data.
    pub fn thread_note(&self) -> Option<String> {
        match self {
            Message::InformationAdded { nomination_id, .. } => Some(format!(
                ":memo: The nominator added information to nomination {nomination_id}; it is back in the vetting queue."
            )),
            Message::Reminder { text, .. } => Some(text.clone()),
            Message::ConcernRaised { by, concern, .. } => Some(format!(
                ":warning: Concern raised by {}:\n>{}",
                by.mention(),
                crate::slack::escape(&crate::slack::truncate(concern, 2_000)).replace('\n', "\n>")
            )),
            _ => None,
        }
    }

    /// The e-mail, in its reader's language, with the token's link; `None`
    /// for messages that are not e-mails.
    pub fn render_email(&self, links: &MailLinks) -> Result<Option<Email>, RenderError> {
        let (base_url, key) = (&links.base_url, &links.key);
        let (addressee, template, context) = match self {
            Message::NominatorVerification { addressee, .. } => {
                let verify = self.link(key, TokenPurpose::VerifyNominatorEmail);
                let withdraw = self.link(key, TokenPurpose::WithdrawNomination);
                let context = minijinja::context! {
                    reference => self.nomination_id().map(|id| id.to_string()).unwrap_or_default(),
                    verify_url => base_url.link(pages::VERIFY_PATH, &[("token", verify.as_str())]),
                    withdraw_url => base_url.link(pages::WITHDRAW_PATH, &[("token", withdraw.as_str())]),
                    valid_hours => links.validity.of(TokenPurpose::VerifyNominatorEmail).num_hours(),
                };
                (addressee, "nominator_verification", context)
            }
            Message::Rejection { addressee, reason, .. } => {
                (addressee, "rejection", minijinja::context! { reason => reason })
            }
            Message::InformationRequest {
                addressee, question, ..
            } => {
                let token = self.link(key, TokenPurpose::ProvideInformation);
                let context = minijinja::context! {
                    question => question,
                    information_url => base_url.link("/nominations/information", &[("token", token.as_str())]),
                    valid_days => links.validity.of(TokenPurpose::ProvideInformation).num_days(),
                };
                (addressee, "information_request", context)
            }
            Message::Welcome {
                to,
                language,
                member_name,
                slack_join_url,
                ..
            } => {
                let context =
                    minijinja::context! { member_name => member_name.as_str(), slack_join_url => slack_join_url };
                return email(to, *language, "welcome", &[], &context).map(Some);
            }
            Message::Derecognition {
                to,
                language,
                member_name,
                reason,
                ..
            } => {
                let context = minijinja::context! { member_name => member_name.as_str(), reason => reason };
                return email(to, *language, "derecognition", &[], &context).map(Some);
            }
            Message::IacReferral {
                to,
                member_id,
                country,
                reason,
                ..
            } => {
                let context = minijinja::context! { reference => member_id, country => country, reason => reason };
                return email(
                    to,
                    Language::En,
                    "iac_referral",
                    &[("{reference}", member_id)],
                    &context,
                )
                .map(Some);
            }
            Message::VettingDigest {
                to: Some(to),
                date,
                references,
            } => {
                let references: Vec<String> = references.iter().map(ToString::to_string).collect();
                let context = minijinja::context! { date => date, references => references };
                return email(to, Language::En, "vetting_digest", &[("{date}", date)], &context).map(Some);
            }
            _ => return Ok(None),
        };
        let context = minijinja::context! {
            nominator_name => addressee.nominator_name.as_str(),
            nominee_name => addressee.nominee_name.as_str(),
            ..context
        };
        let subject = [("{nominee_name}", addressee.nominee_name.as_str())];
        email(&addressee.to, addressee.language, template, &subject, &context).map(Some)
    }
}

/// An e-mail from `templates/emails/<template>.{txt,html}`, its subject from
/// the catalog with `{placeholders}` filled in.
pub fn email(
    to: &EmailAddress,
    language: Language,
    template: &str,
    subject_values: &[(&str, &str)],
    context: &minijinja::Value,
) -> Result<Email, RenderError> {
    let subject = subject_values.iter().fold(
        language.text(&format!("emails.{template}.subject")),
        |subject, (placeholder, value)| subject.replace(placeholder, value),
    );
    Ok(Email {
        to: to.clone(),
        subject,
        text: pages::render_email(&format!("emails/{template}.txt"), language, context)?,
        html: pages::render_email(&format!("emails/{template}.html"), language, context)?,
    })
}

impl Message {
    /// The text of a channel note or digest card: references only.
    pub fn note_text(&self) -> Option<String> {
        match self {
            Message::ChannelNote { text, .. } => Some(text.clone()),
            Message::DeliveryAlert {
                failing_kind,
                nomination_id,
                attempts,
                ..
            } => Some(format!(
                ":warning: A {failing_kind} message{} has failed {attempts} times; the outbox tries it again with \
                 growing pauses and sets it aside for an admin if it keeps failing.",
                for_nomination(*nomination_id)
            )),
            Message::DeliveryFailed {
                message_id,
                failing_kind,
                nomination_id,
                reason,
            } => Some(format!(
                ":x: A {failing_kind} message{} could not be delivered: {}. It is set aside for an admin \
                 (`GET /admin/outbox?status=failed`, message `{message_id}`).",
                for_nomination(*nomination_id),
                reason.describe()
            )),
            Message::VettingDigest { date, references, .. } => Some(format!(
                ":hourglass: {date}: {} nomination(s) have waited too long for vetting: {}",
                references.len(),
                references
                    .iter()
                    .map(|id| format!("`{id}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }
}

fn for_nomination(id: Option<NominationId>) -> String {
    id.map(|id| format!(" for nomination {id}")).unwrap_or_default()
}

#[cfg(test)]
mod tests;
