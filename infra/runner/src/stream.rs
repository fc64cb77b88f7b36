//! Reads a table's stream as Lambda's event source mapping would, and hands
//! the records to the outbox handler: filtered, batched and retried by the
//! rules `template.yaml` declares for `OutboxFunction`.

use crate::template::StreamEventSource;
use crate::ttl::{TTL_IDENTITY_TYPE, TTL_PRINCIPAL, TtlDeletes};
use aws_lambda_events::event::dynamodb::{Event, EventRecord, UserIdentity};
use aws_lambda_events::streams::DynamoDbEventResponse;
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// The outbox function's `Timeout` in template.yaml: each invocation gets
/// that long, as on Lambda.
pub const OUTBOX_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// A reader positioned in every shard of one table's stream, from its start.
pub struct StreamReader {
    client: Client,
    stream_arn: String,
    /// Shard id → the iterator to read next; `None` once a shard is closed
    /// and read to its end.
    shards: BTreeMap<String, Option<String>>,
    /// Deletes the TTL stand-in made (`crate::ttl`), whose records get the
    /// identity AWS puts on TTL's deletes.
    ttl_deletes: TtlDeletes,
}

impl StreamReader {
    pub async fn open(tables: &aws_sdk_dynamodb::Client, client: Client, table: &str) -> Result<Self, Error> {
        let description = tables.describe_table().table_name(table).send().await?;
        let stream_arn = description
            .table
            .and_then(|table| table.latest_stream_arn)
            .ok_or_else(|| format!("table {table} has no stream"))?;
        Ok(Self {
            client,
            stream_arn,
            shards: BTreeMap::new(),
            ttl_deletes: TtlDeletes::default(),
        })
    }

    /// Records of the deletes in `deletes` are read as TTL's.
    pub fn with_ttl_deletes(mut self, deletes: TtlDeletes) -> Self {
        self.ttl_deletes = deletes;
        self
    }

    async fn discover_shards(&mut self) -> Result<(), Error> {
        let description = self
            .client
            .describe_stream()
            .stream_arn(&self.stream_arn)
            .send()
            .await?;
        let shards = description
            .stream_description
            .map(|d| d.shards.unwrap_or_default())
            .unwrap_or_default();
        for shard in shards {
            let Some(shard_id) = shard.shard_id else {
                continue;
            };
            if self.shards.contains_key(&shard_id) {
                continue;
            }
            let iterator = self
                .client
                .get_shard_iterator()
                .stream_arn(&self.stream_arn)
                .shard_id(&shard_id)
                .shard_iterator_type(ShardIteratorType::TrimHorizon)
                .send()
                .await?
                .shard_iterator;
            self.shards.insert(shard_id, iterator);
        }
        Ok(())
    }

    /// Every record written since the last call, in shard order.
    pub async fn read(&mut self) -> Result<Vec<EventRecord>, Error> {
        self.discover_shards().await?;
        let mut records = Vec::new();
        for iterator in self.shards.values_mut() {
            // A shard may hold more than one page; read until it is drained.
            while let Some(current) = iterator.clone() {
                let page = self.client.get_records().shard_iterator(current).send().await?;
                let page_records = page.records.unwrap_or_default();
                let drained = page_records.is_empty();
                records.extend(page_records.into_iter().map(|record| {
                    let mut event = to_event_record(record, &self.stream_arn);
                    let by_ttl = event
                        .change
                        .sequence_number
                        .as_deref()
                        .is_some_and(|sequence| self.ttl_deletes.contains(sequence));
                    if by_ttl && event.user_identity.is_none() {
                        event.user_identity = Some(ttl_identity());
                    }
                    event
                }));
                *iterator = page.next_shard_iterator;
                if drained {
                    break;
                }
            }
        }
        Ok(records)
    }
}

fn ttl_identity() -> UserIdentity {
    let mut identity = UserIdentity::default();
    identity.type_ = TTL_IDENTITY_TYPE.to_owned();
    identity.principal_id = TTL_PRINCIPAL.to_owned();
    identity
}

