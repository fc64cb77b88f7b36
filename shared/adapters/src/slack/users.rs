//! Slack's users and the ILN channel's membership: who a clicking user is
//! (`users.info`), who has an address (`users.lookupByEmail`), and adding to
//! or removing from a private channel (`conversations.invite`,
//! `conversations.kick`). Addresses are personal data: never logged.

use iln_domain::EmailAddress;
use iln_domain::slack::interaction::SlackUserId;
use serde::Deserialize;
use serde_json::json;

use super::client::SlackClient;
use super::error::SlackError;

/// A workspace user as `users.info` describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackUser {
    pub id: SlackUserId,
    /// `None` when Slack shows none (a bot, a missing `users:read.email`
    /// scope) or one this system could not mail.
    pub email: Option<EmailAddress>,
    /// Such as `es-ES`, with `include_locale`.
    pub locale: Option<String>,
    /// Deactivated, or a bot: never a participant.
    pub inactive: bool,
}

#[derive(Deserialize)]
struct UserAnswer {
    user: UserObject,
}

#[derive(Deserialize)]
struct UserObject {
    id: String,
    #[serde(default)]
    deleted: bool,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    locale: Option<String>,
    #[serde(default)]
    profile: Profile,
}

#[derive(Deserialize, Default)]
struct Profile {
    #[serde(default)]
    email: Option<String>,
}

/// What a change of channel membership came to. Slack's "already so"
/// answers are successes: a message delivered again changes nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MembershipChange {
    Done,
    AlreadySo,
}

impl SlackClient {
    /// The user `user`, or `None` when Slack knows no such user (or may
    /// not show them). Needs `users:read` and, for the address,
    /// `users:read.email`.
    #[tracing::instrument(skip_all, fields(method = "users.info"))]
    pub async fn user_info(&self, user: &SlackUserId) -> Result<Option<SlackUser>, SlackError> {
        let answer = match self
            .call_form("users.info", &[("user", user.as_str()), ("include_locale", "true")])
            .await
        {
            Ok(answer) => answer,
            Err(SlackError::Refused { error }) if error == "user_not_found" || error == "user_not_visible" => {
                return Ok(None);
            }
            Err(error) => return Err(error),
        };
        let UserAnswer { user } = serde_json::from_value(answer)
            .map_err(|_| SlackError::Invalid("users.info answer lacks the user".to_owned()))?;
        Ok(Some(SlackUser {
            id: SlackUserId::new(user.id),
            email: user
                .profile
                .email
                .as_deref()
                .and_then(|raw| EmailAddress::parse(raw).ok()),
            locale: user.locale.filter(|locale| !locale.is_empty()),
            inactive: user.deleted || user.is_bot,
        }))
    }

    /// The Slack user with address `email`, or `None` when the workspace
    /// has none. Needs `users:read.email`.
    #[tracing::instrument(skip_all, fields(method = "users.lookupByEmail"))]
    pub async fn lookup_by_email(&self, email: &EmailAddress) -> Result<Option<SlackUserId>, SlackError> {
        match self
            .call_form("users.lookupByEmail", &[("email", email.as_str())])
            .await
        {
            Ok(answer) => {
                let UserAnswer { user } = serde_json::from_value(answer)
                    .map_err(|_| SlackError::Invalid("users.lookupByEmail answer lacks the user".to_owned()))?;
                Ok((!user.deleted && !user.is_bot).then(|| SlackUserId::new(user.id)))
            }
            Err(SlackError::Refused { error }) if error == "users_not_found" => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Adds `user` to the private channel `channel` (`groups:write`).
    #[tracing::instrument(skip_all, fields(method = "conversations.invite"))]
    pub async fn invite_to_channel(&self, channel: &str, user: &SlackUserId) -> Result<MembershipChange, SlackError> {
        let body = json!({ "channel": channel, "users": user.as_str() });
        match self.call("conversations.invite", &body).await {
            Ok(_) => Ok(MembershipChange::Done),
            Err(SlackError::Refused { error }) if error == "already_in_channel" => Ok(MembershipChange::AlreadySo),
            Err(error) => Err(error),
        }
    }

    /// Removes `user` from the private channel `channel` (`groups:write`).
    #[tracing::instrument(skip_all, fields(method = "conversations.kick"))]
    pub async fn remove_from_channel(&self, channel: &str, user: &SlackUserId) -> Result<MembershipChange, SlackError> {
        let body = json!({ "channel": channel, "user": user.as_str() });
        match self.call("conversations.kick", &body).await {
            Ok(_) => Ok(MembershipChange::Done),
            Err(SlackError::Refused { error }) if error == "not_in_channel" => Ok(MembershipChange::AlreadySo),
            Err(error) => Err(error),
        }
    }
}
