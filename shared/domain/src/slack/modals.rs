//! The modals opened from card buttons: a reason, a question, a concern, or
//! which open concern a vetter resolves and how. A modal is read by one
//! person, so it is in one language: theirs, or their channel's first
//! (`ChannelLanguage::reply_in`). `private_metadata` travels back on
//! submission: by convention `ActionValue::encode()|channel`.

use serde_json::{Value, json};

use super::{action, escape, truncate};
use crate::discussion::Discussion;
use crate::i18n::Language;

/// Block and action ids of the modal's one text input (the resolution's
/// note in the resolve-concern modal).
pub const TEXT_BLOCK: &str = "text";
pub const TEXT_ACTION: &str = "text_input";
/// The vetting rejection modal's "share with the nominator" checkbox.
pub const SHARE_BLOCK: &str = "share";
pub const SHARE_VALUE: &str = "share";
/// The resolve-concern modal's choice of concern: read it with
/// `View::selected(CONCERN_BLOCK)`; its value is the concern's id.
pub const CONCERN_BLOCK: &str = "concern";
pub const CONCERN_ACTION: &str = "concern_input";

/// Slack's limits: a modal's title and buttons 24 characters, an option's
/// text 75, a select 100 options. (An option's value may have 150: a
/// concern's id, its raiser and a 32-digit digest, is far shorter, and is
/// never cut, as a cut id would resolve nothing.)
const TITLE_MAX: usize = 24;
const OPTION_TEXT_MAX: usize = 75;
const OPTIONS_MAX: usize = 100;
/// What a person may type; `Reason` takes up to this many characters.
const TEXT_MAX: usize = 2_000;

/// The modal a button opens, keyed by the button's action id, in
/// `language`; `None` for buttons that act at once, and for "Resolve a
/// concern", whose modal lists the concerns (`resolve_concern`).
pub fn for_action(action_id: &str, private_metadata: &str, language: Language) -> Option<Value> {
    let name = match action_id {
        action::REJECT => "reject",
        action::REQUEST_INFORMATION => "request_information",
        action::RAISE_CONCERN => "raise_concern",
        action::DECLINE => "decline",
        action::REFER_TO_IAC => "refer_to_iac",
        action::CLOSE => "close",
        _ => return None,
    };
    let text = |part: &str| language.slack_text(&format!("modals.{name}_{part}"), &[]);
    let mut blocks = vec![text_input(&text("label"))];
    if action_id == action::REJECT {
        blocks.push(json!({
            "type": "input",
            "block_id": SHARE_BLOCK,
            "optional": true,
            "label": { "type": "plain_text", "text": language.slack_text("modals.share_label", &[]) },
            "element": {
                "type": "checkboxes",
                "action_id": "share_input",
                "options": [{
                    "text": { "type": "plain_text", "text": language.slack_text("modals.share_option", &[]) },
                    "value": SHARE_VALUE,
                }],
            },
        }));
    }
    Some(modal(
        action_id,
        private_metadata,
        &text("title"),
        &text("submit"),
        blocks,
        language,
    ))
}

/// The modal of "Resolve a concern": a choice among the discussion's open
/// concerns (each shown by its date and the start of its text; a mention
/// cannot render in an option) and a note on how it was resolved. `None`
/// when no concern is open: there is nothing to resolve.
pub fn resolve_concern(discussion: &Discussion, private_metadata: &str, language: Language) -> Option<Value> {
    let options: Vec<Value> = discussion
        .open_concerns()
        .take(OPTIONS_MAX)
        .map(|concern| {
            let excerpt = format!("{} · {}", concern.at.format("%Y-%m-%d"), one_line(&concern.text));
            json!({
                "text": { "type": "plain_text", "text": truncate(&excerpt, OPTION_TEXT_MAX) },
                "value": concern.id,
            })
        })
        .collect();
    if options.is_empty() {
        return None;
    }
    let text = |part: &str| language.slack_text(&format!("modals.resolve_concern_{part}"), &[]);
    let choice = json!({
        "type": "input",
        "block_id": CONCERN_BLOCK,
        "label": { "type": "plain_text", "text": text("choice") },
        "element": {
            "type": "static_select",
            "action_id": CONCERN_ACTION,
            "placeholder": { "type": "plain_text", "text": text("placeholder") },
            "options": options,
        },
    });
    let blocks = vec![choice, text_input(&text("label"))];
    Some(modal(
        super::action::RESOLVE_CONCERN,
        private_metadata,
        &text("title"),
        &text("submit"),
        blocks,
        language,
    ))
}

fn text_input(label: &str) -> Value {
    json!({
        "type": "input",
        "block_id": TEXT_BLOCK,
        "label": { "type": "plain_text", "text": label },
        "element": { "type": "plain_text_input", "action_id": TEXT_ACTION, "multiline": true, "max_length": TEXT_MAX },
    })
}

