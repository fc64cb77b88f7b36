//! A local stand-in for Slack, so that a person can walk the whole nomination
//! process on one machine without a Slack workspace.
//!
//! It answers the few Web API methods the system's Slack client calls
//! (`chat.postMessage`, `chat.update`, `chat.postEphemeral`, `views.open`,
//! `auth.test`) under `/api/`, and serves a page (`GET /`) that shows the two
//! private channels with their Block Kit cards. Buttons on the page and modal
//! submissions become the interaction payloads Slack sends, signed with the
//! app's signing secret exactly as Slack signs them, and are posted to the
//! system's interactions endpoint. All state is in memory.
//!
//! Deliberate strictness, so that mistakes show here rather than in Slack:
//! a `thread_ts` that names no message is refused (`thread_not_found`), more
//! than 50 blocks are refused (`invalid_blocks`), and trigger ids are single
//! use and expire after 3 seconds, as Slack's do.

mod render;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use iln_domain::slack::signature;
use serde_json::{Map, Value, json};

const TEAM_ID: &str = "T0LOCAL";
const TEAM_DOMAIN: &str = "local";
const APP_ID: &str = "A0LOCAL";
const BOT_ID: &str = "B0LOCAL";
const BOT_USER_ID: &str = "U0LOCALBOT";
/// Slack's deprecated verification token; sent only because Slack sends one.
const VERIFICATION_TOKEN: &str = "local-verification-token";
const TRIGGER_LIFETIME: Duration = Duration::from_secs(3);
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);
const MAX_BLOCKS: usize = 50;
const NOTICES_KEPT: usize = 20;
const BODY_QUOTED: usize = 500;
const REQUIRED: &str = "Please complete this required field.";

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

#[derive(Default)]
struct StandInState {
    channels: HashMap<String, Vec<StoredMessage>>,
    last_ts_micros: u64,
    next_id: u64,
    triggers: HashMap<String, Trigger>,
    /// The open modal of each user, by user id.
    modals: HashMap<String, Modal>,
    /// Ephemeral messages, by user id.
    ephemerals: HashMap<String, Vec<Ephemeral>>,
    /// Notices for each user: failed deliveries and the like.
    notices: HashMap<String, Vec<Notice>>,
    responses: HashMap<String, ResponseTarget>,
}

struct Trigger {
    user: String,
    issued: Instant,
}

#[derive(Clone, Debug)]
struct Modal {
    id: String,
    view: Value,
    /// `state.values` as last submitted (kept to refill the form after errors).
    values: Value,
    /// Errors by block id, as answered by the system or found before sending.
    errors: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
struct Ephemeral {
    channel: String,
    ts: String,
    text: String,
    blocks: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NoticeKind {
    Info,
    Error,
}

#[derive(Clone, Debug)]
struct Notice {
    kind: NoticeKind,
    at: String,
    text: String,
}

struct ResponseTarget {
    user: String,
    channel: String,
    message_ts: String,
}

/// What the page shows to one user.
struct PageData {
    users: Vec<StandInUser>,
    current: Option<StandInUser>,
    channels: Vec<ChannelView>,
    notices: Vec<Notice>,
    modal: Option<Modal>,
}

struct ChannelView {
    id: String,
    title: &'static str,
    messages: Vec<StoredMessage>,
    ephemerals: Vec<Ephemeral>,
}

enum Delivery {
    Answered { status: u16, body: String },
    Failed(String),
}

impl StandInState {
    /// A message ts: unique and increasing, shaped like Slack's `1732950000.000100`.
    fn next_ts(&mut self) -> String {
        let micros = now_micros().max(self.last_ts_micros + 1);
        self.last_ts_micros = micros;
        format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
    }

    fn next_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:08}", self.next_id)
    }

    fn issue_trigger(&mut self, user: &str, issued: Instant) -> String {
        self.triggers
            .retain(|_, trigger| trigger.issued.elapsed() < TRIGGER_LIFETIME * 20);
        self.next_id += 1;
        let id = format!(
            "{}.{}.{}",
            self.next_id,
            now_micros() / 1_000_000,
            ulid::Ulid::new().to_string().to_lowercase()
        );
        self.triggers.insert(
            id.clone(),
            Trigger {
                user: user.to_owned(),
                issued,
            },
        );
        id
    }

    fn notice(&mut self, user: &str, kind: NoticeKind, text: impl Into<String>) {
        let notices = self.notices.entry(user.to_owned()).or_default();
        notices.push(Notice {
            kind,
            at: chrono::Utc::now().format("%H:%M:%S").to_string(),
            text: text.into(),
        });
        if notices.len() > NOTICES_KEPT {
            let excess = notices.len() - NOTICES_KEPT;
            notices.drain(..excess);
        }
    }
}

impl SlackStandIn {
    pub fn new(config: StandInConfig) -> Self {
        let http = iln_adapters::tls::client_builder()
            .timeout(DELIVERY_TIMEOUT)
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with a timeout and no proxy can always be built");
        let mut state = StandInState::default();
        state.channels.insert(config.vetting_channel.clone(), Vec::new());
        state.channels.insert(config.iln_channel.clone(), Vec::new());
        Self {
            inner: Arc::new(Inner {
                config,
                http,
                state: Mutex::new(state),
            }),
        }
    }

    /// The Web API under `/api/{method}`, the page at `/`, and what the page posts.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/", get(page))
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

    // ----- Web API -----

    fn post_message(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let blocks = match blocks_arg(args) {
            Ok(blocks) => blocks.unwrap_or_default(),
            Err(error) => return refused(error),
        };
        let text = args.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
        if text.trim().is_empty() && blocks.is_empty() {
            return refused("no_text");
        }
        let thread_ts = str_arg(args, "thread_ts");
        let mut state = self.lock();
        let ts = state.next_ts();
        let mut message = StoredMessage {
            ts,
            text,
            blocks: Value::Array(blocks),
            thread_ts: None,
            replies: Vec::new(),
            edited: false,
        };
        let messages = state.channels.entry(channel.clone()).or_default();
        match thread_ts {
            None => messages.push(message.clone()),
            Some(thread_ts) => {
                let parent = messages
                    .iter_mut()
                    .find(|parent| parent.ts == thread_ts || parent.replies.iter().any(|reply| reply.ts == thread_ts));
                let Some(parent) = parent else {
                    return refused("thread_not_found");
                };
                message.thread_ts = Some(parent.ts.clone());
                parent.replies.push(message.clone());
            }
        }
        json!({ "ok": true, "channel": channel, "ts": message.ts, "message": message_json(&message) })
    }

