//! Members: created when an invitation is accepted, listed for admins,
//! derecognised. A pointer under the person's key lets vetting findings see
//! membership without knowing the member id.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use iln_domain::audit::AuditEvent;
use iln_domain::membership::{Derecognized, Member, MemberId, MemberStatus, Resigned};
use iln_domain::slack::interaction::SlackUserId;
use iln_domain::step::Opening;
use serde::{Deserialize, Serialize};

use super::{MoveError, NominationTable, StoreError, keys};

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct MemberRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    #[serde(flatten)]
    pub member: Member,
    pub gsi1pk: String,
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    /// The member's Slack user, once the outbox found them by address (to
    /// remove them from the ILN channel even if their address changes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slack_user: Option<SlackUserId>,
}

pub(super) fn member_key(id: MemberId) -> String {
    format!("MEMBER#{id}")
}

pub(super) fn members_partition(status: MemberStatus) -> String {
    format!("MEMBERS#{}", status.code())
}

impl MemberRecord {
    fn new(member: &Member) -> Self {
        let active = member.status == MemberStatus::Active;
        Self {
            pk: member_key(member.id),
            sk: keys::MEMBER_SK.to_owned(),
            entity: "member".to_owned(),
            gsi1pk: members_partition(member.status),
            gsi1sk: keys::due_sort_key(member.since, &member.id.to_string()),
            // Active members lead their country: the country index finds them.
            gsi2pk: active.then(|| keys::country_partition(&member.country)),
            gsi2sk: active.then(|| format!("LEADER#MEMBER#{}", member.id)),
            member: member.clone(),
            slack_user: None,
        }
    }
}

/// Under the person's key: whether they are a member, for the findings.
#[derive(Debug, Serialize, Deserialize)]
pub(super) struct MemberPointer {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
    pub status: MemberStatus,
}

fn corrupt(source: serde_dynamo::Error) -> StoreError {
    StoreError::Corrupt {
        key: "member".to_owned(),
        source,
    }
}

impl NominationTable {
    /// What an accepted invitation creates beside the move: the member, and
    /// the pointer under the person's key that the findings read.
    pub(super) fn admission_writes(&self, member: &Member) -> Result<Vec<TransactWriteItem>, StoreError> {
        let pointer = MemberPointer {
            pk: keys::person(&member.email.identity()),
            sk: keys::MEMBER_SK.to_owned(),
            entity: "member_pointer".to_owned(),
            member_id: member.id,
            status: member.status,
        };
        Ok(vec![
            self.put(&MemberRecord::new(member), Some("attribute_not_exists(pk)"))?,
            self.put(&pointer, None)?,
        ])
    }

    pub async fn member(&self, id: MemberId) -> Result<Option<Member>, StoreError> {
        let record: Option<MemberRecord> = self.get(member_key(id), keys::MEMBER_SK).await?;
        Ok(record.map(|record| record.member))
    }

    /// The Slack user kept on the member's record, if the outbox found one.
    pub async fn member_slack_user(&self, id: MemberId) -> Result<Option<SlackUserId>, StoreError> {
        let record: Option<MemberRecord> = self.get(member_key(id), keys::MEMBER_SK).await?;
        Ok(record.and_then(|record| record.slack_user))
    }

