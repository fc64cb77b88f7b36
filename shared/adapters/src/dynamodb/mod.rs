//! The one DynamoDB table. Single-table design: every item has `pk`, `sk`
//! and an `entity` attribute; queues are read from the `by_status_due` index.
//! Writes that change state are conditional and transactional with their
//! audit event and outbox messages.

mod coverage;
mod datasets;
mod error;
mod keys;
mod member_sessions;
mod membership;
mod nominations;
mod outbox;
mod people;
mod records;
mod retention;
mod roster;
mod runs;
mod slack_events;
mod slack_users;
mod staff_list;
mod staff_sessions;
mod transaction;
mod vetting;

use aws_sdk_dynamodb::Client;
use std::collections::HashMap;

pub use error::StoreError;
use transaction::{Cancellation, TransactionError, back_off};

pub use keys::{COUNTRY_INDEX, STATUS_INDEX};
pub use member_sessions::SignIn;
pub use membership::AddressMove;
pub use nominations::{Commit, MoveError, StoredToken, SubmitOutcome, retry_on_conflict};
pub use outbox::{AdminChange, AfterDelivery, Claim, DueCursor, LEASE, LinkToStore, OutboxMessage, OutboxStatus};
pub use retention::RemovedNomination;
pub use roster::{ListedRosterEntry, RosterPage};
pub use runs::RunProgress;
pub use slack_users::KnownSlackUser;
pub use staff_list::{ListedVetter, StaffListEvent, StaffListView};
pub use vetting::{
    Addition, Dossier, Endorsement, EndorsementPage, ImportStopped, InvalidCursor, PartialImport, QueueError, QueuePage,
};

type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

/// The table, with one client built once per process.
#[derive(Clone)]
pub struct NominationTable {
    client: Client,
    name: String,
    /// How long a closed nomination is kept before TTL removes it.
    retention: iln_domain::retention::Retention,
}

impl NominationTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
            retention: iln_domain::retention::Retention::default(),
        }
    }

    /// Keeps closed nominations as `retention` says before TTL removes them.
    pub fn with_retention(self, retention: iln_domain::retention::Retention) -> Self {
        Self { retention, ..self }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// BatchGetItem and BatchWriteItem hand back what they could not do now
/// (throttling, their size limits): it is asked for again, with back-off, at
/// most this many times in all, then the call fails as `Contended`.
const BATCH_ATTEMPTS: u32 = 8;

/// BatchGetItem takes at most 100 keys a call.
const BATCH_GET_LIMIT: usize = 100;

/// An item whose TTL has passed: DynamoDB deletes it some time later, and
/// until then every read treats it as gone.
fn expired(item: &Item) -> bool {
    let now = chrono::Utc::now().timestamp();
    item.get("expires_at")
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse::<i64>().ok())
        .is_some_and(|at| at <= now)
}

fn entity(item: &Item) -> &str {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
        .unwrap_or_default()
}

fn corrupt(item: &Item) -> impl FnOnce(serde_dynamo::Error) -> StoreError + '_ {
    move |source| {
        let part = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).map(String::as_str);
        StoreError::Corrupt {
            key: loggable_key(part("pk").unwrap_or_default(), part("sk").unwrap_or_default()),
            source,
        }
    }
}

/// An item's key as it may be logged: keys such as `PERSON#<email>`,
/// `ROSTER#<email>` or `ENDORSEMENT#<email>` name a person, so any part that
/// holds an address is replaced; ids and kinds stay, to find the item.
fn loggable_key(pk: &str, sk: &str) -> String {
    let redact = |key: &str| {
        key.split('#')
            .map(|part| if part.contains('@') { "<address>" } else { part })
            .collect::<Vec<_>>()
            .join("#")
    };
    format!("{} / {}", redact(pk), redact(sk))
}

/// What is left of a record whose personal data was erased: every read by
/// key treats it as gone.
fn erased(item: &Item) -> bool {
    item.get("entity")
        .and_then(|v| v.as_s().ok())
        .is_some_and(|entity| entity.starts_with("erased_"))
}

impl NominationTable {
    /// A consistent read of one partition (every item under `pk`).
    pub(super) fn partition(&self, pk: String) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.name)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", aws_sdk_dynamodb::types::AttributeValue::S(pk))
            .consistent_read(true)
    }

    /// The keys of every outbox message about nomination `id`.
    pub(super) fn outbox_of(
        &self,
        id: iln_domain::NominationId,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        self.client
            .query()
            .table_name(&self.name)
            .index_name(keys::NOMINATION_INDEX)
            .key_condition_expression("gsi3pk = :nomination")
            .expression_attribute_values(
                ":nomination",
                aws_sdk_dynamodb::types::AttributeValue::S(keys::nomination(id)),
            )
    }

    /// Every item of `keys` that exists, read consistently. Keys handed back
    /// unprocessed are asked for again, at most `BATCH_ATTEMPTS` times.
    pub(super) async fn batch_get(
        &self,
        keys: Vec<HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>,
    ) -> Result<Vec<Item>, StoreError> {
        use aws_sdk_dynamodb::types::KeysAndAttributes;
        let mut items = Vec::new();
        for chunk in keys.chunks(BATCH_GET_LIMIT) {
            let mut wanted = Some(
                KeysAndAttributes::builder()
                    .set_keys(Some(chunk.to_vec()))
                    .consistent_read(true)
                    .build()
                    .map_err(StoreError::call("BatchGetItem"))?,
            );
            let mut attempt = 0;
            while let Some(request) = wanted.take() {
                if attempt == BATCH_ATTEMPTS {
                    return Err(StoreError::Contended);
                }
                if attempt > 0 {
                    back_off(attempt - 1).await;
                }
                attempt += 1;
                let output = self
                    .client
                    .batch_get_item()
                    .request_items(&self.name, request)
                    .send()
                    .await
                    .map_err(StoreError::call("BatchGetItem"))?;
                items.extend(
                    output
                        .responses
                        .unwrap_or_default()
                        .remove(&self.name)
                        .unwrap_or_default(),
                );
                wanted = output
                    .unprocessed_keys
                    .unwrap_or_default()
                    .remove(&self.name)
                    .filter(|left| !left.keys.is_empty());
            }
        }
        Ok(items)
    }

    /// Every item a query finds, page after page.
    pub(super) async fn query_all(
        &self,
        query: aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder,
    ) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::new();
        let mut start = None;
        loop {
            let page = query
                .clone()
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(StoreError::call("Query"))?;
            items.extend(page.items.unwrap_or_default().into_iter().filter(|item| !expired(item)));
            start = page.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }
}

#[cfg(test)]
mod key_tests {
    use super::loggable_key;

    #[test]
    fn a_logged_key_names_no_address() {
        assert_eq!(loggable_key("PERSON#a@b.org", "MEMBER"), "PERSON#<address> / MEMBER");
        assert_eq!(
            loggable_key(
                "NOMINATION#01JDZ8Q6N5C8W4Y3F2K9T7B1XA",
                "ENDORSEMENT#Ana.Lopez@example.org"
            ),
            "NOMINATION#01JDZ8Q6N5C8W4Y3F2K9T7B1XA / ENDORSEMENT#<address>"
        );
        assert_eq!(
            loggable_key("PERSON#a@b.org", "LINK#01J#nominee"),
            "PERSON#<address> / LINK#01J#nominee"
        );
    }
}
