//! The end of a nomination's retention: TTL removed its record, and what
//! else it left goes too, so nothing about its people outlives it.

use iln_domain::NominationId;
use iln_domain::privacy::PersonRole;

use super::records::{ErasedNominationRecord, NominationRecord};
use super::{Item, NominationTable, StoreError, keys};

/// A nomination record the table removed (its retention ended): what the
/// rest of its data is found by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemovedNomination {
    pub id: NominationId,
    /// The nominee's and nominator's identities, while the record had them.
    people: Vec<String>,
}

impl RemovedNomination {
    /// Reads a stream record's old image; `None` when it is not a nomination.
    pub fn from_image(image: serde_dynamo::Item) -> Result<Option<Self>, serde_dynamo::Error> {
        let entity = match image.get("entity") {
            Some(serde_dynamo::AttributeValue::S(entity)) => entity.clone(),
            _ => return Ok(None),
        };
        match entity.as_str() {
            "nomination" => {
                let record: NominationRecord = serde_dynamo::from_item(image)?;
                Ok(Some(Self {
                    id: record.id,
                    people: vec![record.nominee.email.identity(), record.nominator.email.identity()],
                }))
            }
            "erased_nomination" => {
                let record: ErasedNominationRecord = serde_dynamo::from_item(image)?;
                Ok(Some(Self {
                    id: record.id,
                    people: Vec::new(),
                }))
            }
            _ => Ok(None),
        }
    }
}

impl NominationTable {
    /// Removes what is left of a nomination once its own record is gone:
    /// endorsements, additions, audit trail, outbox history and the links
    /// under its people's keys. Returns how many items went; repeating it
    /// removes nothing more.
    #[tracing::instrument(skip_all, fields(nomination_id = %removed.id))]
    pub async fn purge_nomination(&self, removed: &RemovedNomination) -> Result<usize, StoreError> {
        let id = removed.id;
        let partition = self.partition(keys::nomination(id)).projection_expression("pk, sk");
        let (partition, outbox) = tokio::join!(self.query_all(partition), self.query_all(self.outbox_of(id)));
        let text = |item: &Item, name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
        let mut writes = Vec::new();
        for item in partition?.iter().chain(outbox?.iter()) {
            let (pk, sk) = (text(item, "pk"), text(item, "sk"));
            if let Some(endorser) = sk.strip_prefix("ENDORSEMENT#") {
                writes.push(self.delete(keys::person(endorser), &keys::person_link_sk(id, PersonRole::Endorser))?);
            }
            writes.push(self.delete(pk, &sk)?);
        }
        let removed_items = writes.len();
        for (identity, role) in removed.people.iter().zip([PersonRole::Nominee, PersonRole::Nominator]) {
            writes.push(self.delete(keys::person(identity), &keys::person_link_sk(id, role))?);
        }
        self.write_all(writes).await?;
        Ok(removed_items)
    }
}
