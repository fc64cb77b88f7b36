//! A person's rights over what the system holds about them: the
//! subject-access export (their data, nobody else's) and erasure (their data
//! gone, the audit trail kept without it).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::audit::{Actor, AuditEvent, Happening};
use crate::i18n::Language;
use crate::lifecycle::Status;
use crate::membership::Member;
use crate::message::{Message, Reader};
use crate::nomination::{Links, Nomination, NominationId, Nominator, Nominee, Rationale, SelfIdentification};
use crate::person::EmailAddress;
use crate::roster::RosterEntry;

/// How a person appears in a nomination. A self-nomination is both nominee
/// and nominator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PersonRole {
    Nominee,
    Nominator,
    Endorser,
}

impl PersonRole {
    pub fn code(self) -> &'static str {
        match self {
            PersonRole::Nominee => "nominee",
            PersonRole::Nominator => "nominator",
            PersonRole::Endorser => "endorser",
        }
    }

    /// Whether the nomination itself is about or by the person: then erasing
    /// them erases the nomination's personal data as a whole. An endorser
    /// only loses their endorsement.
    pub fn owns_nomination(self) -> bool {
        self != PersonRole::Endorser
    }
}

/// Everything held about one person, as the export shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SubjectAccessExport {
    pub email: EmailAddress,
    pub exported_at: DateTime<Utc>,
    pub nominations: Vec<NominationHeld>,
    pub endorsements: Vec<EndorsementHeld>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub member: Option<MemberHeld>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roster_entry: Option<RosterEntry>,
}

impl SubjectAccessExport {
    /// What the export held, in numbers: the staff's log of exports says
    /// this, never whose data it was.
    pub fn summary(&self) -> String {
        format!(
            "{} nominations, {} endorsements, {} member record, {} roster entry",
            self.nominations.len(),
            self.endorsements.len(),
            usize::from(self.member.is_some()),
            usize::from(self.roster_entry.is_some()),
        )
    }

    /// Every nomination the export draws on: each is told, in its audit
    /// trail, that it was exported and by whom.
    pub fn nominations_read(&self) -> Vec<NominationId> {
        let mut ids: Vec<NominationId> = self
            .nominations
            .iter()
            .map(|held| held.id)
            .chain(self.endorsements.iter().map(|held| held.nomination_id))
            .chain(self.member.iter().filter_map(|held| held.member.nomination_id))
            .collect();
        ids.sort_unstable_by_key(|id| id.to_string());
        ids.dedup();
        ids
    }
}

/// A nomination as one of its people sees it: their own part of it, never
/// the other party's name or address.
#[derive(Debug, Clone, Serialize)]
pub struct NominationHeld {
    pub id: NominationId,
    pub roles: Vec<PersonRole>,
    pub status: Status,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub language: Language,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominee: Option<Nominee>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nominator: Option<Nominator>,
    pub rationale: Rationale,
    pub links: Links,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_identification: Option<SelfIdentification>,
    pub information_added: Vec<InformationHeld>,
    pub history: Vec<Happened>,
    pub messages: Vec<MessageHeld>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InformationHeld {
    pub at: DateTime<Utc>,
    pub information: String,
}

/// One step of a record's history: by role only, as staff and members are
/// other people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Happened {
    pub at: DateTime<Utc>,
    pub by: &'static str,
    #[serde(flatten)]
    pub happening: Happening,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl From<&AuditEvent> for Happened {
    fn from(event: &AuditEvent) -> Self {
        let by = match event.actor {
            Actor::Nominator => "nominator",
            Actor::Endorser => "endorser",
            Actor::Nominee => "nominee",
            Actor::Vetter(_) => "imi_vetter",
            Actor::Confirmer(_) => "iln_member",
            Actor::Admin(_) => "imi_administrator",
            Actor::Member(_) => "member",
            Actor::System => "system",
        };
        Self {
            at: event.at,
            by,
            happening: event.happening.clone(),
            reason: event.reason.clone(),
        }
    }
}

/// A message as the outbox keeps it, for the export to choose from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub message: Message,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A message sent to the person: what and when. Its text is the template
/// filled with the data exported beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MessageHeld {
    pub id: String,
    pub kind: &'static str,
    pub status: String,
    pub created_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}

impl NominationHeld {
    /// `nomination` as seen by someone with `roles` in it.
    pub fn new(
        nomination: &Nomination,
        roles: Vec<PersonRole>,
        information_added: Vec<InformationHeld>,
        audit: &[AuditEvent],
        messages: &[SentMessage],
    ) -> Self {
        let is = |role| roles.contains(&role);
        let submission = &nomination.submission;
        let readers: Vec<Reader> = roles
            .iter()
            .filter_map(|role| match role {
                PersonRole::Nominee => Some(Reader::Nominee),
                PersonRole::Nominator => Some(Reader::Nominator),
                PersonRole::Endorser => None,
            })
            .collect();
        let messages = messages
            .iter()
            .filter(|sent| readers.contains(&sent.message.reader()))
            .map(|sent| MessageHeld {
                id: sent.message.id().to_string(),
                kind: sent.message.kind(),
                status: sent.status.clone(),
                created_at: sent.created_at,
                delivered_at: sent.delivered_at,
            })
            .collect();
        let by_nominator = is(PersonRole::Nominator);
        Self {
            id: nomination.id,
            status: nomination.status,
            submitted_at: nomination.submitted_at,
            updated_at: nomination.updated_at,
            language: submission.language,
            nominee: is(PersonRole::Nominee).then(|| submission.nominee.clone()),
            nominator: by_nominator.then(|| submission.nominator.clone()),
            // About the nominee and written by the nominator: both may see it.
            rationale: submission.rationale.clone(),
            links: submission.links.clone(),
            self_identification: submission.self_identification.clone().filter(|_| by_nominator),
            information_added: if by_nominator { information_added } else { Vec::new() },
            history: audit.iter().map(Happened::from).collect(),
            messages,
            roles,
        }
    }
}