    fn update_message(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let Some(ts) = str_arg(args, "ts") else {
            return refused("message_not_found");
        };
        let blocks = match blocks_arg(args) {
            Ok(blocks) => blocks,
            Err(error) => return refused(error),
        };
        let text = args.get("text").and_then(Value::as_str);
        let mut state = self.lock();
        let Some(message) = state
            .channels
            .get_mut(&channel)
            .and_then(|messages| find_message_mut(messages, ts))
        else {
            return refused("message_not_found");
        };
        let new_text = text.map_or_else(|| message.text.clone(), str::to_owned);
        let new_blocks = blocks.map_or_else(|| message.blocks.clone(), Value::Array);
        if new_text.trim().is_empty() && new_blocks.as_array().is_none_or(Vec::is_empty) {
            return refused("no_text");
        }
        message.text = new_text;
        message.blocks = new_blocks;
        message.edited = true;
        json!({ "ok": true, "channel": channel, "ts": ts, "text": message.text, "message": message_json(message) })
    }

    fn post_ephemeral(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let Some(user) = str_arg(args, "user") else {
            return refused("user_not_found");
        };
        let blocks = match blocks_arg(args) {
            Ok(blocks) => blocks.unwrap_or_default(),
            Err(error) => return refused(error),
        };
        let text = args.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
        if text.trim().is_empty() && blocks.is_empty() {
            return refused("no_text");
        }
        let mut state = self.lock();
        let ts = state.next_ts();
        state.ephemerals.entry(user.to_owned()).or_default().push(Ephemeral {
            channel,
            ts: ts.clone(),
            text,
            blocks: Value::Array(blocks),
        });
        json!({ "ok": true, "message_ts": ts })
    }