/// The record as Lambda delivers it to a DynamoDB stream consumer. The
/// `userIdentity` is kept: DynamoDB sets it on the deletes TTL makes
/// (`Service`, `dynamodb.amazonaws.com`), and filters tell TTL's deletes
/// from a user's by it.
fn to_event_record(record: Record, stream_arn: &str) -> EventRecord {
    let mut event = EventRecord::default();
    event.event_id = record.event_id.unwrap_or_default();
    event.event_name = record
        .event_name
        .map(|name| name.as_str().to_owned())
        .unwrap_or_default();
    event.event_source = record.event_source;
    event.event_version = record.event_version;
    event.event_source_arn = Some(stream_arn.to_owned());
    event.aws_region = record.aws_region.unwrap_or_default();
    event.user_identity = record.user_identity.map(|identity| {
        let mut user = UserIdentity::default();
        user.type_ = identity.r#type.unwrap_or_default();
        user.principal_id = identity.principal_id.unwrap_or_default();
        user
    });
    if let Some(change) = record.dynamodb {
        if let Some(created) = change
            .approximate_creation_date_time
            .and_then(|at| DateTime::from_timestamp(at.secs(), at.subsec_nanos()))
        {
            event.change.approximate_creation_date_time = created;
        }
        event.change.keys = change.keys.unwrap_or_default().into();
        event.change.new_image = change.new_image.unwrap_or_default().into();
        event.change.old_image = change.old_image.unwrap_or_default().into();
        event.change.sequence_number = change.sequence_number;
        event.change.size_bytes = change.size_bytes.unwrap_or_default();
    }
    event
}

/// The record's JSON as Lambda passes it to the function, which is what
/// filter patterns match: fields a record lacks are absent, not null, and a
/// REMOVE has no `NewImage`.
pub fn lambda_json(record: &EventRecord) -> Result<Value, serde_json::Error> {
    let mut json = serde_json::to_value(record)?;
    if let Value::Object(fields) = &mut json {
        fields.retain(|_, value| !value.is_null());
        if let Some(Value::Object(change)) = fields.get_mut("dynamodb") {
            change.retain(|_, value| !value.is_null() && value.as_object().is_none_or(|image| !image.is_empty()));
        }
    }
    Ok(json)
}

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

/// Feeds the table's stream to the outbox handler the way Lambda's event
/// source mapping does.
pub struct OutboxFeed {
    reader: StreamReader,
    mapping: EventSourceMapping,
}

impl OutboxFeed {
    /// `source` is the template's `OutboxFunction` stream event source
    /// (`Template::outbox_stream`).
    pub fn new(reader: StreamReader, source: StreamEventSource) -> Self {
        Self {
            reader,
            mapping: EventSourceMapping::new(source),
        }
    }

