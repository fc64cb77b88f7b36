//! The one DynamoDB table. Single-table design: every item has `pk`, `sk`
//! and an `entity` attribute; queues are read from the `by_status_due` index.
//! Writes that change state are conditional and transactional with their
//! audit event and outbox messages.

mod keys;
mod membership;
mod nominations;
mod outbox;
mod people;
mod records;
mod slack_events;
mod vetting;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use std::collections::HashMap;

pub use keys::{COUNTRY_INDEX, STATUS_INDEX};
pub use membership::Correction;
pub use nominations::{Commit, MoveError, StoredToken, SubmitOutcome, retry_on_conflict};
pub use outbox::{AdminChange, AfterDelivery, Claim, DueCursor, LEASE, LinkToStore, OutboxMessage, OutboxStatus};
pub use people::RemovedNomination;
pub use vetting::{
    Addition, Dossier, Endorsement, EndorsementPage, ImportStopped, InvalidCursor, PartialImport, QueueError, QueuePage,
};

type Item = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("DynamoDB {operation} failed")]
    Call {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// No answer in time, or "not now" (throttled, busy, a 5xx): the call
    /// may or may not have taken effect, and the same call later may pass.
    #[error("DynamoDB {operation} did not complete; it may or may not have taken effect")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("item {key} does not hold a valid record")]
    Corrupt {
        key: String,
        #[source]
        source: serde_dynamo::Error,
    },
    #[error("transaction kept conflicting with concurrent writes")]
    Contended,
}

impl StoreError {
    /// The table did not answer in time or asked to be called later: the
    /// caller should say "try again later", not "it failed". Contention is
    /// included: the same request a moment later is expected to pass.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable { .. } | StoreError::Contended)
    }

    /// The one way a failed call becomes a `StoreError`: classified here,
    /// while its type is still known.
    fn call<E: Transience + std::error::Error + Send + Sync + 'static>(
        operation: &'static str,
    ) -> impl FnOnce(E) -> Self {
        move |error| match error.is_transient() {
            true => StoreError::Unavailable {
                operation,
                source: Box::new(error),
            },
            false => StoreError::Call {
                operation,
                source: Box::new(error),
            },
        }
    }
}

/// Whether a failed call's outcome is unknown or its cause passes by itself.
trait Transience {
    fn is_transient(&self) -> bool;
}

/// DynamoDB's codes for "not now": throttling, a transaction with the same
/// client token still running, a fault on its side. Other 4xx codes are
/// answers (a bad request stays bad).
const TRANSIENT_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "ThrottlingException",
    "Throttling",
    "TransactionInProgressException",
    "InternalServerError",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// Cancellation reasons of a transaction that would pass on a later try.
const TRANSIENT_CANCELLATIONS: &[&str] = &[
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "TransactionConflict",
];

impl<E> Transience for SdkError<E, HttpResponse>
where
    E: ProvideErrorMetadata + 'static,
{
    fn is_transient(&self) -> bool {
        match self {
            // The request may have been sent and applied: its fate is unknown.
            SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
            // A request we could not even form (a bad endpoint) stays bad.
            SdkError::DispatchFailure(failure) => !failure.is_user(),
            SdkError::ServiceError(failure) => {
                let code = failure.err().code().unwrap_or_default();
                let cancelled_for_now = (failure.err() as &dyn std::any::Any)
                    .downcast_ref::<TransactWriteItemsError>()
                    .and_then(transaction_cancellation_codes)
                    .is_some_and(|codes| codes.iter().any(|c| TRANSIENT_CANCELLATIONS.contains(&c.as_str())));
                failure.raw().status().is_server_error() || TRANSIENT_CODES.contains(&code) || cancelled_for_now
            }
            // Never sent: nothing happened, and trying again changes nothing.
            _ => false,
        }
    }
}

/// A request that could not be built was never sent.
impl Transience for BuildError {
    fn is_transient(&self) -> bool {
        false
    }
}

/// The table, with one client built once per process.
#[derive(Clone)]
pub struct NominationTable {
    client: Client,
    name: String,
    /// How long a closed nomination is kept before TTL removes it.
    retention: chrono::Duration,
}

/// Closed nominations are kept a year unless configured otherwise.
const DEFAULT_RETENTION_DAYS: i64 = 365;

impl NominationTable {
    pub fn new(client: Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
            retention: chrono::Duration::days(DEFAULT_RETENTION_DAYS),
        }
    }

    /// Keeps closed nominations `days` before TTL removes them.
    pub fn with_retention_days(self, days: i64) -> Self {
        Self {
            retention: chrono::Duration::days(days),
            ..self
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }
}

/// Why each item of a cancelled transaction failed, in request order
/// (`"None"`, `"ConditionalCheckFailed"`, `"TransactionConflict"`, …).
fn cancellation_codes(error: &SdkError<TransactWriteItemsError>) -> Option<Vec<String>> {
    transaction_cancellation_codes(error.as_service_error()?)
}