    fn open_view(&self, args: &Value) -> Value {
        let Some(trigger_id) = str_arg(args, "trigger_id") else {
            return refused("invalid_trigger_id");
        };
        let view = match args.get("view") {
            Some(view @ Value::Object(_)) => view.clone(),
            Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
                Ok(view @ Value::Object(_)) => view,
                _ => return refused("invalid_arguments"),
            },
            _ => return refused("invalid_arguments"),
        };
        if view.get("type").and_then(Value::as_str) != Some("modal") || !view.get("title").is_some_and(Value::is_object)
        {
            return refused("invalid_arguments");
        }
        let mut state = self.lock();
        // Single use, as in Slack: an expired trigger is gone as well.
        let Some(trigger) = state.triggers.remove(trigger_id) else {
            return refused("invalid_trigger_id");
        };
        if trigger.issued.elapsed() > TRIGGER_LIFETIME {
            return refused("invalid_trigger_id");
        }
        let modal = Modal {
            id: state.next_id("V0LOCAL"),
            view,
            values: json!({}),
            errors: BTreeMap::new(),
        };
        let answer = view_json(&modal);
        state.modals.insert(trigger.user, modal);
        json!({ "ok": true, "view": answer })
    }

    fn channel_arg(&self, args: &Value) -> Option<String> {
        str_arg(args, "channel")
            .and_then(|channel| self.channel_id(channel))
            .map(str::to_owned)
    }

    // ----- Interactions -----

    /// Posts an interaction payload to the system, signed as Slack signs.
    async fn deliver(&self, payload: &Value) -> Delivery {
        let config = self.config();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("payload", &payload.to_string())
            .finish();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        let signature = signature::sign(config.signing_secret.as_bytes(), &timestamp, body.as_bytes());
        let sent = self
            .inner
            .http
            .post(&config.interactions_url)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::USER_AGENT, "Slackbot 1.0 (+https://api.slack.com/robots)")
            .header("X-Slack-Request-Timestamp", &timestamp)
            .header("X-Slack-Signature", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text().await {
                    Ok(body) => Delivery::Answered { status, body },
                    Err(error) => Delivery::Failed(format!("reading the answer failed: {error}")),
                }
            }
            Err(error) => Delivery::Failed(format!("{error}")),
        }
    }

    /// The `block_actions` payload for a button click, or why there is none.
    fn prepare_click(&self, user: &StandInUser, channel: &str, form: &Form, host: &str) -> Result<Value, String> {
        let mut state = self.lock();
        let message = state
            .channels
            .get(channel)
            .and_then(|messages| find_message(messages, form.get("ts")))
            .cloned()
            .ok_or_else(|| "That message no longer exists.".to_owned())?;
        let block_id = form.get("block_id");
        let action_id = form.get("action_id");
        let button = find_element(&message.blocks, block_id, action_id);
        let text = button
            .and_then(|button| button.pointer("/text/text"))
            .and_then(Value::as_str)
            .unwrap_or(form.get("text"))
            .to_owned();
        let value = match button {
            Some(button) => button.get("value").and_then(Value::as_str).map(str::to_owned),
            None => Some(form.get("value").to_owned()).filter(|value| !value.is_empty()),
        };
        let trigger_id = state.issue_trigger(&user.id, Instant::now());
        let response_id = state.next_id("R");
        state.responses.insert(
            response_id.clone(),
            ResponseTarget {
                user: user.id.clone(),
                channel: channel.to_owned(),
                message_ts: message.ts.clone(),
            },
        );

        let mut action = json!({
            "action_id": action_id,
            "block_id": block_id,
            "type": "button",
            "action_ts": action_ts(),
            "text": { "type": "plain_text", "text": text, "emoji": true },
        });
        if let Some(value) = value {
            action["value"] = json!(value);
        }
        if let Some(style) = button.and_then(|button| button.get("style")) {
            action["style"] = style.clone();
        }
        let mut container =
            json!({ "type": "message", "message_ts": message.ts, "channel_id": channel, "is_ephemeral": false });
        if let Some(thread_ts) = &message.thread_ts {
            container["thread_ts"] = json!(thread_ts);
        }
        Ok(json!({
            "type": "block_actions",
            "user": user_json(user),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "container": container,
            "trigger_id": trigger_id,
            "team": team_json(),
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": { "id": channel, "name": self.channel_name(channel) },
            "message": message_json(&message),
            "state": { "values": {} },
            "response_url": format!("http://{host}/response/{response_id}"),
            "actions": [action],
        }))
    }

    /// Applies the system's answer to a `view_submission`.
    fn settle_submission(&self, user: &str, view_id: &str, values: Value, delivery: Delivery) {
        let mut guard = self.lock();
        let state = &mut *guard;
        let still_open = state.modals.get(user).is_some_and(|modal| modal.id == view_id);
        let keep_open = |state: &mut StandInState, errors: BTreeMap<String, String>| {
            if let Some(modal) = state.modals.get_mut(user).filter(|modal| modal.id == view_id) {
                modal.values = values.clone();
                modal.errors = errors;
            }
        };
        let (status, body) = match delivery {
            Delivery::Failed(reason) => {
                keep_open(state, BTreeMap::new());
                state.notice(
                    user,
                    NoticeKind::Error,
                    format!("The submission did not reach the system: {reason}"),
                );
                return;
            }
            Delivery::Answered { status, body } => (status, body),
        };
        if status != 200 {
            keep_open(state, BTreeMap::new());
            state.notice(
                user,
                NoticeKind::Error,
                format!(
                    "The system answered the submission with HTTP {status}: {}",
                    quoted(&body)
                ),
            );
            return;
        }
        if body.trim().is_empty() {
            if still_open {
                state.modals.remove(user);
            }
            return;
        }
        let answer = match serde_json::from_str::<Value>(&body) {
            Ok(answer) => answer,
            Err(_) => {
                keep_open(state, BTreeMap::new());
                state.notice(
                    user,
                    NoticeKind::Error,
                    format!(
                        "The system answered the submission with a body that is not JSON: {}",
                        quoted(&body)
                    ),
                );
                return;
            }
        };
        match answer.get("response_action").and_then(Value::as_str) {
            Some("errors") => {
                let errors: BTreeMap<String, String> = answer
                    .get("errors")
                    .and_then(Value::as_object)
                    .map(|errors| {
                        errors
                            .iter()
                            .map(|(block_id, message)| {
                                let message = message.as_str().map_or_else(|| message.to_string(), str::to_owned);
                                (block_id.clone(), message)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                if errors.is_empty() {
                    state.notice(
                        user,
                        NoticeKind::Error,
                        "The system answered `errors` without any error.",
                    );
                }
                keep_open(state, errors);
            }
            Some("clear") => {
                if still_open {
                    state.modals.remove(user);
                }
            }
            Some(action @ ("update" | "push")) => match answer.get("view") {
                Some(view) if view.get("type").and_then(Value::as_str) == Some("modal") => {
                    let id = if action == "push" {
                        state.next_id("V0LOCAL")
                    } else {
                        view_id.to_owned()
                    };
                    let modal = Modal {
                        id,
                        view: view.clone(),
                        values: json!({}),
                        errors: BTreeMap::new(),
                    };
                    state.modals.insert(user.to_owned(), modal);
                }
                _ => {
                    keep_open(state, BTreeMap::new());
                    state.notice(
                        user,
                        NoticeKind::Error,
                        format!("The system answered `{action}` without a modal view."),
                    );
                }
            },
            _ => {
                if still_open {
                    state.modals.remove(user);
                }
                state.notice(
                    user,
                    NoticeKind::Info,
                    format!(
                        "The system answered the submission with an unexpected body: {}",
                        quoted(&body)
                    ),
                );
            }
        }
    }

    fn page_data(&self, requested: Option<&str>) -> PageData {
        let config = self.config();
        let current = requested
            .and_then(|id| self.user(id))
            .or_else(|| config.users.first().cloned());
        let state = self.lock();
        let user_id = current.as_ref().map(|user| user.id.as_str()).unwrap_or_default();
        let ephemerals = state.ephemerals.get(user_id);
        let channels = [
            (&config.vetting_channel, "#iln-vetting (private)"),
            (&config.iln_channel, "#iln (private)"),
        ]
        .into_iter()
        .map(|(id, title)| ChannelView {
            id: id.clone(),
            title,
            messages: state.channels.get(id).cloned().unwrap_or_default(),
            ephemerals: ephemerals
                .map(|ephemerals| ephemerals.iter().filter(|e| &e.channel == id).cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
        PageData {
            users: config.users.clone(),
            channels,
            notices: state.notices.get(user_id).cloned().unwrap_or_default(),
            modal: state.modals.get(user_id).cloned(),
            current,
        }
    }

    #[cfg(test)]
    fn open_modal_id(&self, user: &str) -> Option<String> {
        self.lock().modals.get(user).map(|modal| modal.id.clone())
    }
}

// ----- Handlers -----

async fn web_api(
    State(standin): State<SlackStandIn>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !has_bearer_token(&headers) {
        return slack_answer(StatusCode::OK, &refused("not_authed"));
    }
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else {
        match serde_json::from_slice::<Value>(&body) {
            Ok(args @ Value::Object(_)) => args,
            _ => return slack_answer(StatusCode::OK, &refused("invalid_json")),
        }
    };
    let answer = match method.as_str() {
        "chat.postMessage" => standin.post_message(&args),
        "chat.update" => standin.update_message(&args),
        "chat.postEphemeral" => standin.post_ephemeral(&args),
        "views.open" => standin.open_view(&args),
        "auth.test" => json!({
            "ok": true,
            "url": "http://local.slack.invalid/",
            "team": "ILN local",
            "user": "iln-nominations",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": BOT_ID,
        }),
        _ => return slack_answer(StatusCode::NOT_FOUND, &refused("unknown_method")),
    };
    slack_answer(StatusCode::OK, &answer)
}

async fn page(State(standin): State<SlackStandIn>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    let requested = Some(query.get("as")).filter(|id| !id.is_empty());
    let html = render::page(&standin.page_data(requested));
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

async fn click(State(standin): State<SlackStandIn>, headers: HeaderMap, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let Some(user) = standin.user(form.get("as")) else {
        return (StatusCode::BAD_REQUEST, "Unknown user: pick one on the page.").into_response();
    };
    let back = back_to(&user.id);
    let Some(channel) = standin.channel_id(form.get("channel")).map(str::to_owned) else {
        standin.notice(&user.id, NoticeKind::Error, "That channel does not exist here.");
        return back;
    };
    match standin.prepare_click(&user, &channel, &form, &host(&headers)) {
        Err(reason) => standin.notice(&user.id, NoticeKind::Error, reason),
        Ok(payload) => match standin.deliver(&payload).await {
            Delivery::Answered { status: 200, .. } => {}
            Delivery::Answered { status, body } => standin.notice(
                &user.id,
                NoticeKind::Error,
                format!("The click was answered with HTTP {status}: {}", quoted(&body)),
            ),
            Delivery::Failed(reason) => {
                standin.notice(
                    &user.id,
                    NoticeKind::Error,
                    format!("The click did not reach the system: {reason}"),
                );
            }
        },
    }
    back
}

async fn submit_view(State(standin): State<SlackStandIn>, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let Some(user) = standin.user(form.get("as")) else {
        return (StatusCode::BAD_REQUEST, "Unknown user: pick one on the page.").into_response();
    };
    let back = back_to(&user.id);
    let Some(modal) = standin.lock().modals.get(&user.id).cloned() else {
        standin.notice(&user.id, NoticeKind::Error, "No modal is open.");
        return back;
    };
    if modal.id != form.get("view_id") {
        standin.notice(
            &user.id,
            NoticeKind::Error,
            "The modal changed before it was submitted: look at it again.",
        );
        return back;
    }

    if form.has("_close") {
        {
            let mut state = standin.lock();
            if state.modals.get(&user.id).is_some_and(|open| open.id == modal.id) {
                state.modals.remove(&user.id);
            }
        }
        if modal.view.get("notify_on_close").and_then(Value::as_bool) == Some(true) {
            let payload = json!({
                "type": "view_closed",
                "team": team_json(),
                "user": user_json(&user),
                "api_app_id": APP_ID,
                "token": VERIFICATION_TOKEN,
                "view": view_json(&modal),
                "is_cleared": false,
                "is_enterprise_install": false,
                "enterprise": null,
            });
            match standin.deliver(&payload).await {
                Delivery::Answered { status: 200, .. } => {}
                Delivery::Answered { status, body } => standin.notice(
                    &user.id,
                    NoticeKind::Error,
                    format!("The system answered view_closed with HTTP {status}: {}", quoted(&body)),
                ),
                Delivery::Failed(reason) => standin.notice(
                    &user.id,
                    NoticeKind::Error,
                    format!("view_closed did not reach the system: {reason}"),
                ),
            }
        }
        return back;
    }

    let (values, errors) = state_values(&modal.view, &form);
    if !errors.is_empty() {
        // As Slack's client does: required fields are checked before sending.
        let mut state = standin.lock();
        if let Some(open) = state.modals.get_mut(&user.id).filter(|open| open.id == modal.id) {
            open.values = values;
            open.errors = errors;
        }
        return back;
    }
    let submitted = Modal {
        values: values.clone(),
        errors: BTreeMap::new(),
        ..modal
    };
    let trigger_id = standin.lock().issue_trigger(&user.id, Instant::now());
    let payload = json!({
        "type": "view_submission",
        "team": team_json(),
        "user": user_json(&user),
        "api_app_id": APP_ID,
        "token": VERIFICATION_TOKEN,
        "trigger_id": trigger_id,
        "view": view_json(&submitted),
        "response_urls": [],
        "is_enterprise_install": false,
        "enterprise": null,
    });
    let delivery = standin.deliver(&payload).await;
    standin.settle_submission(&user.id, &submitted.id, values, delivery);
    back
}

async fn clear_notices(State(standin): State<SlackStandIn>, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let Some(user) = standin.user(form.get("as")) else {
        return (StatusCode::BAD_REQUEST, "Unknown user: pick one on the page.").into_response();
    };
    standin.lock().notices.remove(&user.id);
    back_to(&user.id)
}

/// What the system posts to a `response_url`.
async fn response_url(State(standin): State<SlackStandIn>, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(answer @ Value::Object(_)) = serde_json::from_slice::<Value>(&body) else {
        return slack_answer(StatusCode::BAD_REQUEST, &refused("invalid_payload"));
    };
    let mut guard = standin.lock();
    let state = &mut *guard;
    let Some(target) = state.responses.get(&id) else {
        return slack_answer(StatusCode::NOT_FOUND, &refused("expired_url"));
    };
    let (user, channel, message_ts) = (target.user.clone(), target.channel.clone(), target.message_ts.clone());
    let text = answer
        .get("text")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let blocks = match blocks_arg(&answer) {
        Ok(blocks) => blocks,
        Err(error) => return slack_answer(StatusCode::BAD_REQUEST, &refused(error)),
    };
    let flag = |name: &str| answer.get(name).and_then(Value::as_bool) == Some(true);

    if flag("delete_original") {
        if let Some(messages) = state.channels.get_mut(&channel) {
            messages.retain(|message| message.ts != message_ts);
            for message in messages.iter_mut() {
                message.replies.retain(|reply| reply.ts != message_ts);
            }
        }
        state.notice(
            &user,
            NoticeKind::Info,
            "The app deleted the message through its response_url.",
        );
    } else if flag("replace_original") {
        let message = state
            .channels
            .get_mut(&channel)
            .and_then(|messages| find_message_mut(messages, &message_ts));
        match message {
            Some(message) => {
                message.text = text;
                if let Some(blocks) = blocks {
                    message.blocks = Value::Array(blocks);
                } else {
                    message.blocks = json!([]);
                }
                message.edited = true;
            }
            None => state.notice(
                &user,
                NoticeKind::Error,
                "The response_url tried to replace a message that is gone.",
            ),
        }
    } else if answer.get("response_type").and_then(Value::as_str) == Some("in_channel") {
        let ts = state.next_ts();
        let message = StoredMessage {
            ts,
            text,
            blocks: Value::Array(blocks.unwrap_or_default()),
            thread_ts: None,
            replies: Vec::new(),
            edited: false,
        };
        state.channels.entry(channel).or_default().push(message);
    } else {
        let ts = state.next_ts();
        let blocks = Value::Array(blocks.unwrap_or_default());
        state.ephemerals.entry(user).or_default().push(Ephemeral {
            channel,
            ts,
            text,
            blocks,
        });
    }
    slack_answer(StatusCode::OK, &json!({ "ok": true }))
}

// ----- Helpers -----

fn now_micros() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or_default()
}

fn action_ts() -> String {
    let micros = now_micros();
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

fn refused(error: &str) -> Value {
    json!({ "ok": false, "error": error })
}

fn slack_answer(status: StatusCode, answer: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        answer.to_string(),
    )
        .into_response()
}

fn has_bearer_token(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .is_some_and(|token| !token.trim().is_empty())
}

fn back_to(user: &str) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("as", user)
        .finish();
    Redirect::to(&format!("/?{query}")).into_response()
}

/// The host the page was reached at, for `response_url`s; only plain host characters.
fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1")
        .to_owned()
}

fn quoted(body: &str) -> String {
    let body = body.trim();
    if body.is_empty() {
        return "(empty body)".to_owned();
    }
    match body.char_indices().nth(BODY_QUOTED) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

fn str_arg<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name).and_then(Value::as_str).filter(|value| !value.is_empty())
}

/// `blocks`, given as an array or as a JSON-encoded string; `None` when absent.
fn blocks_arg(args: &Value) -> Result<Option<Vec<Value>>, &'static str> {
    let blocks = match args.get("blocks") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(blocks)) => blocks.clone(),
        Some(Value::String(encoded)) => match serde_json::from_str::<Value>(encoded) {
            Ok(Value::Array(blocks)) => blocks,
            _ => return Err("invalid_blocks"),
        },
        Some(_) => return Err("invalid_blocks"),
    };
    let well_formed = blocks
        .iter()
        .all(|block| block.get("type").and_then(Value::as_str).is_some());
    if !well_formed || blocks.len() > MAX_BLOCKS {
        return Err("invalid_blocks");
    }
    Ok(Some(blocks))
}

