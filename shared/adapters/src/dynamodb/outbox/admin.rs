//! What IMI admins do to a message by hand: retry it or cancel it.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use iln_domain::message::MessageId;

use super::{OutboxStatus, UpdateFailure, condition_failed};
use crate::dynamodb::{NominationTable, StoreError, keys};

/// What an admin's retry or cancel found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AdminChange {
    Done,
    NotFound,
    /// The message is in a state that does not allow it (being sent,
    /// delivered, cancelled).
    Refused(OutboxStatus),
}

impl NominationTable {
    /// An admin's retry: a set-aside (or waiting) message goes back into the
    /// undelivered queue, due now, its attempts counted afresh.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn retry_message(&self, id: &MessageId, now: DateTime<Utc>) -> Result<AdminChange, StoreError> {
        let result = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression("#status IN (:failed, :retrying, :pending)")
            .update_expression(
                "SET #status = :retrying, attempts = :zero, gsi1pk = :undelivered, gsi1sk = :due \
                 REMOVE failure_reason, failed_at, lease_until",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":failed", AttributeValue::S(OutboxStatus::Failed.code().to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S(OutboxStatus::Retrying.code().to_owned()))
            .expression_attribute_values(":pending", AttributeValue::S(OutboxStatus::Pending.code().to_owned()))
            .expression_attribute_values(":zero", AttributeValue::N("0".to_owned()))
            .expression_attribute_values(
                ":undelivered",
                AttributeValue::S(keys::UNDELIVERED_PARTITION.to_owned()),
            )
            .expression_attribute_values(":due", AttributeValue::S(keys::due_sort_key(now, id.as_str())))
            .send()
            .await;
        self.admin_change(id, result.map(|_| ())).await
    }

    /// An admin's cancel: a message not being sent nor sent leaves both
    /// queues for good.
    #[tracing::instrument(skip_all, fields(message_id = %id))]
    pub async fn cancel_by_admin(&self, id: &MessageId) -> Result<AdminChange, StoreError> {
        let result = self.cancel(id, true).await;
        self.admin_change(id, result).await
    }

    async fn admin_change(&self, id: &MessageId, result: Result<(), UpdateFailure>) -> Result<AdminChange, StoreError> {
        match result {
            Ok(()) => Ok(AdminChange::Done),
            Err(error) if condition_failed(&error) => Ok(match self.outbox_message(id).await? {
                Some(message) => AdminChange::Refused(message.status),
                None => AdminChange::NotFound,
            }),
            Err(error) => Err(StoreError::call("UpdateItem")(error)),
        }
    }

    pub(super) async fn cancel(&self, id: &MessageId, set_aside_too: bool) -> Result<(), UpdateFailure> {
        let statuses = match set_aside_too {
            true => "#status IN (:pending, :retrying, :failed)",
            false => "#status IN (:pending, :retrying)",
        };
        let mut update = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::outbox(id)))
            .key("sk", AttributeValue::S(keys::OUTBOX_SK.to_owned()))
            .condition_expression(statuses)
            .update_expression("SET #status = :cancelled REMOVE lease_until, gsi1pk, gsi1sk")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":pending", AttributeValue::S(OutboxStatus::Pending.code().to_owned()))
            .expression_attribute_values(":retrying", AttributeValue::S(OutboxStatus::Retrying.code().to_owned()))
            .expression_attribute_values(
                ":cancelled",
                AttributeValue::S(OutboxStatus::Cancelled.code().to_owned()),
            );
        if set_aside_too {
            update = update
                .expression_attribute_values(":failed", AttributeValue::S(OutboxStatus::Failed.code().to_owned()));
        }
        match update.send().await {
            Ok(_) => Ok(()),
            Err(error) => Err(error),
        }
    }
}
