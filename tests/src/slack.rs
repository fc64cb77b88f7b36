//! Slack: the Web API calls the system made, and requests signed as Slack
//! signs them (clicks, modal submissions).

use crate::{ILN_CHANNEL, SIGNING_SECRET, TestApp, TestResponse, VETTING_CHANNEL};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use wiremock::{Mock, ResponseTemplate};

/// The signing secret as the webhook holds it.
pub fn signing_secret() -> iln_domain::slack::signature::SigningSecret {
    iln_domain::slack::signature::SigningSecret::parse(std::str::from_utf8(SIGNING_SECRET).expect("UTF-8"))
        .expect("a secret long enough")
}

/// The test Slack workspace: its people (what `users.info` and
/// `users.lookupByEmail` answer), who is in each channel
/// (`conversations.invite` and `conversations.kick`), and the refusals a
/// test asked Slack to give.
#[derive(Default)]
pub(crate) struct Workspace {
    /// By user id: address and locale.
    users: HashMap<String, (String, String)>,
    members: HashMap<String, BTreeSet<String>>,
    /// By method: the error Slack gives every call to it.
    refusals: HashMap<String, String>,
}

pub(crate) type SharedWorkspace = Arc<Mutex<Workspace>>;

fn lock(workspace: &SharedWorkspace) -> std::sync::MutexGuard<'_, Workspace> {
    workspace.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The bot's own user id in the test workspace.
pub const BOT_USER: &str = "UBOT";

fn refused(error: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "ok": false, "error": error }))
}

fn answered(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn is_form(request: &wiremock::Request) -> bool {
    request
        .headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"))
}

/// A request's arguments, from a form body or a JSON one.
fn arguments(request: &wiremock::Request) -> Value {
    match is_form(request) {
        true => Value::Object(
            url::form_urlencoded::parse(&request.body)
                .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
                .collect(),
        ),
        false => serde_json::from_slice(&request.body).unwrap_or_default(),
    }
}

fn user_object(id: &str, email: &str) -> Value {
    json!({
        "id": id, "team_id": "T0TEST", "name": id.to_lowercase(), "deleted": false, "is_bot": false,
        "profile": { "email": email, "real_name": id, "display_name": id },
    })
}

impl Workspace {
    /// What Slack answers `method` with `args`, as its documentation says.
    fn answer(&mut self, method: &str, args: &Value, form: bool) -> ResponseTemplate {
        if let Some(error) = self.refusals.get(method) {
            return refused(error);
        }
        let arg = |name: &str| args[name].as_str().unwrap_or_default().to_owned();
        match method {
            // Slack reads only form arguments for these two.
            "users.info" if !form => refused("user_not_found"),
            "users.lookupByEmail" if !form => refused("users_not_found"),
            "users.info" => match self.users.get(&arg("user")) {
                Some((email, locale)) => {
                    let mut user = user_object(&arg("user"), email);
                    if arg("include_locale") == "true" {
                        user["locale"] = json!(locale);
                    }
                    answered(json!({ "ok": true, "user": user }))
                }
                None => refused("user_not_found"),
            },
            "users.lookupByEmail" => {
                let wanted = arg("email");
                match self
                    .users
                    .iter()
                    .find(|(_, (email, _))| email.eq_ignore_ascii_case(&wanted))
                {
                    Some((id, (email, _))) => answered(json!({ "ok": true, "user": user_object(id, email) })),
                    None => refused("users_not_found"),
                }
            }
            "conversations.invite" => {
                let (channel, user) = (arg("channel"), arg("users"));
                if user == BOT_USER {
                    return refused("cant_invite_self");
                }
                if !self.users.contains_key(&user) {
                    return refused("user_not_found");
                }
                match self.members.entry(channel.clone()).or_default().insert(user.clone()) {
                    true => answered(json!({ "ok": true, "channel": { "id": channel } })),
                    false => answered(json!({ "ok": false, "error": "already_in_channel",
                        "errors": [{ "user": user, "ok": false, "error": "already_in_channel" }] })),
                }
            }
            "conversations.kick" => {
                let (channel, user) = (arg("channel"), arg("user"));
                if user == BOT_USER {
                    return refused("cant_kick_self");
                }
                if !self.users.contains_key(&user) {
                    return refused("user_not_found");
                }
                match self.members.entry(channel).or_default().remove(&user) {
                    true => answered(json!({ "ok": true, "errors": {} })),
                    false => refused("not_in_channel"),
                }
            }
            _ => refused("unknown_method"),
        }
    }
}

/// One call the system made to Slack's Web API.
#[derive(Debug, Clone)]
pub struct SlackCall {
    pub method: String,
    pub body: Value,
}

/// Answers every Web API method as Slack does when all is well, and the
/// user and channel methods from `workspace`.
pub(crate) async fn answer_like_slack(server: &wiremock::MockServer, workspace: &SharedWorkspace) {
    use wiremock::matchers::{method, path, path_regex};
    let counter = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(1));
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(move |request: &wiremock::Request| {
            let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            ResponseTemplate::new(200).set_body_json(json!({
                "ok": true,
                "channel": body["channel"],
                "ts": format!("1700000000.{n:06}"),
            }))
        })
        .mount(server)
        .await;
    let workspace = workspace.clone();
    Mock::given(method("POST"))
        .and(path_regex(
            r"^/api/(users\.info|users\.lookupByEmail|conversations\.invite|conversations\.kick)$",
        ))
        .respond_with(move |request: &wiremock::Request| {
            let method = request.url.path().trim_start_matches("/api/");
            lock(&workspace).answer(method, &arguments(request), is_form(request))
        })
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "ok": true })))
        .mount(server)
        .await;
}

