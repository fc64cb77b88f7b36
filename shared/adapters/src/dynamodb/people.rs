//! Everything held about one person, found through the links under their
//! key and the nomination index (never a Scan): exported on request, or
//! erased with the audit trail kept.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use iln_domain::audit::AuditEvent;
use iln_domain::membership::MemberId;
use iln_domain::message::Message;
use iln_domain::privacy::{
    EndorsementHeld, Erasure, ErasureProgress, InformationHeld, MemberHeld, NominationHeld, PersonRole, PostedCard,
    SentMessage, SubjectAccessExport, erased_cards,
};
use iln_domain::slack::Channel;
use iln_domain::{EmailAddress, NominationId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::membership::{MemberAuditRecord, MemberPointer, MemberRecord, member_audit, member_key};
use super::outbox::OutboxStatus;
use super::records::{
    AdditionRecord, AuditRecord, EndorsementRecord, ErasedMessageRecord, ErasedNominationRecord, NominationRecord,
    OutboxRecord, PersonLinkRecord, RosterRecord,
};
use super::{MoveError, NominationTable, StoreError, corrupt, entity, keys};

/// A transaction holds at most this many writes.
const TRANSACTION_LIMIT: usize = 100;
/// Erasing one nomination is re-read and tried again this often when a
/// concurrent step moves it meanwhile.
const ERASE_ATTEMPTS: usize = 3;
/// A person's nominations are read, or erased, this many at a time: each is
/// its own partition, and one after another a person in 200 nominations
/// took most of a function's timeout.
const NOMINATIONS_AT_ONCE: usize = 8;

/// The items under one person's key.
struct Person {
    /// Every item's key, for the final clean-up.
    keys: Vec<(String, String)>,
    roles: BTreeMap<NominationId, BTreeSet<PersonRole>>,
    member: Option<MemberId>,
}

/// One nomination's partition and its outbox messages, as stored.
struct NominationItems {
    nomination: Option<NominationRecord>,
    /// Audit events with their sort keys.
    audit: Vec<(String, AuditEvent)>,
    endorsements: Vec<EndorsementRecord>,
    /// Whether the endorsements' counter exists.
    endorsement_count: bool,
    additions: Vec<AdditionRecord>,
    messages: Vec<OutboxRecord>,
}

fn key_of(pk: &str, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk.to_owned())),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

impl NominationTable {
    /// Everything held about the person with `email`: their part of every
    /// nomination they are in, their endorsements, member and roster records,
    /// and the messages sent to them. Nobody else's name or address.
    #[tracing::instrument(skip_all)]
    pub async fn export_person(
        &self,
        email: &EmailAddress,
        now: DateTime<Utc>,
    ) -> Result<SubjectAccessExport, StoreError> {
        let identity = email.identity();
        let person = self.person(&identity).await?;
        let mut export = SubjectAccessExport {
            email: email.clone(),
            exported_at: now,
            nominations: Vec::new(),
            endorsements: Vec::new(),
            member: None,
            roster_entry: None,
        };
        let mut read = futures::stream::iter(person.roles.clone())
            .map(|(id, roles)| async move { Ok::<_, StoreError>((id, roles, self.nomination_items(id).await?)) })
            .buffered(NOMINATIONS_AT_ONCE);
        while let Some((id, roles, items)) = read.try_next().await? {
            if roles.contains(&PersonRole::Endorser) {
                let own = keys::endorsement_sk(&identity);
                export.endorsements.extend(
                    items
                        .endorsements
                        .iter()
                        .filter(|endorsement| endorsement.sk == own)
                        .map(|endorsement| EndorsementHeld {
                            nomination_id: id,
                            at: endorsement.at,
                            endorser: endorsement.nominator.clone(),
                            rationale: endorsement.rationale.clone(),
                            links: endorsement.links.clone(),
                        }),
                );
            }
            let owned: Vec<PersonRole> = roles.iter().copied().filter(|role| role.owns_nomination()).collect();
            let Some(record) = items.nomination.filter(|_| !owned.is_empty()) else {
                continue;
            };
            let added = items
                .additions
                .iter()
                .map(|addition| InformationHeld {
                    at: addition.at,
                    information: addition.information.clone(),
                })
                .collect();
            let audit: Vec<AuditEvent> = items.audit.into_iter().map(|(_, event)| event).collect();
            let messages: Vec<SentMessage> = items
                .messages
                .into_iter()
                .map(|record| SentMessage {
                    message: record.message,
                    status: record.status.code().to_owned(),
                    created_at: record.created_at,
                    delivered_at: record.delivered_at,
                })
                .collect();
            export.nominations.push(NominationHeld::new(
                &record.into_domain(),
                owned,
                added,
                &audit,
                &messages,
            ));
        }
        if let Some(member_id) = person.member {
            let (member, history) = self.member_items(member_id).await?;
            export.member = member.map(|record| MemberHeld {
                member: record.member,
                history: history.iter().map(|audit| (&audit.event).into()).collect(),
            });
        }
        let roster: Option<RosterRecord> = self.get(keys::roster(&identity), keys::ROSTER_SK).await?;
        export.roster_entry = roster.map(|record| record.entry);
        Ok(export)
    }