/// An endorsement the person gave of someone else's nomination: their own
/// words, not the nomination.
#[derive(Debug, Clone, Serialize)]
pub struct EndorsementHeld {
    pub nomination_id: NominationId,
    pub at: DateTime<Utc>,
    pub endorser: Nominator,
    pub rationale: Rationale,
    pub links: Links,
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberHeld {
    #[serde(flatten)]
    pub member: Member,
    pub history: Vec<Happened>,
}

/// A card posted about an erased nomination: where it is, by Slack's
/// channel id and timestamp.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedCard {
    pub channel: crate::slack::Channel,
    pub slack_channel: String,
    pub ts: String,
}

/// What erasing a nomination tells Slack: every card posted about it is
/// replaced by one that names nobody.
pub fn erased_cards(nomination_id: NominationId, cards: impl IntoIterator<Item = PostedCard>) -> Vec<Message> {
    cards
        .into_iter()
        .map(|card| Message::DataErased {
            nomination_id,
            channel: card.channel,
            card_channel: card.slack_channel,
            card_ts: card.ts,
        })
        .collect()
}

/// What erasure did, for the administrator who asked: counts only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Erasure {
    pub nominations: usize,
    pub endorsements: usize,
    pub messages: usize,
    pub member: bool,
    pub roster_entry: bool,
}

/// How far one request went with an erasure. A stopped erasure is finished
/// by asking again: what is erased stays erased, and what was left is found
/// again through the person's links, removed last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErasureProgress {
    Complete(Erasure),
    /// Out of time before every nomination was erased; the counts are this
    /// request's.
    Stopped(Erasure),
}

impl AuditEvent {
    pub fn personal_data_erased(at: DateTime<Utc>, admin: &str) -> Self {
        AuditEvent::by_admin(at, admin, Happening::PersonalDataErased)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::nomination;

    fn sent(message: Message) -> SentMessage {
        SentMessage {
            message,
            status: "delivered".to_owned(),
            created_at: Utc::now(),
            delivered_at: None,
        }
    }

    #[test]
    fn erasing_a_nomination_replaces_each_card_posted_about_it() {
        let nomination = nomination(Status::InDiscussion, 3, Language::En);
        let cards = [crate::slack::Channel::Vetting, crate::slack::Channel::Iln].map(|channel| PostedCard {
            channel,
            slack_channel: format!("C{}", channel.code()),
            ts: "1.2".to_owned(),
        });
        let messages = erased_cards(nomination.id, cards);
        assert_eq!(messages.len(), 2);
        assert!(
            messages
                .iter()
                .all(|m| matches!(m, Message::DataErased { card_ts, .. } if card_ts == "1.2"))
        );
        assert!(erased_cards(nomination.id, []).is_empty());
    }

    #[test]
    fn a_nominee_sees_their_part_and_their_mail_but_not_the_nominator() {
        let nomination = nomination(Status::Invited, 5, Language::En);
        let messages = [
            sent(Message::Invitation {
                nomination_id: nomination.id,
                round: 0,
            }),
            sent(Message::Rejection {
                nomination_id: nomination.id,
                addressee: crate::message::Addressee::nominator_of(&nomination),
                reason: None,
            }),
        ];
        let held = NominationHeld::new(&nomination, vec![PersonRole::Nominee], Vec::new(), &[], &messages);

        assert!(held.nominee.is_some() && held.nominator.is_none());
        assert_eq!(held.messages.len(), 1);
        assert_eq!(held.messages[0].kind, "invitation");
        let json = serde_json::to_string(&held).unwrap();
        assert!(!json.contains(nomination.submission.nominator.email.as_str()));
    }

    #[test]
    fn a_nominator_sees_their_part_but_not_the_nominee_contact() {
        let nomination = nomination(Status::AwaitingVetting, 2, Language::En);
        let held = NominationHeld::new(&nomination, vec![PersonRole::Nominator], Vec::new(), &[], &[]);

        assert!(held.nominee.is_none() && held.nominator.is_some());
        let json = serde_json::to_string(&held).unwrap();
        assert!(!json.contains(nomination.submission.nominee.email.as_str()));
    }

    #[test]
    fn history_names_roles_never_staff_accounts() {
        let event = AuditEvent::by_admin(Utc::now(), "admin-subject-123", Happening::ResendRequested);
        let happened = Happened::from(&event);
        assert_eq!(happened.by, "imi_administrator");
        assert!(!serde_json::to_string(&happened).unwrap().contains("admin-subject-123"));
    }
}
