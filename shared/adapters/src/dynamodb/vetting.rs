//! What IMI staff read and write while vetting: the queue, a nomination's
//! whole file, what surrounds it, the roster, and the nominator's answers.

use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, TransactWriteItem, Update, WriteRequest};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use iln_domain::audit::AuditEvent;
use iln_domain::findings::{Leader, LeaderSource, Surroundings};
use iln_domain::nomination::{Links, Nominator, Rationale};
use iln_domain::roster::RosterEntry;
use iln_domain::slack::Channel;
use iln_domain::vetting::Answer;
use iln_domain::{EmailAddress, Nomination, NominationId, PersonName, Status};
use std::collections::HashMap;

use super::records::{
    AdditionRecord, AuditRecord, EndorsementCountRecord, EndorsementRecord, NominationRecord, RosterRecord,
};
use super::{Item, MoveError, NominationTable, StoreError, corrupt, entity, keys};
use crate::slack::PostedMessage;

/// A page of a queue, oldest first.
#[derive(Debug)]
pub struct QueuePage {
    pub nominations: Vec<Nomination>,
    /// Opaque; pass back to read the next page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("the cursor is not one this service gave out")]
pub struct InvalidCursor;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endorsement {
    pub at: DateTime<Utc>,
    pub nominator: Nominator,
    pub rationale: Rationale,
    pub links: Links,
}

/// A page of a nomination's endorsements, oldest endorser address first.
#[derive(Debug, Clone)]
pub struct EndorsementPage {
    pub endorsements: Vec<Endorsement>,
    /// Opaque; pass back to read the next page.
    pub next_cursor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addition {
    pub at: DateTime<Utc>,
    pub request: u64,
    pub information: String,
}

/// Everything held about one nomination, in one round trip; of its
/// endorsements (read in pages: [`NominationTable::endorsements`]) only
/// who endorsed it.
#[derive(Debug, Clone)]
pub struct Dossier {
    pub nomination: Nomination,
    /// How many endorsements it holds (at most 50).
    pub endorsement_count: usize,
    /// The addresses of those who endorsed it.
    pub endorser_addresses: Vec<EmailAddress>,
    pub audit: Vec<AuditEvent>,
    pub additions: Vec<Addition>,
    pub vetting_card: Option<PostedMessage>,
    pub iln_card: Option<PostedMessage>,
}

impl Dossier {
    /// The addresses of those who endorsed the nomination: with its
    /// nominator, the people who may not decide it.
    pub fn endorsers(&self) -> Vec<EmailAddress> {
        self.endorser_addresses.clone()
    }

    pub fn card(&self, channel: Channel) -> Option<&PostedMessage> {
        match channel {
            Channel::Vetting => self.vetting_card.as_ref(),
            Channel::Iln => self.iln_card.as_ref(),
        }
    }
}

fn encode_cursor(key: &Item) -> String {
    let plain: HashMap<&str, &str> = key
        .iter()
        .filter_map(|(name, value)| Some((name.as_str(), value.as_s().ok()?.as_str())))
        .collect();
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&plain).unwrap_or_default())
}

fn decode_cursor(cursor: &str) -> Result<Item, InvalidCursor> {
    decode_cursor_of(cursor, &["pk", "sk", "gsi1pk", "gsi1sk"])
}

/// A cursor into nomination `id`'s endorsements: it may point at nothing else.
fn decode_endorsement_cursor(cursor: &str, id: NominationId) -> Result<Item, InvalidCursor> {
    let key = decode_cursor_of(cursor, &["pk", "sk"])?;
    let text = |name: &str| key.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
    match text("pk") == keys::nomination(id) && text("sk").starts_with(&keys::endorsement_sk("")) {
        true => Ok(key),
        false => Err(InvalidCursor),
    }
}

fn decode_cursor_of(cursor: &str, expected: &[&str]) -> Result<Item, InvalidCursor> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| InvalidCursor)?;
    let plain: HashMap<String, String> = serde_json::from_slice(&bytes).map_err(|_| InvalidCursor)?;
    if plain.len() != expected.len() || !expected.iter().all(|name| plain.contains_key(*name)) {
        return Err(InvalidCursor);
    }
    Ok(plain
        .into_iter()
        .map(|(name, value)| (name, AttributeValue::S(value)))
        .collect())
}

/// BatchWriteItem takes at most 25 requests.
const ROSTER_BATCH: usize = 25;
/// Batches in flight at once: 10,000 rows are 400 batches, slow one after
/// another; four at a time stay near a new on-demand table's 4,000 writes a
/// second, and what is throttled comes back unprocessed and is retried.
const ROSTER_BATCHES_AT_ONCE: usize = 4;

