//! The Web API methods this service calls, and the bodies it sends them.

use std::borrow::Cow;
use std::time::Duration;

use iln_domain::slack::{MAX_BLOCKS, SlackMessage};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::client::{Attempt, Payload, SlackClient};
use super::error::{SlackError, ok_or_refused};

/// A trigger id lives 3 s, and Slack waits 3 s for the answer to the click
/// that opens a modal: one attempt, cut off in time, never a wait.
const MODAL_DEADLINE: Duration = Duration::from_millis(2_500);
pub(super) const MORE_BLOCKS_MARKER: &str = "… more in the vetting page";

/// Where `chat.postMessage` put the message: what `chat.update` needs later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostedMessage {
    pub channel: String,
    pub ts: String,
}

#[derive(Serialize)]
struct MessageBody<'a> {
    channel: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ts: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    thread_ts: Option<&'a str>,
    text: &'a str,
    #[serde(skip_serializing_if = "Value::is_null")]
    blocks: Cow<'a, Value>,
    /// Cards link to the vetting page: Slack must not fetch and preview it.
    #[serde(skip_serializing_if = "Option::is_none")]
    unfurl_links: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    unfurl_media: Option<bool>,
}

impl<'a> MessageBody<'a> {
    fn new(channel: &'a str, message: &'a SlackMessage) -> Self {
        Self {
            channel,
            ts: None,
            thread_ts: None,
            text: &message.text,
            blocks: within_block_limit(&message.blocks),
            unfurl_links: None,
            unfurl_media: None,
        }
    }
}

/// Slack rejects a message of more than 50 blocks outright; keep 49 and say
/// where the rest is.
fn within_block_limit(blocks: &Value) -> Cow<'_, Value> {
    match blocks.as_array() {
        Some(list) if list.len() > MAX_BLOCKS => {
            let mut kept = list[..MAX_BLOCKS - 1].to_vec();
            kept.push(json!({
                "type": "context",
                "elements": [{ "type": "mrkdwn", "text": MORE_BLOCKS_MARKER }],
            }));
            Cow::Owned(Value::Array(kept))
        }
        _ => Cow::Borrowed(blocks),
    }
}

impl SlackClient {
    #[tracing::instrument(skip_all, fields(method = "chat.postMessage"))]
    pub async fn post_message(
        &self,
        channel: &str,
        message: &SlackMessage,
        thread_ts: Option<&str>,
    ) -> Result<PostedMessage, SlackError> {
        let body = MessageBody {
            thread_ts,
            unfurl_links: Some(false),
            unfurl_media: Some(false),
            ..MessageBody::new(channel, message)
        };
        let answer = self.call("chat.postMessage", &body).await?;
        serde_json::from_value(answer)
            .map_err(|_| SlackError::Invalid("chat.postMessage answer lacks channel or ts".to_owned()))
    }

    #[tracing::instrument(skip_all, fields(method = "chat.update"))]
    pub async fn update_message(&self, channel: &str, ts: &str, message: &SlackMessage) -> Result<(), SlackError> {
        let body = MessageBody {
            ts: Some(ts),
            ..MessageBody::new(channel, message)
        };
        self.call("chat.update", &body).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(method = "chat.postEphemeral"))]
    pub async fn post_ephemeral(&self, channel: &str, user: &str, text: &str) -> Result<(), SlackError> {
        let body = json!({ "channel": channel, "user": user, "text": text });
        self.call("chat.postEphemeral", &body).await.map(drop)
    }

    #[tracing::instrument(skip_all, fields(method = "views.open"))]
    pub async fn open_view(&self, trigger_id: &str, view: &Value) -> Result<(), SlackError> {
        let body = json!({ "trigger_id": trigger_id, "view": view });
        let url = self.method_url("views.open");
        let payload = Payload::json("views.open", &body)?;
        match tokio::time::timeout(MODAL_DEADLINE, self.attempt("views.open", &url, &payload)).await {
            Err(_) => Err(SlackError::Unavailable(
                "views.open did not answer while the trigger was valid".to_owned(),
            )),
            Ok(attempt) => match attempt? {
                Attempt::Answered(answer) => ok_or_refused("views.open", answer).map(drop),
                Attempt::RateLimited(retry_after) => Err(SlackError::RateLimited { retry_after }),
                Attempt::Unavailable(reason) => Err(SlackError::Unavailable(reason)),
            },
        }
    }
}
