//! Nominations: submission (or endorsement), reading, and moving them along
//! the lifecycle with one conditional transaction each.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use iln_domain::audit::{AuditEvent, Happening};
use iln_domain::correction::NomineeField;
use iln_domain::coverage::Decision;
use iln_domain::limits::{Counted, Counter};
use iln_domain::message::Message;
use iln_domain::nomination::LastMove;
use iln_domain::step::{Effect, Holding, Opening, Step};
use iln_domain::token::{TokenHash, TokenPurpose};
use iln_domain::verification::{Holder, MAX_ENDORSEMENTS};
use iln_domain::{EmailAddress, Nomination, NominationId, Status};
use serde::Serialize;

use super::records::{
    AuditRecord, DecisionRecord, EndorsementCountRecord, EndorsementRecord, NominationRecord, NomineeRecord,
    OutboxRecord, PendingRecord, PersonLinkRecord, TokenRecord,
};
use super::{Cancellation, Item, NominationTable, StoreError, TransactionError, keys};
use iln_domain::privacy::PersonRole;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    /// A new nomination, waiting for its nominator to verify their address.
    Created,
    /// The same nominator's unverified nomination of the same person is
    /// waiting already: nothing new is recorded or mailed. It is counted
    /// like any other submission.
    AlreadyPending,
    /// `counter` is full: nothing is recorded, counted or mailed.
    Limited(Counter),
}

/// A token as stored: what it is for and whether it still works.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub purpose: TokenPurpose,
    pub nomination_id: NominationId,
    /// The member a member's link is for.
    pub member_id: Option<iln_domain::membership::MemberId>,
    /// The message that carried it (stored since member links; older
    /// tokens have none).
    pub message_id: Option<iln_domain::message::MessageId>,
    pub valid_until: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// An unverified nomination's pending mark outlives its 72-hour link by
/// this much, should its expiry be late.
const PENDING_KEPT: chrono::Duration = chrono::Duration::days(7);

/// The first counter among the writes from `first` on that was full.
fn full_counter(cancelled: &Cancellation, first: usize, counters: &[Counter]) -> Option<Counter> {
    counters
        .iter()
        .enumerate()
        .find(|(index, _)| cancelled.failed_at(first + index))
        .map(|(_, counter)| counter.clone())
}

/// Whether a step was written, or another writer moved the nomination first
/// (re-read it: the domain decides again, or explains who won).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Commit {
    Written,
    Raced,
}

