//! How domain values are laid out as items. Separate from the domain types
//! so that storage names can change without touching the rules.

use chrono::{DateTime, Datelike, Utc};
use iln_domain::audit::AuditEvent;
use iln_domain::coverage::Decision;
use iln_domain::discussion::Discussion;
use iln_domain::membership::SentInvitation;
use iln_domain::message::{Message, MessageId};
use iln_domain::nomination::LastMove;
use iln_domain::nomination::{Links, Nominator, Nominee, Rationale, SelfIdentification, Submission};
use iln_domain::privacy::PersonRole;
use iln_domain::roster::{RosterCategory, RosterEntry};
use iln_domain::token::TokenPurpose;
use iln_domain::{Language, Nomination, NominationId, Status};
use serde::{Deserialize, Serialize};

use super::keys;
use super::outbox::OutboxStatus;
use crate::slack::PostedMessage;
use iln_domain::delivery::FailureReason;

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NominationRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub id: NominationId,
    pub status: Status,
    pub version: u64,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub language: Language,
    pub nominee: Nominee,
    pub nominator: Nominator,
    pub rationale: Rationale,
    pub links: Links,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_identification: Option<SelfIdentification>,
    /// Absent on items written before the form asked: not shared.
    #[serde(default)]
    pub share_name_with_iln: bool,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    /// Where the nomination's cards were posted, once they were.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting_card: Option<PostedMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iln_card: Option<PostedMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_move: Option<LastMove>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discussion: Option<Discussion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitation: Option<SentInvitation>,
}

impl NominationRecord {
    /// A nomination created already in `status` (a direct invitation starts
    /// confirmed).
    pub fn in_status(id: NominationId, submission: &Submission, status: Status, now: DateTime<Utc>) -> Self {
        Self {
            pk: keys::nomination(id),
            sk: keys::NOMINATION_SK.to_owned(),
            entity: "nomination".to_owned(),
            id,
            status,
            version: 1,
            submitted_at: now,
            updated_at: now,
            language: submission.language,
            nominee: submission.nominee.clone(),
            nominator: submission.nominator.clone(),
            rationale: submission.rationale.clone(),
            links: submission.links.clone(),
            self_identification: submission.self_identification.clone(),
            share_name_with_iln: submission.share_name_with_iln,
            gsi1pk: keys::status_partition(status),
            gsi1sk: keys::due_sort_key(now, &id.to_string()),
            gsi2pk: keys::country_partition(&submission.nominee.country),
            gsi2sk: keys::country_nomination_sort_key(status, id),
            vetting_card: None,
            iln_card: None,
            last_move: None,
            discussion: None,
            invitation: None,
        }
    }

