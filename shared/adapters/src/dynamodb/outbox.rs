//! The outbox: messages waiting to be delivered, claimed one at a time so
//! that each is sent once.

use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use iln_domain::NominationId;
use iln_domain::delivery::FailureReason;
use iln_domain::message::{Message, MessageId};
use iln_domain::person::EmailAddress;
use iln_domain::slack::Channel;
use iln_domain::token::{TokenHash, TokenPurpose};
use serde::{Deserialize, Serialize};

mod admin;

pub use admin::AdminChange;

use super::records::OutboxRecord;
use super::{NominationTable, StoreError, TransactionError, keys};
use crate::slack::PostedMessage;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    Pending,
    /// Claimed by a deliverer until its lease ends.
    Sending,
    /// A delivery failed; the next attempt may claim it at once.
    Retrying,
    Delivered,
    /// Nothing to send any more (its nomination moved on, or was erased).
    Cancelled,
    /// Set aside for a person after a permanent failure; an admin retries
    /// or cancels it.
    Failed,
}

impl OutboxStatus {
    pub fn code(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Retrying => "retrying",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Cancelled => "cancelled",
            OutboxStatus::Failed => "failed",
        }
    }
}

/// A message as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: MessageId,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// Why it was set aside, if it was.
    pub failure_reason: Option<FailureReason>,
    pub message: Message,
}

impl From<OutboxRecord> for OutboxMessage {
    fn from(record: OutboxRecord) -> Self {
        Self {
            id: record.id,
            status: record.status,
            attempts: record.attempts,
            created_at: record.created_at,
            failure_reason: record.failure_reason,
            message: record.message,
        }
    }
}

