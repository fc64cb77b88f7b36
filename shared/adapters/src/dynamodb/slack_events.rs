//! Slack's Events API redelivers events; each is acted on once.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Duration, Utc};

use super::{NominationTable, StoreError};

/// Slack gives up redelivering well within a day.
const REMEMBERED_FOR: Duration = Duration::days(1);

impl NominationTable {
    /// `true` the first time `event_id` is seen, `false` for a redelivery.
    #[tracing::instrument(skip_all)]
    pub async fn first_sight_of_event(&self, event_id: &str, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let result = self
            .client
            .put_item()
            .table_name(&self.name)
            .item("pk", AttributeValue::S(format!("SLACK_EVENT#{event_id}")))
            .item("sk", AttributeValue::S("EVENT".to_owned()))
            .item("entity", AttributeValue::S("slack_event".to_owned()))
            .item(
                "expires_at",
                AttributeValue::N((now + REMEMBERED_FOR).timestamp().to_string()),
            )
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match result {
            Ok(_) => Ok(true),
            Err(SdkError::ServiceError(error))
                if matches!(error.err(), PutItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(false)
            }
            Err(error) => Err(StoreError::call("PutItem")(error)),
        }
    }
}
