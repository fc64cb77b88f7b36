//! An open modal as an HTML form: its input blocks as fields that post
//! back under the names `state_values` reads, filled with what was last
//! submitted, and the errors the system answered beside them.

use std::fmt::Write as _;

use serde_json::Value;

use super::text::{esc, plain, text_object};
use super::{hidden, render_block};
use crate::slack_standin::blocks::{InputBlock, block_id, option_value, options};
use crate::slack_standin::state::Modal;

pub(super) fn render_modal(out: &mut String, modal: &Modal, user: &str) {
    let view = &modal.view;
    let blocks = view
        .get("blocks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let _ = write!(
        out,
        "<div class=\"overlay\"><form class=\"modal\" method=\"post\" action=\"/submit-view\">{}{}<h2>{}</h2>\
         <div class=\"modal-body\">",
        hidden("as", user),
        hidden("view_id", &modal.id),
        text_object(view.get("title"))
    );
    // Errors for blocks that are not inputs of this view still deserve to be seen.
    let input_ids: Vec<String> = blocks
        .iter()
        .enumerate()
        .filter(|(_, block)| block.get("type").and_then(Value::as_str) == Some("input"))
        .map(|(index, block)| block_id(block, index))
        .collect();
    for (block, error) in &modal.errors {
        if !input_ids.contains(block) {
            let _ = write!(
                out,
                "<div class=\"error\" role=\"alert\">{}: {}</div>",
                esc(block),
                esc(error)
            );
        }
    }
    for (index, block) in blocks.iter().enumerate() {
        if block.get("type").and_then(Value::as_str) == Some("input") {
            render_input(out, modal, block, index);
        } else {
            render_block(out, block, index, None);
        }
    }
    out.push_str("</div><div class=\"modal-buttons\">");
    if view.get("submit").is_some() || !input_ids.is_empty() {
        let submit = view
            .get("submit")
            .map_or_else(|| "Submit".to_owned(), |text| text_object(Some(text)));
        let _ = write!(out, "<button type=\"submit\" class=\"primary\">{submit}</button>");
    }
    let close = view
        .get("close")
        .map_or_else(|| "Cancel".to_owned(), |text| text_object(Some(text)));
    let _ = write!(
        out,
        "<button type=\"submit\" name=\"_close\" value=\"1\" formnovalidate>{close}</button>"
    );
    out.push_str("</div></form></div>");
}