fn transaction_cancellation_codes(error: &TransactWriteItemsError) -> Option<Vec<String>> {
    match error {
        TransactWriteItemsError::TransactionCanceledException(cancelled) => Some(
            cancelled
                .cancellation_reasons()
                .iter()
                .map(|reason| reason.code().unwrap_or("None").to_owned())
                .collect(),
        ),
        _ => None,
    }
}

fn conditional_check_failed(codes: &[String], index: usize) -> bool {
    codes.get(index).is_some_and(|code| code == "ConditionalCheckFailed")
}

fn conflicted(codes: &[String]) -> bool {
    codes.iter().any(|code| code == "TransactionConflict")
}

/// A short pause before retrying a conflicted transaction, growing and
/// jittered so that racing writers spread out.
async fn back_off(attempt: u32) {
    let mut noise = [0u8; 2];
    // Jitter only: without OS randomness the pause is merely regular.
    let _ = getrandom::fill(&mut noise);
    let jitter = u64::from(u16::from_le_bytes(noise) % 20);
    let millis = 5 * 2u64.pow(attempt.min(6)) + jitter;
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

const TRANSACTION_ATTEMPTS: u32 = 8;

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

/// DynamoDB cancelled a transaction: why each write failed, in request
/// order (`"None"`, `"ConditionalCheckFailed"`, `"TransactionConflict"`, …).
#[derive(Debug, thiserror::Error)]
#[error("transaction cancelled: {0:?}")]
pub(super) struct Cancellation(Vec<String>);

impl Cancellation {
    /// The write at `index` found its condition false.
    fn failed_at(&self, index: usize) -> bool {
        conditional_check_failed(&self.0, index)
    }

    fn any_condition_failed(&self) -> bool {
        self.0.iter().any(|code| code == "ConditionalCheckFailed")
    }

    /// A concurrent transaction touched the same items: the same write later
    /// may pass.
    fn conflicted(&self) -> bool {
        conflicted(&self.0)
    }
}

/// A cancellation nobody explained: contention is "try later", a failed
/// condition an error.
impl From<Cancellation> for StoreError {
    fn from(cancelled: Cancellation) -> Self {
        match cancelled.conflicted() && !cancelled.any_condition_failed() {
            true => StoreError::Contended,
            false => StoreError::Call {
                operation: "TransactWriteItems",
                source: Box::new(cancelled),
            },
        }
    }
}

/// Why a transaction was not written.
#[derive(Debug)]
pub(super) enum TransactionError {
    /// A condition failed or a concurrent writer conflicted: for the caller
    /// to explain.
    Cancelled(Cancellation),
    Store(StoreError),
}

impl From<StoreError> for TransactionError {
    fn from(error: StoreError) -> Self {
        TransactionError::Store(error)
    }
}

impl NominationTable {
    /// The one TransactWriteItems call. Conflicts are classified here, once:
    /// a cancellation because of a condition or a concurrent writer comes
    /// back with its reasons; throttling and the rest are a `StoreError`.
    pub(super) async fn transact(
        &self,
        writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), TransactionError> {
        let error = match self
            .client
            .transact_write_items()
            .set_transact_items(Some(writes))
            .send()
            .await
        {
            Ok(_) => return Ok(()),
            Err(error) => error,
        };
        match cancellation_codes(&error).map(Cancellation) {
            Some(cancelled) if cancelled.any_condition_failed() || cancelled.conflicted() => {
                Err(TransactionError::Cancelled(cancelled))
            }
            _ => Err(StoreError::call("TransactWriteItems")(error).into()),
        }
    }

    /// Writes a transaction, trying again with back-off while the only
    /// obstacle is a concurrent writer; a failed condition comes back at once.
    pub(super) async fn transact_retrying(
        &self,
        writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), TransactionError> {
        for attempt in 0..TRANSACTION_ATTEMPTS {
            match self.transact(writes.clone()).await {
                Err(TransactionError::Cancelled(cancelled)) if !cancelled.any_condition_failed() => {
                    back_off(attempt).await
                }
                result => return result,
            }
        }
        Err(StoreError::Contended.into())
    }

    /// Writes one transaction; a failed condition or a conflict with a
    /// concurrent writer is the caller's `Conflict` to re-read and explain.
    pub(super) async fn write_transaction(
        &self,
        writes: Vec<aws_sdk_dynamodb::types::TransactWriteItem>,
    ) -> Result<(), MoveError> {
        match self.transact(writes).await {
            Ok(()) => Ok(()),
            Err(TransactionError::Cancelled(_)) => Err(MoveError::Conflict),
            Err(TransactionError::Store(error)) => Err(error.into()),
        }
    }

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
mod tests {
    use super::*;
    use aws_sdk_dynamodb::error::{ConnectorError, ErrorMetadata};
    use aws_sdk_dynamodb::operation::query::QueryError;
    use aws_sdk_dynamodb::types::CancellationReason;
    use aws_sdk_dynamodb::types::error::{
        InternalServerError, ProvisionedThroughputExceededException, RequestLimitExceeded, ResourceNotFoundException,
        ThrottlingException, TransactionCanceledException, TransactionInProgressException,
    };
    use aws_smithy_types::body::SdkBody;

    fn response(status: u16) -> HttpResponse {
        HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(status).unwrap(),
            SdkBody::empty(),
        )
    }

    /// As the SDK parses an error response: the code sits in the metadata.
    fn meta(code: &str) -> ErrorMetadata {
        ErrorMetadata::builder().code(code).build()
    }

    fn classified<E: Transience + std::error::Error + Send + Sync + 'static>(error: E) -> StoreError {
        StoreError::call("Test")(error)
    }

    fn cancelled(reasons: &[&str]) -> SdkError<TransactWriteItemsError, HttpResponse> {
        let reasons = reasons
            .iter()
            .map(|code| CancellationReason::builder().code(*code).build())
            .collect();
        let cancelled = TransactionCanceledException::builder()
            .set_cancellation_reasons(Some(reasons))
            .meta(meta("TransactionCanceledException"))
            .build();
        SdkError::service_error(
            TransactWriteItemsError::TransactionCanceledException(cancelled),
            response(400),
        )
    }

    #[test]
    fn a_call_whose_outcome_is_unknown_or_that_may_pass_later_is_unavailable() {
        let io = || ConnectorError::io("connection reset".into());
        let transact = |error: TransactWriteItemsError, status: u16| SdkError::service_error(error, response(status));
        let cases: Vec<(&str, StoreError)> = vec![
            (
                "a timeout (operation or attempt)",
                classified(SdkError::<QueryError, HttpResponse>::timeout_error("timed out")),
            ),
            (
                "a dispatch (IO) failure",
                classified(SdkError::<QueryError, HttpResponse>::dispatch_failure(io())),
            ),
            (
                "a connect timeout",
                classified(SdkError::<QueryError, HttpResponse>::dispatch_failure(
                    ConnectorError::timeout("connect timed out".into()),
                )),
            ),
            (
                "a response cut short",
                classified(SdkError::<QueryError, HttpResponse>::response_error(
                    "truncated",
                    response(200),
                )),
            ),
            (
                "ProvisionedThroughputExceeded",
                classified(transact(
                    TransactWriteItemsError::ProvisionedThroughputExceededException(
                        ProvisionedThroughputExceededException::builder()
                            .meta(meta("ProvisionedThroughputExceededException"))
                            .build(),
                    ),
                    400,
                )),
            ),
            (
                "RequestLimitExceeded",
                classified(transact(
                    TransactWriteItemsError::RequestLimitExceeded(
                        RequestLimitExceeded::builder()
                            .meta(meta("RequestLimitExceeded"))
                            .build(),
                    ),
                    400,
                )),
            ),
            (
                "ThrottlingException",
                classified(transact(
                    TransactWriteItemsError::ThrottlingException(
                        ThrottlingException::builder().meta(meta("ThrottlingException")).build(),
                    ),
                    400,
                )),
            ),
            (
                "TransactionInProgress",
                classified(transact(
                    TransactWriteItemsError::TransactionInProgressException(
                        TransactionInProgressException::builder()
                            .meta(meta("TransactionInProgressException"))
                            .build(),
                    ),
                    400,
                )),
            ),
            (
                "InternalServerError",
                classified(transact(
                    TransactWriteItemsError::InternalServerError(
                        InternalServerError::builder().meta(meta("InternalServerError")).build(),
                    ),
                    500,
                )),
            ),
            (
                "any 5xx, even with a code the SDK does not model",
                classified(transact(
                    TransactWriteItemsError::generic(meta("ServiceUnavailable")),
                    503,
                )),
            ),
            (
                "a transaction cancelled because it was throttled",
                classified(cancelled(&["None", "ThrottlingError", "None"])),
            ),
            ("contention that outlasted every retry", StoreError::Contended),
        ];
        for (case, error) in cases {
            assert!(error.is_unavailable(), "{case}: {error:?}");
        }
    }

    #[test]
    fn a_call_that_was_answered_or_never_sent_is_not_unavailable() {
        let cases: Vec<(&str, StoreError)> = vec![
            (
                "a missing table",
                classified(SdkError::service_error(
                    TransactWriteItemsError::ResourceNotFoundException(
                        ResourceNotFoundException::builder()
                            .meta(meta("ResourceNotFoundException"))
                            .build(),
                    ),
                    response(400),
                )),
            ),
            (
                "a validation error",
                classified(SdkError::service_error(
                    TransactWriteItemsError::generic(meta("ValidationException")),
                    response(400),
                )),
            ),
            (
                "a transaction cancelled by a failed condition",
                classified(cancelled(&["ConditionalCheckFailed", "None"])),
            ),
            (
                "a request that could not be built",
                classified(SdkError::<QueryError, HttpResponse>::construction_failure(
                    "no table name",
                )),
            ),
            (
                "a request the connector refused as malformed",
                classified(SdkError::<QueryError, HttpResponse>::dispatch_failure(
                    ConnectorError::user("invalid URI".into()),
                )),
            ),
            (
                "a builder missing a required field",
                classified(
                    aws_sdk_dynamodb::types::Put::builder()
                        .build()
                        .expect_err("a Put needs a table"),
                ),
            ),
        ];
        for (case, error) in cases {
            assert!(!error.is_unavailable(), "{case}: {error:?}");
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
