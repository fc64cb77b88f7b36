//! A local stand-in for Slack, so that a person can walk the whole nomination
//! process on one machine without a Slack workspace.
//!
//! It answers the few Web API methods the system's Slack client calls
//! (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`,
//! `users.info`, `users.lookupByEmail`, `conversations.invite`,
//! `conversations.kick`, `auth.test`) under `/api/`, and serves a page (`GET /`) that shows the two
//! private channels with their Block Kit cards. Buttons on the page and modal
//! submissions become the interaction payloads Slack sends, signed with the
//! app's signing secret exactly as Slack signs them, and are posted to the
//! system's interactions endpoint. All state is in memory.
//!
//! Deliberate strictness, so that mistakes show here rather than in Slack:
//! a `thread_ts` that names no message is refused (`thread_not_found`), more
//! than 50 blocks are refused (`invalid_blocks`), and trigger ids are single
//! use and expire after 3 seconds, as Slack's do.

mod blocks;
mod interactions;
mod page;
mod render;
mod state;
mod web_api;

use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use serde_json::Value;

use interactions::{click, submit_view};
use page::{clear_notices, page};
/// Escapes text for HTML content and quoted attributes; the identity
/// provider's pages use it too.
pub(crate) use render::esc as escape_html;
use state::{NoticeKind, StandInState};
use web_api::{response_url, web_api};

const TEAM_ID: &str = "T0LOCAL";
const TEAM_DOMAIN: &str = "local";
const APP_ID: &str = "A0LOCAL";
const BOT_ID: &str = "B0LOCAL";
const BOT_USER_ID: &str = "U0LOCALBOT";
/// Slack's deprecated verification token; sent only because Slack sends one.
const VERIFICATION_TOKEN: &str = "local-verification-token";
const TRIGGER_LIFETIME: Duration = Duration::from_secs(3);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The Slack stand-in: cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct SlackStandIn {
    inner: Arc<Inner>,
}

struct Inner {
    config: StandInConfig,
    http: reqwest::Client,
    state: Mutex<StandInState>,
}

#[derive(Clone)]
pub struct StandInConfig {
    /// The app's signing secret: clicks are signed with it exactly as Slack signs.
    pub signing_secret: String,
    /// The system's interactions endpoint, e.g. `http://127.0.0.1:3000/slack/interactions`.
    pub interactions_url: String,
    /// Channel id of the vetting channel, e.g. `C0VETTING`.
    pub vetting_channel: String,
    /// Channel id of the ILN channel, e.g. `C0ILN`.
    pub iln_channel: String,
    /// The local users one can act as.
    pub users: Vec<StandInUser>,
}

impl fmt::Debug for StandInConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StandInConfig")
            .field("signing_secret", &"<redacted>")
            .field("interactions_url", &self.interactions_url)
            .field("vetting_channel", &self.vetting_channel)
            .field("iln_channel", &self.iln_channel)
            .field("users", &self.users)
            .finish()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandInUser {
    pub id: String,
    pub name: String,
    /// The address the workspace holds (`users.info`, `users.lookupByEmail`).
    pub email: String,
    /// Such as `es-ES`: what `users.info` gives with `include_locale`.
    pub locale: String,
}

/// A message as posted to a channel, with its thread replies.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredMessage {
    pub ts: String,
    pub text: String,
    /// The Block Kit blocks, always an array (empty when none were sent).
    pub blocks: Value,
    /// For a reply: the ts of the message it replies to.
    pub thread_ts: Option<String>,
    pub replies: Vec<StoredMessage>,
    pub edited: bool,
}

impl SlackStandIn {
    pub fn new(config: StandInConfig) -> Result<Self, reqwest::Error> {
        let http = iln_adapters::tls::client_builder()
            .timeout(DELIVERY_TIMEOUT)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut state = StandInState::default();
        state.channels.insert(config.vetting_channel.clone(), Vec::new());
        state.channels.insert(config.iln_channel.clone(), Vec::new());
        // Every local user starts in both channels, as the demo's people are.
        let everyone: std::collections::BTreeSet<String> = config.users.iter().map(|user| user.id.clone()).collect();
        state.members.insert(config.vetting_channel.clone(), everyone.clone());
        state.members.insert(config.iln_channel.clone(), everyone);
        Ok(Self {
            inner: Arc::new(Inner {
                config,
                http,
                state: Mutex::new(state),
            }),
        })
    }

    /// The Web API under `/api/{method}`, the page at `/`, and what the page posts.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(page))
            .route("/archives/{channel}/{message}", get(page::permalink))
            .route("/click", post(click))
            .route("/submit-view", post(submit_view))
            .route("/clear-notices", post(clear_notices))
            .route("/response/{id}", post(response_url))
            .route("/api/{method}", post(web_api))
            .with_state(self.clone())
    }

    /// The messages of a channel (by id or name), oldest first, replies nested.
    pub fn messages(&self, channel: &str) -> Vec<StoredMessage> {
        let Some(channel) = self.channel_id(channel) else {
            return Vec::new();
        };
        self.lock().channels.get(channel).cloned().unwrap_or_default()
    }

    fn lock(&self) -> MutexGuard<'_, StandInState> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn config(&self) -> &StandInConfig {
        &self.inner.config
    }

    /// A channel id from an id or a name (`iln-vetting`, `#iln`).
    fn channel_id(&self, given: &str) -> Option<&str> {
        let config = self.config();
        let name = given.strip_prefix('#').unwrap_or(given);
        if given == config.vetting_channel || name == "iln-vetting" {
            Some(&config.vetting_channel)
        } else if given == config.iln_channel || name == "iln" {
            Some(&config.iln_channel)
        } else {
            None
        }
    }

    fn channel_name(&self, id: &str) -> &'static str {
        if id == self.config().vetting_channel {
            "iln-vetting"
        } else {
            "iln"
        }
    }

    fn user(&self, id: &str) -> Option<StandInUser> {
        self.config().users.iter().find(|user| user.id == id).cloned()
    }

    fn notice(&self, user: &str, kind: NoticeKind, text: impl Into<String>) {
        self.lock().notice(user, kind, text);
    }

    /// The user ids in a channel (by id or name), as invites and kicks left it.
    pub fn channel_members(&self, channel: &str) -> Vec<String> {
        let Some(channel) = self.channel_id(channel) else {
            return Vec::new();
        };
        self.lock()
            .members
            .get(channel)
            .map(|members| members.iter().cloned().collect())
            .unwrap_or_default()
    }

    #[cfg(test)]
    fn open_modal_id(&self, user: &str) -> Option<String> {
        self.lock().modals.get(user).map(|modal| modal.id.clone())
    }
}

#[cfg(test)]
mod tests;
