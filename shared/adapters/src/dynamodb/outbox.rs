//! The outbox: messages waiting to be delivered, claimed one at a time so
//! that each is sent once.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Duration, Utc};
use iln_domain::NominationId;
use iln_domain::message::{Message, MessageId};
use iln_domain::slack::Channel;
use iln_domain::token::{TokenHash, TokenPurpose};
use serde::{Deserialize, Serialize};

use super::records::OutboxRecord;
use super::{NominationTable, StoreError, cancellation_codes, conditional_check_failed, keys};
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
}

impl OutboxStatus {
    pub fn code(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Retrying => "retrying",
            OutboxStatus::Delivered => "delivered",
            OutboxStatus::Cancelled => "cancelled",
        }
    }
}

/// A message as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub id: MessageId,
    pub status: OutboxStatus,
    pub attempts: u32,
    pub message: Message,
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
        Ok(Some(Self {
            id: record.id,
            status: record.status,
            attempts: record.attempts,
            message: record.message,
        }))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This deliverer holds the message until the lease ends.
    Claimed,
    /// Delivered already, or held by another deliverer: nothing to do.
    Unavailable,
}

/// What a delivery changes besides the message itself, in the same write.
pub enum AfterDelivery<'a> {
    Nothing,
    /// A card was posted: keep where, so it can be updated.
    CardPosted(Channel, &'a PostedMessage),
    /// Sending it moved the nomination (an invitation sent: `invited`).
    Move(super::NominationMove<'a>),
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
/// than the SES call's own deadline.
const LEASE: Duration = Duration::seconds(60);

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
            failing.push(OutboxMessage {
                id: record.id,
                status: record.status,
                attempts: record.attempts,
                message: record.message,
            });
        }
        Ok(failing)
    }

    /// Claims `message` for delivery, and stores the hashes of the links it
    /// will carry in the same write: a link works only if its message was
    /// claimed. Links are derived, so a second attempt stores the same ones:
    /// the first issue, and any use, are kept.
    #[tracing::instrument(skip_all, fields(message_id = %message.id()))]
    pub async fn claim_message(
        &self,
        message: &Message,
        links: &[LinkToStore],
        now: DateTime<Utc>,
    ) -> Result<Claim, StoreError> {
        let id = message.id();
        let claim = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(&id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status IN (:pending, :retrying) OR (#status = :sending AND lease_until < :now)")
            .update_expression("SET #status = :sending, lease_until = :lease ADD attempts :one")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S("pending".to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S("retrying".to_owned()))
            .expression_attribute_values(":sending", AttributeValue::S("sending".to_owned()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":lease", AttributeValue::S((now + LEASE).to_rfc3339()))
            .expression_attribute_values(":one", AttributeValue::N("1".to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let mut writes = vec![TransactWriteItem::builder().update(claim).build()];
        if let Some(nomination_id) = message.nomination_id() {
            for link in links {
                writes.push(self.store_link(link, nomination_id, now)?);
            }
        }
        match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => Ok(Claim::Claimed),
            Err(error) => match cancellation_codes(&error) {
                Some(codes) if conditional_check_failed(&codes, 0) => Ok(Claim::Unavailable),
                // Another deliverer is claiming it right now.
                Some(codes) if super::conflicted(&codes) => Ok(Claim::Unavailable),
                _ => Err(StoreError::call("TransactWriteItems")(error)),
            },
        }
    }

    fn store_link(
        &self,
        link: &LinkToStore,
        nomination_id: NominationId,
        now: DateTime<Utc>,
    ) -> Result<TransactWriteItem, StoreError> {
        let valid_until = link.valid_until;
        let store = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::token(&link.hash)))
            .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
            .update_expression(
                "SET entity = :entity, purpose = :purpose, nomination_id = :nomination, \
                 issued_at = if_not_exists(issued_at, :now), valid_until = if_not_exists(valid_until, :until), \
                 expires_at = if_not_exists(expires_at, :expires)",
            )
            .expression_attribute_values(":entity", AttributeValue::S("token".to_owned()))
            .expression_attribute_values(":purpose", AttributeValue::S(link.purpose.code().to_owned()))
            .expression_attribute_values(":nomination", AttributeValue::S(nomination_id.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .expression_attribute_values(":until", AttributeValue::S(valid_until.to_rfc3339()))
            .expression_attribute_values(
                ":expires",
                AttributeValue::N((valid_until + TOKEN_KEPT_AFTER_EXPIRY).timestamp().to_string()),
            )
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
        if let AfterDelivery::Move(step) = after {
            writes.extend(self.move_writes(step)?);
        }
        self.client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(())
    }

    /// Cancels a message that has nothing to send any more, unless it is
    /// being sent or was sent already: it leaves the undelivered queue.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn cancel_message(&self, id: &MessageId) -> Result<(), StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status IN (:pending, :retrying)")
            .update_expression("SET #status = :cancelled REMOVE lease_until, gsi1pk, gsi1sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S(OutboxStatus::Pending.code().to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S(OutboxStatus::Retrying.code().to_owned()))
            .expression_attribute_values(
                ":cancelled",
                AttributeValue::S(OutboxStatus::Cancelled.code().to_owned()),
            )
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Claimed, sent or cancelled by someone else meanwhile.
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(())
            }
            Err(error) => Err(StoreError::call("UpdateItem")(error)),
        }
    }

    /// Gives a claimed message back after a failed delivery, noting why, so
    /// the next attempt can claim it at once.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn release_message(&self, id: &MessageId, failure: &str) -> Result<(), StoreError> {
        self.client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status = :sending")
            .update_expression("SET #status = :retrying, last_failure = :failure REMOVE lease_until")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", AttributeValue::S("sending".to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S("retrying".to_owned()))
            .expression_attribute_values(":failure", AttributeValue::S(failure.to_owned()))
            .send()
            .await
            .map_err(StoreError::call("UpdateItem"))?;
        Ok(())
    }
}
