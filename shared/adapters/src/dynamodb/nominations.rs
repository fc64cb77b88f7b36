//! Nominations: submission (or endorsement), reading, and moving them along
//! the lifecycle with one conditional transaction each.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use iln_domain::audit::{AuditEvent, Happening};
use iln_domain::confirmation::Confirmation;
use iln_domain::membership::SentInvitation;
use iln_domain::message::{Addressee, Message};
use iln_domain::nomination::LastMove;
use iln_domain::nomination::Submission;
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::{Nomination, NominationId, Status};
use serde::Serialize;

use super::records::{
    AuditRecord, EndorsementRecord, NominationRecord, NomineeRecord, OutboxRecord, PersonLinkRecord, TokenRecord,
};
use super::{
    Item, NominationTable, StoreError, TRANSACTION_ATTEMPTS, back_off, cancellation_codes, conditional_check_failed,
    conflicted, keys,
};
use iln_domain::privacy::PersonRole;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// A new nomination, waiting for its nominator to verify their address.
    Created(NominationId),
    /// The person was already nominated (or is a member): this nominator is
    /// recorded as endorsing that nomination.
    Endorsed(NominationId),
    /// The same nominator already nominated or endorsed this person.
    AlreadyRecorded(NominationId),
}

/// A token as stored: what it is for and whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub purpose: TokenPurpose,
    pub nomination_id: NominationId,
    pub valid_until: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// One step of a nomination along its lifecycle, as the domain decided it.
#[derive(Clone)]
pub struct NominationMove<'a> {
    pub nomination: &'a Nomination,
    pub to: Status,
    pub at: DateTime<Utc>,
    pub audit: AuditEvent,
    /// A token spent by this step: it must not have been spent before.
    pub spends_token: Option<&'a TokenHash>,
    /// Messages this step causes, delivered by the outbox.
    pub messages: Vec<Message>,
    /// The ILN confirmations after this step, when it changes them.
    pub confirmations: Option<Vec<Confirmation>>,
    /// The invitation this step sends, its link replacing any earlier one.
    pub invitation: Option<&'a SentInvitation>,
}