fn render_input(out: &mut String, modal: &Modal, block: &Value, index: usize) {
    let Some(input) = InputBlock::read(block, index) else {
        return;
    };
    let (element, kind, field, optional) = (input.element, input.kind, &input.field, input.optional);
    let required = if optional { "" } else { " required" };
    let error = modal.errors.get(&input.block_id);
    // What was last submitted, if anything was; else the element's initial state.
    let submitted = modal
        .values
        .get(&input.block_id)
        .and_then(|values| values.get(&input.action_id));

    let _ = write!(
        out,
        "<div class=\"input{}\">",
        if error.is_some() { " has-error" } else { "" }
    );
    let label_tag = if matches!(kind, "checkboxes" | "radio_buttons") {
        "div class=\"label\""
    } else {
        "label"
    };
    let _ = write!(out, "<{label_tag} for=\"{field}\">{}", text_object(block.get("label")));
    if optional {
        out.push_str(" <span class=\"optional\">(optional)</span>");
    }
    let _ = write!(out, "</{}>", if label_tag == "label" { "label" } else { "div" });

    let placeholder = element
        .pointer("/placeholder/text")
        .and_then(Value::as_str)
        .map_or_else(String::new, |text| format!(" placeholder=\"{}\"", esc(text)));
    match kind {
        "plain_text_input" | "email_text_input" | "url_text_input" | "number_input" => {
            let value = match submitted {
                Some(state) => state.get("value").and_then(Value::as_str).unwrap_or_default(),
                None => element.get("initial_value").and_then(Value::as_str).unwrap_or_default(),
            };
            let max_length = element
                .get("max_length")
                .and_then(Value::as_u64)
                .map_or_else(String::new, |max| format!(" maxlength=\"{max}\""));
            if kind == "plain_text_input" && element.get("multiline").and_then(Value::as_bool) == Some(true) {
                let _ = write!(
                    out,
                    "<textarea id=\"{field}\" name=\"{field}\" rows=\"5\"{placeholder}{max_length}{required}>{}</textarea>",
                    esc(value)
                );
            } else {
                let input_type = match kind {
                    "email_text_input" => "email",
                    "url_text_input" => "url",
                    "number_input" => "number",
                    _ => "text",
                };
                let _ = write!(
                    out,
                    "<input type=\"{input_type}\" id=\"{field}\" name=\"{field}\" value=\"{}\"{placeholder}{max_length}{required}>",
                    esc(value)
                );
            }
        }
        "static_select" => {
            let chosen = chosen_value(submitted, element);
            let _ = write!(
                out,
                "<select id=\"{field}\" name=\"{field}\"{required}><option value=\"\">Choose…</option>"
            );
            let groups = element.get("option_groups").and_then(Value::as_array);
            match groups {
                Some(groups) => {
                    for group in groups {
                        let _ = write!(out, "<optgroup label=\"{}\">", esc(&plain(group.get("label"))));
                        for option in group.get("options").and_then(Value::as_array).into_iter().flatten() {
                            render_option(out, option, chosen.as_deref());
                        }
                        out.push_str("</optgroup>");
                    }
                }
                None => {
                    for option in options(element) {
                        render_option(out, option, chosen.as_deref());
                    }
                }
            }
            out.push_str("</select>");
        }
        "radio_buttons" => {
            let chosen = chosen_value(submitted, element);
            out.push_str("<fieldset>");
            for option in options(element) {
                let checked = chosen.as_deref() == Some(option_value(option));
                render_choice(out, "radio", field, option, checked, required);
            }
            out.push_str("</fieldset>");
        }
        "checkboxes" => {
            let chosen: Vec<String> = match submitted {
                Some(state) => values_of(state.get("selected_options")),
                None => values_of(element.get("initial_options")),
            };
            out.push_str("<fieldset>");
            for option in options(element) {
                let checked = chosen.iter().any(|chosen| chosen == option_value(option));
                // A browser would demand every box of a required group be ticked;
                // Slack asks for one, which the submission checks.
                render_choice(out, "checkbox", field, option, checked, "");
            }
            out.push_str("</fieldset>");
        }
        other => {
            let _ = write!(
                out,
                "<div class=\"unsupported\">[{}: not shown by the stand-in]</div>",
                esc(other)
            );
        }
    }
    if let Some(hint) = block.get("hint") {
        let _ = write!(out, "<div class=\"hint\">{}</div>", text_object(Some(hint)));
    }
    if let Some(error) = error {
        let _ = write!(out, "<div class=\"error\" role=\"alert\">⚠ {}</div>", esc(error));
    }
    out.push_str("</div>");
}

/// One radio button or checkbox with its label.
fn render_choice(out: &mut String, input_type: &str, field: &str, option: &Value, checked: bool, required: &str) {
    let checked = if checked { " checked" } else { "" };
    let _ = write!(
        out,
        "<label><input type=\"{input_type}\" name=\"{field}\" value=\"{}\"{checked}{required}> {}{}</label>",
        esc(option_value(option)),
        text_object(option.get("text")),
        description(option)
    );
}

fn render_option(out: &mut String, option: &Value, chosen: Option<&str>) {
    let value = option_value(option);
    let selected = if chosen == Some(value) { " selected" } else { "" };
    let _ = write!(
        out,
        "<option value=\"{}\"{selected}>{}</option>",
        esc(value),
        esc(&plain(option.get("text")))
    );
}

fn chosen_value(submitted: Option<&Value>, element: &Value) -> Option<String> {
    let option = match submitted {
        Some(state) => state.get("selected_option"),
        None => element.get("initial_option"),
    };
    option
        .and_then(|option| option.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
}

fn values_of(options: Option<&Value>) -> Vec<String> {
    options
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|option| option_value(option).to_owned())
        .collect()
}

fn description(option: &Value) -> String {
    option.get("description").map_or_else(String::new, |text| {
        format!(" <small>{}</small>", text_object(Some(text)))
    })
}