    /// What a change of the ILN channel's membership adds to the write that
    /// records it: the member's audit event, and the Slack user found, kept
    /// on the record.
    pub(super) fn channel_membership_writes(
        &self,
        member: MemberId,
        audit: AuditEvent,
        slack_user: Option<&SlackUserId>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        let mut writes = vec![self.put(&member_audit(member, audit), None)?];
        if let Some(user) = slack_user {
            let keep = Update::builder()
                .table_name(&self.name)
                .key("pk", AttributeValue::S(member_key(member)))
                .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
                // Not on a record erased meanwhile: an update would make one.
                .condition_expression("attribute_exists(pk) AND entity = :member")
                .update_expression("SET slack_user = :user")
                .expression_attribute_values(":member", AttributeValue::S("member".to_owned()))
                .expression_attribute_values(":user", AttributeValue::S(user.as_str().to_owned()))
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().update(keep).build());
        }
        Ok(writes)
    }

    /// Members in `status` (both when `None`), oldest first, optionally of
    /// one country; read from the index, never scanned.
    #[tracing::instrument(skip_all)]
    pub async fn members(
        &self,
        status: Option<MemberStatus>,
        country: Option<&iln_domain::nomination::Country>,
    ) -> Result<Vec<Member>, StoreError> {
        let statuses = match status {
            Some(status) => vec![status],
            None => vec![MemberStatus::Active, MemberStatus::Derecognized, MemberStatus::Resigned],
        };
        let queries = statuses.into_iter().map(|status| {
            let mut query = self
                .client
                .query()
                .table_name(&self.name)
                .index_name(keys::STATUS_INDEX)
                .key_condition_expression("gsi1pk = :members")
                .expression_attribute_values(":members", AttributeValue::S(members_partition(status)));
            if let Some(country) = country {
                query = query
                    .filter_expression("country = :country")
                    .expression_attribute_values(":country", AttributeValue::S(country.alpha2().to_owned()));
            }
            self.query_all(query)
        });
        // One partition per status: read side by side, not one after another.
        let mut members = Vec::new();
        for item in futures::future::try_join_all(queries).await?.into_iter().flatten() {
            let record: MemberRecord = serde_dynamo::from_item(item).map_err(corrupt)?;
            members.push(record.member);
        }
        members.sort_by_key(|member| member.since);
        Ok(members)
    }

    /// Derecognises `member`: its status and record, the pointer the findings
    /// read, the person's release for a later nomination, the audit event and
    /// the messages — only if still active.
    #[tracing::instrument(skip_all, fields(member_id = %member.id))]
    pub async fn derecognize(
        &self,
        member: &Member,
        change: Derecognized,
        now: DateTime<Utc>,
    ) -> Result<(), MoveError> {
        let derecognition = serde_dynamo::to_attribute_value(&change.derecognition).map_err(corrupt)?;
        let ending = Ending {
            status: MemberStatus::Derecognized,
            record: ("derecognition", derecognition),
            audit: change.audit,
            messages: &change.messages,
        };
        self.end_membership(member, ending, now).await
    }

    /// `member` resigns: as derecognition, recorded as a resignation.
    #[tracing::instrument(skip_all, fields(member_id = %member.id))]
    pub async fn resign(&self, member: &Member, change: Resigned, now: DateTime<Utc>) -> Result<(), MoveError> {
        let ending = Ending {
            status: MemberStatus::Resigned,
            record: ("resigned_at", AttributeValue::S(change.at.to_rfc3339())),
            audit: change.audit,
            messages: &change.messages,
        };
        self.end_membership(member, ending, now).await
    }

    /// Ends an active membership in one transaction: the member's status and
    /// what records the ending, the pointer the findings read, the person's
    /// release for a later nomination, the audit event and the messages.
    async fn end_membership(&self, member: &Member, ending: Ending<'_>, now: DateTime<Utc>) -> Result<(), MoveError> {
        let status = AttributeValue::S(ending.status.code().to_owned());
        let (field, value) = ending.record;
        let update_member = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(member_key(member.id)))
            .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
            .condition_expression("#status = :active")
            .update_expression("SET #status = :ended, #record = :record, gsi1pk = :members REMOVE gsi2pk, gsi2sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#record", field)
            .expression_attribute_values(":active", AttributeValue::S(MemberStatus::Active.code().to_owned()))
            .expression_attribute_values(":ended", status.clone())
            .expression_attribute_values(":record", value)
            .expression_attribute_values(":members", AttributeValue::S(members_partition(ending.status)))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let person = keys::person(&member.email.identity());
        let update_pointer = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(person.clone()))
            .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
            .update_expression("SET #status = :ended")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":ended", status)
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        // Whoever left may be nominated again; the findings show why they left.
        let release = Delete::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(person))
            .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![
            TransactWriteItem::builder().update(update_member).build(),
            TransactWriteItem::builder().update(update_pointer).build(),
            TransactWriteItem::builder().delete(release).build(),
            self.put(&member_audit(member.id, ending.audit), None)?,
        ];
        writes.extend(self.outbox_writes(ending.messages, now)?);
        self.write_transaction(writes).await
    }

    /// The member's languages as they chose them, with its audit event, only
    /// while they are active.
    #[tracing::instrument(skip_all, fields(member_id = %member.id))]
    pub async fn choose_member_language(
        &self,
        member: &Member,
        languages: &[iln_domain::Language],
        audit: AuditEvent,
    ) -> Result<(), MoveError> {
        let languages = serde_dynamo::to_attribute_value(languages).map_err(corrupt)?;
        let update = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(member_key(member.id)))
            .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
            .condition_expression("#status = :active")
            .update_expression("SET languages = :languages")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", AttributeValue::S(MemberStatus::Active.code().to_owned()))
            .expression_attribute_values(":languages", languages)
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        self.write_transaction(vec![
            TransactWriteItem::builder().update(update).build(),
            self.put(&member_audit(member.id, audit), None)?,
        ])
        .await
    }

    /// The member whose address is `address`, by the pointer under the
    /// person's key; `None` for anyone else.
    #[tracing::instrument(skip_all)]
    pub async fn member_at(&self, address: &iln_domain::EmailAddress) -> Result<Option<Member>, StoreError> {
        let pointer: Option<MemberPointer> = self.get(keys::person(&address.identity()), keys::MEMBER_SK).await?;
        match pointer {
            Some(pointer) => self.member(pointer.member_id).await,
            None => Ok(None),
        }
    }
}