impl<'a> NominationMove<'a> {
    /// A step that spends no token and changes neither the confirmations
    /// nor the invitation; set those fields when it does.
    pub fn new(
        nomination: &'a Nomination,
        to: Status,
        at: DateTime<Utc>,
        audit: AuditEvent,
        messages: Vec<Message>,
    ) -> Self {
        Self {
            nomination,
            to,
            at,
            audit,
            spends_token: None,
            messages,
            confirmations: None,
            invitation: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MoveError {
    /// Someone else moved the nomination (or spent the token) first.
    #[error("the nomination was changed concurrently")]
    Conflict,
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn attribute(value: &impl Serialize) -> Result<AttributeValue, StoreError> {
    serde_dynamo::to_attribute_value(value).map_err(|source| StoreError::Corrupt {
        key: "new value".to_owned(),
        source,
    })
}

fn item(record: &impl Serialize) -> Result<Item, StoreError> {
    serde_dynamo::to_item(record).map_err(|source| StoreError::Corrupt {
        key: "new item".to_owned(),
        source,
    })
}

impl NominationTable {
    pub(super) fn put(
        &self,
        record: &impl Serialize,
        condition: Option<&str>,
    ) -> Result<TransactWriteItem, StoreError> {
        let put = Put::builder()
            .table_name(&self.name)
            .set_item(Some(item(record)?))
            .set_condition_expression(condition.map(str::to_owned))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Records a submission: a new nomination with its verification e-mail,
    /// or, when the person is already nominated, an endorsement of that
    /// nomination. Safe to call any number of times concurrently.
    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn submit(
        &self,
        id: NominationId,
        submission: &Submission,
        now: DateTime<Utc>,
    ) -> Result<SubmitOutcome, StoreError> {
        let nominee_identity = submission.nominee.email.identity();
        let nominator_identity = submission.nominator.email.identity();
        let message = Message::NominatorVerification {
            nomination_id: id,
            addressee: Addressee {
                to: submission.nominator.email.clone(),
                language: submission.language,
                nominator_name: submission.nominator.name.clone(),
                nominee_name: submission.nominee.name.clone(),
            },
        };
        let new_item = "attribute_not_exists(pk)";
        let writes = vec![
            self.put(&NominationRecord::new(id, submission, now), Some(new_item))?,
            self.put(&AuditRecord::new(id, AuditEvent::submitted(now)), None)?,
            self.put(
                &NomineeRecord {
                    pk: keys::person(&nominee_identity),
                    sk: keys::NOMINEE_SK.to_owned(),
                    entity: "nominee".to_owned(),
                    nomination_id: id,
                    nominator_identity: nominator_identity.clone(),
                },
                Some(new_item),
            )?,
            self.put(&OutboxRecord::new(message, now), Some(new_item))?,
            self.put(&PersonLinkRecord::new(&nominee_identity, id, PersonRole::Nominee), None)?,
            self.put(
                &PersonLinkRecord::new(&nominator_identity, id, PersonRole::Nominator),
                None,
            )?,
        ];
        const NOMINEE_WRITE: usize = 2;

        for attempt in 0..TRANSACTION_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(SubmitOutcome::Created(id)),
                Err(error) => error,
            };
            match cancellation_codes(&error) {
                Some(codes) if conditional_check_failed(&codes, NOMINEE_WRITE) => {
                    if let Some(outcome) = self.endorse(id, &nominee_identity, submission, now).await? {
                        return Ok(outcome);
                    }
                    // The earlier nomination closed in between: try as new.
                }
                Some(codes) if conflicted(&codes) => {}
                _ => return Err(StoreError::call("TransactWriteItems")(error)),
            }
            back_off(attempt).await;
        }
        Err(StoreError::Contended)
    }

    /// Records `submission`'s nominator as endorsing the person's existing
    /// nomination. `None` when there is no longer one to endorse.
    async fn endorse(
        &self,
        receipt_id: NominationId,
        nominee_identity: &str,
        submission: &Submission,
        now: DateTime<Utc>,
    ) -> Result<Option<SubmitOutcome>, StoreError> {
        let Some(nominee) = self
            .get::<NomineeRecord>(keys::person(nominee_identity), keys::NOMINEE_SK)
            .await?
        else {
            return Ok(None);
        };
        let existing = nominee.nomination_id;
        let nominator_identity = submission.nominator.email.identity();
        if nominee.nominator_identity == nominator_identity {
            return Ok(Some(SubmitOutcome::AlreadyRecorded(existing)));
        }
        let endorsement = EndorsementRecord {
            pk: keys::nomination(existing),
            sk: keys::endorsement_sk(&nominator_identity),
            entity: "endorsement".to_owned(),
            nomination_id: existing,
            receipt_id,
            at: now,
            nominator: submission.nominator.clone(),
            rationale: submission.rationale.clone(),
            links: submission.links.clone(),
        };
        let writes = vec![
            self.put(&endorsement, Some("attribute_not_exists(pk)"))?,
            self.put(&AuditRecord::new(existing, AuditEvent::endorsed(now)), None)?,
            self.put(
                &PersonLinkRecord::new(&nominator_identity, existing, PersonRole::Endorser),
                None,
            )?,
        ];
        for attempt in 0..TRANSACTION_ATTEMPTS {
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes.clone()))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(Some(SubmitOutcome::Endorsed(existing))),
                Err(error) => error,
            };
            match cancellation_codes(&error) {
                Some(codes) if conditional_check_failed(&codes, 0) => {
                    return Ok(Some(SubmitOutcome::AlreadyRecorded(existing)));
                }
                Some(codes) if conflicted(&codes) => back_off(attempt).await,
                _ => return Err(StoreError::call("TransactWriteItems")(error)),
            }
        }
        Err(StoreError::Contended)
    }

    /// A strongly consistent read of one item.
    pub(super) async fn get<T: serde::de::DeserializeOwned>(
        &self,
        pk: String,
        sk: &str,
    ) -> Result<Option<T>, StoreError> {
        let output = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(pk.clone()))
            .key("sk", AttributeValue::S(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|error| StoreError::call("GetItem")(error))?;
        output
            .item
            .filter(|item| !super::expired(item) && !super::erased(item))
            .map(|item| serde_dynamo::from_item(item).map_err(|source| StoreError::Corrupt { key: pk, source }))
            .transpose()
    }

    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn nomination(&self, id: NominationId) -> Result<Option<Nomination>, StoreError> {
        let record: Option<NominationRecord> = self.get(keys::nomination(id), keys::NOMINATION_SK).await?;
        Ok(record.map(NominationRecord::into_domain))
    }

    #[tracing::instrument(skip_all)]
    pub async fn token(&self, hash: &TokenHash) -> Result<Option<StoredToken>, StoreError> {
        let record: Option<TokenRecord> = self.get(keys::token(hash), keys::TOKEN_SK).await?;
        Ok(record.map(|record| StoredToken {
            purpose: record.purpose,
            nomination_id: record.nomination_id,
            valid_until: record.valid_until,
            used_at: record.used_at,
        }))
    }

