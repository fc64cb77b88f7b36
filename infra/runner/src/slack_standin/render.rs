//! The stand-in's page: server-rendered HTML, no external assets, no script.
//! Every piece of text is escaped; mrkdwn gets bold, italics, strike, code,
//! safe links and line breaks, never raw HTML (`text`). A modal is a form
//! over the page (`modal`).

mod modal;
mod text;

use std::fmt::Write as _;

use serde_json::Value;

use super::StoredMessage;
use super::blocks::{action_id, block_id, interactive_elements};
use super::page::{ChannelView, PageData};
use super::state::{Ephemeral, NoticeKind};
use modal::render_modal;
pub(crate) use text::esc;
use text::{is_safe_url, mrkdwn, text_object};

const CSS: &str = "
body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;background:#f4f2f4;color:#1d1c1d}
header.top{background:#3f0e40;color:#fff;padding:10px 16px;display:flex;flex-wrap:wrap;gap:8px;align-items:center}
header.top h1{font-size:16px;margin:0 16px 0 0}
header.top a{color:#fff;background:#5c2c5d;padding:3px 9px;border-radius:12px;text-decoration:none}
header.top a.current{background:#fff;color:#3f0e40;font-weight:bold}
.notices{margin:10px 16px}
.notice{background:#fff8d6;border:1px solid #e8c84a;border-radius:6px;padding:6px 10px;margin:4px 0;white-space:pre-wrap}
.notice.error{background:#fde8e8;border-color:#d33}
.notices form{display:inline}
main.channels{display:flex;gap:16px;padding:16px;align-items:flex-start}
section.channel{flex:1;min-width:0;background:#fff;border-radius:8px;box-shadow:0 1px 3px #0002}
section.channel>h2{margin:0;padding:10px 14px;border-bottom:1px solid #ddd;font-size:16px}
.empty{color:#888;padding:14px}
article.msg{padding:10px 14px;border-bottom:1px solid #eee}
article.msg.ephemeral{background:#fff8d6}
.meta{color:#616061;font-size:12px;margin-bottom:4px}
.meta b{color:#1d1c1d;font-size:14px}
.app{background:#ddd;border-radius:3px;padding:0 3px;font-size:10px;margin-left:4px}
.edited{color:#888;font-size:11px}
.thread{margin:8px 0 0 18px;border-left:3px solid #ddd;padding-left:6px}
.thread article.msg{border-bottom:none;padding:6px 8px}
h3.header{font-size:17px;margin:4px 0}
.section{display:flex;gap:10px;margin:4px 0}
.section-body{flex:1}
.fields{display:grid;grid-template-columns:1fr 1fr;gap:4px 16px;margin-top:4px}
.context{color:#616061;font-size:12px;margin:4px 0}
.context>span{margin-right:8px}
.actions{display:flex;flex-wrap:wrap;gap:6px;margin:6px 0}
.actions form,.section form{margin:0}
button,a.button{font:inherit;font-weight:bold;border:1px solid #bbb;background:#fff;border-radius:4px;padding:4px 12px;cursor:pointer;color:#1d1c1d;text-decoration:none;display:inline-block}
button.primary,a.button.primary{background:#007a5a;border-color:#007a5a;color:#fff}
button.danger,a.button.danger{background:#e01e5a;border-color:#e01e5a;color:#fff}
button:disabled{opacity:.5;cursor:default}
.unsupported{color:#a00;font-style:italic}
code{background:#f0f0f0;border:1px solid #ddd;border-radius:3px;padding:0 3px}
.mention{background:#e8f5fa;color:#1264a3;border-radius:3px;padding:0 2px}
.overlay{position:fixed;inset:0;background:#0007;display:flex;align-items:flex-start;justify-content:center;overflow:auto}
form.modal{background:#fff;border-radius:8px;margin:40px 16px;width:540px;max-width:100%;box-shadow:0 8px 30px #0005}
form.modal>h2{margin:0;padding:14px 18px;border-bottom:1px solid #ddd;font-size:18px}
.modal-body{padding:10px 18px}
.input{margin:10px 0}
.input>label,.input>.label{display:block;font-weight:bold;margin-bottom:4px}
.optional{color:#888;font-weight:normal}
.input input[type=text],.input input[type=email],.input input[type=url],.input input[type=number],.input textarea,.input select{width:100%;box-sizing:border-box;font:inherit;padding:6px;border:1px solid #bbb;border-radius:4px}
.input fieldset{border:none;margin:0;padding:0}
.input fieldset label{display:block;font-weight:normal}
.hint{color:#616061;font-size:12px;margin-top:2px}
.input.has-error input,.input.has-error textarea,.input.has-error select{border-color:#d33}
.error{color:#d33;font-size:13px;margin-top:3px}
.modal-buttons{display:flex;flex-direction:row-reverse;gap:8px;padding:12px 18px;border-top:1px solid #ddd}
";

/// Where a button posts: the user clicking, the channel and the message ts.
struct ClickTarget<'a> {
    user: &'a str,
    channel: &'a str,
    ts: &'a str,
}

pub(super) fn page(data: &PageData) -> String {
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    // No refresh while a modal is open: it would wipe what is being typed.
    if data.modal.is_none() {
        out.push_str("<meta http-equiv=\"refresh\" content=\"3\">");
    }
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    out.push_str("<title>Slack stand-in · ILN Nominations</title><style>");
    out.push_str(CSS);
    out.push_str("</style></head><body>");

    let user = data.current.as_ref().map(|user| user.id.as_str());
    out.push_str("<header class=\"top\"><h1>Slack stand-in</h1><span>Acting as:</span>");
    if data.users.is_empty() {
        out.push_str("<span>(no users configured)</span>");
    }
    for candidate in &data.users {
        let class = if Some(candidate.id.as_str()) == user {
            " class=\"current\""
        } else {
            ""
        };
        let href = format!(
            "/?{}",
            url::form_urlencoded::Serializer::new(String::new())
                .append_pair("as", &candidate.id)
                .finish()
        );
        let _ = write!(out, "<a href=\"{}\"{class}>{}</a>", esc(&href), esc(&candidate.name));
    }
    out.push_str("</header>");

    if let Some(user) = user.filter(|_| !data.notices.is_empty()) {
        out.push_str("<div class=\"notices\">");
        for notice in data.notices.iter().rev() {
            let class = if notice.kind == NoticeKind::Error {
                "notice error"
            } else {
                "notice"
            };
            let _ = write!(
                out,
                "<div class=\"{class}\">{} · {}</div>",
                esc(&notice.at),
                esc(&notice.text)
            );
        }
        let _ = write!(
            out,
            "<form method=\"post\" action=\"/clear-notices\">{}<button type=\"submit\">Clear notices</button></form>",
            hidden("as", user)
        );
        out.push_str("</div>");
    }

    out.push_str("<main class=\"channels\">");
    for channel in &data.channels {
        render_channel(&mut out, channel, user);
    }
    out.push_str("</main>");

    if let (Some(modal), Some(user)) = (&data.modal, user) {
        render_modal(&mut out, modal, user);
    }
    out.push_str("</body></html>\n");
    out
}

fn render_channel(out: &mut String, channel: &ChannelView, user: Option<&str>) {
    let _ = write!(out, "<section class=\"channel\"><h2>{}</h2>", esc(channel.title));
    if channel.messages.is_empty() && channel.ephemerals.is_empty() {
        out.push_str("<div class=\"empty\">No messages yet.</div>");
    }
    // Messages and this user's ephemeral messages, in the order they came.
    let mut messages = channel.messages.iter().peekable();
    let mut ephemerals = channel.ephemerals.iter().peekable();
    loop {
        let ephemeral_first = match (messages.peek(), ephemerals.peek()) {
            (None, None) => break,
            (Some(message), Some(ephemeral)) => ephemeral.ts < message.ts,
            (None, Some(_)) => true,
            (Some(_), None) => false,
        };
        if ephemeral_first {
            if let Some(ephemeral) = ephemerals.next() {
                render_ephemeral(out, ephemeral);
            }
        } else if let Some(message) = messages.next() {
            render_message(out, message, &channel.id, user);
        }
    }
    out.push_str("</section>");
}

/// A message's part of its Slack permalink (`p` and the timestamp without
/// its point): the page's anchor for it.
pub(super) fn permalink_anchor(ts: &str) -> String {
    format!("p{}", ts.replace('.', ""))
}

fn render_message(out: &mut String, message: &StoredMessage, channel: &str, user: Option<&str>) {
    let _ = write!(
        out,
        "<article class=\"msg\" id=\"{}\"><div class=\"meta\"><b>ILN Nominations</b><span class=\"app\">APP</span> {}",
        esc(&permalink_anchor(&message.ts)),
        esc(&time_of(&message.ts))
    );
    if message.edited {
        out.push_str(" <span class=\"edited\">(edited)</span>");
    }
    out.push_str("</div>");
    let target = user.map(|user| ClickTarget {
        user,
        channel,
        ts: &message.ts,
    });
    render_body(out, &message.text, &message.blocks, target.as_ref());
    if !message.replies.is_empty() {
        let count = message.replies.len();
        let _ = write!(
            out,
            "<div class=\"thread\"><div class=\"meta\">{count} {}</div>",
            if count == 1 { "reply" } else { "replies" }
        );
        for reply in &message.replies {
            render_message(out, reply, channel, user);
        }
        out.push_str("</div>");
    }
    out.push_str("</article>");
}

fn render_ephemeral(out: &mut String, ephemeral: &Ephemeral) {
    let _ = write!(
        out,
        "<article class=\"msg ephemeral\"><div class=\"meta\"><b>ILN Nominations</b> {} · Only visible to you</div>",
        esc(&time_of(&ephemeral.ts))
    );
    render_body(out, &ephemeral.text, &ephemeral.blocks, None);
    out.push_str("</article>");
}

/// The blocks when there are any, else the text as mrkdwn (as Slack shows it).
fn render_body(out: &mut String, text: &str, blocks: &Value, target: Option<&ClickTarget<'_>>) {
    match blocks.as_array() {
        Some(blocks) if !blocks.is_empty() => {
            for (index, block) in blocks.iter().enumerate() {
                render_block(out, block, index, target);
            }
        }
        _ => {
            let _ = write!(out, "<div class=\"text\">{}</div>", mrkdwn(text));
        }
    }
}

fn render_block(out: &mut String, block: &Value, index: usize, target: Option<&ClickTarget<'_>>) {
    let kind = block.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "header" => {
            let _ = write!(out, "<h3 class=\"header\">{}</h3>", text_object(block.get("text")));
        }
        "section" => {
            out.push_str("<div class=\"section\"><div class=\"section-body\">");
            if let Some(text) = block.get("text") {
                let _ = write!(out, "<div>{}</div>", text_object(Some(text)));
            }
            if let Some(fields) = block.get("fields").and_then(Value::as_array) {
                out.push_str("<div class=\"fields\">");
                for field in fields {
                    let _ = write!(out, "<div>{}</div>", text_object(Some(field)));
                }
                out.push_str("</div>");
            }
            out.push_str("</div>");
            for (position, element) in interactive_elements(block) {
                render_element(out, element, block, index, position, target);
            }
            out.push_str("</div>");
        }
        "context" => {
            out.push_str("<div class=\"context\">");
            for element in block.get("elements").and_then(Value::as_array).into_iter().flatten() {
                match element.get("type").and_then(Value::as_str) {
                    Some("image") => {
                        let alt = element.get("alt_text").and_then(Value::as_str).unwrap_or("image");
                        let _ = write!(out, "<span>[{}]</span>", esc(alt));
                    }
                    _ => {
                        let _ = write!(out, "<span>{}</span>", text_object(Some(element)));
                    }
                }
            }
            out.push_str("</div>");
        }
        "divider" => out.push_str("<hr>"),
        "actions" => {
            out.push_str("<div class=\"actions\">");
            for (position, element) in interactive_elements(block) {
                render_element(out, element, block, index, position, target);
            }
            out.push_str("</div>");
        }
        "image" => {
            let alt = block.get("alt_text").and_then(Value::as_str).unwrap_or("image");
            let _ = write!(out, "<div class=\"context\">[image: {}]</div>", esc(alt));
        }
        other => {
            let _ = write!(
                out,
                "<div class=\"unsupported\">[{} block: not shown by the stand-in]</div>",
                esc(other)
            );
        }
    }
}

fn render_element(
    out: &mut String,
    element: &Value,
    block: &Value,
    block_index: usize,
    position: usize,
    target: Option<&ClickTarget<'_>>,
) {
    let kind = element.get("type").and_then(Value::as_str).unwrap_or_default();
    match kind {
        "button" => {
            let text = text_object(element.get("text"));
            let class = match element.get("style").and_then(Value::as_str) {
                Some("primary") => "primary",
                Some("danger") => "danger",
                _ => "",
            };
            let link = element
                .get("url")
                .and_then(Value::as_str)
                .filter(|url| is_safe_url(url));
            match (link, target) {
                (Some(url), _) => {
                    let _ = write!(
                        out,
                        "<a class=\"button {class}\" href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{text} ↗</a>",
                        esc(url)
                    );
                }
                (None, Some(target)) => {
                    let _ = write!(
                        out,
                        "<form method=\"post\" action=\"/click\">{}{}{}{}{}{}{}\
                         <button type=\"submit\" class=\"{class}\">{text}</button></form>",
                        hidden("as", target.user),
                        hidden("channel", target.channel),
                        hidden("ts", target.ts),
                        hidden("block_id", &block_id(block, block_index)),
                        hidden("action_id", &action_id(element, block_index, position)),
                        hidden(
                            "value",
                            element.get("value").and_then(Value::as_str).unwrap_or_default()
                        ),
                        hidden(
                            "text",
                            element
                                .pointer("/text/text")
                                .and_then(Value::as_str)
                                .unwrap_or_default()
                        ),
                    );
                }
                (None, None) => {
                    let _ = write!(
                        out,
                        "<button type=\"button\" class=\"{class}\" disabled>{text}</button>"
                    );
                }
            }
        }
        "image" => {
            let alt = element.get("alt_text").and_then(Value::as_str).unwrap_or("image");
            let _ = write!(out, "<span class=\"context\">[{}]</span>", esc(alt));
        }
        other => {
            let _ = write!(
                out,
                "<span class=\"unsupported\">[{}: not shown by the stand-in]</span>",
                esc(other)
            );
        }
    }
}

fn hidden(name: &str, value: &str) -> String {
    format!(
        "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
        esc(name),
        esc(value)
    )
}

/// `HH:MM:SS` (UTC) of a Slack ts.
fn time_of(ts: &str) -> String {
    ts.split('.')
        .next()
        .and_then(|seconds| seconds.parse::<i64>().ok())
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .map_or_else(|| ts.to_owned(), |time| time.format("%H:%M:%S UTC").to_string())
}
