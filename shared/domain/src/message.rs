//! The messages a change of state causes. Each is stored in the outbox in the
//! same write as the change, and rendered only when it is delivered.

mod content;
mod kinds;
mod notes;

use serde::{Deserialize, Serialize};
use std::fmt;

pub use content::email;
pub use notes::SlackNote;

use crate::audit::Actor;
use crate::delivery::FailureReason;
use crate::i18n::Language;
use crate::membership::MemberId;
use crate::nomination::{Nomination, NominationId};
use crate::pages::PublicBaseUrl;
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
    /// What the privacy texts in mail name.
    pub policies: crate::pages::PolicyLinks,
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

/// A message as the outbox stores it: this serialized form is read back
/// after deployments, so a variant or field is never renamed. A new kind is a
/// variant here and an arm in `Message::spec` (`kinds.rs`), which says what
/// the kind is; an e-mail or a note also says its words in `content.rs`.
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
    /// A concern a vetter resolved, posted in the ILN card's thread with
    /// the resolution's note.
    ConcernResolved {
        nomination_id: NominationId,
        concern_id: String,
        by: Actor,
        note: String,
    },
    /// A private answer to one person's click in a channel, already in
    /// their language (the webhook knows it; the outbox does not).
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
    /// A member's sign-in link to their own page. One per member per
    /// `member_access::SIGN_IN_WINDOW` (`window` numbers it): asking again
    /// within it sends nothing more.
    MemberSignIn {
        nomination_id: NominationId,
        member_id: MemberId,
        to: EmailAddress,
        language: Language,
        window: u64,
    },
    /// Asks a member to confirm, from the new address, the address they
    /// want IMI to write to. One per member per window, like the sign-in.
    MemberAddressConfirmation {
        nomination_id: NominationId,
        member_id: MemberId,
        /// The address when it was asked: confirming changes only that one.
        from: EmailAddress,
        to: EmailAddress,
        language: Language,
        window: u64,
    },
    /// Tells a member, at the address they leave, that it was changed.
    MemberAddressChanged {
        nomination_id: NominationId,
        to: EmailAddress,
        language: Language,
        at: chrono::DateTime<chrono::Utc>,
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
    /// Refers a nomination under discussion to the IAC, with its file as the
    /// ILN sees it and the concerns raised, rendered when referred.
    NominationReferral {
        nomination_id: NominationId,
        to: EmailAddress,
        reason: String,
        file: String,
        /// When referred: a later referral of the same nomination is a new
        /// message.
        at: chrono::DateTime<chrono::Utc>,
    },
    /// Tells the nominator the process has concluded: no outcome, no reasons,
    /// no names of who decided.
    ProcessConcluded {
        nomination_id: NominationId,
        #[serde(flatten)]
        addressee: Addressee,
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
        /// English; what is posted when `note` is absent (stored before
        /// notes were data).
        text: String,
        /// What it says, worded at delivery in the channel's language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<SlackNote>,
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
    /// Adds a new member to the ILN channel, if Slack has a user with their
    /// address (the welcome mail's join link serves those it has not).
    IlnChannelInvite {
        nomination_id: NominationId,
        member_id: MemberId,
        to: EmailAddress,
    },
    /// Removes a derecognised member from the ILN channel.
    IlnChannelRemoval {
        nomination_id: NominationId,
        member_id: MemberId,
        to: EmailAddress,
    },
    /// Tells the vetting channel that Slack refused a change of the ILN
    /// channel's membership: Slack's error code and the message to retry,
    /// never who.
    IlnChannelRefused {
        nomination_id: NominationId,
        message_id: String,
        removal: bool,
        slack_error: String,
    },
    /// Tells the nominee, before the ILN discusses them, that they were
    /// nominated and what that means for their data, with a link to object
    /// (and, when `consent`, to agree).
    NomineeNotice {
        nomination_id: NominationId,
        to: EmailAddress,
        language: Language,
        nominee_name: PersonName,
        consent: bool,
    },
    /// A message posted in a channel (not a card, not a thread).
    ChannelNote {
        nomination_id: NominationId,
        channel: Channel,
        /// English; what is posted when `note` is absent (stored before
        /// notes were data).
        text: String,
        key: String,
        /// What it says, worded at delivery in the channel's language.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<SlackNote>,
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
    /// A change of who is in the ILN channel (`conversations.invite`,
    /// `conversations.kick`).
    IlnChannel,
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
    /// Causing the same message twice gives the same id, so it is stored
    /// once.
    pub fn id(&self) -> MessageId {
        MessageId(self.spec().key.to_string())
    }

    /// The nomination the message is about; `None` for a digest of many.
    pub fn nomination_id(&self) -> Option<NominationId> {
        self.spec().nomination_id
    }

    /// The member whose links the message carries: their tokens name them.
    pub fn member_id(&self) -> Option<MemberId> {
        match self {
            Message::MemberSignIn { member_id, .. } | Message::MemberAddressConfirmation { member_id, .. } => {
                Some(*member_id)
            }
            _ => None,
        }
    }

    pub fn kind(&self) -> &'static str {
        self.spec().kind
    }

    pub fn route(&self) -> Route {
        self.spec().route
    }

    pub fn reader(&self) -> Reader {
        self.spec().reader
    }

    /// The links the message carries, each stored by hash when it is sent.
    pub fn link_purposes(&self) -> &'static [TokenPurpose] {
        self.spec().links
    }

    /// The token of this message's link for `purpose`.
    pub fn link(&self, key: &LinkKey, purpose: TokenPurpose) -> Token {
        key.token(purpose, &self.id())
    }
}

#[cfg(test)]
mod examples;
#[cfg(test)]
mod tests;