/// The payload Slack sends when `user` clicks a card button.
pub fn click_payload(user: &str, action_id: &str, id: &str, version: u64, channel: &str) -> Value {
    json!({
        "type": "block_actions",
        "user": { "id": user, "name": user.to_lowercase() },
        "trigger_id": format!("trigger.{}", ulid::Ulid::new()),
        "container": { "type": "message", "channel_id": channel, "message_ts": "1700000000.000001" },
        "channel": { "id": channel },
        "actions": [{ "action_id": action_id, "value": format!("{id}:{version}"), "type": "button" }],
    })
}

impl TestApp {
    /// Every Slack Web API call so far, in order; a form body is read as
    /// an object of its fields.
    pub async fn slack_calls(&self) -> Vec<SlackCall> {
        self.slack
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|request| SlackCall {
                method: request.url.path().trim_start_matches("/api/").to_owned(),
                body: arguments(&request),
            })
            .collect()
    }

    /// The calls to one Web API method so far, in order.
    pub async fn slack_calls_of(&self, method: &str) -> Vec<Value> {
        self.slack_calls()
            .await
            .into_iter()
            .filter(|call| call.method == method)
            .map(|call| call.body)
            .collect()
    }

    /// `id` joins the test Slack workspace with `email` and `locale` (such
    /// as `es-ES`): what `users.info` and `users.lookupByEmail` answer.
    /// Being in Slack gives no right: rights come from the data.
    pub fn slack_user(&self, id: &str, email: &str, locale: &str) {
        lock(&self.workspace)
            .users
            .insert(id.to_owned(), (email.to_owned(), locale.to_owned()));
    }

    /// `id` is in `channel` already (so an invite finds them there).
    pub fn in_slack_channel(&self, channel: &str, id: &str) {
        lock(&self.workspace)
            .members
            .entry(channel.to_owned())
            .or_default()
            .insert(id.to_owned());
    }

    /// Who is in `channel` now, as invites and kicks left it.
    pub fn slack_channel_members(&self, channel: &str) -> BTreeSet<String> {
        lock(&self.workspace).members.get(channel).cloned().unwrap_or_default()
    }

    /// From now on Slack refuses every call to `method` with `error` (such
    /// as `restricted_action`); `None` lifts it.
    pub fn slack_refuses(&self, method: &str, error: Option<&str>) {
        let mut workspace = lock(&self.workspace);
        match error {
            Some(error) => workspace.refusals.insert(method.to_owned(), error.to_owned()),
            None => workspace.refusals.remove(method),
        };
    }

    /// Posts to a channel (`C0VETTING`, `C0ILN`), in order.
    pub async fn posts_to(&self, channel: &str) -> Vec<Value> {
        self.slack_calls()
            .await
            .into_iter()
            .filter(|call| call.method == "chat.postMessage" && call.body["channel"] == channel)
            .map(|call| call.body)
            .collect()
    }

    /// A request as Slack sends it: signed with the app's signing secret at
    /// `self.now`, with any extra headers (such as `x-slack-retry-num`).
    pub async fn from_slack(
        &self,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> TestResponse {
        self.from_slack_at(self.now, path, content_type, body, extra).await
    }

    /// A request as Slack sends it at `at` (signed and handled then).
    pub async fn from_slack_at(
        &self,
        at: DateTime<Utc>,
        path: &str,
        content_type: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> TestResponse {
        let timestamp = at.timestamp().to_string();
        let signature = iln_domain::slack::signature::sign(SIGNING_SECRET, &timestamp, body);
        let mut headers = vec![
            ("content-type", content_type),
            ("x-slack-request-timestamp", timestamp.as_str()),
            ("x-slack-signature", signature.as_str()),
        ];
        headers.extend_from_slice(extra);
        self.request_at(at, "POST", path, &headers, body).await
    }

    /// The form body Slack posts for an interaction payload.
    pub fn interaction_body(payload: &Value) -> Vec<u8> {
        crate::form_body(&[("payload", &payload.to_string())]).into_bytes()
    }

    /// `user` clicks the button `action_id` on the card of nomination `id` at
    /// `version`, in `channel`.
    pub async fn click(&self, user: &str, action_id: &str, id: &str, version: u64, channel: &str) -> TestResponse {
        let payload = click_payload(user, action_id, id, version, channel);
        self.interaction_at(self.now, &payload).await
    }

    /// `user` submits the modal `callback_id` for nomination `id` at
    /// `version` with `text` (and the share box ticked or not).
    pub async fn submit_modal(
        &self,
        user: &str,
        callback_id: &str,
        id: &str,
        version: u64,
        text: &str,
        share: bool,
    ) -> TestResponse {
        self.submit_modal_at(self.now, user, callback_id, id, version, text, share)
            .await
    }

    /// The same, submitted at `at`.
    #[allow(clippy::too_many_arguments)]
    pub async fn submit_modal_at(
        &self,
        at: DateTime<Utc>,
        user: &str,
        callback_id: &str,
        id: &str,
        version: u64,
        text: &str,
        share: bool,
    ) -> TestResponse {
        let mut values = json!({ "text": { "text_input": { "type": "plain_text_input", "value": text } } });
        if share {
            values["share"] =
                json!({ "share_input": { "type": "checkboxes", "selected_options": [{ "value": "share" }] } });
        }
        let channel = if callback_id.starts_with("iln.") {
            ILN_CHANNEL
        } else {
            VETTING_CHANNEL
        };
        let payload = json!({
            "type": "view_submission",
            "user": { "id": user },
            "view": {
                "id": "V1",
                "callback_id": callback_id,
                "private_metadata": format!("{id}:{version}|{channel}"),
                "state": { "values": values },
            },
        });
        self.interaction_at(at, &payload).await
    }

    /// An interaction (a click, a modal submission) as Slack posts it at `at`.
    async fn interaction_at(&self, at: DateTime<Utc>, payload: &Value) -> TestResponse {
        let body = Self::interaction_body(payload);
        self.from_slack_at(
            at,
            "/slack/interactions",
            "application/x-www-form-urlencoded",
            &body,
            &[],
        )
        .await
    }
}
