//! Reads a table's stream as Lambda's event source mapping would, and hands
//! the records to the outbox handler: filtered, batched and retried by the
//! rules `template.yaml` declares for `OutboxFunction`.

mod mapping;

use crate::template::StreamEventSource;
use crate::ttl::{TTL_IDENTITY_TYPE, TTL_PRINCIPAL, TtlDeletes};
use aws_lambda_events::event::dynamodb::{Event, EventRecord, UserIdentity};
use aws_sdk_dynamodbstreams::Client;
use aws_sdk_dynamodbstreams::types::{Record, ShardIteratorType};
use chrono::{DateTime, Utc};
use serde_json::Value;
use std::collections::BTreeMap;

pub use mapping::{Discard, EventSourceMapping, PumpResult, Settled};

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
mod tests;