    pub fn into_domain(self) -> Nomination {
        Nomination {
            id: self.id,
            status: self.status,
            version: self.version,
            submitted_at: self.submitted_at,
            updated_at: self.updated_at,
            submission: Submission {
                nominee: self.nominee,
                nominator: self.nominator,
                rationale: self.rationale,
                links: self.links,
                self_identification: self.self_identification,
                language: self.language,
                share_name_with_iln: self.share_name_with_iln,
            },
            last_move: self.last_move,
            discussion: self.discussion,
            invitation: self.invitation,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct AuditRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    #[serde(flatten)]
    pub event: AuditEvent,
}

impl AuditRecord {
    pub fn new(nomination_id: NominationId, event: AuditEvent) -> Self {
        Self {
            pk: keys::nomination(nomination_id),
            sk: keys::audit_sk(event.at),
            entity: "audit_event".to_owned(),
            nomination_id,
            event,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct NomineeRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    pub nominator_identity: String,
}

/// The same nominator's unverified nomination of the same person.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PendingRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    /// Removed when the nomination leaves `submitted`; the TTL is only a
    /// safety net, well after the verification link's 72 hours.
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct EndorsementCountRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub count: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct EndorsementRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    /// The reference the endorser was given, so staff can trace it.
    pub receipt_id: NominationId,
    pub at: DateTime<Utc>,
    pub nominator: Nominator,
    pub rationale: Rationale,
    pub links: Links,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct TokenRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub purpose: TokenPurpose,
    pub nomination_id: NominationId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<iln_domain::membership::MemberId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<iln_domain::message::MessageId>,
    pub issued_at: DateTime<Utc>,
    pub valid_until: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub used_at: Option<DateTime<Utc>>,
    /// The table's TTL attribute (epoch seconds): DynamoDB removes the item
    /// some time after; reads never rely on it.
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct OutboxRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub id: MessageId,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lease_until: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_failure: Option<String>,
    /// Why it was set aside, once it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<FailureReason>,
    pub message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    /// The nomination index: what erasure and the export find by nomination.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi3sk: Option<String>,
}

impl OutboxRecord {
    pub fn new(message: Message, now: DateTime<Utc>) -> Self {
        let id = message.id();
        Self {
            pk: keys::outbox(&id),
            sk: keys::OUTBOX_SK.to_owned(),
            entity: "outbox_message".to_owned(),
            status: OutboxStatus::Pending,
            attempts: 0,
            created_at: now,
            lease_until: None,
            delivered_at: None,
            last_failure: None,
            failure_reason: None,
            gsi1pk: Some(keys::UNDELIVERED_PARTITION.to_owned()),
            // The stream delivers it within seconds; the sweeper takes it only
            // if that did not happen.
            gsi1sk: Some(keys::due_sort_key(now + super::outbox::STREAM_GRACE, id.as_str())),
            gsi3pk: message.nomination_id().map(keys::nomination),
            gsi3sk: message
                .nomination_id()
                .map(|_| keys::outbox_by_nomination_sort_key(&id)),
            message,
            id,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct RosterRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub entry: RosterEntry,
    pub imported_at: DateTime<Utc>,
    /// The category's partition of the queue index, sorted by address;
    /// absent on entries imported before the roster was listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi1sk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
}

impl RosterRecord {
    pub fn new(entry: RosterEntry, now: DateTime<Utc>) -> Self {
        let identity = entry.email.identity();
        // ILN members with a country lead there: the country index finds them.
        let leads = entry.category == RosterCategory::IlnMember;
        let country = entry.country.filter(|_| leads);
        Self {
            pk: keys::roster(&identity),
            sk: keys::ROSTER_SK.to_owned(),
            entity: "roster_entry".to_owned(),
            gsi1pk: Some(keys::roster_partition(entry.category)),
            gsi1sk: Some(identity.clone()),
            gsi2pk: country.as_ref().map(keys::country_partition),
            gsi2sk: country.map(|_| keys::country_leader_sort_key(&identity)),
            entry,
            imported_at: now,
        }
    }
}

/// An export by staff, in the month's log of them: who, when, and what in
/// numbers, never whose data.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ExportRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub event: AuditEvent,
}

impl ExportRecord {
    pub fn new(event: AuditEvent) -> Self {
        Self {
            pk: keys::exports(event.at),
            sk: keys::audit_sk(event.at),
            entity: "staff_export".to_owned(),
            event,
        }
    }
}

/// A decision, timed, in the month's log: statistics, naming nobody.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct DecisionRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub decision: Decision,
    /// TTL: the log keeps only what the coverage page shows.
    pub expires_at: i64,
}

impl DecisionRecord {
    pub fn new(decision: Decision) -> Self {
        Self {
            pk: keys::decisions(decision.decided_at.year()),
            sk: keys::decision_sk(decision.decided_at),
            entity: "decision".to_owned(),
            decision,
            expires_at: decision.forgotten_at().timestamp(),
        }
    }
}

/// Information a nominator added at a vetter's request.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct AdditionRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    pub request: u64,
    pub at: DateTime<Utc>,
    pub information: String,
}

/// Under a person's key: a nomination they are in, and how.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct PersonLinkRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub nomination_id: NominationId,
    pub role: PersonRole,
}

impl PersonLinkRecord {
    pub fn new(identity: &str, nomination_id: NominationId, role: PersonRole) -> Self {
        Self {
            pk: keys::person(identity),
            sk: keys::person_link_sk(nomination_id, role),
            entity: "person_link".to_owned(),
            nomination_id,
            role,
        }
    }
}

/// What is left of a nomination once its personal data is erased: its
/// reference, where it stood, and where its cards are. In no index.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ErasedNominationRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub id: NominationId,
    pub status: Status,
    pub version: u64,
    pub submitted_at: DateTime<Utc>,
    pub erased_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetting_card: Option<PostedMessage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iln_card: Option<PostedMessage>,
    pub expires_at: i64,
}

/// What is left of an outbox message once the personal data it carried is
/// erased: that it existed, and when it went. Never delivered again.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ErasedMessageRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub id: MessageId,
    pub kind: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivered_at: Option<DateTime<Utc>>,
}
