//! The roster as staff keep it in the console: listed by category and
//! address from the queue index, and an entry removed. (Imports are in
//! `vetting`, beside the findings that read the roster.)

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::delete_item::DeleteItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use iln_domain::EmailAddress;
use iln_domain::roster::{RosterCategory, RosterEntry};

use super::records::RosterRecord;
use super::{InvalidCursor, NominationTable, QueueError, StoreError, corrupt, keys};

/// A roster entry as listed: what was imported, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRosterEntry {
    pub entry: RosterEntry,
    pub imported_at: DateTime<Utc>,
}

/// A page of the roster, by address.
#[derive(Debug, Clone)]
pub struct RosterPage {
    pub entries: Vec<ListedRosterEntry>,
    /// Opaque; pass back to read the next page.
    pub next_cursor: Option<String>,
}

/// The cursor is the last address shown: every category's partition goes on
/// after it, so one cursor serves one category and all three alike.
fn encode_cursor(identity: &str) -> String {
    URL_SAFE_NO_PAD.encode(identity)
}

fn decode_cursor(cursor: &str) -> Result<String, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| InvalidCursor)?;
    String::from_utf8(bytes)
        .ok()
        .filter(|identity| !identity.is_empty())
        .ok_or(InvalidCursor)
}

impl NominationTable {
    /// Up to `limit` roster entries by address, after the cursor's; of one
    /// category, or of all three (their partitions read side by side and
    /// merged). Entries imported before the roster had its index partitions
    /// are not listed until imported again.
    #[tracing::instrument(skip_all)]
    pub async fn roster_page(
        &self,
        category: Option<RosterCategory>,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<RosterPage, QueueError> {
        let after = cursor.map(decode_cursor).transpose()?;
        let categories = match category {
            Some(category) => vec![category],
            None => RosterCategory::ALL.to_vec(),
        };
        // One more than a page from each: whether a next page exists is
        // known without another read.
        let reads = categories
            .into_iter()
            .map(|category| self.roster_partition_after(category, after.as_deref(), limit + 1));
        let mut listed: Vec<(String, ListedRosterEntry)> = futures::future::try_join_all(reads)
            .await?
            .into_iter()
            .flatten()
            .collect();
        listed.sort_by(|(one, _), (other, _)| one.cmp(other));
        let more = listed.len() > limit;
        listed.truncate(limit);
        let next_cursor = match more {
            true => listed.last().map(|(identity, _)| encode_cursor(identity)),
            false => None,
        };
        Ok(RosterPage {
            entries: listed.into_iter().map(|(_, entry)| entry).collect(),
            next_cursor,
        })
    }

    /// Up to `limit` entries of `category` whose address sorts after `after`.
    async fn roster_partition_after(
        &self,
        category: RosterCategory,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<(String, ListedRosterEntry)>, StoreError> {
        let mut query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .expression_attribute_values(":category", AttributeValue::S(keys::roster_partition(category)))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX));
        query = match after {
            Some(after) => query
                .key_condition_expression("gsi1pk = :category AND gsi1sk > :after")
                .expression_attribute_values(":after", AttributeValue::S(after.to_owned())),
            None => query.key_condition_expression("gsi1pk = :category"),
        };
        let page = query.send().await.map_err(StoreError::call("Query"))?;
        page.items
            .unwrap_or_default()
            .into_iter()
            .map(|item| {
                let record: RosterRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                let identity = record.entry.email.identity();
                Ok((
                    identity,
                    ListedRosterEntry {
                        entry: record.entry,
                        imported_at: record.imported_at,
                    },
                ))
            })
            .collect()
    }

    /// Removes `email`'s roster entry — and so their place in the country
    /// index, which is the same item. The category it had, or `None` if
    /// there was no entry (removed already, or never imported).
    #[tracing::instrument(skip_all)]
    pub async fn remove_roster_entry(&self, email: &EmailAddress) -> Result<Option<RosterCategory>, StoreError> {
        let result = self
            .client
            .delete_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::roster(&email.identity())))
            .key("sk", AttributeValue::S(keys::ROSTER_SK.to_owned()))
            .condition_expression("attribute_exists(pk)")
            .return_values(ReturnValue::AllOld)
            .send()
            .await;
        match result {
            Ok(output) => {
                let item = output.attributes.unwrap_or_default();
                let record: RosterRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                Ok(Some(record.entry.category))
            }
            Err(SdkError::ServiceError(error))
                if matches!(error.err(), DeleteItemError::ConditionalCheckFailedException(_)) =>
            {
                Ok(None)
            }
            Err(error) => Err(StoreError::call("DeleteItem")(error)),
        }
    }
}
