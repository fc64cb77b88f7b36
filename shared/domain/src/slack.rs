//! Slack messages: the cards posted to the vetting and ILN channels, with
//! the minimum personal data, a confidentiality banner and buttons whose
//! action ids are stable and whose values name the nomination and version.

mod cards;
pub mod command;
pub mod interaction;
pub mod language;
pub mod modals;
pub mod participant;
pub mod replies;
pub mod signature;

pub use cards::{CardContext, erased_card, iln_card, vetting_card};
pub use language::{ChannelLanguage, ChannelLanguages};

use serde::{Deserialize, Serialize};

use crate::NominationId;

/// A message as Slack's `chat.postMessage` / `chat.update` take it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlackMessage {
    /// Shown in notifications and to screen readers: no personal data.
    pub text: String,
    /// Block Kit blocks (at most 50).
    pub blocks: serde_json::Value,
}

/// The private channels the system posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// IMI staff vet nominations here.
    Vetting,
    /// ILN members discuss and confirm here.
    Iln,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::Vetting => "vetting",
            Channel::Iln => "iln",
        }
    }

    /// The channel whose card carries the button (or opened the modal)
    /// `action_id`: every id starts with its channel's code.
    pub fn of_action(action_id: &str) -> Option<Self> {
        match action_id.split_once('.')?.0 {
            "vetting" => Some(Channel::Vetting),
            "iln" => Some(Channel::Iln),
            _ => None,
        }
    }
}

/// Action ids of every button; the Slack webhook dispatches on them.
pub mod action {
    pub const APPROVE: &str = "vetting.approve";
    pub const REJECT: &str = "vetting.reject";
    pub const REQUEST_INFORMATION: &str = "vetting.request_information";
    pub const CONFIRM: &str = "iln.confirm";
    pub const RAISE_CONCERN: &str = "iln.raise_concern";
    /// A member asks that the nomination not go ahead: a concern.
    pub const DECLINE: &str = "iln.decline";
    pub const DECLARE_CONFLICT: &str = "iln.declare_conflict";
    /// Vetters, on the vetting card while the ILN discusses.
    pub const RESOLVE_CONCERN: &str = "vetting.resolve_concern";
    pub const REFER_TO_IAC: &str = "vetting.refer_to_iac";
    /// A vetter closes a discussed nomination: it does not go ahead.
    pub const CLOSE: &str = "vetting.close";
}

/// The value every button carries: which nomination, at which version, so a
/// click on a stale card is recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionValue {
    pub nomination_id: NominationId,
    pub version: u64,
}

impl ActionValue {
    pub fn encode(&self) -> String {
        format!("{}:{}", self.nomination_id, self.version)
    }

    pub fn decode(raw: &str) -> Option<Self> {
        let (id, version) = raw.split_once(':')?;
        Some(Self {
            nomination_id: id.parse().ok()?,
            version: version.parse().ok()?,
        })
    }
}

/// Slack's limits: 50 blocks a message, 3,000 characters a section text.
pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3_000;

const TRUNCATION_MARKER: &str = "… [truncated]";

/// `text` cut to at most `max` characters, with a visible marker when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let keep = max.saturating_sub(TRUNCATION_MARKER.chars().count());
    let mut cut: String = text.chars().take(keep).collect();
    cut.push_str(TRUNCATION_MARKER);
    cut
}

/// The ILN's Slack workspace (`https://<name>.slack.com`): where the
/// staff console links a nomination's cards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlackWorkspace(String);

impl SlackWorkspace {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let url = raw.trim().trim_end_matches('/');
        match url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
            Some(host) if !host.is_empty() && !host.contains(char::is_whitespace) => Ok(Self(url.to_owned())),
            _ => Err(format!(
                "{raw:?} is not the workspace's address, such as https://imi-iln.slack.com"
            )),
        }
    }

    /// A message's permalink, as Slack writes one: the channel, then `p` and
    /// the message's timestamp without its point.
    pub fn permalink(&self, channel: &str, ts: &str) -> String {
        format!("{}/archives/{channel}/p{}", self.0, ts.replace('.', ""))
    }
}