fn message_json(message: &StoredMessage) -> Value {
    let mut json = json!({
        "type": "message",
        "text": message.text,
        "blocks": message.blocks,
        "ts": message.ts,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
    });
    if let Some(thread_ts) = &message.thread_ts {
        json["thread_ts"] = json!(thread_ts);
    }
    json
}

fn view_json(modal: &Modal) -> Value {
    let view = &modal.view;
    let text = |name: &str| view.get(name).and_then(Value::as_str).unwrap_or_default();
    let flag = |name: &str| view.get(name).and_then(Value::as_bool).unwrap_or(false);
    json!({
        "id": modal.id,
        "team_id": TEAM_ID,
        "type": "modal",
        "blocks": view.get("blocks").cloned().unwrap_or_else(|| json!([])),
        "private_metadata": text("private_metadata"),
        "callback_id": text("callback_id"),
        "state": { "values": modal.values },
        "hash": format!("{}.local", modal.id),
        "title": view.get("title").cloned().unwrap_or(Value::Null),
        "clear_on_close": flag("clear_on_close"),
        "notify_on_close": flag("notify_on_close"),
        "close": view.get("close").cloned().unwrap_or(Value::Null),
        "submit": view.get("submit").cloned().unwrap_or(Value::Null),
        "previous_view_id": null,
        "root_view_id": modal.id,
        "app_id": APP_ID,
        "external_id": text("external_id"),
        "app_installed_team_id": TEAM_ID,
        "bot_id": BOT_ID,
    })
}

