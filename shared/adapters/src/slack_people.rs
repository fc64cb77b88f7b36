//! Who a Slack user is to the process, asked of the table and, the first
//! time a user is seen, of Slack: at most two DynamoDB round trips a click
//! (the user's item, then one batch read of what the table says about
//! their address) and one `users.info` call per user ever.

use std::time::Duration;

use chrono::{DateTime, Utc};
use iln_domain::slack::interaction::SlackUserId;
use iln_domain::slack::participant::Participant;
use iln_domain::vetters::InitialVetters;

use crate::dynamodb::{KnownSlackUser, NominationTable, StoreError};
use crate::slack::{SlackClient, SlackError};

/// A first click waits for `users.info` inside Slack's three seconds: this
/// long at most, then the click is answered as unavailable (clicking again
/// is safe).
const USERS_INFO_DEADLINE: Duration = Duration::from_millis(1_500);

/// The table and Slack's user directory, asked together.
#[derive(Clone)]
pub struct SlackPeople {
    table: NominationTable,
    slack: SlackClient,
    initial_vetters: InitialVetters,
}

#[derive(Debug, thiserror::Error)]
pub enum PeopleError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("Slack could not say who the user is")]
    Slack(#[source] SlackError),
}

impl SlackPeople {
    pub fn new(table: NominationTable, slack: SlackClient, initial_vetters: InitialVetters) -> Self {
        Self {
            table,
            slack,
            initial_vetters,
        }
    }

    /// The same, on another client of the table (other timeouts, say).
    pub fn with_table(self, table: NominationTable) -> Self {
        Self { table, ..self }
    }

    /// The participant `user` is now, or `None` when Slack knows no active
    /// user with an address by that id. Their rights are read afresh each
    /// time.
    #[tracing::instrument(skip_all)]
    pub async fn participant(
        &self,
        user: &SlackUserId,
        now: DateTime<Utc>,
    ) -> Result<Option<Participant>, PeopleError> {
        let known = match self.table.slack_user(user).await? {
            Some(known) => known,
            None => match self.first_sight(user, now).await? {
                Some(known) => known,
                None => return Ok(None),
            },
        };
        let standing = self.table.standing(&known.email).await?;
        Ok(Some(Participant::new(
            known.user,
            known.email,
            known.locale.as_deref(),
            &standing,
            &self.initial_vetters,
        )))
    }

    /// Asks Slack who `user` is and keeps the answer.
    async fn first_sight(&self, user: &SlackUserId, now: DateTime<Utc>) -> Result<Option<KnownSlackUser>, PeopleError> {
        let answer = tokio::time::timeout(USERS_INFO_DEADLINE, self.slack.user_info(user))
            .await
            .map_err(|_| PeopleError::Slack(SlackError::Unavailable("users.info did not answer in time".to_owned())))?
            .map_err(PeopleError::Slack)?;
        let Some(found) = answer.filter(|found| !found.inactive) else {
            tracing::info!("a Slack user unknown to Slack, deactivated or a bot acted");
            return Ok(None);
        };
        let Some(email) = found.email else {
            tracing::warn!("Slack shows no usable address for a user; is users:read.email granted?");
            return Ok(None);
        };
        let known = KnownSlackUser {
            user: user.clone(),
            email,
            locale: found.locale,
        };
        self.table.remember_slack_user(&known, now).await?;
        Ok(Some(known))
    }
}
