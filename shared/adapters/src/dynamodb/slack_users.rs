//! Slack users as the table knows them: the address and locale Slack gave
//! when each was first seen, and what the table says about an address
//! (member, roster entry, staff list) at the moment someone acts.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{DateTime, Utc};
use iln_domain::EmailAddress;
use iln_domain::membership::MemberStatus;
use iln_domain::roster::RosterCategory;
use iln_domain::slack::interaction::SlackUserId;
use iln_domain::slack::participant::Standing;
use iln_domain::vetters::VetterListing;
use serde::{Deserialize, Serialize};

use super::{NominationTable, StoreError, corrupt, entity, keys};

/// A Slack user's address and locale, as Slack gave them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownSlackUser {
    pub user: SlackUserId,
    pub email: EmailAddress,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SlackUserRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    known: KnownSlackUser,
    seen_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SlackUserPointer {
    pk: String,
    sk: String,
    entity: String,
    user: SlackUserId,
}

fn key(pk: String, sk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(pk)),
        ("sk".to_owned(), AttributeValue::S(sk.to_owned())),
    ])
}

/// The member pointer's status and the roster entry's category are all a
/// click needs of those items.
#[derive(Deserialize)]
struct MemberStatusOnly {
    status: MemberStatus,
}

#[derive(Deserialize)]
struct RosterCategoryOnly {
    category: RosterCategory,
}

impl NominationTable {
    /// The Slack user `user` as first seen, if ever: one GetItem.
    #[tracing::instrument(skip_all)]
    pub async fn slack_user(&self, user: &SlackUserId) -> Result<Option<KnownSlackUser>, StoreError> {
        let record: Option<SlackUserRecord> = self.get(keys::slack_user(user.as_str()), keys::SLACK_USER_SK).await?;
        Ok(record.map(|record| record.known))
    }

    /// Keeps what Slack said about a user, and a pointer under the person's
    /// key for erasure, in one transaction. Writing it again is harmless.
    #[tracing::instrument(skip_all)]
    pub async fn remember_slack_user(&self, known: &KnownSlackUser, now: DateTime<Utc>) -> Result<(), StoreError> {
        let user = known.user.as_str();
        let record = SlackUserRecord {
            pk: keys::slack_user(user),
            sk: keys::SLACK_USER_SK.to_owned(),
            entity: "slack_user".to_owned(),
            known: known.clone(),
            seen_at: now,
        };
        let pointer = SlackUserPointer {
            pk: keys::person(&known.email.identity()),
            sk: keys::slack_user_pointer_sk(user),
            entity: "slack_user_pointer".to_owned(),
            user: known.user.clone(),
        };
        self.write_all(vec![self.put(&record, None)?, self.put(&pointer, None)?])
            .await
    }

    /// What the table holds about `email` now: the member pointer, the
    /// roster entry, the staff list's entry and whether the list was ever
    /// kept. One consistent BatchGetItem, so a derecognition or a removal
    /// from the staff list counts from the next click.
    #[tracing::instrument(skip_all)]
    pub async fn standing(&self, email: &EmailAddress) -> Result<Standing, StoreError> {
        let identity = email.identity();
        let items = self
            .batch_get(vec![
                key(keys::person(&identity), keys::MEMBER_SK),
                key(keys::roster(&identity), keys::ROSTER_SK),
                key(keys::STAFF_VETTERS.to_owned(), &keys::vetter_sk(&identity)),
                key(keys::STAFF_VETTERS.to_owned(), keys::STAFF_LIST_SK),
            ])
            .await?;
        let mut standing = Standing {
            member: None,
            roster: None,
            staff_list: VetterListing::NoListYet,
        };
        let mut listed = false;
        let mut list_kept = false;
        for item in items {
            match entity(&item) {
                "member_pointer" => {
                    let pointer: MemberStatusOnly = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    standing.member = Some(pointer.status);
                }
                "roster_entry" => {
                    let entry: RosterCategoryOnly = serde_dynamo::from_item(item.clone()).map_err(corrupt(&item))?;
                    standing.roster = Some(entry.category);
                }
                "staff_vetter" => listed = true,
                "staff_list" => list_kept = true,
                _ => {}
            }
        }
        standing.staff_list = match (listed, list_kept) {
            (true, _) => VetterListing::Listed,
            (false, true) => VetterListing::NotListed,
            (false, false) => VetterListing::NoListYet,
        };
        Ok(standing)
    }
}