/// A roster import that stopped before the end: the first `written`
/// entries are stored (an upsert each), later ones perhaps not.
#[derive(Debug, thiserror::Error)]
#[error("the roster import stopped after {written} entries: {stopped}")]
pub struct PartialImport {
    pub written: usize,
    #[source]
    pub stopped: ImportStopped,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportStopped {
    #[error("no time was left to start another batch")]
    OutOfTime,
    #[error(transparent)]
    Store(StoreError),
}

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    #[error(transparent)]
    Cursor(#[from] InvalidCursor),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl NominationTable {
    /// Nominations in `status`, oldest first, from the queue index; only
    /// those of `country` when it is given (a page may then hold fewer than
    /// `limit`, and still have a next one).
    #[tracing::instrument(skip_all, fields(status = %status))]
    pub async fn queue(
        &self,
        status: Status,
        country: Option<&iln_domain::nomination::Country>,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<QueuePage, QueueError> {
        let start = cursor.map(decode_cursor).transpose()?;
        let mut query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .key_condition_expression("gsi1pk = :queue")
            .expression_attribute_values(":queue", AttributeValue::S(keys::status_partition(status)))
            .scan_index_forward(true)
            .limit(limit)
            .set_exclusive_start_key(start);
        if let Some(country) = country {
            query = query
                .filter_expression("nominee.country = :country")
                .expression_attribute_values(":country", AttributeValue::S(country.alpha2().to_owned()));
        }
        let page = query.send().await.map_err(StoreError::call("Query"))?;
        let nominations = page
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|item| !super::expired(item))
            .map(|item| {
                let record: Result<NominationRecord, _> = serde_dynamo::from_item(item.clone());
                record.map(NominationRecord::into_domain).map_err(corrupt(&item))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(QueuePage {
            nominations,
            next_cursor: page.last_evaluated_key.as_ref().map(encode_cursor),
        })
    }

    /// Every nomination in `status` since before `entered_before`, oldest
    /// first: what a reminder run acts on. Read from the queue index.
    #[tracing::instrument(skip_all, fields(status = %status))]
    pub async fn due(&self, status: Status, entered_before: DateTime<Utc>) -> Result<Vec<Nomination>, StoreError> {
        let due = self.due_after(status, entered_before, None).await?;
        Ok(due.into_iter().map(|(_, nomination)| nomination).collect())
    }

    /// The nomination with its audit trail, additions and how many
    /// endorsements it holds.
    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn dossier(&self, id: NominationId) -> Result<Option<Dossier>, StoreError> {
        // Endorsements (50 at most) are read too: who endorsed it may not
        // decide it, and a filter would not spare their reads.
        let items = self.query_all(self.partition(keys::nomination(id))).await?;
        let mut nomination = None;
        let (mut endorsement_count, mut audit, mut additions) = (0, Vec::new(), Vec::new());
        let mut endorser_addresses = Vec::new();
        for item in &items {
            match entity(item) {
                "endorsement" => {
                    let record: EndorsementRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(item))?;
                    endorser_addresses.push(record.nominator.email);
                }
                "nomination" => {
                    let record: NominationRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(item))?;
                    nomination = Some(record);
                }
                "endorsement_count" => {
                    let record: EndorsementCountRecord =
                        serde_dynamo::from_item(item.clone()).map_err(corrupt(item))?;
                    endorsement_count = record.count as usize;
                }
                "audit_event" => {
                    let record: AuditRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(item))?;
                    audit.push(record.event);
                }
                "addition" => {
                    let record: AdditionRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(item))?;
                    additions.push(Addition {
                        at: record.at,
                        request: record.request,
                        information: record.information,
                    });
                }
                _ => {}
            }
        }
        Ok(nomination.map(|record| Dossier {
            vetting_card: record.vetting_card.clone(),
            iln_card: record.iln_card.clone(),
            nomination: record.into_domain(),
            endorsement_count,
            endorser_addresses,
            audit,
            additions,
        }))
    }

    /// Whether `person` endorses nomination `id` (endorsements are recorded
    /// only once verified): one read, whatever the number of endorsements.
    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn endorses(&self, id: NominationId, person: &iln_domain::EmailAddress) -> Result<bool, StoreError> {
        let endorsement: Option<EndorsementRecord> = self
            .get(keys::nomination(id), &keys::endorsement_sk(&person.identity()))
            .await?;
        Ok(endorsement.is_some())
    }

    /// One page of nomination `id`'s endorsements, `limit` at most.
    #[tracing::instrument(skip_all, fields(nomination_id = %id))]
    pub async fn endorsements(
        &self,
        id: NominationId,
        cursor: Option<&str>,
        limit: i32,
    ) -> Result<EndorsementPage, QueueError> {
        let start = cursor.map(|cursor| decode_endorsement_cursor(cursor, id)).transpose()?;
        let page = self
            .partition(keys::nomination(id))
            .key_condition_expression("pk = :pk AND begins_with(sk, :endorsement)")
            .expression_attribute_values(":endorsement", AttributeValue::S(keys::endorsement_sk("")))
            .limit(limit)
            .set_exclusive_start_key(start)
            .send()
            .await
            .map_err(StoreError::call("Query"))?;
        let endorsements = page
            .items
            .unwrap_or_default()
            .into_iter()
            .filter(|item| !super::expired(item) && entity(item) == "endorsement")
            .map(|item| {
                let record: EndorsementRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                Ok(Endorsement {
                    at: record.at,
                    nominator: record.nominator,
                    rationale: record.rationale,
                    links: record.links,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(EndorsementPage {
            endorsements,
            next_cursor: page.last_evaluated_key.as_ref().map(encode_cursor),
        })
    }

    /// What the findings need around `dossier`: the nominator's roster entry,
    /// whether the nominee is a member, and the country's leaders and open
    /// nominations. Two reads, run together; the country's is read to its
    /// last page (a Query stops at 1 MB: some 400 nominations), so that a
    /// count is never of part of them.
    #[tracing::instrument(skip_all, fields(nomination_id = %dossier.nomination.id))]
    pub async fn surroundings(&self, dossier: &Dossier) -> Result<Surroundings, StoreError> {
        let submission = &dossier.nomination.submission;
        let key = |pk: String, sk: &str| {
            HashMap::from([
                ("pk".to_owned(), AttributeValue::S(pk)),
                ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
            ])
        };
        let people = self.batch_get(vec![
            key(keys::roster(&submission.nominator.email.identity()), keys::ROSTER_SK),
            key(keys::person(&submission.nominee.email.identity()), keys::MEMBER_SK),
        ]);
        let country = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::COUNTRY_INDEX)
            .key_condition_expression("gsi2pk = :country AND gsi2sk >= :from")
            .expression_attribute_values(
                ":country",
                AttributeValue::S(keys::country_partition(&submission.nominee.country)),
            )
            .expression_attribute_values(":from", AttributeValue::S(keys::COUNTRY_RELEVANT_FROM.to_owned()))
            // An unverified nomination is nobody's yet: it does not count.
            .filter_expression("entity <> :nomination OR #status <> :unverified")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":nomination", AttributeValue::S("nomination".to_owned()))
            .expression_attribute_values(":unverified", AttributeValue::S(Status::Submitted.code().to_owned()));
        let (people, country) = tokio::join!(people, self.query_all(country));
        let (people, country) = (people?, country?);

        let mut surroundings = Surroundings {
            endorsements: dossier.endorsement_count,
            endorsers: dossier.endorsers(),
            ..Surroundings::default()
        };
        for item in people {
            match entity(&item) {
                "roster_entry" => {
                    let record: RosterRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    surroundings.nominator_on_roster = Some(record.entry);
                }
                "member_pointer" => {
                    surroundings.nominee_was_derecognized = item
                        .get("status")
                        .and_then(|v| v.as_s().ok())
                        .is_some_and(|s| s == "derecognized");
                    surroundings.nominee_is_member = !surroundings.nominee_was_derecognized;
                }
                _ => {}
            }
        }
        for item in country {
            match entity(&item) {
                "roster_entry" => {
                    let record: RosterRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    surroundings.country_leaders.push(Leader {
                        name: record.entry.name,
                        source: LeaderSource::Roster,
                    });
                }
                "member" => {
                    if let Some(name) = item
                        .get("name")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|n| PersonName::parse(n).ok())
                    {
                        surroundings.country_leaders.push(Leader {
                            name,
                            source: LeaderSource::Member,
                        });
                    }
                }
                "nomination" => {
                    if let Some(id) = item
                        .get("id")
                        .and_then(|v| v.as_s().ok())
                        .and_then(|id| id.parse().ok())
                    {
                        surroundings.country_open_nominations.push(id);
                    }
                }
                _ => {}
            }
        }
        Ok(surroundings)
    }

    /// Upserts roster entries: importing the same roster twice changes
    /// nothing. Batches of 25 (BatchWriteItem's limit) go out a few at a
    /// time; none is started after `deadline`. Either every entry is written,
    /// or the answer says how many of the first entries were: the import can
    /// go on from there.
    #[tracing::instrument(skip_all, fields(entries = entries.len()))]
    pub async fn import_roster(
        &self,
        entries: Vec<RosterEntry>,
        now: DateTime<Utc>,
        deadline: tokio::time::Instant,
    ) -> Result<usize, PartialImport> {
        let stopped_before = |stopped| PartialImport { written: 0, stopped };
        let mut batches = Vec::new();
        for chunk in entries.chunks(ROSTER_BATCH) {
            let mut requests = Vec::with_capacity(chunk.len());
            for entry in chunk {
                let item = serde_dynamo::to_item(RosterRecord::new(entry.clone(), now)).map_err(|source| {
                    stopped_before(ImportStopped::Store(StoreError::Corrupt {
                        key: "roster entry".to_owned(),
                        source,
                    }))
                })?;
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(|error| stopped_before(ImportStopped::Store(StoreError::call("BatchWriteItem")(error))))?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
            batches.push(requests);
        }
        let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
        let mut done = vec![false; batches.len()];
        let mut batches = batches.into_iter().enumerate();
        let mut running = tokio::task::JoinSet::new();
        let mut stopped = None;
        loop {
            while stopped.is_none() && running.len() < ROSTER_BATCHES_AT_ONCE {
                let Some((index, batch)) = batches.next() else { break };
                if tokio::time::Instant::now() >= deadline {
                    stopped = Some(ImportStopped::OutOfTime);
                    break;
                }
                let table = self.clone();
                running.spawn(async move { (index, table.write_batch(batch).await) });
            }
            match running.join_next().await {
                None => break,
                Some(Ok((index, Ok(())))) => done[index] = true,
                Some(Ok((_, Err(error)))) => {
                    stopped.get_or_insert(ImportStopped::Store(error));
                }
                Some(Err(panicked)) => {
                    stopped.get_or_insert(ImportStopped::Store(StoreError::Call {
                        operation: "BatchWriteItem",
                        source: Box::new(panicked),
                    }));
                }
            }
        }
        // Batches finish out of order: what is certainly stored is the run
        // of finished batches from the start.
        let written = done
            .iter()
            .zip(&sizes)
            .take_while(|(done, _)| **done)
            .map(|(_, size)| size)
            .sum();
        match stopped {
            None => Ok(written),
            Some(stopped) => Err(PartialImport { written, stopped }),
        }
    }

    /// One BatchWriteItem of at most 25 puts, asking again for what comes
    /// back unprocessed, at most `BATCH_ATTEMPTS` times in all.
    pub(super) async fn write_batch(&self, batch: Vec<WriteRequest>) -> Result<(), StoreError> {
        let mut pending = batch;
        for attempt in 0..super::BATCH_ATTEMPTS {
            if attempt > 0 {
                super::back_off(attempt - 1).await;
            }
            let output = self
                .client
                .batch_write_item()
                .request_items(&self.name, pending)
                .send()
                .await
                .map_err(StoreError::call("BatchWriteItem"))?;
            pending = output
                .unprocessed_items
                .unwrap_or_default()
                .remove(&self.name)
                .unwrap_or_default();
            if pending.is_empty() {
                return Ok(());
            }
        }
        Err(StoreError::Contended)
    }

    /// Records a nominator's answer: the information, the token spent, its
    /// audit event and messages, and the nomination back in the vetting queue
    /// as of now — only while it still awaits vetting.
    #[tracing::instrument(skip_all, fields(nomination_id = %answer.nomination_id))]
    pub async fn add_information(&self, answer: &Answer) -> Result<(), MoveError> {
        let (id, now, token, request) = (answer.nomination_id, answer.at, &answer.token, answer.request);
        let requeue = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::nomination(id)))
            .key("sk", AttributeValue::S(keys::NOMINATION_SK.to_owned()))
            .condition_expression("#status = :waiting")
            .update_expression("SET gsi1sk = :since, updated_at = :at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":waiting", AttributeValue::S(Status::AwaitingVetting.code().to_owned()))
            .expression_attribute_values(":since", AttributeValue::S(keys::due_sort_key(now, &id.to_string())))
            .expression_attribute_values(":at", AttributeValue::S(now.to_rfc3339()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let spend = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::token(token)))
            .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
            .condition_expression("attribute_exists(pk) AND attribute_not_exists(used_at)")
            .update_expression("SET used_at = :at")
            .expression_attribute_values(":at", AttributeValue::S(now.to_rfc3339()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let addition = AdditionRecord {
            pk: keys::nomination(id),
            sk: keys::addition_sk(now),
            entity: "addition".to_owned(),
            nomination_id: id,
            request,
            at: now,
            information: answer.information.as_str().to_owned(),
        };
        let mut writes = vec![
            TransactWriteItem::builder().update(requeue).build(),
            TransactWriteItem::builder().update(spend).build(),
            self.put(&addition, Some("attribute_not_exists(pk)"))?,
            self.put(&AuditRecord::new(id, answer.audit.clone()), None)?,
        ];
        writes.extend(self.outbox_writes(&answer.messages, now)?);
        self.write_transaction(writes).await
    }
}
