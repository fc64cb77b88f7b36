//! The staff console's sign-ins and sessions. A sign-in waits under the hash
//! of its `state` and is taken once; a session lives under the hash of its
//! cookie's secret, and each use both checks and extends it in one call.

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};
use chrono::{DateTime, Utc};
use iln_domain::console_access::{IDLE_TIMEOUT, PendingSignIn, StaffSession};
use iln_domain::i18n::Language;
use iln_domain::token::TokenHash;
use serde::{Deserialize, Serialize};

use super::{NominationTable, StoreError};

const SIGN_IN_SK: &str = "CONSOLE_SIGN_IN";
const SESSION_SK: &str = "CONSOLE_SESSION";

fn sign_in_key(state: &TokenHash) -> String {
    format!("CONSOLE_SIGN_IN#{}", state.as_str())
}

fn session_key(secret: &TokenHash) -> String {
    format!("CONSOLE_SESSION#{}", secret.as_str())
}

#[derive(Serialize, Deserialize)]
struct SignInRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    sign_in: PendingSignIn,
    /// The table's TTL attribute; reads never rely on it.
    expires_at: i64,
}

#[derive(Serialize, Deserialize)]
struct SessionRecord {
    pk: String,
    sk: String,
    entity: String,
    #[serde(flatten)]
    session: StaffSession,
    /// Epoch seconds of `last_seen_at` and of the session's end, for the
    /// condition that keeps a closed session closed.
    seen_epoch: i64,
    ends_epoch: i64,
    expires_at: i64,
}

/// The item's attributes for a `StaffSession`'s times, as the condition
/// compares them: numbers, not strings.
fn epoch(at: DateTime<Utc>) -> AttributeValue {
    AttributeValue::N(at.timestamp().to_string())
}

impl NominationTable {
    /// Keeps `sign_in` until the browser returns with `state`.
    #[tracing::instrument(skip_all)]
    pub async fn begin_sign_in(&self, state: &TokenHash, sign_in: &PendingSignIn) -> Result<(), StoreError> {
        let record = SignInRecord {
            pk: sign_in_key(state),
            sk: SIGN_IN_SK.to_owned(),
            entity: "console_sign_in".to_owned(),
            expires_at: sign_in.valid_until.timestamp(),
            sign_in: sign_in.clone(),
        };
        self.put_new(&record, "new console sign-in").await
    }

    /// The sign-in `state` names, removed as it is read: a callback is
    /// answered once, however often the browser (or anyone) repeats it.
    #[tracing::instrument(skip_all)]
    pub async fn take_sign_in(&self, state: &TokenHash) -> Result<Option<PendingSignIn>, StoreError> {
        let key = sign_in_key(state);
        let output = self
            .client
            .delete_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(key.clone()))
            .key("sk", AttributeValue::S(SIGN_IN_SK.to_owned()))
            .return_values(ReturnValue::AllOld)
            .send()
            .await
            .map_err(StoreError::call("DeleteItem"))?;
        output
            .attributes
            .map(|item| {
                serde_dynamo::from_item::<_, SignInRecord>(item)
                    .map(|record| record.sign_in)
                    .map_err(|source| StoreError::Corrupt { key, source })
            })
            .transpose()
    }

    /// Opens `session` under `secret`.
    #[tracing::instrument(skip_all)]
    pub async fn open_staff_session(&self, secret: &TokenHash, session: &StaffSession) -> Result<(), StoreError> {
        let record = SessionRecord {
            pk: session_key(secret),
            sk: SESSION_SK.to_owned(),
            entity: "console_session".to_owned(),
            seen_epoch: session.last_seen_at.timestamp(),
            ends_epoch: session.ends_at().timestamp(),
            expires_at: (session.last_seen_at + IDLE_TIMEOUT).min(session.ends_at()).timestamp(),
            session: session.clone(),
        };
        self.put_new(&record, "new console session").await
    }

    /// Writes `record` as a new item: its key is random, so one already
    /// there is a failure, never a record to overwrite.
    async fn put_new(&self, record: &impl Serialize, what: &str) -> Result<(), StoreError> {
        let item = serde_dynamo::to_item(record).map_err(|source| StoreError::Corrupt {
            key: what.to_owned(),
            source,
        })?;
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(StoreError::call("PutItem"))?;
        Ok(())
    }

    /// The session `secret` names if it is still open at `now`, marked as
    /// used at `now`: one conditional write, which refuses a session idle
    /// for 30 minutes, 8 hours old, or gone.
    #[tracing::instrument(skip_all)]
    pub async fn use_staff_session(
        &self,
        secret: &TokenHash,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>, StoreError> {
        self.update_staff_session(secret, now, None).await
    }

    /// The same, and from now on in `language`.
    #[tracing::instrument(skip_all)]
    pub async fn choose_staff_language(
        &self,
        secret: &TokenHash,
        language: Language,
        now: DateTime<Utc>,
    ) -> Result<Option<StaffSession>, StoreError> {
        self.update_staff_session(secret, now, Some(language)).await
    }

    async fn update_staff_session(
        &self,
        secret: &TokenHash,
        now: DateTime<Utc>,
        language: Option<Language>,
    ) -> Result<Option<StaffSession>, StoreError> {
        let key = session_key(secret);
        let mut update = self
            .client
            .update_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(key.clone()))
            .key("sk", AttributeValue::S(SESSION_SK.to_owned()))
            .condition_expression("seen_epoch > :idle_since AND ends_epoch > :now")
            .expression_attribute_values(":idle_since", epoch(now - IDLE_TIMEOUT))
            .expression_attribute_values(":now", epoch(now))
            .expression_attribute_values(":seen", AttributeValue::S(now.to_rfc3339()))
            // TTL removes an idle session half an hour on; its end bounds
            // nothing here, the condition does.
            .expression_attribute_values(":expires", epoch(now + IDLE_TIMEOUT))
            .return_values(ReturnValue::AllNew);
        let mut expression = "SET last_seen_at = :seen, seen_epoch = :now, expires_at = :expires".to_owned();
        if let Some(language) = language {
            expression.push_str(", #language = :language");
            update = update
                .expression_attribute_names("#language", "language")
                .expression_attribute_values(":language", AttributeValue::S(language.code().to_owned()));
        }
        match update.update_expression(expression).send().await {
            Ok(output) => output
                .attributes
                .map(|item| {
                    serde_dynamo::from_item::<_, SessionRecord>(item)
                        .map(|record| record.session)
                        .map_err(|source| StoreError::Corrupt { key, source })
                })
                .transpose(),
            Err(error)
                if error
                    .as_service_error()
                    .is_some_and(|e| e.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(error) => Err(StoreError::call("UpdateItem")(error)),
        }
    }

    /// Signs out: the session is gone at once, not when TTL gets to it.
    #[tracing::instrument(skip_all)]
    pub async fn close_staff_session(&self, secret: &TokenHash) -> Result<(), StoreError> {
        self.client
            .delete_item()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(session_key(secret)))
            .key("sk", AttributeValue::S(SESSION_SK.to_owned()))
            .send()
            .await
            .map_err(StoreError::call("DeleteItem"))?;
        Ok(())
    }
}
