//! The event source mapping's rules, apart from reading the stream: a
//! state machine the tests drive record by record.

use std::collections::VecDeque;

use aws_lambda_events::event::dynamodb::EventRecord;
use aws_lambda_events::streams::DynamoDbEventResponse;
use chrono::{DateTime, Utc};

use super::lambda_json;
use crate::template::StreamEventSource;

/// What one pump did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PumpResult {
    /// Records handed to the function, counting each invocation.
    pub handed_over: usize,
    /// A batch failed and waits to be retried.
    pub retry_pending: bool,
    /// Records no filter admitted: dropped for good, as Lambda does.
    pub filtered_out: usize,
    /// Batches given up (retries or record age exhausted): what Lambda would
    /// describe to the on-failure destination, `StreamFailuresQueue`.
    pub discarded_batches: usize,
    /// Records in those batches.
    pub discarded_records: usize,
}

/// Why a batch was given up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Discard {
    RetriesExhausted,
    RecordTooOld,
}

/// Lambda's side of the event source mapping for one stream, without I/O:
/// which records reach the function, in which batches, and when a failing
/// batch is retried or given up.
///
/// How Lambda counts, from AWS's pages:
/// - "Control which events Lambda sends to your function": filters are
///   applied to each record before batching; a record none admits is
///   discarded and never comes back.
/// - "Configuring partial batch response with DynamoDB and Lambda": with
///   `ReportBatchItemFailures` Lambda checkpoints at the lowest reported
///   sequence number and retries every record from there; a failure whose
///   `itemIdentifier` is empty, null or not in the batch fails the whole
///   batch. With `BisectBatchOnFunctionError` on as well, the batch is split
///   at that record and only the remaining records are retried.
/// - "Retain discarded records for a DynamoDB event source in Lambda": a
///   batch whose invocation reports an error is retried until its records
///   exceed `MaximumRecordAgeInSeconds` or the retries reach
///   `MaximumRetryAttempts` (-1: until the record leaves the stream);
///   splitting a batch does not count. Then Lambda discards the records,
///   sends a description of the batch to the on-failure destination, and
///   goes on with the stream. `MaximumRecordAgeInSeconds` also applies
///   before an invocation: older records are discarded unsent.
///
/// The pages do not say whether a retry that gets further (fails at a later
/// record) starts a fresh count; here it does, because Lambda has
/// checkpointed past the records before it and retries a new, shorter batch.
/// A retry is made by the next `pump`, as Lambda waits before retrying.
#[derive(Debug)]
pub struct EventSourceMapping {
    source: StreamEventSource,
    /// Admitted records not yet handed over, in stream order.
    waiting: VecDeque<EventRecord>,
    /// The batch that failed, to be retried first.
    retrying: Option<Batch>,
    /// The batch handed over and not yet settled.
    in_flight: Option<Batch>,
    tally: PumpResult,
}

#[derive(Debug)]
struct Batch {
    records: Vec<EventRecord>,
    /// Invocations of this batch that failed so far.
    failed_invocations: u32,
}

/// How a batch's invocation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    Delivered,
    /// Retried by the next pump; nothing behind it in the shard goes first.
    WillRetry,
    Discarded(Discard),
}

impl EventSourceMapping {
    pub fn new(source: StreamEventSource) -> Self {
        Self {
            source,
            waiting: VecDeque::new(),
            retrying: None,
            in_flight: None,
            tally: PumpResult::default(),
        }
    }

    /// New records from the stream, in order: those the filters admit wait
    /// for their batch, the others are dropped.
    pub fn offer(&mut self, records: Vec<EventRecord>) {
        for record in records {
            let admitted = match lambda_json(&record) {
                Ok(json) => self.source.filters.admits(&json),
                Err(error) => {
                    tracing::error!(error = %error, sequence = ?record.change.sequence_number, "stream record not representable as JSON; dropped");
                    false
                }
            };
            if admitted {
                self.waiting.push_back(record);
            } else {
                tracing::debug!(sequence = ?record.change.sequence_number, "stream record not admitted by the filters");
                self.tally.filtered_out += 1;
            }
        }
    }

