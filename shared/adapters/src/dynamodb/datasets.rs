//! Datasets written in bulk, for measuring the work at 10,000 nominations
//! (the bench): the very items `submit` writes, without its transaction.
//! DynamoDB Local runs transactions one at a time: 10,000 openings took
//! 91 s as transactions and 36 s in batches, longer than all the paths the
//! bench then measures.

use aws_sdk_dynamodb::types::{PutRequest, WriteRequest};
use futures::{StreamExt, TryStreamExt};
use iln_domain::step::Opening;

use super::{NominationTable, StoreError};

/// BatchWriteItem takes at most 25 requests.
const BATCH: usize = 25;
/// Batches in flight at once, as a roster import sends them.
const BATCHES_AT_ONCE: usize = 4;

impl NominationTable {
    /// Writes each opening's items as `submit` builds them, as plain puts,
    /// 25 to a BatchWriteItem call. For filling an empty table with a
    /// dataset, never for a submission: nothing is conditional, counted or
    /// all-or-nothing, so a duplicate overwrites and a failure leaves part
    /// of the dataset written. The openings must be of distinct nominees
    /// (one call may not put one key twice).
    pub async fn write_dataset(&self, openings: &[Opening]) -> Result<(), StoreError> {
        let mut requests = Vec::new();
        for opening in openings {
            for write in self.opening_writes(opening)? {
                let item = write.put.map(|put| put.item).ok_or_else(|| StoreError::Call {
                    operation: "BatchWriteItem",
                    source: "an opening's write is not a put".into(),
                })?;
                let put = PutRequest::builder()
                    .set_item(Some(item))
                    .build()
                    .map_err(StoreError::call("BatchWriteItem"))?;
                requests.push(WriteRequest::builder().put_request(put).build());
            }
        }
        let mut batches = Vec::new();
        while !requests.is_empty() {
            let rest = requests.split_off(requests.len().min(BATCH));
            batches.push(std::mem::replace(&mut requests, rest));
        }
        futures::stream::iter(batches)
            .map(|batch| self.write_batch(batch))
            .buffer_unordered(BATCHES_AT_ONCE)
            .try_collect()
            .await
    }
}
