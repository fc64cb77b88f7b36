//! Where a long run stands (the daily reminder run): saved as it goes, so
//! that a run stopped by its invocation's deadline is resumed from there
//! by the next invocation instead of starting over.

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{NominationTable, StoreError, corrupt, keys};

/// A run's place: the instant it acts as of, the pass it is in, and the
/// queue position (`gsi1sk`) of the last nomination that pass finished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    pub run_at: DateTime<Utc>,
    pub pass: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after: Option<String>,
    pub finished: bool,
}

impl RunProgress {
    pub fn starting(run_at: DateTime<Utc>) -> Self {
        Self {
            run_at,
            pass: 0,
            after: None,
            finished: false,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct RunProgressRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    progress: RunProgress,
}

const PROGRESS_SK: &str = "PROGRESS";

impl NominationTable {
    /// Where the run named `run` stands; `None` before its first save.
    #[tracing::instrument(skip_all, fields(run))]
    pub async fn run_progress(&self, run: &str) -> Result<Option<RunProgress>, StoreError> {
        let record: Option<RunProgressRecord> = self.get(keys::run(run), PROGRESS_SK).await?;
        Ok(record.map(|record| record.progress))
    }

    /// Saves where the run named `run` stands (the last save wins: one run
    /// at a time, and redoing a little is harmless, every action being
    /// conditional).
    #[tracing::instrument(skip_all, fields(run))]
    pub async fn save_run_progress(&self, run: &str, progress: &RunProgress) -> Result<(), StoreError> {
        let record = RunProgressRecord {
            pk: keys::run(run),
            sk: PROGRESS_SK.to_owned(),
            entity: "run_progress".to_owned(),
            progress: progress.clone(),
        };
        let item = serde_dynamo::to_item(&record).map_err(|source| StoreError::Corrupt {
            key: keys::run(run),
            source,
        })?;
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .send()
            .await
            .map_err(StoreError::call("PutItem"))?;
        Ok(())
    }

    /// `due` with each nomination's queue position, from just after
    /// `after` when given: what a resumed pass goes on with.
    #[tracing::instrument(skip_all, fields(status = %status))]
    pub async fn due_after(
        &self,
        status: iln_domain::Status,
        entered_before: DateTime<Utc>,
        after: Option<&str>,
    ) -> Result<Vec<(String, iln_domain::Nomination)>, StoreError> {
        let cutoff = entered_before.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let query = self
            .client
            .query()
            .table_name(&self.name)
            .index_name(keys::STATUS_INDEX)
            .expression_attribute_values(":queue", AttributeValue::S(keys::status_partition(status)))
            .expression_attribute_values(":cutoff", AttributeValue::S(cutoff));
        // One condition per sort key: BETWEEN takes both ends, inclusive;
        // the item at `after` itself is skipped below. No position equals
        // the cutoff (a position is an instant followed by an id).
        let query = match after {
            Some(after) => query
                .key_condition_expression("gsi1pk = :queue AND gsi1sk BETWEEN :after AND :cutoff")
                .expression_attribute_values(":after", AttributeValue::S(after.to_owned())),
            None => query.key_condition_expression("gsi1pk = :queue AND gsi1sk < :cutoff"),
        };
        self.query_all(query)
            .await?
            .into_iter()
            .filter_map(|item| {
                let position = item.get("gsi1sk").and_then(|v| v.as_s().ok()).cloned()?;
                (Some(position.as_str()) != after).then_some((position, item))
            })
            .map(|(position, item)| {
                let record: Result<super::records::NominationRecord, _> = serde_dynamo::from_item(item.clone());
                record
                    .map(|record| (position, record.into_domain()))
                    .map_err(corrupt(&item))
            })
            .collect()
    }
}