    /// Erases the person with `email`: every nomination they are the nominee
    /// or nominator of keeps only its reference, state and audit trail (each
    /// event without its free text); their endorsements, member record,
    /// roster entry and links are removed; undelivered messages are
    /// cancelled; cards are shown again without the data. Nominations are
    /// erased while `may_start` allows; a run that stops, for time or on a
    /// failure, is finished by the next.
    #[tracing::instrument(skip_all)]
    pub async fn erase_person(
        &self,
        email: &EmailAddress,
        admin: &str,
        now: DateTime<Utc>,
        mut may_start: impl FnMut() -> bool + Send,
    ) -> Result<ErasureProgress, StoreError> {
        let identity = email.identity();
        let person = self.person(&identity).await?;
        let mut erasure = Erasure::default();
        let identity = identity.as_str();
        let started = person.roles.clone().into_iter().take_while(move |_| may_start());
        let mut erased = futures::stream::iter(started)
            .map(|(id, roles)| async move {
                // Boxed: each step's future is large, and they nest.
                if roles.iter().any(|role| role.owns_nomination()) {
                    Box::pin(self.erase_nomination(id, admin, now))
                        .await
                        .map(|messages| (usize::from(messages.is_some()), messages.unwrap_or_default(), 0))
                } else {
                    Box::pin(self.erase_endorsement(id, identity, admin, now))
                        .await
                        .map(|erased| (0, 0, usize::from(erased)))
                }
            })
            .buffer_unordered(NOMINATIONS_AT_ONCE);
        let mut done = 0;
        while let Some((nominations, messages, endorsements)) = erased.try_next().await? {
            erasure.nominations += nominations;
            erasure.messages += messages;
            erasure.endorsements += endorsements;
            done += 1;
        }
        drop(erased);
        if done < person.roles.len() {
            tracing::warn!(?erasure, left = person.roles.len() - done, "erasure stopped for time");
            return Ok(ErasureProgress::Stopped(erasure));
        }
        if let Some(member_id) = person.member {
            erasure.member = Box::pin(self.erase_member(member_id, identity, admin, now)).await?;
        }
        let roster: Option<RosterRecord> = self.get(keys::roster(identity), keys::ROSTER_SK).await?;
        if roster.is_some() {
            self.write_all(vec![self.delete(keys::roster(identity), keys::ROSTER_SK)?])
                .await?;
            erasure.roster_entry = true;
        }
        // Their submission counters, keyed by their address's digest.
        let counters = self
            .partition(keys::address_counters(&iln_domain::limits::address_digest(email)))
            .projection_expression("pk, sk");
        let mut counter_keys = Vec::new();
        for item in self.query_all(counters).await? {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            counter_keys.push((text("pk"), text("sk")));
        }
        // Last, so that a run that failed earlier still finds everything.
        let leftovers = person
            .keys
            .iter()
            .chain(&counter_keys)
            .map(|(pk, sk)| self.delete(pk.clone(), sk))
            .collect::<Result<Vec<_>, _>>()?;
        self.write_all(leftovers).await?;
        tracing::info!(?erasure, "personal data erased");
        Ok(ErasureProgress::Complete(erasure))
    }