/// How a membership ends: the status, the attribute that records it, the
/// audit event and the messages it causes.
struct Ending<'a> {
    status: MemberStatus,
    record: (&'static str, AttributeValue),
    audit: AuditEvent,
    messages: &'a [iln_domain::message::Message],
}

impl NominationTable {
    /// Creates a direct invitation: a nomination already confirmed, its audit
    /// event, the person's lock and the messages it causes (its invitation).
    /// `false` when the person is already nominated or a member.
    #[tracing::instrument(skip_all, fields(nomination_id = %opening.id))]
    pub async fn open_directly(&self, opening: &Opening) -> Result<bool, StoreError> {
        use super::records::{AuditRecord, NominationRecord, NomineeRecord, PersonLinkRecord};
        use iln_domain::privacy::PersonRole;
        let (id, submission, now) = (opening.id, &opening.submission, opening.at);
        let new_item = Some("attribute_not_exists(pk)");
        let mut writes = vec![
            self.put(
                &NominationRecord::in_status(id, submission, opening.status, now),
                new_item,
            )?,
            self.put(&AuditRecord::new(id, opening.audit.clone()), None)?,
            self.put(
                &NomineeRecord {
                    pk: keys::person(&submission.nominee.email.identity()),
                    sk: keys::NOMINEE_SK.to_owned(),
                    entity: "nominee".to_owned(),
                    nomination_id: id,
                    nominator_identity: submission.nominator.email.identity(),
                },
                new_item,
            )?,
            self.put(
                &PersonLinkRecord::new(&submission.nominee.email.identity(), id, PersonRole::Nominee),
                None,
            )?,
        ];
        writes.extend(self.outbox_writes(&opening.messages, now)?);
        match self.write_transaction(writes).await {
            Ok(()) => Ok(true),
            Err(MoveError::Conflict) => Ok(false),
            Err(MoveError::Store(error)) => Err(error),
        }
    }
}

