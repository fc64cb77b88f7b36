//! A stand-in for DynamoDB's TTL process, used by the test harness
//! (`TestApp::remove_by_ttl`). `infra/up` does not run one: locally, closed
//! nominations stay, and every read already ignores an item whose TTL has
//! passed.
//!
//! DynamoDB Local (1.25.1, the jar in `infra/emulators`) has a TTL job: it
//! deletes expired items about every 10 seconds and marks their stream
//! records with the identity AWS puts on TTL deletes. But it builds each
//! delete's key from every attribute definition of the table, index keys
//! included, so on a table with a global secondary index (ours has three)
//! none of its deletes happens: expired items stay. Observed against the
//! jar; a table without an index has its expired items removed within
//! seconds.
//!
//! So TTL is played here, as AWS describes it: an item whose TTL attribute
//! holds an epoch time in seconds earlier than now (and no more than five
//! years earlier: older values are ignored) is deleted by the service, and
//! the stream record of that delete carries `userIdentity`
//! `{"type": "Service", "principalId": "dynamodb.amazonaws.com"}` (page
//! "Record", DynamoDB Streams API; a delete by a user or a function carries
//! none). The delete is an ordinary conditional `DeleteItem`; its stream
//! record is then found by its keys and old image and marked, by sequence
//! number, in `TtlDeletes`, which `StreamReader` consults.

use crate::stream::{Error, StreamReader};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

/// The principal AWS names on the stream records of TTL's deletes.
pub const TTL_PRINCIPAL: &str = "dynamodb.amazonaws.com";
pub const TTL_IDENTITY_TYPE: &str = "Service";

/// AWS's TTL leaves items whose expiry is more than five years past.
const IGNORED_AFTER_YEARS: i64 = 5;

/// Sequence numbers of the stream records that are TTL's deletes. Shared
/// by the stand-in that deletes and every reader of the table's stream.
#[derive(Debug, Clone, Default)]
pub struct TtlDeletes(Arc<Mutex<HashSet<String>>>);

impl TtlDeletes {
    fn mark(&self, sequence_number: String) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(sequence_number);
    }

    pub fn contains(&self, sequence_number: &str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .contains(sequence_number)
    }
}

/// Plays TTL for one table.
pub struct TtlStandIn {
    pub tables: aws_sdk_dynamodb::Client,
    pub streams: aws_sdk_dynamodbstreams::Client,
    pub table: String,
    /// `TimeToLiveSpecification.AttributeName` of the table.
    pub attribute: String,
    pub deletes: TtlDeletes,
}

impl TtlStandIn {
    /// Deletes the item at `key` as TTL would at `now`: only if its TTL
    /// attribute is a number of seconds before `now`. Returns whether it
    /// was deleted; an item not yet expired, without the attribute, or
    /// absent is left alone.
    pub async fn remove_if_expired(
        &self,
        key: HashMap<String, AttributeValue>,
        now: DateTime<Utc>,
    ) -> Result<bool, Error> {
        let oldest = now - chrono::Duration::days(365 * IGNORED_AFTER_YEARS);
        let deleted = self
            .tables
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key.clone()))
            .condition_expression("attribute_type(#ttl, :number) AND #ttl < :now AND #ttl >= :oldest")
            .expression_attribute_names("#ttl", &self.attribute)
            .expression_attribute_values(":number", AttributeValue::S("N".to_owned()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            .expression_attribute_values(":oldest", AttributeValue::N(oldest.timestamp().to_string()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        let old_image = match deleted {
            Ok(output) => output.attributes.unwrap_or_default(),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                return Ok(false);
            }
            Err(error) => return Err(error.into()),
        };
        self.mark_record_of(&key, old_image).await?;
        Ok(true)
    }

    /// Finds the stream record of the delete just made, the last REMOVE of
    /// that key with that old image, and marks it as TTL's.
    async fn mark_record_of(
        &self,
        key: &HashMap<String, AttributeValue>,
        old_image: HashMap<String, AttributeValue>,
    ) -> Result<(), Error> {
        let key: serde_dynamo::Item = key.clone().into();
        let old_image: serde_dynamo::Item = old_image.into();
        let mut reader = StreamReader::open(&self.tables, self.streams.clone(), &self.table).await?;
        let sequence_number = reader
            .read()
            .await?
            .into_iter()
            .rev()
            .find(|record| {
                record.event_name == "REMOVE" && record.change.keys == key && record.change.old_image == old_image
            })
            .and_then(|record| record.change.sequence_number)
            .ok_or("the stream holds no record of the delete TTL made")?;
        self.deletes.mark(sequence_number);
        Ok(())
    }
}