    async fn person(&self, identity: &str) -> Result<Person, StoreError> {
        let query = self.partition(keys::person(identity));
        let mut person = Person {
            keys: Vec::new(),
            roles: BTreeMap::new(),
            member: None,
        };
        for item in self.query_all(query).await? {
            let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
            person.keys.push((text("pk"), text("sk")));
            match entity(&item) {
                "person_link" => {
                    let link: PersonLinkRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    person.roles.entry(link.nomination_id).or_default().insert(link.role);
                }
                "member_pointer" => {
                    let pointer: MemberPointer = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    person.member = Some(pointer.member_id);
                }
                // The Slack user known by this address: their item goes too.
                "slack_user_pointer" => {
                    if let Some(user) = item.get("user").and_then(|v| v.as_s().ok()) {
                        person
                            .keys
                            .push((keys::slack_user(user), keys::SLACK_USER_SK.to_owned()));
                    }
                }
                _ => {}
            }
        }
        Ok(person)
    }

    async fn nomination_items(&self, id: NominationId) -> Result<NominationItems, StoreError> {
        let partition = self.partition(keys::nomination(id));
        let (partition, outbox) = tokio::join!(self.query_all(partition), self.query_all(self.outbox_of(id)));
        let mut items = NominationItems {
            nomination: None,
            audit: Vec::new(),
            endorsements: Vec::new(),
            endorsement_count: false,
            additions: Vec::new(),
            messages: Vec::new(),
        };
        for item in partition? {
            match entity(&item) {
                "nomination" => items.nomination = Some(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?),
                "audit_event" => {
                    let record: AuditRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    items.audit.push((record.sk, record.event));
                }
                "endorsement" => items
                    .endorsements
                    .push(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?),
                "endorsement_count" => items.endorsement_count = true,
                "addition" => items
                    .additions
                    .push(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?),
                _ => {}
            }
        }
        let message_keys: Vec<_> = outbox?
            .iter()
            .filter_map(|key| Some(key_of(key.get("pk")?.as_s().ok()?, key.get("sk")?.as_s().ok()?)))
            .collect();
        for item in self.batch_get(message_keys).await? {
            if entity(&item) == "outbox_message" {
                items
                    .messages
                    .push(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?);
            }
        }
        Ok(items)
    }

    async fn member_items(&self, id: MemberId) -> Result<(Option<MemberRecord>, Vec<MemberAuditRecord>), StoreError> {
        let query = self.partition(member_key(id));
        let (mut member, mut history) = (None, Vec::new());
        for item in self.query_all(query).await? {
            match entity(&item) {
                "member" => member = Some(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?),
                "audit_event" => history.push(serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?),
                _ => {}
            }
        }
        Ok((member, history))
    }