/// A member's audit trail lives under the member.
pub(super) fn member_audit(id: MemberId, event: AuditEvent) -> MemberAuditRecord {
    MemberAuditRecord {
        pk: member_key(id),
        sk: keys::audit_sk(event.at),
        entity: "audit_event".to_owned(),
        member_id: id,
        event,
    }
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct MemberAuditRecord {
    pub pk: String,
    pub sk: String,
    pub entity: String,
    pub member_id: MemberId,
    #[serde(flatten)]
    pub event: AuditEvent,
}

impl NominationTable {
    /// Beside a correction's step: a new address takes the person's lock
    /// (nobody else may hold it) and their link, from the old one.
    pub(super) fn correction_writes(
        &self,
        step: &iln_domain::step::Step,
        corrected: &iln_domain::correction::CorrectedNominee,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        use super::records::{NomineeRecord, PersonLinkRecord};
        use iln_domain::correction::NomineeField;
        use iln_domain::privacy::PersonRole;
        let nomination = &step.nomination;
        if !corrected.changes(NomineeField::Email) || !nomination.status.holds_nominee() {
            return Ok(Vec::new());
        }
        let id = nomination.id;
        let old = nomination.submission.nominee.email.identity();
        let new = corrected.nominee.email.identity();
        let release = Delete::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::person(&old)))
            .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
            .condition_expression("attribute_not_exists(pk) OR nomination_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let old_link = Delete::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::person(&old)))
            .key("sk", AttributeValue::S(keys::person_link_sk(id, PersonRole::Nominee)))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(vec![
            TransactWriteItem::builder().delete(release).build(),
            self.put(
                &NomineeRecord {
                    pk: keys::person(&new),
                    sk: keys::NOMINEE_SK.to_owned(),
                    entity: "nominee".to_owned(),
                    nomination_id: id,
                    nominator_identity: nomination.submission.nominator.email.identity(),
                },
                Some("attribute_not_exists(pk)"),
            )?,
            TransactWriteItem::builder().delete(old_link).build(),
            self.put(&PersonLinkRecord::new(&new, id, PersonRole::Nominee), None)?,
        ])
    }

    /// Whether someone other than nomination `id` holds the person with
    /// `address` (after a correction lost: was it the address, or a move?).
    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn held_by_another(
        &self,
        address: &iln_domain::EmailAddress,
        id: iln_domain::NominationId,
    ) -> Result<bool, StoreError> {
        use super::records::NomineeRecord;
        let holder: Option<NomineeRecord> = self.get(keys::person(&address.identity()), keys::NOMINEE_SK).await?;
        Ok(holder.is_some_and(|holder| holder.nomination_id != id))
    }
}

/// What confirming a member's new address came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressMove {
    Changed,
    LinkRefused(iln_domain::member_access::LinkProblem),
    /// The address changed, or the membership ended, since the link was sent.
    Superseded,
    /// Another member or an open nomination holds the new address.
    Taken,
}

