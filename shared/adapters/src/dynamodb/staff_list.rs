//! The staff list of vetters: one partition holding the vetters, the marker
//! that says an admin has changed the list (from then on the deployment's
//! initial list is not read), and the list's audit trail.

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem};
use chrono::{DateTime, Utc};
use iln_domain::EmailAddress;
use iln_domain::audit::AuditEvent;
use iln_domain::vetters::{ListChange, StaffList, StaffListWrite};
use serde::{Deserialize, Serialize};

use super::{NominationTable, StoreError, TransactionError, corrupt, entity, keys};

/// A vetter on the staff list, as admins see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedVetter {
    pub email: EmailAddress,
    /// The admin (token subject) who added them, or `initial list`.
    pub added_by: String,
    pub added_at: DateTime<Utc>,
}

/// One change of the staff list: the event, and whom it is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffListEvent {
    #[serde(flatten)]
    pub event: AuditEvent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vetter: Option<EmailAddress>,
}

/// The staff list with its history, oldest first.
#[derive(Debug, Clone, Default)]
pub struct StaffListView {
    pub kept: bool,
    pub vetters: Vec<ListedVetter>,
    pub history: Vec<StaffListEvent>,
}

impl StaffListView {
    /// What the rules need of it.
    pub fn list(&self) -> StaffList {
        StaffList {
            kept: self.kept,
            vetters: self.vetters.iter().map(|vetter| vetter.email.clone()).collect(),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct VetterRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    vetter: ListedVetter,
}

#[derive(Serialize, Deserialize)]
struct MarkerRecord {
    pk: String,
    sk: String,
    entity: String,
    started_at: DateTime<Utc>,
}

#[derive(Serialize, Deserialize)]
struct EventRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    event: StaffListEvent,
}

/// Who added the vetters the list started with.
const INITIAL_LIST: &str = "initial list";

fn vetter_record(email: &EmailAddress, added_by: &str, now: DateTime<Utc>) -> VetterRecord {
    VetterRecord {
        pk: keys::STAFF_VETTERS.to_owned(),
        sk: keys::vetter_sk(&email.identity()),
        entity: "staff_vetter".to_owned(),
        vetter: ListedVetter {
            email: email.clone(),
            added_by: added_by.to_owned(),
            added_at: now,
        },
    }
}

impl NominationTable {
    /// The staff list, its marker and history: one consistent Query of its
    /// partition.
    #[tracing::instrument(skip_all)]
    pub async fn staff_list(&self) -> Result<StaffListView, StoreError> {
        let mut view = StaffListView::default();
        for item in self.query_all(self.partition(keys::STAFF_VETTERS.to_owned())).await? {
            match entity(&item) {
                "staff_list" => view.kept = true,
                "staff_vetter" => {
                    let record: VetterRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    view.vetters.push(record.vetter);
                }
                "staff_audit" => {
                    let record: EventRecord = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    view.history.push(record.event);
                }
                _ => {}
            }
        }
        Ok(view)
    }

    /// Writes one change of the staff list, whole. `false` when the list
    /// changed since it was read (another admin's change): read it again.
    #[tracing::instrument(skip_all)]
    pub async fn change_staff_list(&self, write: &StaffListWrite, now: DateTime<Utc>) -> Result<bool, StoreError> {
        let mut writes = Vec::new();
        let vetter_sk = keys::vetter_sk(&write.vetter.identity());
        if let Some(start) = &write.start_from {
            let marker = MarkerRecord {
                pk: keys::STAFF_VETTERS.to_owned(),
                sk: keys::STAFF_LIST_SK.to_owned(),
                entity: "staff_list".to_owned(),
                started_at: now,
            };
            writes.push(self.put(&marker, Some("attribute_not_exists(pk)"))?);
            // The vetter removed now is not written at all: one transaction
            // may not touch an item twice.
            for email in start.iter().filter(|email| **email != write.vetter) {
                writes.push(self.put(&vetter_record(email, INITIAL_LIST, now), None)?);
            }
        }
        match write.change {
            ListChange::Add => writes.push(self.put(
                &vetter_record(&write.vetter, &write.by, now),
                Some("attribute_not_exists(pk)"),
            )?),
            ListChange::Remove if write.start_from.is_none() => {
                let delete = Delete::builder()
                    .table_name(&self.name)
                    .key("pk", AttributeValue::S(keys::STAFF_VETTERS.to_owned()))
                    .key("sk", AttributeValue::S(vetter_sk))
                    .condition_expression("attribute_exists(pk)")
                    .build()
                    .map_err(StoreError::call("TransactWriteItems"))?;
                writes.push(TransactWriteItem::builder().delete(delete).build());
            }
            ListChange::Remove => {}
        }
        // One generator: the events of one write keep their order.
        let mut ulids = ulid::Generator::new();
        for (event, vetter) in &write.audit {
            let sk = match ulids.generate_from_datetime(event.at.into()) {
                Ok(ulid) => format!("AUDIT#{ulid}"),
                Err(_) => keys::audit_sk(event.at),
            };
            let record = EventRecord {
                pk: keys::STAFF_VETTERS.to_owned(),
                sk,
                entity: "staff_audit".to_owned(),
                event: StaffListEvent {
                    event: event.clone(),
                    vetter: vetter.clone(),
                },
            };
            writes.push(self.put(&record, None)?);
        }
        match self.transact(writes).await {
            Ok(()) => Ok(true),
            Err(TransactionError::Cancelled(cancelled)) if cancelled.any_condition_failed() => Ok(false),
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }
}