fn modal(
    callback_id: &str,
    private_metadata: &str,
    title: &str,
    submit: &str,
    blocks: Vec<Value>,
    language: Language,
) -> Value {
    json!({
        "type": "modal",
        "callback_id": callback_id,
        "private_metadata": private_metadata,
        "title": { "type": "plain_text", "text": truncate(title, TITLE_MAX) },
        "submit": { "type": "plain_text", "text": truncate(submit, TITLE_MAX) },
        "close": { "type": "plain_text", "text": truncate(&language.slack_text("modals.cancel", &[]), TITLE_MAX) },
        "blocks": blocks,
    })
}

/// A concern's text on one line, as an option shows it. Plain text: no
/// mrkdwn is rendered there, but `<` is escaped all the same so that no
/// option text ever reads as a mention.
fn one_line(text: &str) -> String {
    escape(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discussion::{Concern, Resolution};
    use crate::slack::interaction::SlackUserId;
    use chrono::DateTime;

    const ALL_WITH_WORDS: [&str; 6] = [
        action::REJECT,
        action::REQUEST_INFORMATION,
        action::RAISE_CONCERN,
        action::DECLINE,
        action::REFER_TO_IAC,
        action::CLOSE,
    ];

    #[test]
    fn buttons_that_need_words_open_a_modal_that_remembers_the_card() {
        for action_id in ALL_WITH_WORDS {
            let modal = for_action(action_id, "meta", Language::En).expect(action_id);
            assert_eq!(modal["callback_id"], action_id);
            assert_eq!(modal["private_metadata"], "meta");
            assert_eq!(modal["blocks"][0]["block_id"], TEXT_BLOCK);
            assert_eq!(modal["blocks"][0]["element"]["action_id"], TEXT_ACTION);
        }
        for acts_at_once in [
            action::APPROVE,
            action::CONFIRM,
            action::DECLARE_CONFLICT,
            action::RESOLVE_CONCERN,
        ] {
            assert!(
                for_action(acts_at_once, "meta", Language::En).is_none(),
                "{acts_at_once}"
            );
        }
    }

    #[test]
    fn every_modal_is_in_the_readers_language_within_slacks_limits() {
        for language in Language::ALL {
            for action_id in ALL_WITH_WORDS {
                let modal = for_action(action_id, "meta", language).unwrap();
                for part in ["title", "submit", "close"] {
                    let text = modal[part]["text"].as_str().unwrap();
                    assert!(
                        text.chars().count() <= TITLE_MAX,
                        "{language} {action_id} {part}: {text}"
                    );
                    assert!(!text.starts_with("modals."), "{language} {action_id} {part}: {text}");
                }
            }
        }
        let decline = for_action(action::DECLINE, "m", Language::Es).unwrap();
        assert_eq!(decline["title"]["text"], "Pedir que no siga");
        assert_eq!(decline["close"]["text"], "Cancelar");
        let english = for_action(action::DECLINE, "m", Language::En).unwrap();
        assert!(
            english["blocks"][0]["label"]["text"]
                .as_str()
                .unwrap()
                .starts_with("Why this nomination should not go ahead")
        );
    }

    fn concern(id: &str, text: &str, resolved: bool) -> Concern {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        Concern {
            id: id.into(),
            by: SlackUserId::new("UM"),
            text: text.into(),
            at,
            asks_not_to_proceed: false,
            resolution: resolved.then(|| Resolution {
                by: crate::audit::Actor::Vetter("UV".into()),
                note: "Settled.".into(),
                at,
            }),
        }
    }

    #[test]
    fn the_resolve_modal_offers_only_the_open_concerns_by_date_and_excerpt() {
        let discussion = Discussion {
            concerns: vec![
                concern("UM.aa", "We worked\ntogether <@U1> on a case.", false),
                concern("UM.bb", "Settled already.", true),
                concern("UM.cc", &"long ".repeat(40), false),
            ],
            ..Discussion::default()
        };

        let modal = resolve_concern(&discussion, "01JDZ8Q6N5C8W4Y3F2K9T7B1XA:4|C0VETTING", Language::En).unwrap();

        assert_eq!(modal["callback_id"], action::RESOLVE_CONCERN);
        assert_eq!(modal["private_metadata"], "01JDZ8Q6N5C8W4Y3F2K9T7B1XA:4|C0VETTING");
        let select = &modal["blocks"][0];
        assert_eq!(select["block_id"], CONCERN_BLOCK);
        assert_eq!(select["element"]["type"], "static_select");
        assert_eq!(select["element"]["action_id"], CONCERN_ACTION);
        let options = select["element"]["options"].as_array().unwrap();
        let values: Vec<&str> = options.iter().map(|o| o["value"].as_str().unwrap()).collect();
        assert_eq!(values, ["UM.aa", "UM.cc"]);
        assert_eq!(
            options[0]["text"]["text"],
            "2027-01-15 · We worked together &lt;@U1&gt; on a case."
        );
        assert!(options[1]["text"]["text"].as_str().unwrap().chars().count() <= OPTION_TEXT_MAX);
        assert_eq!(modal["blocks"][1]["block_id"], TEXT_BLOCK);
    }

    #[test]
    fn with_no_open_concern_there_is_no_resolve_modal() {
        let discussion = Discussion {
            concerns: vec![concern("UM.bb", "Settled already.", true)],
            ..Discussion::default()
        };

        assert_eq!(resolve_concern(&discussion, "m", Language::Es), None);
    }
}