impl NominationTable {
    /// Spends the confirmation link (`link`) and moves `member` from `from`
    /// to `to` in one write: the member's address, the pointer the findings
    /// and sign-in read, the person's lock and link (so export and erasure
    /// find them at the new address), the audit event and the note to the
    /// address left. Nothing moves unless all of it does.
    #[tracing::instrument(skip_all, fields(member_id = %member.id))]
    pub async fn change_member_address(
        &self,
        member: &Member,
        (from, to): (&iln_domain::EmailAddress, &iln_domain::EmailAddress),
        change: iln_domain::membership::AddressChange,
        link: &iln_domain::token::TokenHash,
        now: DateTime<Utc>,
    ) -> Result<AddressMove, StoreError> {
        use super::records::{NomineeRecord, PersonLinkRecord};
        use super::transaction::TransactionError;
        use aws_sdk_dynamodb::types::ConditionCheck;
        use iln_domain::privacy::PersonRole;
        use iln_domain::token::TokenPurpose;

        let (old, new) = (from.identity(), to.identity());
        let id = member.id.to_string();
        let member_value = AttributeValue::S(id.clone());
        let spend = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::token(link)))
            .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
            .condition_expression(
                "purpose = :confirm AND member_id = :member AND attribute_not_exists(used_at) AND valid_until > :now",
            )
            .update_expression("SET used_at = :now")
            .expression_attribute_values(
                ":confirm",
                AttributeValue::S(TokenPurpose::ConfirmMemberAddress.code().to_owned()),
            )
            .expression_attribute_values(":member", member_value.clone())
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let readdress = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(member_key(member.id)))
            .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
            .condition_expression("#status = :active AND email = :from")
            .update_expression("SET email = :to")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":active", AttributeValue::S(MemberStatus::Active.code().to_owned()))
            .expression_attribute_values(":from", AttributeValue::S(from.as_str().to_owned()))
            .expression_attribute_values(":to", AttributeValue::S(to.as_str().to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let old_pointer = Delete::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::person(&old)))
            .key("sk", AttributeValue::S(keys::MEMBER_SK.to_owned()))
            .condition_expression("member_id = :member")
            .expression_attribute_values(":member", member_value)
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let pointer = MemberPointer {
            pk: keys::person(&new),
            sk: keys::MEMBER_SK.to_owned(),
            entity: "member_pointer".to_owned(),
            member_id: member.id,
            status: member.status,
        };
        let mut writes = vec![
            TransactWriteItem::builder().update(spend).build(),
            TransactWriteItem::builder().update(readdress).build(),
            TransactWriteItem::builder().delete(old_pointer).build(),
            self.put(&pointer, Some("attribute_not_exists(pk)"))?,
        ];
        // The lock that stops a second nomination of the member moves too;
        // either way, nobody else may hold the new address.
        let lock: Option<NomineeRecord> = self.get(keys::person(&old), keys::NOMINEE_SK).await?;
        match lock {
            Some(lock) => {
                let release = Delete::builder()
                    .table_name(&self.name)
                    .key("pk", AttributeValue::S(keys::person(&old)))
                    .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
                    .condition_expression("nomination_id = :held")
                    .expression_attribute_values(":held", AttributeValue::S(lock.nomination_id.to_string()))
                    .build()
                    .map_err(StoreError::call("TransactWriteItems"))?;
                writes.push(TransactWriteItem::builder().delete(release).build());
                writes.push(self.put(
                    &NomineeRecord {
                        pk: keys::person(&new),
                        ..lock
                    },
                    Some("attribute_not_exists(pk)"),
                )?);
            }
            None => {
                let nobody_holds_it = ConditionCheck::builder()
                    .table_name(&self.name)
                    .key("pk", AttributeValue::S(keys::person(&new)))
                    .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
                    .condition_expression("attribute_not_exists(pk)")
                    .build()
                    .map_err(StoreError::call("TransactWriteItems"))?;
                writes.push(TransactWriteItem::builder().condition_check(nobody_holds_it).build());
            }
        }
        if let Some(nomination_id) = member.nomination_id {
            let old_link = Delete::builder()
                .table_name(&self.name)
                .key("pk", AttributeValue::S(keys::person(&old)))
                .key(
                    "sk",
                    AttributeValue::S(keys::person_link_sk(nomination_id, PersonRole::Nominee)),
                )
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().delete(old_link).build());
            writes.push(self.put(&PersonLinkRecord::new(&new, nomination_id, PersonRole::Nominee), None)?);
        }
        writes.push(self.put(&member_audit(member.id, change.audit), None)?);
        writes.extend(self.outbox_writes(&change.messages, now)?);
        let (pointer_put, lock_put) = (3, 5);
        match self.transact(writes).await {
            Ok(()) => Ok(AddressMove::Changed),
            Err(TransactionError::Cancelled(cancelled)) if cancelled.failed_at(0) => {
                Ok(AddressMove::LinkRefused(self.link_problem(link, now).await?))
            }
            Err(TransactionError::Cancelled(cancelled))
                if cancelled.failed_at(pointer_put) || cancelled.failed_at(lock_put) =>
            {
                Ok(AddressMove::Taken)
            }
            Err(TransactionError::Cancelled(cancelled)) if cancelled.any_condition_failed() => {
                Ok(AddressMove::Superseded)
            }
            Err(TransactionError::Cancelled(cancelled)) if cancelled.conflicted() => {
                Ok(AddressMove::LinkRefused(iln_domain::member_access::LinkProblem::Used))
            }
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }
}
