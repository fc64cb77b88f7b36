//! Members signing in: the sign-in mail queued at most once a window, the
//! mailed link spent in the same write that opens the session, the session
//! read and closed. Sessions are stored under the hash of their secret.

use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};
use iln_domain::member_access::{LinkProblem, Session};
use iln_domain::membership::MemberId;
use iln_domain::message::Message;
use iln_domain::token::{TokenHash, TokenPurpose};
use serde::{Deserialize, Serialize};

use super::transaction::TransactionError;
use super::{MoveError, NominationTable, StoreError, keys};

#[derive(Debug, Serialize, Deserialize)]
struct SessionRecord {
    pk: String,
    sk: String,
    entity: String,
    member_id: MemberId,
    form_token: String,
    valid_until: DateTime<Utc>,
    /// The table's TTL attribute: DynamoDB removes the item some time after;
    /// reads never rely on it.
    expires_at: i64,
}

fn session_key(secret: &TokenHash) -> String {
    format!("SESSION#{}", secret.as_str())
}

const SESSION_SK: &str = "SESSION";

/// What using a sign-in link came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignIn {
    Opened,
    Refused(LinkProblem),
}

impl NominationTable {
    /// Queues a mail a member asked for (a sign-in link, an address
    /// confirmation) unless this window's is queued already: `false` then,
    /// and nothing is written.
    #[tracing::instrument(skip_all)]
    pub async fn queue_member_mail(&self, message: &Message, now: DateTime<Utc>) -> Result<bool, StoreError> {
        match self
            .write_transaction(self.outbox_writes(std::slice::from_ref(message), now)?)
            .await
        {
            Ok(()) => Ok(true),
            Err(MoveError::Conflict) => Ok(false),
            Err(MoveError::Store(error)) => Err(error),
        }
    }

    /// Spends the sign-in link whose token hashes to `link` and opens
    /// `session` under `secret`, in one write: a link opens one session,
    /// however many times it is posted at once.
    #[tracing::instrument(skip_all)]
    pub async fn open_session(
        &self,
        link: &TokenHash,
        secret: &TokenHash,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<SignIn, StoreError> {
        let spend = Update::builder()
            .table_name(&self.name)
            .key("pk", AttributeValue::S(keys::token(link)))
            .key("sk", AttributeValue::S(keys::TOKEN_SK.to_owned()))
            .condition_expression(
                "purpose = :sign_in AND member_id = :member AND attribute_not_exists(used_at) AND valid_until > :now",
            )
            .update_expression("SET used_at = :now")
            .expression_attribute_values(
                ":sign_in",
                AttributeValue::S(TokenPurpose::SignInMember.code().to_owned()),
            )
            .expression_attribute_values(":member", AttributeValue::S(session.member_id.to_string()))
            .expression_attribute_values(":now", AttributeValue::S(now.to_rfc3339()))
            .build()
            .map_err(StoreError::call("TransactWriteItems"))?;
        let record = SessionRecord {
            pk: session_key(secret),
            sk: SESSION_SK.to_owned(),
            entity: "member_session".to_owned(),
            member_id: session.member_id,
            form_token: session.form_token.clone(),
            valid_until: session.valid_until,
            expires_at: session.valid_until.timestamp(),
        };
        let writes = vec![
            TransactWriteItem::builder().update(spend).build(),
            self.put(&record, Some("attribute_not_exists(pk)"))?,
        ];
        match self.transact(writes).await {
            Ok(()) => Ok(SignIn::Opened),
            // Read again to say why: used by another request, or expired.
            Err(TransactionError::Cancelled(cancelled)) if cancelled.failed_at(0) => {
                Ok(SignIn::Refused(self.link_problem(link, now).await?))
            }
            Err(TransactionError::Cancelled(cancelled)) if cancelled.conflicted() => {
                Ok(SignIn::Refused(LinkProblem::Used))
            }
            Err(TransactionError::Cancelled(cancelled)) => Err(cancelled.into()),
            Err(TransactionError::Store(error)) => Err(error),
        }
    }

    /// Why a member's link could not be spent: read again after the write
    /// that tried refused it.
    pub(super) async fn link_problem(&self, link: &TokenHash, now: DateTime<Utc>) -> Result<LinkProblem, StoreError> {
        let token = self.token(link).await?;
        // Neither used nor expired: the link was for someone or something else.
        Ok(token
            .and_then(|token| LinkProblem::of(token.used_at, token.valid_until, now))
            .unwrap_or(LinkProblem::Unknown))
    }

    /// The session whose secret hashes to `secret`, while it lasts.
    #[tracing::instrument(skip_all)]
    pub async fn session(&self, secret: &TokenHash, now: DateTime<Utc>) -> Result<Option<Session>, StoreError> {
        let record: Option<SessionRecord> = self.get(session_key(secret), SESSION_SK).await?;
        Ok(record
            .map(|record| Session {
                member_id: record.member_id,
                form_token: record.form_token,
                valid_until: record.valid_until,
            })
            .filter(|session| session.is_open(now)))
    }

    /// Signs out: the session is gone at once, not when TTL gets to it.
    #[tracing::instrument(skip_all)]
    pub async fn close_session(&self, secret: &TokenHash) -> Result<(), StoreError> {
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