/// Escapes text for Slack's mrkdwn, so a name cannot format or mention.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A card as the nomination now stands in `channel`: its outcome noted, and
/// only the buttons of the decision it still asks for.
pub fn updated_card(
    nomination: &crate::Nomination,
    findings: &crate::findings::Findings,
    channel: Channel,
    context: &CardContext,
) -> SlackMessage {
    use crate::lifecycle::Status;
    let language = context.language;
    let card = match channel {
        Channel::Vetting => vetting_card(nomination, findings, context),
        Channel::Iln => iln_card(nomination, findings, context),
    };
    let still_open = match channel {
        Channel::Vetting => nomination.status == Status::AwaitingVetting,
        Channel::Iln => nomination.status == Status::InDiscussion,
    };
    let mut notes = Vec::new();
    if let Some(last) = &nomination.last_move {
        if !still_open || channel == Channel::Vetting {
            let at = last.at.format("%Y-%m-%d %H:%M UTC").to_string();
            // Both languages' sentences open with the move, in bold.
            notes.push(language.each("\n", |l| {
                l.slack_text(
                    "card.last_move",
                    &[
                        (
                            "move",
                            &format!("*{}*", capitalised(&replies::past_tense(last.command, l))),
                        ),
                        ("actor", &replies::actor_name(&last.actor, l)),
                        ("at", &at),
                    ],
                )
            }));
        }
    }
    let confirmations = nomination.discussion.iter().flat_map(|d| d.counted_confirmations());
    let who: Vec<String> = confirmations.map(|c| c.by.mention()).collect();
    if channel == Channel::Iln && !who.is_empty() {
        notes.push(language.lines("card.confirmed_by", &[("people", &who.join(", "))]));
    }
    let mut blocks: Vec<serde_json::Value> = card.blocks.as_array().cloned().unwrap_or_default();
    if !notes.is_empty() {
        let text = truncate(&notes.join("\n"), MAX_SECTION_TEXT);
        blocks.push(serde_json::json!({ "type": "section", "text": { "type": "mrkdwn", "text": text } }));
    }
    blocks.truncate(MAX_BLOCKS);
    SlackMessage {
        text: card.text,
        blocks: serde_json::Value::Array(blocks),
    }
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cards_permalink_is_the_workspace_the_channel_and_the_timestamp_without_its_point() {
        let workspace = super::SlackWorkspace::parse("https://imi-iln.slack.com/").unwrap();
        assert_eq!(
            workspace.permalink("C0VETTING", "1764650000.000200"),
            "https://imi-iln.slack.com/archives/C0VETTING/p1764650000000200"
        );
        assert!(super::SlackWorkspace::parse("imi-iln.slack.com").is_err());
        assert!(super::SlackWorkspace::parse("https://").is_err());
    }

    use super::*;

    #[test]
    fn long_text_is_cut_with_a_visible_marker() {
        let cut = truncate(&"x".repeat(5_000), MAX_SECTION_TEXT);
        assert_eq!(cut.chars().count(), MAX_SECTION_TEXT);
        assert!(cut.ends_with(TRUNCATION_MARKER));
        assert_eq!(truncate("short", 10), "short");
    }

    #[test]
    fn each_action_belongs_to_the_channel_of_its_card() {
        for id in [
            action::APPROVE,
            action::RESOLVE_CONCERN,
            action::REFER_TO_IAC,
            action::CLOSE,
        ] {
            assert_eq!(Channel::of_action(id), Some(Channel::Vetting), "{id}");
        }
        for id in [
            action::CONFIRM,
            action::DECLINE,
            action::DECLARE_CONFLICT,
            action::RAISE_CONCERN,
        ] {
            assert_eq!(Channel::of_action(id), Some(Channel::Iln), "{id}");
        }
        assert_eq!(Channel::of_action("other"), None);
    }

    #[test]
    fn action_values_round_trip_and_reject_garbage() {
        let value = ActionValue {
            nomination_id: "01JDZ8Q6N5C8W4Y3F2K9T7B1XA".parse().unwrap(),
            version: 3,
        };
        assert_eq!(ActionValue::decode(&value.encode()), Some(value));
        assert_eq!(ActionValue::decode("nonsense"), None);
    }
}
