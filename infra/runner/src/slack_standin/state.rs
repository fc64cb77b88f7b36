//! What the stand-in remembers between requests: channels and their
//! messages, trigger ids, open modals, ephemeral messages and notices.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use serde_json::Value;

use super::{StoredMessage, TRIGGER_LIFETIME};

const NOTICES_KEPT: usize = 20;

#[derive(Default)]
pub(super) struct StandInState {
    pub(super) channels: HashMap<String, Vec<StoredMessage>>,
    /// Who is in each channel, by channel id.
    pub(super) members: HashMap<String, BTreeSet<String>>,
    last_ts_micros: u64,
    next_id: u64,
    pub(super) triggers: HashMap<String, Trigger>,
    /// The open modal of each user, by user id.
    pub(super) modals: HashMap<String, Modal>,
    /// Ephemeral messages, by user id.
    pub(super) ephemerals: HashMap<String, Vec<Ephemeral>>,
    /// Notices for each user: failed deliveries and the like.
    pub(super) notices: HashMap<String, Vec<Notice>>,
    pub(super) responses: HashMap<String, ResponseTarget>,
}

pub(super) struct Trigger {
    pub(super) user: String,
    pub(super) issued: Instant,
}

#[derive(Clone, Debug)]
pub(super) struct Modal {
    pub(super) id: String,
    pub(super) view: Value,
    /// `state.values` as last submitted (kept to refill the form after errors).
    pub(super) values: Value,
    /// Errors by block id, as answered by the system or found before sending.
    pub(super) errors: BTreeMap<String, String>,
}

#[derive(Clone, Debug)]
pub(super) struct Ephemeral {
    pub(super) channel: String,
    pub(super) ts: String,
    pub(super) text: String,
    pub(super) blocks: Value,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NoticeKind {
    Info,
    Error,
}

#[derive(Clone, Debug)]
pub(super) struct Notice {
    pub(super) kind: NoticeKind,
    pub(super) at: String,
    pub(super) text: String,
}

pub(super) struct ResponseTarget {
    pub(super) user: String,
    pub(super) channel: String,
    pub(super) message_ts: String,
}

impl StandInState {
    /// A message ts: unique and increasing, shaped like Slack's `1732950000.000100`.
    pub(super) fn next_ts(&mut self) -> String {
        let micros = now_micros().max(self.last_ts_micros + 1);
        self.last_ts_micros = micros;
        slack_ts(micros)
    }

    pub(super) fn next_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}{:08}", self.next_id)
    }

    pub(super) fn issue_trigger(&mut self, user: &str, issued: Instant) -> String {
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

    pub(super) fn notice(&mut self, user: &str, kind: NoticeKind, text: impl Into<String>) {
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

pub(super) fn now_micros() -> u64 {
    u64::try_from(chrono::Utc::now().timestamp_micros()).unwrap_or_default()
}

/// An `action_ts`: the time of the action, in a message ts's shape.
pub(super) fn action_ts() -> String {
    slack_ts(now_micros())
}

fn slack_ts(micros: u64) -> String {
    format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000)
}

pub(super) fn find_message<'a>(messages: &'a [StoredMessage], ts: &str) -> Option<&'a StoredMessage> {
    messages.iter().find_map(|message| {
        if message.ts == ts {
            Some(message)
        } else {
            message.replies.iter().find(|reply| reply.ts == ts)
        }
    })
}

pub(super) fn find_message_mut<'a>(messages: &'a mut [StoredMessage], ts: &str) -> Option<&'a mut StoredMessage> {
    messages.iter_mut().find_map(|message| {
        if message.ts == ts {
            Some(message)
        } else {
            message.replies.iter_mut().find(|reply| reply.ts == ts)
        }
    })
}
