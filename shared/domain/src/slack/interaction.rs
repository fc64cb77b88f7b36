//! What Slack sends when someone clicks a button or submits a modal, as far
//! as this system reads it.

use serde::Deserialize;
use std::collections::HashMap;

/// A Slack user id (`U…`). Who may do what is decided by allow-lists of ids.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize, serde::Serialize)]
#[serde(transparent)]
pub struct SlackUserId(String);

impl SlackUserId {
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// How Slack renders a mention of the user.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: SlackUserId,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Action {
    pub action_id: String,
    #[serde(default)]
    pub value: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Container {
    #[serde(default)]
    pub channel_id: Option<String>,
    #[serde(default)]
    pub message_ts: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChannelRef {
    pub id: String,
}

/// One value of a modal input, whatever its element.
#[derive(Debug, Clone, Deserialize)]
pub struct InputValue {
    #[serde(default)]
    pub value: Option<String>,
    #[serde(default)]
    pub selected_options: Option<Vec<SelectedOption>>,
    /// A `static_select`'s choice.
    #[serde(default)]
    pub selected_option: Option<SelectedOption>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SelectedOption {
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ViewState {
    /// block id → action id → value
    pub values: HashMap<String, HashMap<String, InputValue>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct View {
    pub callback_id: String,
    #[serde(default)]
    pub private_metadata: String,
    pub state: ViewState,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Interaction {
    BlockActions {
        user: User,
        trigger_id: String,
        actions: Vec<Action>,
        #[serde(default)]
        container: Option<Container>,
        #[serde(default)]
        channel: Option<ChannelRef>,
    },
    ViewSubmission {
        user: User,
        view: View,
    },
    /// Anything else Slack may send (shortcuts, view closed): acknowledged.
    #[serde(other)]
    Other,
}

impl View {
    /// The text typed in the input block `block_id`, if any.
    pub fn text(&self, block_id: &str) -> Option<&str> {
        self.state
            .values
            .get(block_id)?
            .values()
            .find_map(|input| input.value.as_deref())
    }

    /// The value of the option chosen in the select of block `block_id`
    /// (`view.state.values[block][action].selected_option.value`), if any:
    /// for the resolve-concern modal, `selected(modals::CONCERN_BLOCK)` is
    /// the concern's id.
    pub fn selected(&self, block_id: &str) -> Option<&str> {
        self.state
            .values
            .get(block_id)?
            .values()
            .find_map(|input| input.selected_option.as_ref())
            .map(|option| option.value.as_str())
    }

    /// Whether the checkbox option `value` in block `block_id` is ticked.
    pub fn ticked(&self, block_id: &str, value: &str) -> bool {
        self.state.values.get(block_id).is_some_and(|inputs| {
            inputs.values().any(|input| {
                input
                    .selected_options
                    .as_ref()
                    .is_some_and(|options| options.iter().any(|o| o.value == value))
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_button_click_is_read_with_its_user_action_and_trigger() {
        let payload = r#"{"type":"block_actions","user":{"id":"U1","name":"ana"},"trigger_id":"t1",
            "container":{"type":"message","channel_id":"C1","message_ts":"1.2"},
            "actions":[{"action_id":"iln.confirm","value":"01JDZ8Q6N5C8W4Y3F2K9T7B1XA:3","type":"button"}]}"#;
        match serde_json::from_str::<Interaction>(payload).unwrap() {
            Interaction::BlockActions {
                user,
                trigger_id,
                actions,
                ..
            } => {
                assert_eq!(user.id.as_str(), "U1");
                assert_eq!(trigger_id, "t1");
                assert_eq!(actions[0].action_id, "iln.confirm");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_modal_submission_gives_its_inputs_and_ticks() {
        let payload = r#"{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"vetting.reject",
            "private_metadata":"x","state":{"values":{"reason":{"input":{"type":"plain_text_input","value":"No"}},
            "share":{"box":{"type":"checkboxes","selected_options":[{"value":"share"}]}}}}}}"#;
        match serde_json::from_str::<Interaction>(payload).unwrap() {
            Interaction::ViewSubmission { view, .. } => {
                assert_eq!(view.text("reason"), Some("No"));
                assert!(view.ticked("share", "share"));
                assert!(!view.ticked("reason", "share"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_modal_submission_gives_the_option_chosen_in_a_select() {
        let payload = r#"{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"vetting.resolve_concern",
            "private_metadata":"x","state":{"values":{
            "concern":{"concern_input":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"2027-01-15 · We"},"value":"UM.aa"}}},
            "text":{"text_input":{"type":"plain_text_input","value":"Talked it through."}},
            "empty":{"concern_input":{"type":"static_select","selected_option":null}}}}}}"#;
        match serde_json::from_str::<Interaction>(payload).unwrap() {
            Interaction::ViewSubmission { view, .. } => {
                assert_eq!(view.selected("concern"), Some("UM.aa"));
                assert_eq!(view.text("text"), Some("Talked it through."));
                assert_eq!(view.selected("empty"), None);
                assert_eq!(view.selected("missing"), None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_interactions_are_recognised_as_such() {
        let payload = r#"{"type":"view_closed","user":{"id":"U1"}}"#;
        assert!(matches!(
            serde_json::from_str::<Interaction>(payload).unwrap(),
            Interaction::Other
        ));
    }
}
