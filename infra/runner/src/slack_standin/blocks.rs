//! Reading Block Kit as Slack's client does: the ids it gives blocks and
//! elements that have none, and the `state.values` of a submitted modal.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::page::Form;

pub(super) const REQUIRED: &str = "Please complete this required field.";

/// The block id Slack would use: the given one, or one made from the position.
pub(super) fn block_id(block: &Value, index: usize) -> String {
    block
        .get("block_id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("b{index}"), str::to_owned)
}

/// The action id of an element: the given one, or one made from its position.
pub(super) fn action_id(element: &Value, block_index: usize, element_index: usize) -> String {
    element
        .get("action_id")
        .and_then(Value::as_str)
        .map_or_else(|| format!("a{block_index}_{element_index}"), str::to_owned)
}

/// The interactive elements of a block with their positions: `actions`
/// elements, or a section's accessory.
pub(super) fn interactive_elements(block: &Value) -> Vec<(usize, &Value)> {
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

pub(super) fn find_element<'a>(blocks: &'a Value, wanted_block: &str, wanted_action: &str) -> Option<&'a Value> {
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
pub(super) fn options(element: &Value) -> Vec<&Value> {
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

pub(super) fn option_value(option: &Value) -> &str {
    option.get("value").and_then(Value::as_str).unwrap_or_default()
}

/// An input block of a modal, read the same way for the page's form field
/// and for the submission that comes back from it.
pub(super) struct InputBlock<'a> {
    pub(super) element: &'a Value,
    pub(super) kind: &'a str,
    pub(super) block_id: String,
    pub(super) action_id: String,
    /// The name of the page's form field for this input.
    pub(super) field: String,
    pub(super) optional: bool,
}

impl<'a> InputBlock<'a> {
    /// The input block at `index` of a view; `None` when it has no element.
    pub(super) fn read(block: &'a Value, index: usize) -> Option<Self> {
        let element = block.get("element")?;
        Some(Self {
            element,
            kind: element.get("type").and_then(Value::as_str).unwrap_or_default(),
            block_id: block_id(block, index),
            action_id: action_id(element, index, 0),
            field: format!("in{index}"),
            optional: block.get("optional").and_then(Value::as_bool) == Some(true),
        })
    }
}

/// `view.state.values` from the submitted form, and the errors Slack's client
/// would show without sending (required fields, lengths).
pub(super) fn state_values(view: &Value, form: &Form) -> (Value, BTreeMap<String, String>) {
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
        let Some(input) = InputBlock::read(block, index) else {
            continue;
        };
        let (state, empty) = match input.kind {
            "plain_text_input" | "email_text_input" | "url_text_input" | "number_input" => {
                let text = form.get(&input.field).replace("\r\n", "\n");
                let length = text.chars().count();
                let limit = |name: &str| input.element.get(name).and_then(Value::as_u64).map(|n| n as usize);
                if length > 0 && limit("min_length").is_some_and(|min| length < min) {
                    let min = limit("min_length").unwrap_or_default();
                    errors.insert(
                        input.block_id.clone(),
                        format!("Please enter at least {min} characters."),
                    );
                }
                if limit("max_length").is_some_and(|max| length > max) {
                    let max = limit("max_length").unwrap_or_default();
                    errors.insert(
                        input.block_id.clone(),
                        format!("Please enter at most {max} characters."),
                    );
                }
                let value = if text.is_empty() {
                    Value::Null
                } else {
                    Value::String(text)
                };
                let empty = value.is_null();
                (json!({ "type": input.kind, "value": value }), empty)
            }
            "static_select" | "radio_buttons" => {
                let chosen = form.get(&input.field);
                let option = options(input.element)
                    .into_iter()
                    .find(|option| !chosen.is_empty() && option_value(option) == chosen)
                    .cloned()
                    .unwrap_or(Value::Null);
                let empty = option.is_null();
                (json!({ "type": input.kind, "selected_option": option }), empty)
            }
            "checkboxes" => {
                let chosen = form.all(&input.field);
                let selected: Vec<Value> = options(input.element)
                    .into_iter()
                    .filter(|option| chosen.contains(&option_value(option)))
                    .cloned()
                    .collect();
                let empty = selected.is_empty();
                (json!({ "type": input.kind, "selected_options": selected }), empty)
            }
            other => (json!({ "type": other }), false),
        };
        if empty && !input.optional {
            errors
                .entry(input.block_id.clone())
                .or_insert_with(|| REQUIRED.to_owned());
        }
        let entry = values.entry(input.block_id).or_insert_with(|| json!({}));
        entry[input.action_id] = state;
    }
    (Value::Object(values), errors)
}