    /// The next batch to hand over at `now`: the failed batch again, or up
    /// to `BatchSize` waiting records. Records older than
    /// `MaximumRecordAgeInSeconds` are discarded first.
    pub fn next_batch(&mut self, now: DateTime<Utc>) -> Option<Vec<EventRecord>> {
        loop {
            let mut batch = match self.retrying.take() {
                Some(retry) => retry,
                None => {
                    let size = self.source.batch_size.min(self.waiting.len());
                    Batch {
                        records: self.waiting.drain(..size).collect(),
                        failed_invocations: 0,
                    }
                }
            };
            if batch.records.is_empty() {
                return None;
            }
            if let Some(limit) = self.source.maximum_record_age {
                let (too_old, young): (Vec<_>, Vec<_>) = std::mem::take(&mut batch.records)
                    .into_iter()
                    .partition(|record| now - record.change.approximate_creation_date_time > limit);
                if !too_old.is_empty() {
                    self.discard(&too_old, Discard::RecordTooOld);
                }
                batch.records = young;
            }
            if batch.records.is_empty() {
                continue;
            }
            let records = batch.records.clone();
            self.tally.handed_over += records.len();
            self.in_flight = Some(batch);
            return Some(records);
        }
    }

    /// What the function answered for the batch last handed over.
    pub fn settle(&mut self, response: &DynamoDbEventResponse) -> Settled {
        let Some(batch) = self.in_flight.take() else {
            return Settled::Delivered;
        };
        let Some(from) = self.first_failure(&batch.records, response) else {
            return Settled::Delivered;
        };
        let remaining = batch.records[from..].to_vec();
        // The same first record failing again is the same batch retried;
        // a failure further on is a new batch from a new checkpoint.
        let failed_invocations = if from == 0 { batch.failed_invocations + 1 } else { 1 };
        let retries_made = failed_invocations - 1;
        if self
            .source
            .maximum_retry_attempts
            .is_some_and(|maximum| retries_made >= maximum)
        {
            self.discard(&remaining, Discard::RetriesExhausted);
            return Settled::Discarded(Discard::RetriesExhausted);
        }
        self.retrying = Some(Batch {
            records: remaining,
            failed_invocations,
        });
        Settled::WillRetry
    }

    /// Where the batch must be retried from: the lowest reported sequence
    /// number, or the whole batch for a failure Lambda cannot place.
    fn first_failure(&self, batch: &[EventRecord], response: &DynamoDbEventResponse) -> Option<usize> {
        if response.batch_item_failures.is_empty() {
            return None;
        }
        if !self.source.report_batch_item_failures {
            // Lambda ignores a partial response it was not told to expect:
            // the batch succeeded.
            return None;
        }
        response
            .batch_item_failures
            .iter()
            .map(|failure| {
                failure
                    .item_identifier
                    .as_deref()
                    .filter(|sequence| !sequence.is_empty())
                    .and_then(|sequence| {
                        batch
                            .iter()
                            .position(|record| record.change.sequence_number.as_deref() == Some(sequence))
                    })
                    .unwrap_or(0)
            })
            .min()
    }

    /// A batch given up: what Lambda would send to the on-failure
    /// destination is a description by shard position, so that is all the
    /// log says; never an item.
    fn discard(&mut self, records: &[EventRecord], why: Discard) {
        let sequence = |record: Option<&EventRecord>| {
            record
                .and_then(|r| r.change.sequence_number.clone())
                .unwrap_or_default()
        };
        tracing::warn!(
            reason = ?why,
            start_sequence_number = %sequence(records.first()),
            end_sequence_number = %sequence(records.last()),
            batch_size = records.len(),
            "stream batch discarded; Lambda would describe it to the on-failure destination"
        );
        self.tally.discarded_batches += 1;
        self.tally.discarded_records += records.len();
    }

    /// Whether a failed batch waits for the next pump.
    pub fn retry_pending(&self) -> bool {
        self.retrying.is_some()
    }

    /// What happened since the last call.
    pub fn take_tally(&mut self) -> PumpResult {
        let mut tally = std::mem::take(&mut self.tally);
        tally.retry_pending = self.retry_pending();
        tally
    }
}
