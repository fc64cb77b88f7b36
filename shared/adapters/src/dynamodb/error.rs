//! What can go wrong with a DynamoDB call, told apart where its type is
//! still known: "try again later" or "it failed".

use aws_sdk_dynamodb::config::http::HttpResponse;
use aws_sdk_dynamodb::error::{BuildError, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;

use super::transaction::transaction_cancellation_codes;

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
    pub(super) fn call<E: Transience + std::error::Error + Send + Sync + 'static>(
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
pub(super) trait Transience {
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
