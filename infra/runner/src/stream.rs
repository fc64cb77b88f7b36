//! Reads a table's stream as Lambda's event source mapping would, and hands
//! the records to the outbox handler.

use aws_lambda_events::event::dynamodb::{Event, EventRecord};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use std::collections::BTreeMap;

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
        })
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
                records.extend(page_records.into_iter().map(to_event_record));
                *iterator = page.next_shard_iterator;
                if drained {
                    break;
                }
            }
        }
        Ok(records)
    }
}

/// The record as Lambda delivers it to a DynamoDB stream consumer.
fn to_event_record(record: Record) -> EventRecord {
    let mut event = EventRecord::default();
    event.event_id = record.event_id.unwrap_or_default();
    event.event_name = record
        .event_name
        .map(|name| name.as_str().to_owned())
        .unwrap_or_default();
    event.event_source = record.event_source;
    event.event_version = record.event_version;
    event.aws_region = record.aws_region.unwrap_or_default();
    if let Some(change) = record.dynamodb {
        event.change.keys = change.keys.unwrap_or_default().into();
        event.change.new_image = change.new_image.unwrap_or_default().into();
        event.change.old_image = change.old_image.unwrap_or_default().into();
        event.change.sequence_number = change.sequence_number;
        event.change.size_bytes = change.size_bytes.unwrap_or_default();
    }
    event
}

/// Feeds stream records to the outbox handler the way Lambda does: in order,
/// and from the first reported failure again until it succeeds.
pub struct OutboxFeed {
    reader: StreamReader,
    /// Records read but not yet delivered, because a delivery failed.
    waiting: Vec<EventRecord>,
}

impl OutboxFeed {
    pub fn new(reader: StreamReader) -> Self {
        Self {
            reader,
            waiting: Vec::new(),
        }
    }

    /// Reads new records and delivers what is waiting. Returns how many
    /// records were handed over, and whether any delivery must be retried.
    pub async fn pump(
        &mut self,
        outbox: &outbox::App,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<PumpResult, Error> {
        self.waiting.extend(self.reader.read().await?);
        if self.waiting.is_empty() {
            return Ok(PumpResult {
                handed_over: 0,
                retry_pending: false,
            });
        }
        let batch = std::mem::take(&mut self.waiting);
        let handed_over = batch.len();
        let mut event = Event::default();
        event.records = batch.clone();
        let deadline = outbox::Deadline::after(OUTBOX_TIMEOUT);
        let response = outbox::handle(outbox, event, now, deadline).await;
        let first_failure = response
            .batch_item_failures
            .iter()
            .filter_map(|failure| failure.item_identifier.as_deref())
            .filter_map(|sequence| {
                batch
                    .iter()
                    .position(|r| r.change.sequence_number.as_deref() == Some(sequence))
            })
            .min();
        if let Some(position) = first_failure {
            self.waiting = batch[position..].to_vec();
        }
        Ok(PumpResult {
            handed_over,
            retry_pending: first_failure.is_some(),
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PumpResult {
    pub handed_over: usize,
    pub retry_pending: bool,
}