/// Runs `attempt` (read, decide, commit) again while it lost a race to a
/// concurrent writer (`Ok(None)`): by the next read the winner's write is
/// visible. After `attempts` lost races the store is `Contended`.
pub async fn retry_on_conflict<T, E, Attempt>(attempts: u32, mut attempt: impl FnMut() -> Attempt) -> Result<T, E>
where
    E: From<StoreError>,
    Attempt: std::future::Future<Output = Result<Option<T>, E>>,
{
    for _ in 0..attempts {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(StoreError::Contended.into())
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

/// Audit writes in flight at once when an export records itself on each of
/// a person's nominations (200 for a prolific nominator).
const READS_RECORDED_AT_ONCE: usize = 8;

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

    /// Records a submission: a new nomination, unverified, with its
    /// verification e-mail, counted against `counters` in the same write.
    /// It holds nobody until verified. Safe to call any number of times
    /// concurrently: the same nominator's nomination of the same person is
    /// recorded once while unverified.
    #[tracing::instrument(skip_all, fields(nomination_id = %opening.id))]
    pub async fn submit(&self, opening: &Opening, counters: &[Counter]) -> Result<SubmitOutcome, StoreError> {
        let now = opening.at;
        let mut writes = self.opening_writes(opening)?;
        const PENDING_WRITE: usize = 1;
        let first_counter = writes.len();
        let counting = counters
            .iter()
            .map(|counter| self.count(counter, now))
            .collect::<Result<Vec<_>, _>>()?;
        writes.extend(counting.iter().cloned());
        match self.transact_retrying(writes).await {
            Ok(()) => Ok(SubmitOutcome::Created),
            Err(TransactionError::Cancelled(cancelled)) => {
                if let Some(full) = full_counter(&cancelled, first_counter, counters) {
                    return Ok(SubmitOutcome::Limited(full));
                }
                match cancelled.failed_at(PENDING_WRITE) {
                    true => self.count_only(counting, counters).await,
                    false => Err(cancelled.into()),
                }
            }
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    /// The writes of an opening, each a put with its condition: the
    /// nomination, its pending mark (second), its audit event, the links
    /// from its two people, and its messages.
    pub(super) fn opening_writes(&self, opening: &Opening) -> Result<Vec<TransactWriteItem>, StoreError> {
        let (id, submission, now) = (opening.id, &opening.submission, opening.at);
        let nominee_identity = submission.nominee.email.identity();
        let nominator_identity = submission.nominator.email.identity();
        let new_item = "attribute_not_exists(pk)";
        let pending = PendingRecord {
            pk: keys::person(&nominee_identity),
            sk: keys::pending_sk(&nominator_identity),
            entity: "pending_nomination".to_owned(),
            nomination_id: id,
            expires_at: (now + PENDING_KEPT).timestamp(),
        };
        let mut writes = vec![
            self.put(
                &NominationRecord::in_status(id, submission, opening.status, now),
                Some(new_item),
            )?,
            self.put_with(
                &pending,
                "attribute_not_exists(pk) OR expires_at < :now",
                &[(":now", AttributeValue::N(now.timestamp().to_string()))],
            )?,
            self.put(&AuditRecord::new(id, opening.audit.clone()), None)?,
            self.put(&PersonLinkRecord::new(&nominee_identity, id, PersonRole::Nominee), None)?,
            self.put(
                &PersonLinkRecord::new(&nominator_identity, id, PersonRole::Nominator),
                None,
            )?,
        ];
        writes.extend(self.outbox_writes(&opening.messages, now)?);
        Ok(writes)
    }

    /// Counts a submission that records nothing new, so that every accepted
    /// submission counts alike.
    async fn count_only(
        &self,
        counting: Vec<TransactWriteItem>,
        counters: &[Counter],
    ) -> Result<SubmitOutcome, StoreError> {
        if counting.is_empty() {
            return Ok(SubmitOutcome::AlreadyPending);
        }
        match self.transact_retrying(counting).await {
            Ok(()) => Ok(SubmitOutcome::AlreadyPending),
            Err(TransactionError::Cancelled(cancelled)) => match full_counter(&cancelled, 0, counters) {
                Some(full) => Ok(SubmitOutcome::Limited(full)),
                None => Err(cancelled.into()),
            },
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    /// Adds one to `counter`, only while it is below its limit. Counters go
    /// by TTL an hour after their window.
    fn count(&self, counter: &Counter, now: DateTime<Utc>) -> Result<TransactWriteItem, StoreError> {
        let pk = match &counter.counted {
            Counted::Source(network) => keys::source_counters(network.as_str()),
            Counted::Address(digest) => keys::address_counters(digest),
        };
        let expires = (counter.until() + chrono::Duration::hours(1)).max(now);
        let update = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(pk))
            .key(
                "sk",
                AttributeValue::S(keys::rate_sk(counter.window.code(), counter.since)),
            )
            .condition_expression("attribute_not_exists(pk) OR #count < :limit")
            .update_expression("SET entity = :entity, expires_at = :expires ADD #count :one")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":limit", AttributeValue::N(counter.limit.to_string()))
            .expression_attribute_values(":entity", AttributeValue::S("submission_counter".to_owned()))
            .expression_attribute_values(":expires", AttributeValue::N(expires.timestamp().to_string()))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// A conditional put with values for its condition.
    fn put_with(
        &self,
        record: &impl Serialize,
        condition: &str,
        values: &[(&str, AttributeValue)],
    ) -> Result<TransactWriteItem, StoreError> {
        let mut put = Put::builder()
            .table_name(&self.name)
            .set_item(Some(item(record)?))
            .condition_expression(condition);
        for (name, value) in values {
            put = put.expression_attribute_values(*name, value.clone());
        }
        let put = put.build().map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The nomination that holds the person `nominee` now (open, or their
    /// membership's), if any: one read.
    #[tracing::instrument(skip_all)]
    pub async fn nomination_holding(&self, nominee: &EmailAddress) -> Result<Option<NominationId>, StoreError> {
        let held = self
            .get::<NomineeRecord>(keys::person(&nominee.identity()), keys::NOMINEE_SK)
            .await?;
        Ok(held.map(|held| held.nomination_id))
    }

    /// Who holds the person `nominee` now, as a verification by `nominator`
    /// needs to know it; `None` when nobody does.
    #[tracing::instrument(skip_all)]
    pub async fn holder(&self, nominee: &EmailAddress, nominator: &EmailAddress) -> Result<Option<Holder>, StoreError> {
        let Some(held) = self
            .get::<NomineeRecord>(keys::person(&nominee.identity()), keys::NOMINEE_SK)
            .await?
        else {
            return Ok(None);
        };
        let holder = held.nomination_id;
        let endorser = keys::endorsement_sk(&nominator.identity());
        let endorsement = self.get::<EndorsementRecord>(keys::nomination(holder), &endorser);
        let count = self.get::<EndorsementCountRecord>(keys::nomination(holder), keys::ENDORSEMENT_COUNT_SK);
        let (endorsement, count) = tokio::join!(endorsement, count);
        Ok(Some(Holder {
            nomination_id: holder,
            same_nominator: held.nominator_identity == nominator.identity(),
            already_endorsed: endorsement?.is_some(),
            endorsements: count?.map_or(0, |count| count.count as usize),
        }))
    }

    /// What a verification does beside the move: the person taken, or the
    /// submission merged into the nomination that holds them (as its
    /// endorsement, counted). Any condition that no longer holds is the
    /// caller's `Conflict` to re-read and decide again.
    fn holding_writes(&self, step: &Step, holding: Holding) -> Result<Vec<TransactWriteItem>, StoreError> {
        let nomination = &step.nomination;
        let at = step.at;
        let submission = &nomination.submission;
        let nominee = keys::person(&submission.nominee.email.identity());
        let nominator_identity = submission.nominator.email.identity();
        let mut writes = Vec::new();
        match holding {
            Holding::Takes => writes.push(self.put(
                &NomineeRecord {
                    pk: nominee,
                    sk: keys::NOMINEE_SK.to_owned(),
                    entity: "nominee".to_owned(),
                    nomination_id: nomination.id,
                    nominator_identity,
                },
                Some("attribute_not_exists(pk)"),
            )?),
            Holding::MergesInto { holder, endorses } => {
                let still_held = ConditionCheck::builder()
                    .table_name(&self.name)
                    .key("pk", AttributeValue::S(nominee))
                    .key("sk", AttributeValue::S(keys::NOMINEE_SK.to_owned()))
                    .condition_expression("nomination_id = :holder")
                    .expression_attribute_values(":holder", AttributeValue::S(holder.to_string()))
                    .build()
                    .map_err(StoreError::call("TransactWriteItems"))?;
                writes.push(TransactWriteItem::builder().condition_check(still_held).build());
                if endorses {
                    let endorsement = EndorsementRecord {
                        pk: keys::nomination(holder),
                        sk: keys::endorsement_sk(&nominator_identity),
                        entity: "endorsement".to_owned(),
                        nomination_id: holder,
                        receipt_id: nomination.id,
                        at,
                        nominator: submission.nominator.clone(),
                        rationale: submission.rationale.clone(),
                        links: submission.links.clone(),
                    };
                    let count = Update::builder()
                        .table_name(&self.name)
                        .key("pk", AttributeValue::S(keys::nomination(holder)))
                        .key("sk", AttributeValue::S(keys::ENDORSEMENT_COUNT_SK.to_owned()))
                        .condition_expression("attribute_not_exists(pk) OR #count < :max")
                        .update_expression("SET entity = :entity ADD #count :one")
                        .expression_attribute_names("#count", "count")
                        .expression_attribute_values(":max", AttributeValue::N(MAX_ENDORSEMENTS.to_string()))
                        .expression_attribute_values(":entity", AttributeValue::S("endorsement_count".to_owned()))
                        .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
                        .build()
                        .map_err(StoreError::call("TransactWriteItems"))?;
                    writes.extend([
                        self.put(&endorsement, Some("attribute_not_exists(pk)"))?,
                        TransactWriteItem::builder().update(count).build(),
                        self.put(&AuditRecord::new(holder, AuditEvent::endorsed(at)), None)?,
                        self.put(
                            &PersonLinkRecord::new(&nominator_identity, holder, PersonRole::Endorser),
                            None,
                        )?,
                    ]);
                }
            }
        }
        Ok(writes)
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
            member_id: record.member_id,
            message_id: record.message_id,
            valid_until: record.valid_until,
            used_at: record.used_at,
        }))
    }

    /// The writes of one step: the conditional state change, its audit event,
    /// the token it spends, the person it releases and the messages it causes.
    pub(super) fn move_writes(&self, step: &Step) -> Result<Vec<TransactWriteItem>, StoreError> {
        let nomination = &step.nomination;
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
        if let Happening::Moved { command, .. } = &step.audit.happening {
            let last_move = LastMove {
                actor: step.audit.actor.clone(),
                command: *command,
                at: step.at,
            };
            set.push("last_move = :last_move");
            update = update.expression_attribute_values(":last_move", attribute(&last_move)?);
        }
        if let Some(expires) = self.retention.expires_at(step.nomination.status, step.to, step.at) {
            // Kept for the retention period its closing earns, then removed by TTL.
            set.push("expires_at = :expires");
            let expires = expires.timestamp();
            update = update.expression_attribute_values(":expires", AttributeValue::N(expires.to_string()));
        }
        if let Some(invitation) = &step.invitation {
            set.push("invitation = :invitation");
            update = update.expression_attribute_values(":invitation", attribute(invitation)?);
        }
        if let Some(discussion) = &step.discussion {
            set.push("discussion = :discussion");
            update = update.expression_attribute_values(":discussion", attribute(discussion)?);
        }
        if let Effect::Corrects(corrected) = &step.effect {
            set.push("nominee = :nominee");
            update = update.expression_attribute_values(":nominee", attribute(&corrected.nominee)?);
            if corrected.changes(NomineeField::Country) {
                set.push("gsi2pk = :country");
                update = update.expression_attribute_values(
                    ":country",
                    AttributeValue::S(keys::country_partition(&corrected.nominee.country)),
                );
            }
        }
        let update = update
            .update_expression(format!("SET {}", set.join(", ")))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![
            TransactWriteItem::builder().update(update).build(),
            self.put(&AuditRecord::new(id, step.audit.clone()), None)?,
        ];
        if let Some(hash) = &step.spends_token {
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
        if nomination.status == Status::Submitted {
            // It leaves `submitted`: the same nominator may nominate the same
            // person again.
            let pending = Delete::builder()
                .table_name(&self.name)
                .key(
                    "pk",
                    AttributeValue::S(keys::person(&nomination.submission.nominee.email.identity())),
                )
                .key(
                    "sk",
                    AttributeValue::S(keys::pending_sk(&nomination.submission.nominator.email.identity())),
                )
                .condition_expression("attribute_not_exists(pk) OR nomination_id = :id")
                .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().delete(pending).build());
        }
        if step.to.is_closed() && nomination.status.holds_nominee() {
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
        if let Some(cause) = &step.cause {
            writes.push(self.put(&AuditRecord::new(id, cause.clone()), None)?);
        }
        if let Some(decision) = Decision::of_step(step) {
            // Timed for the coverage page in the same write: a decision
            // retried or raced is logged once, with the move that won.
            writes.push(self.put(&DecisionRecord::new(decision), None)?);
        }
        writes.extend(self.outbox_writes(&step.messages, step.at)?);
        Ok(writes)
    }

    /// Each message as a new outbox item: the same message twice (same id)
    /// is a failed condition, never a second send.
    pub(super) fn outbox_writes(
        &self,
        messages: &[Message],
        now: DateTime<Utc>,
    ) -> Result<Vec<TransactWriteItem>, StoreError> {
        messages
            .iter()
            .map(|message| {
                self.put(
                    &OutboxRecord::new(message.clone(), now),
                    Some("attribute_not_exists(pk)"),
                )
            })
            .collect()
    }

    /// Writes a step: the nomination's move and everything that goes with
    /// it, all or nothing, and only if nobody moved the nomination (or spent
    /// its token, or took its person) since it was read.
    #[tracing::instrument(skip_all, fields(nomination_id = %step.id(), to = %step.to))]
    pub async fn commit(&self, step: &Step) -> Result<Commit, StoreError> {
        let mut writes = self.move_writes(step)?;
        match &step.effect {
            Effect::None => {}
            Effect::Holds(holding) => writes.extend(self.holding_writes(step, *holding)?),
            Effect::Admits(member) => writes.extend(self.admission_writes(member)?),
            Effect::Corrects(corrected) => writes.extend(self.correction_writes(step, corrected)?),
        }
        match self.write_transaction(writes).await {
            Ok(()) => Ok(Commit::Written),
            Err(MoveError::Conflict) => Ok(Commit::Raced),
            Err(MoveError::Store(error)) => Err(error),
        }
    }
}

impl NominationTable {
    /// Records that staff read nominations (`event` on each): the file, an
    /// export. Only the audit trail changes, so each is a plain write.
    #[tracing::instrument(skip_all)]
    pub async fn record_reads(&self, ids: &[NominationId], event: &AuditEvent) -> Result<(), StoreError> {
        use futures::{StreamExt, TryStreamExt};
        let writes: Vec<_> = ids.iter().map(|id| self.record_read(*id, event)).collect();
        futures::stream::iter(writes)
            .buffer_unordered(READS_RECORDED_AT_ONCE)
            .try_collect::<Vec<()>>()
            .await?;
        Ok(())
    }

    /// Records an export by staff in the month's log of exports, beside any
    /// reads it records on the nominations it drew on: an export of the
    /// members, or of someone with no nomination, is audited too.
    #[tracing::instrument(skip_all)]
    pub async fn record_export(&self, event: &AuditEvent) -> Result<(), StoreError> {
        self.put_plain(&super::records::ExportRecord::new(event.clone())).await
    }

    async fn record_read(&self, id: NominationId, event: &AuditEvent) -> Result<(), StoreError> {
        self.put_plain(&super::records::AuditRecord::new(id, event.clone()))
            .await
    }

    /// One unconditional write: for records only ever added.
    async fn put_plain(&self, record: &impl Serialize) -> Result<(), StoreError> {
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item(record)?))
            .send()
            .await
            .map_err(StoreError::call("PutItem"))?;
        Ok(())
    }

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
        writes.extend(self.outbox_writes(&messages, now)?);
        if writes.is_empty() {
            return Ok(());
        }
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            // The same note (same key) was recorded already: a retry.
            Err(TransactionError::Cancelled(cancelled)) if cancelled.any_condition_failed() => Ok(()),
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }
}
