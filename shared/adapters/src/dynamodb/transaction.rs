//! The one TransactWriteItems call, and what a cancelled transaction means.

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use super::{MoveError, NominationTable, StoreError};

/// Why each item of a cancelled transaction failed, in request order
/// (`"None"`, `"ConditionalCheckFailed"`, `"TransactionConflict"`, …).
fn cancellation_codes(error: &SdkError<TransactWriteItemsError>) -> Option<Vec<String>> {
    transaction_cancellation_codes(error.as_service_error()?)
}

pub(super) fn transaction_cancellation_codes(error: &TransactWriteItemsError) -> Option<Vec<String>> {
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
pub(super) async fn back_off(attempt: u32) {
    let mut noise = [0u8; 2];
    // Jitter only: without OS randomness the pause is merely regular.
    let _ = getrandom::fill(&mut noise);
    let jitter = u64::from(u16::from_le_bytes(noise) % 20);
    let millis = 5 * 2u64.pow(attempt.min(6)) + jitter;
    tokio::time::sleep(std::time::Duration::from_millis(millis)).await;
}

pub(super) const TRANSACTION_ATTEMPTS: u32 = 8;

/// DynamoDB cancelled a transaction: why each write failed, in request
/// order (`"None"`, `"ConditionalCheckFailed"`, `"TransactionConflict"`, …).
#[derive(Debug, thiserror::Error)]
#[error("transaction cancelled: {0:?}")]
pub(super) struct Cancellation(Vec<String>);

impl Cancellation {
    /// The write at `index` found its condition false.
    pub(super) fn failed_at(&self, index: usize) -> bool {
        conditional_check_failed(&self.0, index)
    }

    pub(super) fn any_condition_failed(&self) -> bool {
        self.0.iter().any(|code| code == "ConditionalCheckFailed")
    }

    /// A concurrent transaction touched the same items: the same write later
    /// may pass.
    pub(super) fn conflicted(&self) -> bool {
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
}
