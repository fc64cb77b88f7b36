//! The modals opened from card buttons: a reason, a question or a concern.

use serde_json::{Value, json};

use super::action;

/// Block and action ids of the modal's one text input.
pub const TEXT_BLOCK: &str = "text";
pub const TEXT_ACTION: &str = "text_input";
/// The vetting rejection modal's "share with the nominator" checkbox.
pub const SHARE_BLOCK: &str = "share";
pub const SHARE_VALUE: &str = "share";

/// The modal a button opens, keyed by the button's action id; `None` for
/// buttons that act at once. `private_metadata` travels back on submission.
pub fn for_action(action_id: &str, private_metadata: &str) -> Option<Value> {
    let (title, label, submit) = match action_id {
        action::REJECT => ("Reject nomination", "Reason (kept in the audit trail)", "Reject"),
        action::REQUEST_INFORMATION => ("Ask for information", "Question for the nominator", "Send question"),
        action::RAISE_CONCERN => (
            "Raise a concern",
            "Your concern (shared in the card's thread)",
            "Raise concern",
        ),
        action::DECLINE => ("Decline nomination", "Reason (kept in the audit trail)", "Decline"),
        _ => return None,
    };
    let mut blocks = vec![json!({
        "type": "input",
        "block_id": TEXT_BLOCK,
        "label": { "type": "plain_text", "text": label },
        "element": { "type": "plain_text_input", "action_id": TEXT_ACTION, "multiline": true, "max_length": 2000 },
    })];
    if action_id == action::REJECT {
        blocks.push(json!({
            "type": "input",
            "block_id": SHARE_BLOCK,
            "optional": true,
            "label": { "type": "plain_text", "text": "The nominator" },
            "element": {
                "type": "checkboxes",
                "action_id": "share_input",
                "options": [{ "text": { "type": "plain_text", "text": "Share the reason with the nominator" }, "value": SHARE_VALUE }],
            },
        }));
    }
    Some(json!({
        "type": "modal",
        "callback_id": action_id,
        "private_metadata": private_metadata,
        "title": { "type": "plain_text", "text": title },
        "submit": { "type": "plain_text", "text": submit },
        "close": { "type": "plain_text", "text": "Cancel" },
        "blocks": blocks,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buttons_that_need_words_open_a_modal_that_remembers_the_card() {
        for action_id in [
            action::REJECT,
            action::REQUEST_INFORMATION,
            action::RAISE_CONCERN,
            action::DECLINE,
        ] {
            let modal = for_action(action_id, "meta").expect(action_id);
            assert_eq!(modal["callback_id"], action_id);
            assert_eq!(modal["private_metadata"], "meta");
            assert_eq!(modal["blocks"][0]["block_id"], TEXT_BLOCK);
        }
        assert!(for_action(action::APPROVE, "meta").is_none());
        assert!(for_action(action::CONFIRM, "meta").is_none());
    }
}