    /// The writes of one step: the conditional state change, its audit event,
    /// the token it spends, the person it releases and the messages it causes.
    pub(super) fn move_writes(&self, step: NominationMove<'_>) -> Result<Vec<TransactWriteItem>, StoreError> {
        let nomination = step.nomination;
        let id = nomination.id;
        let mut set = vec![
            "#status = :to",
            "#version = :next",
            "updated_at = :at",
            "gsi1pk = :queue",
            "gsi1sk = :since",
            "gsi2sk = :in_country",
        ];
        let mut update = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::nomination(id)))
            .key("sk", AttributeValue::S(keys::NOMINATION_SK.to_owned()))
            .condition_expression("#status = :from AND #version = :version")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":from", AttributeValue::S(nomination.status.code().to_owned()))
            .expression_attribute_values(":to", AttributeValue::S(step.to.code().to_owned()))
            .expression_attribute_values(":version", AttributeValue::N(nomination.version.to_string()))
            .expression_attribute_values(":next", AttributeValue::N((nomination.version + 1).to_string()))
            .expression_attribute_values(":at", AttributeValue::S(step.at.to_rfc3339()))
            .expression_attribute_values(":queue", AttributeValue::S(keys::status_partition(step.to)))
            .expression_attribute_values(
                ":since",
                AttributeValue::S(keys::due_sort_key(step.at, &id.to_string())),
            )
            .expression_attribute_values(
                ":in_country",
                AttributeValue::S(keys::country_nomination_sort_key(step.to, id)),
            );
        if let Happening::Moved { command, .. } = step.audit.happening {
            let last_move = LastMove {
                actor: step.audit.actor.clone(),
                command,
                at: step.at,
            };
            set.push("last_move = :last_move");
            update = update.expression_attribute_values(":last_move", attribute(&last_move)?);
        }
        if step.to.is_closed() {
            // Kept for the retention period, then removed by TTL.
            set.push("expires_at = :expires");
            let expires = (step.at + self.retention).timestamp();
            update = update.expression_attribute_values(":expires", AttributeValue::N(expires.to_string()));
        }
        if let Some(invitation) = step.invitation {
            set.push("invitation = :invitation");
            update = update.expression_attribute_values(":invitation", attribute(invitation)?);
        }
        if let Some(confirmations) = &step.confirmations {
            set.push("confirmations = :confirmations");
            update = update.expression_attribute_values(":confirmations", attribute(confirmations)?);
        }
        let update = update
            .update_expression(format!("SET {}", set.join(", ")))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![
            TransactWriteItem::builder().update(update).build(),
            self.put(&AuditRecord::new(id, step.audit), None)?,
        ];
        if let Some(hash) = step.spends_token {
            let spend = Update::builder()
                .table_name(&self.name)
                .key("pk", AttributeValue::S(keys::token(hash)))
                .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
                .condition_expression("attribute_exists(pk) AND attribute_not_exists(used_at)")
                .update_expression("SET used_at = :at")
                .expression_attribute_values(":at", AttributeValue::S(step.at.to_rfc3339()))
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().update(spend).build());
        }
        if step.to.is_closed() {
            // A closed nomination no longer stops the person being nominated.
            let release = Delete::builder()
                .table_name(&self.name)
                .key(
                    "pk",
                    AttributeValue::S(keys::person(&nomination.submission.nominee.email.identity())),
                )
                .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
                .condition_expression("attribute_not_exists(pk) OR nomination_id = :id")
                .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().delete(release).build());
        }
        for message in step.messages {
            writes.push(self.put(&OutboxRecord::new(message, step.at), Some("attribute_not_exists(pk)"))?);
        }
        Ok(writes)
    }

    /// Moves a nomination one step, all or nothing, and only if nobody moved
    /// it since it was read.
    #[tracing::instrument(skip_all, fields(nomination_id = %step.nomination.id, to = %step.to))]
    pub async fn record_move(&self, step: NominationMove<'_>) -> Result<(), MoveError> {
        let writes = self.move_writes(step)?;
        self.write_transaction(writes).await
    }
}

impl NominationTable {
    /// Records what changes no state: an audit event (a concern), messages
    /// (an ephemeral answer), or both, in one write.
    #[tracing::instrument(skip_all)]
    pub async fn record_note(
        &self,
        audit: Option<(NominationId, AuditEvent)>,
        messages: Vec<Message>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut writes = Vec::new();
        if let Some((id, audit)) = audit {
            writes.push(self.put(&AuditRecord::new(id, audit), None)?);
        }
        for message in messages {
            writes.push(self.put(&OutboxRecord::new(message, now), Some("attribute_not_exists(pk)"))?);
        }
        if writes.is_empty() {
            return Ok(());
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(()),
            // The same note (same key) was recorded already: a retry.
            Err(error)
                if cancellation_codes(&error)
                    .is_some_and(|codes| codes.iter().any(|c| c == "ConditionalCheckFailed")) =>
            {
                Ok(())
            }
            Err(error) => Err(StoreError::call("TransactWriteItems")(error)),
        }
    }
}
