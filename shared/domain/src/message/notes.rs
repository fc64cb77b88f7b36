//! What a note or reminder posted in Slack says, as data: the outbox words
//! it in its channel's language when it delivers it, so the function that
//! causes a note (the invitations page, the daily run) needs no language.

use serde::{Deserialize, Serialize};

use super::Message;
use crate::i18n::Language;
use crate::nomination::{Country, NominationId};
use crate::person::PersonName;
use crate::slack::{Channel, escape};

/// Stored with `Message::ChannelNote` and `Message::Reminder` (their `note`):
/// a variant or field is never renamed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum SlackNote {
    InvitationExpired,
    InvitationDeclined,
    /// In the ILN channel: the new member by name and country.
    NewMember {
        name: PersonName,
        country: Country,
    },
    Derecognized {
        member: String,
        referred_to_iac: bool,
    },
    /// In the vetting channel: a member resigned from their own page.
    Resigned {
        member: String,
    },
    /// In the vetting channel: the nominee objected; nothing more about them.
    NomineeObjected,
    /// In the ILN card's thread: how long it has waited and how far it got.
    DiscussionReminder {
        waiting_days: i64,
        confirmations: usize,
        needed: usize,
    },
}

impl SlackNote {
    /// The note in `language`, about nomination `id`.
    pub fn render(&self, id: NominationId, language: Language) -> String {
        let reference = id.to_string();
        match self {
            SlackNote::InvitationExpired => {
                language.slack_text("notes.invitation_expired", &[("reference", &reference)])
            }
            SlackNote::NomineeObjected => language.slack_text("notes.nominee_objected", &[("reference", &reference)]),
            SlackNote::InvitationDeclined => {
                language.slack_text("notes.invitation_declined", &[("reference", &reference)])
            }
            SlackNote::NewMember { name, country } => language.slack_text(
                "notes.new_member",
                &[("name", &escape(name.as_str())), ("country", &escape(country.name()))],
            ),
            SlackNote::Derecognized {
                member,
                referred_to_iac,
            } => {
                let key = match referred_to_iac {
                    true => "notes.derecognized_referred",
                    false => "notes.derecognized",
                };
                language.slack_text(key, &[("member", &escape(member))])
            }
            SlackNote::Resigned { member } => language.slack_text("notes.resigned", &[("member", &escape(member))]),
            SlackNote::DiscussionReminder {
                waiting_days,
                confirmations,
                needed,
            } => language.slack_text(
                "notes.discussion_reminder",
                &[
                    ("days", &waiting_days.to_string()),
                    ("count", &confirmations.to_string()),
                    ("needed", &needed.to_string()),
                ],
            ),
        }
    }
}

impl Message {
    /// A note posted in `channel` about nomination `id`, worded at delivery.
    /// Its `text` is the English wording: what a note stored before notes
    /// were data says, and what an outbox not yet updated posts.
    pub fn channel_note(nomination_id: NominationId, channel: Channel, key: &str, note: SlackNote) -> Self {
        Message::ChannelNote {
            nomination_id,
            channel,
            text: note.render(nomination_id, Language::En),
            key: key.to_owned(),
            note: Some(note),
        }
    }

    /// A reminder in the thread of the nomination's card in `channel`, one a
    /// day (`date`), worded at delivery; its `text` as for `channel_note`.
    pub fn reminder(nomination_id: NominationId, channel: Channel, date: String, note: SlackNote) -> Self {
        Message::Reminder {
            nomination_id,
            channel,
            date,
            text: note.render(nomination_id, Language::En),
            note: Some(note),
        }
    }
}