    /// Erases nomination `id` as a whole. The number of messages it cancelled
    /// or emptied, or `None` when there was nothing left to erase.
    async fn erase_nomination(
        &self,
        id: NominationId,
        admin: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<usize>, StoreError> {
        for _ in 0..ERASE_ATTEMPTS {
            let items = Box::pin(self.nomination_items(id)).await?;
            let Some(record) = &items.nomination else {
                return Ok(None);
            };
            // What may be rewritten in any order, as often as needed.
            let mut scrub = Vec::new();
            for (sk, event) in &items.audit {
                if event.reason.is_some() {
                    scrub.push(self.remove_reason(keys::nomination(id), sk)?);
                }
            }
            for addition in &items.additions {
                scrub.push(self.delete(addition.pk.clone(), &addition.sk)?);
            }
            for endorsement in &items.endorsements {
                scrub.push(self.delete(endorsement.pk.clone(), &endorsement.sk)?);
                if let Some(endorser) = endorsement.sk.strip_prefix("ENDORSEMENT#") {
                    scrub.push(self.delete(keys::person(endorser), &keys::person_link_sk(id, PersonRole::Endorser))?);
                }
            }
            if items.endorsement_count {
                scrub.push(self.delete(keys::nomination(id), keys::ENDORSEMENT_COUNT_SK)?);
            }
            for message in &items.messages {
                // Another erasure's card updates carry no personal data and
                // must still go out.
                if matches!(message.message, Message::DataErased { .. }) {
                    continue;
                }
                let delivered = message.delivered_at.is_some();
                let emptied = ErasedMessageRecord {
                    pk: message.pk.clone(),
                    sk: message.sk.clone(),
                    entity: "erased_message".to_owned(),
                    id: message.id.clone(),
                    kind: message.message.kind().to_owned(),
                    status: if delivered {
                        OutboxStatus::Delivered
                    } else {
                        OutboxStatus::Cancelled
                    }
                    .code()
                    .to_owned(),
                    created_at: message.created_at,
                    delivered_at: message.delivered_at,
                };
                scrub.push(self.put(&emptied, None)?);
            }
            self.write_all(scrub).await?;

            // Then the nomination itself, in one write, only if unmoved.
            let nominee = record.nominee.email.identity();
            let nominator = record.nominator.email.identity();
            let mut last = vec![
                self.replace_nomination(
                    &ErasedNominationRecord {
                        pk: record.pk.clone(),
                        sk: record.sk.clone(),
                        entity: "erased_nomination".to_owned(),
                        id,
                        status: record.status,
                        version: record.version + 1,
                        submitted_at: record.submitted_at,
                        erased_at: now,
                        vetting_card: record.vetting_card.clone(),
                        iln_card: record.iln_card.clone(),
                        expires_at: (now + self.retention.longest()).timestamp(),
                    },
                    record.version,
                )?,
                self.put(
                    &AuditRecord::new(id, AuditEvent::personal_data_erased(now, admin)),
                    None,
                )?,
                self.delete(keys::person(&nominee), &keys::person_link_sk(id, PersonRole::Nominee))?,
                self.delete(
                    keys::person(&nominator),
                    &keys::person_link_sk(id, PersonRole::Nominator),
                )?,
            ];
            if record.status.holds_nominee() {
                last.push(self.release_nominee(&nominee, id)?);
            }
            if record.status == iln_domain::Status::Submitted {
                // The mark that stops the same nominator sending it again
                // names them, under the nominee's key.
                last.push(self.delete(keys::person(&nominee), &keys::pending_sk(&nominator))?);
            }
            let cards = [
                (Channel::Vetting, &record.vetting_card),
                (Channel::Iln, &record.iln_card),
            ]
            .into_iter()
            .filter_map(|(channel, card)| {
                card.as_ref().map(|card| PostedCard {
                    channel,
                    slack_channel: card.channel.clone(),
                    ts: card.ts.clone(),
                })
            });
            last.extend(self.outbox_writes(&erased_cards(id, cards), now)?);
            match self.write_transaction(last).await {
                Ok(()) => return Ok(Some(items.messages.len())),
                Err(MoveError::Conflict) => continue,
                Err(MoveError::Store(error)) => return Err(error),
            }
        }
        Err(StoreError::Contended)
    }

    /// Removes the person's endorsement of someone else's nomination.
    async fn erase_endorsement(
        &self,
        id: NominationId,
        identity: &str,
        admin: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let endorsement: Option<EndorsementRecord> =
            self.get(keys::nomination(id), &keys::endorsement_sk(identity)).await?;
        if endorsement.is_none() {
            return Ok(false);
        }
        let uncount = Update::builder()
            .table_name(&self.name)
            .set_key(Some(key_of(&keys::nomination(id), keys::ENDORSEMENT_COUNT_SK)))
            .condition_expression("#count > :zero")
            .update_expression("ADD #count :minus_one")
            .expression_attribute_names("#count", "count")
            .expression_attribute_values(":zero", AttributeValue::N("0".to_owned()))
            .expression_attribute_values(":minus_one", AttributeValue::N("-1".to_owned()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        // One write: the count drops exactly when the endorsement goes.
        let delete = Delete::builder()
            .table_name(&self.name)
            .set_key(Some(key_of(&keys::nomination(id), &keys::endorsement_sk(identity))))
            .condition_expression("attribute_exists(pk)")
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let writes = vec![
            TransactWriteItem::builder().delete(delete).build(),
            TransactWriteItem::builder().update(uncount).build(),
            self.put(
                &AuditRecord::new(id, AuditEvent::personal_data_erased(now, admin)),
                None,
            )?,
        ];
        match self.write_transaction(writes).await {
            Ok(()) => Ok(true),
            // Gone meanwhile (a concurrent erasure), or an endorsement from
            // before endorsements were counted: removed without the count.
            Err(MoveError::Conflict) => {
                self.write_all(vec![
                    self.delete(keys::nomination(id), &keys::endorsement_sk(identity))?,
                    self.put(
                        &AuditRecord::new(id, AuditEvent::personal_data_erased(now, admin)),
                        None,
                    )?,
                ])
                .await?;
                Ok(true)
            }
            Err(MoveError::Store(error)) => Err(error),
        }
    }

    /// Empties the member record: it leaves every list and index, and its
    /// history keeps no free text.
    async fn erase_member(
        &self,
        id: MemberId,
        identity: &str,
        admin: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let (member, history) = self.member_items(id).await?;
        let Some(member) = member else {
            return Ok(false);
        };
        let mut writes = Vec::new();
        for audit in history.iter().filter(|audit| audit.event.reason.is_some()) {
            writes.push(self.remove_reason(audit.pk.clone(), &audit.sk)?);
        }
        let emptied = ErasedMember {
            pk: member.pk,
            sk: member.sk,
            entity: "erased_member".to_owned(),
            id,
            status: member.member.status.code().to_owned(),
            since: member.member.since,
            erased_at: now,
        };
        writes.push(self.put(&emptied, None)?);
        writes.push(self.put(&member_audit(id, AuditEvent::personal_data_erased(now, admin)), None)?);
        writes.push(self.delete(keys::person(identity), keys::MEMBER_SK)?);
        self.write_all(writes).await?;
        Ok(true)
    }

    /// The erased nomination in place of the one read, only if nobody moved
    /// it since.
    fn replace_nomination(
        &self,
        erased: &ErasedNominationRecord,
        read_version: u64,
    ) -> Result<TransactWriteItem, StoreError> {
        let item = serde_dynamo::to_item(erased).map_err(|source| StoreError::Corrupt {
            key: erased.pk.clone(),
            source,
        })?;
        let put = Put::builder()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression("entity = :nomination AND #version = :version")
            .expression_attribute_names("#version", "version")
            .expression_attribute_values(":nomination", AttributeValue::S("nomination".to_owned()))
            .expression_attribute_values(":version", AttributeValue::N(read_version.to_string()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    pub(super) fn delete(&self, pk: String, sk: &str) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.name)
            .set_key(Some(key_of(&pk, sk)))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn remove_reason(&self, pk: String, sk: &str) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.name)
            .set_key(Some(key_of(&pk, sk)))
            .condition_expression("attribute_exists(pk)")
            .update_expression("REMOVE reason")
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Frees the person for a new nomination, if this one held them.
    fn release_nominee(&self, identity: &str, id: NominationId) -> Result<TransactWriteItem, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.name)
            .set_key(Some(key_of(&keys::person(identity), keys::NOMINEE_SK)))
            .condition_expression("attribute_not_exists(pk) OR nomination_id = :id")
            .expression_attribute_values(":id", AttributeValue::S(id.to_string()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    /// Writes `writes` in as few transactions as the limit allows; each
    /// write stands alone, so a failure part-way is finished by a retry.
    pub(super) async fn write_all(&self, writes: Vec<TransactWriteItem>) -> Result<(), StoreError> {
        for chunk in writes.chunks(TRANSACTION_LIMIT) {
            match self.write_transaction(chunk.to_vec()).await {
                Ok(()) => {}
                Err(MoveError::Conflict) => return Err(StoreError::Contended),
                Err(MoveError::Store(error)) => return Err(error),
            }
        }
        Ok(())
    }
}

/// What is left of a member record once erased: that the membership was.
#[derive(Debug, serde::Serialize)]
struct ErasedMember {
    pk: String,
    sk: String,
    entity: String,
    id: MemberId,
    status: String,
    since: DateTime<Utc>,
    erased_at: DateTime<Utc>,
}