impl OutboxMessage {
    /// Reads a stream image; `None` when the item is not an outbox message.
    pub fn from_image(image: serde_dynamo::Item) -> Result<Option<Self>, serde_dynamo::Error> {
        let is_outbox = matches!(
            image.get("entity"),
            Some(serde_dynamo::AttributeValue::S(entity)) if entity == "outbox_message"
        );
        if !is_outbox {
            return Ok(None);
        }
        let record: OutboxRecord = serde_dynamo::from_item(image)?;
        Ok(Some(record.into()))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This deliverer holds the message until the lease ends.
    Claimed,
    /// Delivered, cancelled or set aside already, or held by another
    /// deliverer (which delivers it, or the sweeper does once its lease
    /// lapses): nothing to do here.
    Unavailable,
    /// The e-mail's address is suppressed: nothing may be sent to it.
    Suppressed,
}

pub(super) type UpdateFailure = aws_sdk_dynamodb::error::SdkError<
    aws_sdk_dynamodb::operation::update_item::UpdateItemError,
    aws_sdk_dynamodb::config::http::HttpResponse,
>;

pub(super) fn condition_failed(error: &UpdateFailure) -> bool {
    error
        .as_service_error()
        .is_some_and(|e| e.is_conditional_check_failed_exception())
}

/// Where the next page of due messages starts.
#[derive(Debug, Clone)]
pub struct DueCursor(super::Item);

/// What a delivery changes besides the message itself, in the same write.
#[derive(Clone)]
pub enum AfterDelivery<'a> {
    Nothing,
    /// A card was posted: keep where, so it can be updated.
    CardPosted(Channel, &'a PostedMessage),
    /// Sending it moved the nomination (an invitation sent: `invited`).
    Move(&'a iln_domain::step::Step),
    /// It changed (or found unchanged) who is in the ILN channel: the
    /// member's audit event, and the Slack user found, kept on the member.
    IlnChannel {
        member: iln_domain::membership::MemberId,
        audit: iln_domain::audit::AuditEvent,
        slack_user: Option<&'a iln_domain::slack::interaction::SlackUserId>,
    },
}

/// A link its message carries, stored by hash in the same write that claims
/// the message.
pub struct LinkToStore {
    pub purpose: TokenPurpose,
    pub hash: TokenHash,
    /// When it stops working, if first stored now.
    pub valid_until: DateTime<Utc>,
}

/// How long a claimed message is reserved for one delivery attempt: longer
/// than any one send may take (`outbox::SEND_TIME_LIMIT`).
pub const LEASE: Duration = Duration::seconds(60);

/// How long a new message is left to the stream before the sweeper takes it.
pub const STREAM_GRACE: Duration = Duration::minutes(2);

/// Expired tokens are kept a while, so that a late click is told "expired"
/// rather than "unknown"; then TTL removes them.
const TOKEN_KEPT_AFTER_EXPIRY: Duration = Duration::days(30);

impl NominationTable {
    /// Undelivered messages that have been attempted at least `attempts`
    /// times, from the undelivered queue of the index.
    #[tracing::instrument(skip_all)]
    pub async fn failing_messages(&self, attempts: u32) -> Result<Vec<OutboxMessage>, StoreError> {
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :undelivered")
            .filter_expression("attempts >= :attempts")
            .expression_attribute_values(
                ":undelivered",
                AttributeValue::S(keys::UNDELIVERED_PARTITION.to_owned()),
            )
            .expression_attribute_values(":attempts", AttributeValue::N(attempts.to_string()));
        let mut failing = Vec::new();
        for item in self.query_all(query).await? {
            let record: OutboxRecord = serde_dynamo::from_item(item).map_err(|source| StoreError::Corrupt {
                key: "outbox message".to_owned(),
                source,
            })?;
            failing.push(record.into());
        }
        Ok(failing)
    }

    /// One page of the undelivered messages due at `now` (their next attempt
    /// is due, or the lease of the delivery that claimed them lapsed),
    /// oldest first, and where the next page starts. Unreadable items are
    /// logged and skipped: retrying cannot mend them.
    #[tracing::instrument(skip_all)]
    pub async fn due_messages(
        &self,
        now: DateTime<Utc>,
        page_size: i32,
        start: Option<DueCursor>,
    ) -> Result<(Vec<OutboxMessage>, Option<DueCursor>), StoreError> {
        let page = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :undelivered AND gsi1sk < :due")
            .expression_attribute_values(
                ":undelivered",
                AttributeValue::S(keys::UNDELIVERED_PARTITION.to_owned()),
            )
            .expression_attribute_values(":due", AttributeValue::S(keys::due_by(now)))
            .limit(page_size)
            .set_exclusive_start_key(start.map(|cursor| cursor.0))
            .send()
            .await
            .map_err(StoreError::call("Query"))?;
        let messages = page
            .items
            .unwrap_or_default()
            .into_iter()
            .filter_map(|item| match serde_dynamo::from_item::<_, OutboxRecord>(item) {
                Ok(record) => Some(record.into()),
                Err(error) => {
                    tracing::error!(error = %error, "outbox item unreadable; skipped");
                    None
                }
            })
            .collect();
        Ok((messages, page.last_evaluated_key.map(DueCursor)))
    }

    /// Messages in the undelivered or the failed queue, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn messages_in(&self, failed: bool) -> Result<Vec<OutboxMessage>, StoreError> {
        let partition = match failed {
            true => keys::FAILED_PARTITION,
            false => keys::UNDELIVERED_PARTITION,
        };
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :partition")
            .expression_attribute_values(":partition", AttributeValue::S(partition.to_owned()));
        self.query_all(query)
            .await?
            .into_iter()
            .map(|item| {
                serde_dynamo::from_item::<_, OutboxRecord>(item)
                    .map(OutboxMessage::from)
                    .map_err(|source| StoreError::Corrupt {
                        key: "outbox message".to_owned(),
                        source,
                    })
            })
            .collect()
    }

    /// One outbox message by id.
    #[tracing::instrument(skip_all)]
    pub async fn outbox_message(&self, id: &MessageId) -> Result<Option<OutboxMessage>, StoreError> {
        let item = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .map_err(StoreError::call("GetItem"))?
            .item;
        match item {
            Some(item) if super::entity(&item) == "outbox_message" => {
                let record: OutboxRecord = serde_dynamo::from_item(item).map_err(|source| StoreError::Corrupt {
                    key: "outbox message".to_owned(),
                    source,
                })?;
                Ok(Some(record.into()))
            }
            _ => Ok(None),
        }
    }

    /// Claims `message` for delivery, and stores the hashes of the links it
    /// will carry in the same write: a link works only if its message was
    /// claimed. Links are derived, so a second attempt stores the same ones:
    /// the first issue, and any use, are kept.
    #[tracing::instrument(skip_all, fields(message_id = %message.id()))]
    /// An e-mail is claimed only while its address is not suppressed: the
    /// check rides in the same write, costing no round trip.
    pub async fn claim_message(
        &self,
        message: &Message,
        links: &[LinkToStore],
        mailed_to: Option<&EmailAddress>,
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let id = message.id();
        let lease_until = now + LEASE;
        let claim = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(&id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status IN (:pending, :retrying) OR (#status = :sending AND lease_until < :now)")
            // Due for the sweeper when the lease lapses: a delivery that dies
            // holding it loses nothing.
            .update_expression("SET #status = :sending, lease_until = :lease, gsi1sk = :due ADD attempts :one")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S("pending".to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S("retrying".to_owned()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":lease", AttributeValue::S(lease_until.to_rfc3339()))
            .expression_attribute_values(":due", AttributeValue::S(keys::due_sort_key(lease_until, id.as_str())))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![TransactWriteItem::builder().update(claim).build()];
        if let Some(address) = mailed_to {
            let not_suppressed = ConditionCheck::builder()
                .table_name(&self.name)
                .key("pk", AttributeValue::S(keys::suppression(address.as_str())))
                .key("sk", AttributeValue::S(keys::SUPPRESSION_SK.to_owned()))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().condition_check(not_suppressed).build());
        }
        if let Some(nomination_id) = message.nomination_id() {
            for link in links {
                writes.push(self.store_link(link, &id, nomination_id, message.member_id(), now)?);
            }
        }
        match self.transact(writes).await {
            Ok(()) => Ok(Claim::Claimed),
            Err(TransactionError::Cancelled(cancelled)) if cancelled.failed_at(0) => Ok(Claim::Unavailable),
            Err(TransactionError::Cancelled(cancelled)) if mailed_to.is_some() && cancelled.failed_at(1) => {
                Ok(Claim::Suppressed)
            }
            // Another deliverer is claiming it right now; if that one
            // fails, the message is still due for the sweeper.
            Err(TransactionError::Cancelled(cancelled)) if cancelled.conflicted() => Ok(Claim::Unavailable),
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    fn store_link(
        &self,
        link: &LinkToStore,
        message: &MessageId,
        nomination_id: NominationId,
        member_id: Option<iln_domain::membership::MemberId>,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let valid_until = link.valid_until;
        let member = match member_id {
            Some(_) => ", member_id = :member",
            None => "",
        };
        let store = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::token(&link.hash)))
            .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
            .update_expression(format!(
                "SET entity = :entity, purpose = :purpose, nomination_id = :nomination, \
                 issued_at = if_not_exists(issued_at, :now), valid_until = if_not_exists(valid_until, :until), \
                 expires_at = if_not_exists(expires_at, :expires), message_id = :message{member}"
            ))
            .expression_attribute_values(":message", AttributeValue::S(message.as_str().to_owned()))
            .expression_attribute_values(":entity", AttributeValue::S("token".to_owned()))
            .expression_attribute_values(":purpose", AttributeValue::S(link.purpose.code().to_owned()))
            .expression_attribute_values(":nomination", AttributeValue::S(nomination_id.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":until", AttributeValue::S(valid_until.to_rfc3339()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((valid_until + TOKEN_KEPT_AFTER_EXPIRY).timestamp().to_string()),
            );
        let store = match member_id {
            Some(member) => store.expression_attribute_values(":member", AttributeValue::S(member.to_string())),
            None => store,
        }
        .build()
        .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().update(store).build())
    }

    /// Marks a claimed message delivered, so it leaves the undelivered queue;
    /// for a card, records where it was posted in the same write.
    #[tracing::instrument(skip_all, fields(message_id = %message.id()))]
    pub async fn mark_delivered(
        &self,
        message: &Message,
        after: AfterDelivery<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let delivered = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(&message.id())))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status = :sending")
            .update_expression("SET #status = :delivered, delivered_at = :now REMOVE lease_until, gsi1pk, gsi1sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", AttributeValue::S("sending".to_owned()))
            .expression_attribute_values(":delivered", AttributeValue::S("delivered".to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![TransactWriteItem::builder().update(delivered).build()];
        if let (AfterDelivery::CardPosted(channel, card), Some(nomination_id)) = (&after, message.nomination_id()) {
            let (channel, card) = (*channel, *card);
            let attribute = match channel {
                Channel::Vetting => "vetting_card",
                Channel::Iln => "iln_card",
            };
            let card = serde_dynamo::to_attribute_value(card).map_err(|source| StoreError::Corrupt {
                key: "card".to_owned(),
                source,
            })?;
            let record_card = Update::builder()
                .table_name(&self.name)
                .key("pk", AttributeValue::S(keys::nomination(nomination_id)))
                .key("sk", AttributeValue::S(keys::NOMINATION_SK.to_owned()))
                .condition_expression("attribute_exists(pk)")
                .update_expression("SET #card = :card")
                .expression_attribute_names("#card", attribute)
                .expression_attribute_values(":card", card)
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().update(record_card).build());
        }
        match after {
            AfterDelivery::Move(step) => writes.extend(self.move_writes(step)?),
            AfterDelivery::IlnChannel {
                member,
                audit,
                slack_user,
            } => writes.extend(self.channel_membership_writes(member, audit, slack_user)?),
            AfterDelivery::Nothing | AfterDelivery::CardPosted(..) => {}
        }
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    /// Cancels a message that has nothing to send any more, unless it is
    /// being sent or was sent already: it leaves the undelivered queue.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn cancel_message(&self, id: &MessageId) -> Result<(), StoreError> {
        match self.cancel(id, false).await {
            Ok(()) => Ok(()),
            // Claimed, sent or cancelled by someone else meanwhile.
            Err(error) if condition_failed(&error) => Ok(()),
            Err(error) => Err(StoreError::call("UpdateItem")(error)),
        }
    }

    /// Gives a claimed message back after a transient failure, noting why:
    /// a redelivery of its stream record may claim it at once, the sweeper
    /// from `retry_at` on.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn release_message(
        &self,
        id: &MessageId,
        failure: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status = :sending")
            .update_expression("SET #status = :retrying, last_failure = :failure, gsi1sk = :due REMOVE lease_until")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", AttributeValue::S("sending".to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S("retrying".to_owned()))
            .expression_attribute_values(":failure", AttributeValue::S(failure.to_owned()))
            .expression_attribute_values(":due", AttributeValue::S(keys::due_sort_key(retry_at, id.as_str())))
            .send()
            .await
            .map_err(StoreError::call("UpdateItem"))?;
        Ok(())
    }

    /// Sets a message aside after a permanent failure: out of the undelivered
    /// queue, into the failed one, with its reason; `alert` (a note to the
    /// vetting channel) is stored in the same write, so the failure is
    /// reported once however often this runs. `detail` (the service's own
    /// words, which may quote an address) stays on the item, never in logs.
    /// `member_audit`, for a change of the ILN channel, goes in the same write.
    #[tracing::instrument(skip_all, fields(message_id = %id, reason = reason.code()))]
    pub async fn set_aside(
        &self,
        id: &MessageId,
        reason: FailureReason,
        detail: &str,
        alert: Option<Message>,
        member_audit: Option<(iln_domain::membership::MemberId, iln_domain::audit::AuditEvent)>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let failed = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            // Delivered too: SES reports a bounce after it accepted the mail.
            .condition_expression("#status IN (:pending, :retrying, :sending, :delivered)")
            .update_expression(
                "SET #status = :failed, failure_reason = :reason, last_failure = :detail, failed_at = :now, \
                 gsi1pk = :failed_queue, gsi1sk = :since REMOVE lease_until",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S(OutboxStatus::Pending.code().to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S(OutboxStatus::Retrying.code().to_owned()))
            .expression_attribute_values(":sending", AttributeValue::S(OutboxStatus::Sending.code().to_owned()))
            .expression_attribute_values(
                ":delivered",
                AttributeValue::S(OutboxStatus::Delivered.code().to_owned()),
            )
            .expression_attribute_values(":failed", AttributeValue::S(OutboxStatus::Failed.code().to_owned()))
            .expression_attribute_values(":reason", AttributeValue::S(reason.code().to_owned()))
            .expression_attribute_values(":detail", AttributeValue::S(detail.to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":failed_queue", AttributeValue::S(keys::FAILED_PARTITION.to_owned()))
            .expression_attribute_values(":since", AttributeValue::S(keys::due_sort_key(now, id.as_str())))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![TransactWriteItem::builder().update(failed).build()];
        if let Some(alert) = alert {
            let item = serde_dynamo::to_item(OutboxRecord::new(alert, now)).map_err(|source| StoreError::Corrupt {
                key: "outbox message".to_owned(),
                source,
            })?;
            let put = Put::builder()
                .table_name(&self.name)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk)")
                .build()
                .map_err(StoreError::call("TransactWriteItems"))?;
            writes.push(TransactWriteItem::builder().put(put).build());
        }
        if let Some((member, audit)) = member_audit {
            writes.extend(self.channel_membership_writes(member, audit, None)?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            // Set aside, delivered or cancelled by someone else meanwhile.
            Err(TransactionError::Cancelled(cancelled)) if cancelled.failed_at(0) => Ok(false),
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    /// Nothing more is mailed to these addresses (checked when a message is
    /// claimed). Kept until erased: forgetting a complaint would mail the
    /// person again.
    #[tracing::instrument(skip_all, fields(count = addresses.len()))]
    pub async fn suppress(
        &self,
        addresses: &[EmailAddress],
        reason: FailureReason,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        for address in addresses {
            self.client
                .put_item()
                .table_name(&self.name)
                .item("pk", AttributeValue::S(keys::suppression(address.as_str())))
                .item("sk", AttributeValue::S(keys::SUPPRESSION_SK.to_owned()))
                .item("entity", AttributeValue::S("suppression".to_owned()))
                .item("reason", AttributeValue::S(reason.code().to_owned()))
                .item("since", AttributeValue::S(now.to_rfc3339()))
                .send()
                .await
                .map_err(StoreError::call("PutItem"))?;
        }
        Ok(())
    }
}
