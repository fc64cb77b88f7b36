//! What a person does on the page, sent to the system as Slack sends it:
//! button clicks (`block_actions`), modal submissions (`view_submission`)
//! and closed modals (`view_closed`), signed with the app's signing secret.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use iln_domain::slack::signature;
use serde_json::{Value, json};

use super::blocks::{find_element, state_values};
use super::page::{Form, back_to, host};
use super::state::{Modal, NoticeKind, ResponseTarget, StandInState, action_ts, find_message};
use super::web_api::message_json;
use super::{APP_ID, BOT_ID, SlackStandIn, StandInUser, TEAM_DOMAIN, TEAM_ID, VERIFICATION_TOKEN};

const BODY_QUOTED: usize = 500;

enum Delivery {
    Answered { status: u16, body: String },
    Failed(String),
}

impl SlackStandIn {
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

    /// Tells `user` when the system did not take a delivery with a 200.
    fn notice_unless_accepted(&self, user: &str, delivery: Delivery, answered_with: &str, not_reached: &str) {
        match delivery {
            Delivery::Answered { status: 200, .. } => {}
            Delivery::Answered { status, body } => self.notice(
                user,
                NoticeKind::Error,
                format!("{answered_with} HTTP {status}: {}", quoted(&body)),
            ),
            Delivery::Failed(reason) => self.notice(user, NoticeKind::Error, format!("{not_reached}: {reason}")),
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
}

pub(super) async fn click(State(standin): State<SlackStandIn>, headers: HeaderMap, body: Bytes) -> Response {
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
        Ok(payload) => {
            let delivery = standin.deliver(&payload).await;
            standin.notice_unless_accepted(
                &user.id,
                delivery,
                "The click was answered with",
                "The click did not reach the system",
            );
        }
    }
    back
}

pub(super) async fn submit_view(State(standin): State<SlackStandIn>, body: Bytes) -> Response {
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
            let delivery = standin.deliver(&payload).await;
            standin.notice_unless_accepted(
                &user.id,
                delivery,
                "The system answered view_closed with",
                "view_closed did not reach the system",
            );
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

pub(super) fn view_json(modal: &Modal) -> Value {
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