fn team_json() -> Value {
    json!({ "id": TEAM_ID, "domain": TEAM_DOMAIN })
}

fn user_json(user: &StandInUser) -> Value {
    let handle = handle(&user.name);
    json!({ "id": user.id, "username": handle, "name": handle, "team_id": TEAM_ID })
}

/// A Slack-like handle from a display name: `Vera (IMI vetter)` → `vera.imi.vetter`.
fn handle(name: &str) -> String {
    let mut handle = String::new();
    for word in name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
    {
        if !handle.is_empty() {
            handle.push('.');
        }
        handle.push_str(&word.to_lowercase());
    }
    handle
}

fn find_message<'a>(messages: &'a [StoredMessage], ts: &str) -> Option<&'a StoredMessage> {
    messages.iter().find_map(|message| {
        if message.ts == ts {
            Some(message)
        } else {
            message.replies.iter().find(|reply| reply.ts == ts)
        }
    })
}

fn find_message_mut<'a>(messages: &'a mut [StoredMessage], ts: &str) -> Option<&'a mut StoredMessage> {
    messages.iter_mut().find_map(|message| {
        if message.ts == ts {
            Some(message)
        } else {
            message.replies.iter_mut().find(|reply| reply.ts == ts)
        }
    })
}

/// The block id Slack would use: the given one, or one made from the position.
fn block_id(block: &Value, index: usize) -> String {
    block
        .get("block_id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("b{index}"), str::to_owned)
}

/// The action id of an element: the given one, or one made from its position.
fn action_id(element: &Value, block_index: usize, element_index: usize) -> String {
    element
        .get("action_id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("a{block_index}_{element_index}"), str::to_owned)
}

/// The interactive elements of a block with their positions: `actions`
/// elements, or a section's accessory.
fn interactive_elements(block: &Value) -> Vec<(usize, &Value)> {
    match block.get("type").and_then(Value::as_str) {
        Some("actions") => block
            .get("elements")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
            .collect(),
        Some("section") => block
            .get("accessory")
            .map(|accessory| (0, accessory))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

fn find_element<'a>(blocks: &'a Value, wanted_block: &str, wanted_action: &str) -> Option<&'a Value> {
    let blocks = blocks.as_array()?;
    blocks
        .iter()
        .enumerate()
        .filter(|(index, block)| block_id(block, *index) == wanted_block)
        .find_map(|(index, block)| {
            interactive_elements(block)
                .into_iter()
                .find(|(position, element)| action_id(element, index, *position) == wanted_action)
                .map(|(_, element)| element)
        })
}

/// The options of a select, radio group or checkbox group, groups flattened.
fn options(element: &Value) -> Vec<&Value> {
    let direct = element.get("options").and_then(Value::as_array).into_iter().flatten();
    let grouped = element
        .get("option_groups")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|group| group.get("options").and_then(Value::as_array))
        .flatten();
    direct.chain(grouped).collect()
}

fn option_value(option: &Value) -> &str {
    option.get("value").and_then(Value::as_str).unwrap_or_default()
}

/// `view.state.values` from the submitted form, and the errors Slack's client
/// would show without sending (required fields, lengths).
fn state_values(view: &Value, form: &Form) -> (Value, BTreeMap<String, String>) {
    let mut values = Map::new();
    let mut errors = BTreeMap::new();
    let blocks = view
        .get("blocks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (index, block) in blocks.iter().enumerate() {
        if block.get("type").and_then(Value::as_str) != Some("input") {
            continue;
        }
        let Some(element) = block.get("element") else {
            continue;
        };
        let block_id = block_id(block, index);
        let action_id = action_id(element, index, 0);
        let field = format!("in{index}");
        let optional = block.get("optional").and_then(Value::as_bool) == Some(true);
        let kind = element.get("type").and_then(Value::as_str).unwrap_or_default();
        let (state, empty) = match kind {
            "plain_text_input" | "email_text_input" | "url_text_input" | "number_input" => {
                let text = form.get(&field).replace("\r\n", "\n");
                let length = text.chars().count();
                let limit = |name: &str| element.get(name).and_then(Value::as_u64).map(|n| n as usize);
                if length > 0 && limit("min_length").is_some_and(|min| length < min) {
                    let min = limit("min_length").unwrap_or_default();
                    errors.insert(block_id.clone(), format!("Please enter at least {min} characters."));
                }
                if limit("max_length").is_some_and(|max| length > max) {
                    let max = limit("max_length").unwrap_or_default();
                    errors.insert(block_id.clone(), format!("Please enter at most {max} characters."));
                }
                let value = if text.is_empty() {
                    Value::Null
                } else {
                    Value::String(text)
                };
                let empty = value.is_null();
                (json!({ "type": kind, "value": value }), empty)
            }
            "static_select" | "radio_buttons" => {
                let chosen = form.get(&field);
                let option = options(element)
                    .into_iter()
                    .find(|option| !chosen.is_empty() && option_value(option) == chosen)
                    .cloned()
                    .unwrap_or(Value::Null);
                let empty = option.is_null();
                (json!({ "type": kind, "selected_option": option }), empty)
            }
            "checkboxes" => {
                let chosen = form.all(&field);
                let selected: Vec<Value> = options(element)
                    .into_iter()
                    .filter(|option| chosen.contains(&option_value(option)))
                    .cloned()
                    .collect();
                let empty = selected.is_empty();
                (json!({ "type": kind, "selected_options": selected }), empty)
            }
            other => (json!({ "type": other }), false),
        };
        if empty && !optional {
            errors.entry(block_id.clone()).or_insert_with(|| REQUIRED.to_owned());
        }
        let entry = values.entry(block_id).or_insert_with(|| json!({}));
        entry[action_id] = state;
    }
    (Value::Object(values), errors)
}

/// A parsed `application/x-www-form-urlencoded` body or query.
struct Form(Vec<(String, String)>);

impl Form {
    fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::SocketAddr;

    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const VETTER: &str = "U0VETTER";

    fn config(interactions_url: String) -> StandInConfig {
        StandInConfig {
            signing_secret: SECRET.to_owned(),
            interactions_url,
            vetting_channel: "C0VETTING".to_owned(),
            iln_channel: "C0ILN".to_owned(),
            users: vec![
                StandInUser {
                    id: VETTER.to_owned(),
                    name: "Vera (vetter)".to_owned(),
                },
                StandInUser {
                    id: "U0MEMBER".to_owned(),
                    name: "Mei (ILN member)".to_owned(),
                },
            ],
        }
    }

    async fn bind() -> (tokio::net::TcpListener, SocketAddr) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind a local port");
        let address = listener.local_addr().expect("a bound address");
        (listener, address)
    }

    fn serve(listener: tokio::net::TcpListener, router: Router) {
        tokio::spawn(async move { axum::serve(listener, router).await });
    }

    /// A stand-in served on a local port, with its base URL.
    async fn standin(interactions_url: String) -> (SlackStandIn, String) {
        let standin = SlackStandIn::new(config(interactions_url));
        let (listener, address) = bind().await;
        serve(listener, standin.router());
        (standin, format!("http://{address}"))
    }

    fn client() -> reqwest::Client {
        iln_adapters::tls::client_builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("a test client")
    }

    async fn call(base: &str, method: &str, body: Value) -> Value {
        client()
            .post(format!("{base}/api/{method}"))
            .bearer_auth("xoxb-local-test")
            .json(&body)
            .send()
            .await
            .expect("the stand-in answers")
            .json()
            .await
            .expect("a JSON answer")
    }

    async fn page_as(base: &str, user: &str) -> String {
        client()
            .get(format!("{base}/?as={user}"))
            .send()
            .await
            .expect("the page")
            .text()
            .await
            .expect("HTML")
    }

    fn card(nomination: &str) -> Value {
        json!([
            { "type": "header", "text": { "type": "plain_text", "text": "New nomination" } },
            { "type": "section", "text": { "type": "mrkdwn", "text": format!("*Nominee:* {nomination}") } },
            { "type": "actions", "block_id": "vetting", "elements": [
                { "type": "button", "action_id": "vet_ok", "value": "nom-1", "style": "primary",
                  "text": { "type": "plain_text", "text": "Coherent" } }
            ] }
        ])
    }

    /// A receiver standing in for the system's interactions endpoint: it
    /// verifies the signature as the system must and records the payloads.
    #[derive(Clone, Default)]
    struct Receiver {
        payloads: Arc<Mutex<Vec<Value>>>,
        standin_base: Arc<Mutex<String>>,
    }

    fn verified_payload(headers: &HeaderMap, body: &[u8]) -> Option<Value> {
        let header_text = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
        let secret = signature::SigningSecret::parse(SECRET).ok()?;
        signature::verify(
            &secret,
            header_text("x-slack-request-timestamp"),
            header_text("x-slack-signature"),
            body,
            chrono::Utc::now(),
        )
        .ok()?;
        if header_text(header::CONTENT_TYPE.as_str())? != "application/x-www-form-urlencoded" {
            return None;
        }
        let form = Form::parse(body);
        serde_json::from_str(form.get("payload")).ok()
    }

    async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> Response {
        let Some(payload) = verified_payload(&headers, &body) else {
            return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
        };
        receiver.payloads.lock().expect("payloads").push(payload.clone());
        match payload["type"].as_str() {
            Some("block_actions") => {
                let base = receiver.standin_base.lock().expect("base").clone();
                let view = json!({
                    "type": "modal",
                    "callback_id": "vetting_reason",
                    "private_metadata": "nom-1",
                    "title": { "type": "plain_text", "text": "Why not coherent?" },
                    "submit": { "type": "plain_text", "text": "Send" },
                    "blocks": [{
                        "type": "input", "block_id": "reason",
                        "label": { "type": "plain_text", "text": "Reason" },
                        "element": { "type": "plain_text_input", "action_id": "reason_input", "multiline": true }
                    }]
                });
                let opened = call(
                    &base,
                    "views.open",
                    json!({ "trigger_id": payload["trigger_id"], "view": view }),
                )
                .await;
                assert_eq!(opened["ok"], json!(true), "{opened}");
                StatusCode::OK.into_response()
            }
            Some("view_submission") => {
                let reason = payload
                    .pointer("/view/state/values/reason/reason_input/value")
                    .and_then(Value::as_str);
                if reason == Some("short") {
                    let errors = json!({ "response_action": "errors", "errors": { "reason": "Say a little more." } });
                    ([(header::CONTENT_TYPE, "application/json")], errors.to_string()).into_response()
                } else {
                    StatusCode::OK.into_response()
                }
            }
            _ => StatusCode::OK.into_response(),
        }
    }

    /// A stand-in wired to a receiver, each on its own port.
    async fn standin_with_receiver() -> (SlackStandIn, String, Receiver) {
        let (receiver_listener, receiver_address) = bind().await;
        let (standin, base) = standin(format!("http://{receiver_address}/slack/interactions")).await;
        let receiver = Receiver::default();
        *receiver.standin_base.lock().expect("base") = base.clone();
        serve(
            receiver_listener,
            Router::new()
                .route("/slack/interactions", post(receive))
                .with_state(receiver.clone()),
        );
        (standin, base, receiver)
    }

    async fn click_button(base: &str, channel: &str, ts: &str) -> reqwest::Response {
        let form = [
            ("as", VETTER),
            ("channel", channel),
            ("ts", ts),
            ("block_id", "vetting"),
            ("action_id", "vet_ok"),
            ("value", "nom-1"),
            ("text", "Coherent"),
        ];
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        client()
            .post(format!("{base}/click"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("the click is answered")
    }

    #[tokio::test]
    async fn posting_a_message_returns_a_ts_and_it_appears_in_the_channel() {
        let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;

        let first = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "one" }),
        )
        .await;
        let second = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "two", "blocks": card("Ana") }),
        )
        .await;

        assert_eq!(first["ok"], json!(true), "{first}");
        assert_eq!(first["channel"], json!("C0VETTING"));
        let (first_ts, second_ts) = (first["ts"].as_str().unwrap(), second["ts"].as_str().unwrap());
        assert!(
            first_ts.len() == 17 && first_ts.as_bytes()[10] == b'.',
            "Slack-shaped ts: {first_ts}"
        );
        assert!(first_ts < second_ts, "increasing: {first_ts} then {second_ts}");
        assert_eq!(second["message"]["blocks"], card("Ana"));
        let messages = standin.messages("C0VETTING");
        assert_eq!(messages.len(), 2);
        assert_eq!(messages[1].ts, second_ts);
        assert_eq!(messages[1].blocks, card("Ana"));
        assert!(standin.messages("C0ILN").is_empty());
    }

    #[tokio::test]
    async fn a_reply_in_a_thread_is_stored_under_its_message() {
        let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
        let parent = call(&base, "chat.postMessage", json!({ "channel": "C0ILN", "text": "card" })).await;
        let parent_ts = parent["ts"].as_str().unwrap();

        let reply = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0ILN", "text": "Confirmed by Carlos", "thread_ts": parent_ts }),
        )
        .await;
        let orphan = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0ILN", "text": "x", "thread_ts": "1.000001" }),
        )
        .await;

        assert_eq!(reply["ok"], json!(true), "{reply}");
        assert_eq!(reply["message"]["thread_ts"], json!(parent_ts));
        assert_eq!(orphan, json!({ "ok": false, "error": "thread_not_found" }));
        let messages = standin.messages("C0ILN");
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].replies.len(), 1);
        assert_eq!(messages[0].replies[0].text, "Confirmed by Carlos");
        assert_eq!(messages[0].replies[0].thread_ts.as_deref(), Some(parent_ts));
    }

    #[tokio::test]
    async fn an_update_replaces_the_blocks_and_marks_the_message_edited() {
        let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
        let posted = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
        )
        .await;
        let ts = posted["ts"].as_str().unwrap();
        let outcome = json!([{ "type": "section", "text": { "type": "mrkdwn", "text": "Vetted by Vera" } }]);

        let updated = call(
            &base,
            "chat.update",
            json!({ "channel": "C0VETTING", "ts": ts, "text": "vetted", "blocks": outcome }),
        )
        .await;
        let missing = call(
            &base,
            "chat.update",
            json!({ "channel": "C0VETTING", "ts": "1.000001", "text": "x" }),
        )
        .await;

        assert_eq!(updated["ok"], json!(true), "{updated}");
        assert_eq!(updated["ts"], json!(ts));
        assert_eq!(missing, json!({ "ok": false, "error": "message_not_found" }));
        let message = &standin.messages("C0VETTING")[0];
        assert_eq!(message.blocks, outcome);
        assert_eq!(message.text, "vetted");
        assert!(message.edited);
    }

    #[tokio::test]
    async fn an_unknown_channel_and_a_missing_token_are_refused_slack_style() {
        let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;

        let unknown = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0GENERAL", "text": "hi" }),
        )
        .await;
        let unauthenticated = client()
            .post(format!("{base}/api/chat.postMessage"))
            .json(&json!({ "channel": "C0VETTING", "text": "hi" }))
            .send()
            .await
            .unwrap();
        let status = unauthenticated.status();
        let unauthenticated: Value = unauthenticated.json().await.unwrap();
        let empty_token = client()
            .post(format!("{base}/api/chat.postMessage"))
            .header(header::AUTHORIZATION, "Bearer ")
            .json(&json!({ "channel": "C0VETTING", "text": "hi" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();

        assert_eq!(unknown, json!({ "ok": false, "error": "channel_not_found" }));
        assert_eq!(status, StatusCode::OK);
        assert_eq!(unauthenticated, json!({ "ok": false, "error": "not_authed" }));
        assert_eq!(empty_token, json!({ "ok": false, "error": "not_authed" }));
        assert!(standin.messages("C0VETTING").is_empty());
    }

    #[tokio::test]
    async fn views_open_with_an_expired_or_unknown_trigger_fails() {
        let (standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
        let view = json!({ "type": "modal", "title": { "type": "plain_text", "text": "Reason" }, "blocks": [] });
        let long_ago = Instant::now()
            .checked_sub(Duration::from_secs(4))
            .expect("the clock is past 4 s");
        let (expired, fresh) = {
            let mut state = standin.lock();
            (
                state.issue_trigger(VETTER, long_ago),
                state.issue_trigger(VETTER, Instant::now()),
            )
        };

        let unknown = call(&base, "views.open", json!({ "trigger_id": "1.2.nope", "view": view })).await;
        let too_late = call(&base, "views.open", json!({ "trigger_id": expired, "view": view })).await;
        let opened = call(&base, "views.open", json!({ "trigger_id": fresh, "view": view })).await;
        let reused = call(&base, "views.open", json!({ "trigger_id": fresh, "view": view })).await;

        assert_eq!(unknown, json!({ "ok": false, "error": "invalid_trigger_id" }));
        assert_eq!(too_late, json!({ "ok": false, "error": "invalid_trigger_id" }));
        assert_eq!(opened["ok"], json!(true), "{opened}");
        assert_eq!(reused, json!({ "ok": false, "error": "invalid_trigger_id" }));
        assert_eq!(standin.open_modal_id(VETTER).as_deref(), opened["view"]["id"].as_str());
    }

    #[tokio::test]
    async fn a_click_is_delivered_to_the_interactions_url_as_a_correctly_signed_form_post() {
        let (standin, base, receiver) = standin_with_receiver().await;
        let posted = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
        )
        .await;
        let ts = posted["ts"].as_str().unwrap();

        let answer = click_button(&base, "C0VETTING", ts).await;

        assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        assert_eq!(answer.headers()[header::LOCATION], "/?as=U0VETTER");
        let payloads = receiver.payloads.lock().unwrap().clone();
        assert_eq!(payloads.len(), 1, "one signed delivery: {payloads:?}");
        let payload = &payloads[0];
        assert_eq!(payload["type"], json!("block_actions"));
        assert_eq!(payload["user"]["id"], json!(VETTER));
        assert_eq!(payload["user"]["username"], json!("vera.vetter"));
        assert_eq!(payload["team"]["id"], json!("T0LOCAL"));
        assert_eq!(payload["channel"], json!({ "id": "C0VETTING", "name": "iln-vetting" }));
        assert_eq!(payload["container"]["message_ts"], json!(ts));
        assert_eq!(payload["message"]["blocks"], card("Ana"));
        assert!(payload["trigger_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(
            payload["response_url"]
                .as_str()
                .is_some_and(|url| url.starts_with(&format!("{base}/response/")))
        );
        let action = &payload["actions"][0];
        assert_eq!(action["type"], json!("button"));
        assert_eq!(action["action_id"], json!("vet_ok"));
        assert_eq!(action["block_id"], json!("vetting"));
        assert_eq!(action["value"], json!("nom-1"));
        assert_eq!(action["text"]["text"], json!("Coherent"));
        // The receiver opened a modal with the trigger: it shows on the clicker's page only.
        assert!(page_as(&base, VETTER).await.contains("Why not coherent?"));
        assert!(!page_as(&base, "U0MEMBER").await.contains("Why not coherent?"));
        assert!(standin.open_modal_id(VETTER).is_some());
    }

    #[tokio::test]
    async fn a_modal_the_system_rejects_stays_open_with_its_errors_and_closes_once_accepted() {
        let (standin, base, receiver) = standin_with_receiver().await;
        let posted = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
        )
        .await;
        click_button(&base, "C0VETTING", posted["ts"].as_str().unwrap()).await;
        let view_id = standin.open_modal_id(VETTER).expect("the receiver opened a modal");
        let submit = |reason: &'static str| {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs([("as", VETTER), ("view_id", view_id.as_str()), ("in0", reason)])
                .finish();
            client()
                .post(format!("{base}/submit-view"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
                .send()
        };

        let empty = submit("").await.unwrap();
        let after_empty = page_as(&base, VETTER).await;
        let rejected = submit("short").await.unwrap();
        let after_rejected = page_as(&base, VETTER).await;
        let accepted = submit("It reads as coherent\r\nbut the dates clash.").await.unwrap();
        let after_accepted = page_as(&base, VETTER).await;

        assert_eq!(empty.status(), StatusCode::SEE_OTHER);
        assert!(after_empty.contains(REQUIRED), "required field checked before sending");
        assert_eq!(rejected.status(), StatusCode::SEE_OTHER);
        assert!(after_rejected.contains("Say a little more."));
        assert!(after_rejected.contains(">short</textarea>"), "the input is kept");
        assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
        assert!(!after_accepted.contains("Why not coherent?"));
        assert!(standin.open_modal_id(VETTER).is_none());
        let payloads = receiver.payloads.lock().unwrap().clone();
        let submissions: Vec<&Value> = payloads
            .iter()
            .filter(|p| p["type"] == json!("view_submission"))
            .collect();
        assert_eq!(submissions.len(), 2, "the empty one was never sent");
        let view = &submissions[1]["view"];
        assert_eq!(view["id"], json!(view_id));
        assert_eq!(view["callback_id"], json!("vetting_reason"));
        assert_eq!(view["private_metadata"], json!("nom-1"));
        assert_eq!(
            view["state"]["values"]["reason"]["reason_input"],
            json!({ "type": "plain_text_input", "value": "It reads as coherent\nbut the dates clash." })
        );
        assert_eq!(submissions[1]["user"]["id"], json!(VETTER));
    }

    #[tokio::test]
    async fn a_click_the_system_refuses_or_never_receives_is_shown_as_a_notice() {
        let (receiver_listener, receiver_address) = bind().await;
        serve(
            receiver_listener,
            Router::new()
                .route("/slack/interactions", post(receive))
                .with_state(Receiver::default()),
        );
        let wrongly_signing = SlackStandIn::new(StandInConfig {
            signing_secret: "not-the-app-secret".to_owned(),
            ..config(format!("http://{receiver_address}/slack/interactions"))
        });
        let (listener, address) = bind().await;
        serve(listener, wrongly_signing.router());
        let refusing = format!("http://{address}");
        let (_unreachable, unreachable) = standin("http://127.0.0.1:9/nobody-listens".to_owned()).await;

        for base in [&refusing, &unreachable] {
            let posted = call(
                base,
                "chat.postMessage",
                json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
            )
            .await;
            let answer = click_button(base, "C0VETTING", posted["ts"].as_str().unwrap()).await;
            assert_eq!(answer.status(), StatusCode::SEE_OTHER);
        }

        let refused_page = page_as(&refusing, VETTER).await;
        assert!(
            refused_page.contains("The click was answered with HTTP 401: bad signature"),
            "{refused_page}"
        );
        assert!(
            page_as(&unreachable, VETTER)
                .await
                .contains("The click did not reach the system")
        );
        assert!(
            !page_as(&unreachable, "U0MEMBER")
                .await
                .contains("The click did not reach the system")
        );
    }

    #[tokio::test]
    async fn a_response_url_can_replace_the_original_or_answer_ephemerally() {
        let (standin, base, receiver) = standin_with_receiver().await;
        let posted = call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": "card", "blocks": card("Ana") }),
        )
        .await;
        click_button(&base, "C0VETTING", posted["ts"].as_str().unwrap()).await;
        let response_url = receiver.payloads.lock().unwrap()[0]["response_url"]
            .as_str()
            .unwrap()
            .to_owned();

        let ephemeral = client()
            .post(&response_url)
            .json(&json!({ "text": "Carlos confirmed first." }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();
        let replaced = client()
            .post(&response_url)
            .json(&json!({ "replace_original": true, "text": "Vetted by Vera" }))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap();

        assert_eq!(ephemeral, json!({ "ok": true }));
        assert_eq!(replaced, json!({ "ok": true }));
        assert!(page_as(&base, VETTER).await.contains("Carlos confirmed first."));
        assert!(!page_as(&base, "U0MEMBER").await.contains("Carlos confirmed first."));
        let message = &standin.messages("C0VETTING")[0];
        assert_eq!(message.text, "Vetted by Vera");
        assert!(message.edited);
    }

    #[tokio::test]
    async fn the_page_escapes_markup_in_message_text() {
        let (_standin, base) = standin("http://127.0.0.1:9/unused".to_owned()).await;
        let hostile = "<script>alert(1)</script> & \"quoted\" <img src=x onerror=alert(2)>";
        call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0VETTING", "text": hostile }),
        )
        .await;
        call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0ILN", "text": "card", "blocks": card(hostile) }),
        )
        .await;
        let header = json!([{ "type": "header", "text": { "type": "plain_text", "text": hostile } }]);
        call(
            &base,
            "chat.postMessage",
            json!({ "channel": "C0ILN", "text": "x", "blocks": header }),
        )
        .await;

        let page = page_as(&base, VETTER).await;

        assert!(!page.contains("<script"), "no script element");
        assert!(!page.contains("<img"), "no image element");
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(page.contains("&amp; &quot;quoted&quot;"));
        assert!(page.contains("<b>Nominee:</b>"), "mrkdwn bold is rendered");
        assert!(page.contains("#iln-vetting (private)") && page.contains("#iln (private)"));
        assert!(page.contains(r#"http-equiv="refresh""#));
    }
}