    /// Reads new records and delivers what is due: batch after batch, until
    /// none is left or one fails (its retry is the next pump's first).
    pub async fn pump(&mut self, outbox: &outbox::App, now: DateTime<Utc>) -> Result<PumpResult, Error> {
        let records = self.reader.read().await?;
        self.mapping.offer(records);
        while let Some(batch) = self.mapping.next_batch(now) {
            let mut event = Event::default();
            event.records = batch;
            let deadline = outbox::Deadline::after(OUTBOX_TIMEOUT);
            let response = outbox::handle(outbox, event, now, deadline).await;
            if self.mapping.settle(&response) == Settled::WillRetry {
                break;
            }
        }
        Ok(self.mapping.take_tally())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event_filter::FilterCriteria;
    use aws_lambda_events::streams::DynamoDbBatchItemFailure;
    use chrono::Duration;

    fn source(retries: Option<u32>, max_age: Option<Duration>) -> StreamEventSource {
        StreamEventSource {
            filter_patterns: Vec::new(),
            filters: FilterCriteria::default(),
            batch_size: 10,
            maximum_retry_attempts: retries,
            maximum_record_age: max_age,
            report_batch_item_failures: true,
        }
    }

    fn at(seconds: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
    }

    fn record(sequence: u32, created: DateTime<Utc>) -> EventRecord {
        let mut record = EventRecord::default();
        record.event_name = "INSERT".to_owned();
        record.change.sequence_number = Some(format!("{sequence:021}"));
        record.change.approximate_creation_date_time = created;
        record
    }

    fn sequences(batch: &[EventRecord]) -> Vec<u32> {
        batch
            .iter()
            .map(|r| r.change.sequence_number.as_deref().unwrap().parse().unwrap())
            .collect()
    }

    fn failing(sequence: Option<u32>) -> DynamoDbEventResponse {
        let mut response = DynamoDbEventResponse::default();
        let mut failure = DynamoDbBatchItemFailure::default();
        failure.item_identifier = sequence.map(|s| format!("{s:021}"));
        response.batch_item_failures.push(failure);
        response
    }

    #[test]
    fn a_batch_that_keeps_failing_is_retried_maximum_retry_attempts_times_then_discarded() {
        let mut mapping = EventSourceMapping::new(source(Some(2), None));
        mapping.offer((1..=3).map(|n| record(n, at(0))).collect());

        let mut invocations = Vec::new();
        let mut outcomes = Vec::new();
        while let Some(batch) = mapping.next_batch(at(1)) {
            invocations.push(sequences(&batch));
            outcomes.push(mapping.settle(&failing(Some(2))));
        }
        let tally = mapping.take_tally();

        assert_eq!(
            invocations,
            [vec![1, 2, 3], vec![2, 3], vec![2, 3]],
            "the first invocation, then two retries from the failed record"
        );
        assert_eq!(
            outcomes,
            [
                Settled::WillRetry,
                Settled::WillRetry,
                Settled::Discarded(Discard::RetriesExhausted)
            ]
        );
        assert_eq!((tally.discarded_batches, tally.discarded_records), (1, 2));
        assert!(!tally.retry_pending, "the stream goes on past the discarded batch");
    }

    #[test]
    fn no_retry_at_all_with_maximum_retry_attempts_zero_and_endless_ones_with_minus_one() {
        let mut none = EventSourceMapping::new(source(Some(0), None));
        none.offer(vec![record(1, at(0))]);
        let batch = none.next_batch(at(1)).expect("a batch");
        assert_eq!(sequences(&batch), [1]);
        assert_eq!(
            none.settle(&failing(Some(1))),
            Settled::Discarded(Discard::RetriesExhausted),
            "0: discarded after the first failed invocation"
        );
        assert!(none.next_batch(at(2)).is_none());

        let mut endless = EventSourceMapping::new(source(None, None));
        endless.offer(vec![record(1, at(0))]);
        for attempt in 0..100 {
            let batch = endless.next_batch(at(1)).expect("retried again");
            assert_eq!(
                endless.settle(&failing(Some(1))),
                Settled::WillRetry,
                "attempt {attempt}"
            );
            assert_eq!(sequences(&batch), [1]);
        }
    }

    #[test]
    fn a_retry_that_gets_further_starts_a_new_count_and_later_records_wait_behind_it() {
        let mut mapping = EventSourceMapping::new(source(Some(1), None));
        mapping.offer((1..=4).map(|n| record(n, at(0))).collect());
        mapping.source.batch_size = 3;

        let first = mapping.next_batch(at(1)).unwrap();
        assert_eq!(mapping.settle(&failing(Some(2))), Settled::WillRetry);
        let second = mapping.next_batch(at(1)).unwrap();
        assert_eq!(
            mapping.settle(&failing(Some(3))),
            Settled::WillRetry,
            "got further: a new batch from the new checkpoint, not a second retry"
        );
        let third = mapping.next_batch(at(1)).unwrap();
        assert_eq!(mapping.settle(&DynamoDbEventResponse::default()), Settled::Delivered);
        let fourth = mapping.next_batch(at(1)).unwrap();

        assert_eq!(sequences(&first), [1, 2, 3]);
        assert_eq!(sequences(&second), [2, 3]);
        assert_eq!(sequences(&third), [3], "record 4 waited behind the failing batch");
        assert_eq!(sequences(&fourth), [4]);
    }

    #[test]
    fn a_failure_lambda_cannot_place_fails_the_whole_batch() {
        let cases = [
            ("a null itemIdentifier", None),
            ("an identifier not in the batch", Some(99)),
        ];
        for (what, identifier) in cases {
            let mut mapping = EventSourceMapping::new(source(None, None));
            mapping.offer((1..=3).map(|n| record(n, at(0))).collect());
            mapping.next_batch(at(1));
            mapping.settle(&failing(identifier));
            let again = mapping.next_batch(at(1)).unwrap();
            assert_eq!(sequences(&again), [1, 2, 3], "{what}");
        }
    }

    #[test]
    fn records_older_than_maximum_record_age_are_discarded_before_and_between_retries() {
        let hour = Duration::hours(1);
        let mut mapping = EventSourceMapping::new(source(None, Some(hour)));
        mapping.offer(vec![record(1, at(0)), record(2, at(600)), record(3, at(600))]);

        let first = mapping.next_batch(at(3601)).unwrap();
        let after_first = mapping.take_tally();
        assert_eq!(mapping.settle(&failing(Some(2))), Settled::WillRetry);
        let at_the_limit = mapping.next_batch(at(4200)).unwrap();
        mapping.settle(&failing(Some(2)));
        let past_the_limit = mapping.next_batch(at(4201));
        let after_all = mapping.take_tally();

        assert_eq!(sequences(&first), [2, 3], "record 1 was over an hour old: never sent");
        assert_eq!((after_first.discarded_batches, after_first.discarded_records), (1, 1));
        assert_eq!(sequences(&at_the_limit), [2, 3], "exactly an hour old is not older");
        assert!(past_the_limit.is_none(), "the failing batch aged out");
        assert_eq!((after_all.discarded_batches, after_all.discarded_records), (1, 2));
        assert!(!after_all.retry_pending);
    }

    #[test]
    fn batches_hold_at_most_batch_size_records_and_success_moves_on() {
        let mut mapping = EventSourceMapping::new(source(Some(10), None));
        mapping.offer((1..=25).map(|n| record(n, at(0))).collect());

        let mut sizes = Vec::new();
        while let Some(batch) = mapping.next_batch(at(1)) {
            sizes.push(batch.len());
            assert_eq!(mapping.settle(&DynamoDbEventResponse::default()), Settled::Delivered);
        }

        assert_eq!(sizes, [10, 10, 5]);
        assert_eq!(mapping.take_tally().handed_over, 25);
    }

    #[test]
    fn records_the_filters_do_not_admit_never_reach_a_batch() {
        let mut filtered = source(None, None);
        filtered.filters = FilterCriteria::parse(&[r#"{"eventName": ["INSERT"]}"#]).unwrap();
        let mut mapping = EventSourceMapping::new(filtered);
        let mut modify = record(2, at(0));
        modify.event_name = "MODIFY".to_owned();
        mapping.offer(vec![record(1, at(0)), modify, record(3, at(0))]);

        let batch = mapping.next_batch(at(1)).unwrap();
        mapping.settle(&DynamoDbEventResponse::default());

        assert_eq!(sequences(&batch), [1, 3]);
        assert_eq!(mapping.take_tally().filtered_out, 1);
    }

    #[test]
    fn the_json_filters_see_is_the_one_lambda_passes() {
        let mut removed = record(1, at(0));
        removed.event_name = "REMOVE".to_owned();
        removed.user_identity = Some(ttl_identity());
        let by_user = record(2, at(0));

        let ttl = lambda_json(&removed).unwrap();
        let user = lambda_json(&by_user).unwrap();

        assert_eq!(ttl["userIdentity"]["type"], "Service");
        assert_eq!(ttl["userIdentity"]["principalId"], "dynamodb.amazonaws.com");
        assert_eq!(ttl["eventName"], "REMOVE");
        assert!(user.get("userIdentity").is_none(), "absent, not null: {user}");
        assert!(user["dynamodb"].get("NewImage").is_none(), "an empty image is absent");
    }
}
