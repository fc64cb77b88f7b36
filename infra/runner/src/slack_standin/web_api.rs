//! The Web API methods the system's Slack client calls, and the
//! `response_url`s the stand-in hands out with interactions.

use std::collections::BTreeMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::interactions::view_json;
use super::state::{Ephemeral, Modal, NoticeKind, find_message_mut};
use super::{APP_ID, BOT_ID, BOT_USER_ID, SlackStandIn, StandInUser, StoredMessage, TEAM_ID, TRIGGER_LIFETIME};

const MAX_BLOCKS: usize = 50;

impl SlackStandIn {
    fn post_message(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let (text, blocks) = match new_message_content(args) {
            Ok(content) => content,
            Err(error) => return refused(error),
        };
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
        let (text, blocks) = match new_message_content(args) {
            Ok(content) => content,
            Err(error) => return refused(error),
        };
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

    /// `users.info`: the user with their profile's address, and their
    /// locale when `include_locale` is true.
    fn user_info(&self, args: &Value) -> Value {
        let Some(user) = str_arg(args, "user").and_then(|id| self.user(id)) else {
            return refused("user_not_found");
        };
        let mut answer = user_object(&user);
        if str_arg(args, "include_locale") == Some("true") {
            answer["locale"] = json!(user.locale);
        }
        json!({ "ok": true, "user": answer })
    }

    /// `users.lookupByEmail`: addresses compared ignoring case, as Slack does.
    fn lookup_by_email(&self, args: &Value) -> Value {
        let email = str_arg(args, "email").unwrap_or_default();
        let found = self
            .config()
            .users
            .iter()
            .find(|user| !email.is_empty() && user.email.eq_ignore_ascii_case(email));
        match found {
            Some(user) => json!({ "ok": true, "user": user_object(user) }),
            None => refused("users_not_found"),
        }
    }

    /// `conversations.invite`: `users` is a comma-separated list.
    fn invite(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let users: Vec<&str> = str_arg(args, "users")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|user| !user.is_empty())
            .collect();
        if users.is_empty() {
            return refused("no_user");
        }
        if users.contains(&BOT_USER_ID) {
            return refused("cant_invite_self");
        }
        if let Some(unknown) = users.iter().find(|user| self.user(user).is_none()) {
            return refused_for("user_not_found", unknown);
        }
        let mut state = self.lock();
        let members = state.members.entry(channel.clone()).or_default();
        if let Some(member) = users.iter().find(|user| members.contains(**user)) {
            return refused_for("already_in_channel", member);
        }
        members.extend(users.iter().map(|user| (*user).to_owned()));
        json!({ "ok": true, "channel": { "id": channel, "is_private": true, "is_member": true } })
    }

    /// `conversations.kick`: one `user`.
    fn kick(&self, args: &Value) -> Value {
        let Some(channel) = self.channel_arg(args) else {
            return refused("channel_not_found");
        };
        let Some(user) = str_arg(args, "user") else {
            return refused("no_user");
        };
        if user == BOT_USER_ID {
            return refused("cant_kick_self");
        }
        if self.user(user).is_none() {
            return refused("user_not_found");
        }
        let mut state = self.lock();
        let removed = state
            .members
            .get_mut(&channel)
            .is_some_and(|members| members.remove(user));
        match removed {
            true => json!({ "ok": true, "errors": {} }),
            false => refused("not_in_channel"),
        }
    }

    fn channel_arg(&self, args: &Value) -> Option<String> {
        str_arg(args, "channel")
            .and_then(|channel| self.channel_id(channel))
            .map(str::to_owned)
    }
}

pub(super) async fn web_api(
    State(standin): State<SlackStandIn>,
    Path(method): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !has_bearer_token(&headers) {
        return slack_answer(StatusCode::OK, &refused("not_authed"));
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("application/x-www-form-urlencoded"));
    let args = if body.iter().all(u8::is_ascii_whitespace) {
        json!({})
    } else if form {
        form_args(&body)
    } else if FORM_ONLY.contains(&method.as_str()) {
        // Slack does not read a JSON body for these: no arguments at all.
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
        "users.info" => standin.user_info(&args),
        "users.lookupByEmail" => standin.lookup_by_email(&args),
        "conversations.invite" => standin.invite(&args),
        "conversations.kick" => standin.kick(&args),
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

/// What the system posts to a `response_url`.
pub(super) async fn response_url(State(standin): State<SlackStandIn>, Path(id): Path<String>, body: Bytes) -> Response {
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

fn refused(error: &str) -> Value {
    json!({ "ok": false, "error": error })
}

/// A refusal about one user of a list, as `conversations.invite` gives it.
fn refused_for(error: &str, user: &str) -> Value {
    json!({ "ok": false, "error": error, "errors": [{ "user": user, "ok": false, "error": error }] })
}

/// Methods that take form arguments only (Slack's documentation: they do
/// not accept `application/json`).
const FORM_ONLY: [&str; 2] = ["users.info", "users.lookupByEmail"];

/// A form body's fields as a JSON object of strings.
fn form_args(body: &[u8]) -> Value {
    let fields: serde_json::Map<String, Value> = url::form_urlencoded::parse(body)
        .map(|(name, value)| (name.into_owned(), Value::String(value.into_owned())))
        .collect();
    Value::Object(fields)
}

/// A user object as Slack's user methods give it.
fn user_object(user: &StandInUser) -> Value {
    json!({
        "id": user.id,
        "team_id": TEAM_ID,
        "name": user.name,
        "real_name": user.name,
        "deleted": false,
        "is_bot": false,
        "profile": { "real_name": user.name, "display_name": user.name, "email": user.email },
    })
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

fn str_arg<'a>(args: &'a Value, name: &str) -> Option<&'a str> {
    args.get(name).and_then(Value::as_str).filter(|value| !value.is_empty())
}

/// The text and blocks of a new message: refused when it would show nothing.
fn new_message_content(args: &Value) -> Result<(String, Vec<Value>), &'static str> {
    let blocks = blocks_arg(args)?.unwrap_or_default();
    let text = args.get("text").and_then(Value::as_str).unwrap_or_default().to_owned();
    if text.trim().is_empty() && blocks.is_empty() {
        return Err("no_text");
    }
    Ok((text, blocks))
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

pub(super) fn message_json(message: &StoredMessage) -> Value {
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
