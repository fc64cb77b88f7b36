//! Text objects and Slack mrkdwn as HTML, escaped.

use std::fmt::Write as _;

use serde_json::Value;

/// The text of a text object, unformatted.
pub(super) fn plain(text: Option<&Value>) -> String {
    text.and_then(|text| text.get("text"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}

/// A text object as HTML: mrkdwn rendered, plain text escaped.
pub(super) fn text_object(text: Option<&Value>) -> String {
    let Some(text) = text else {
        return String::new();
    };
    let content = text.get("text").and_then(Value::as_str).unwrap_or_default();
    match text.get("type").and_then(Value::as_str) {
        Some("mrkdwn") => mrkdwn(content),
        _ => esc(content).replace('\n', "<br>"),
    }
}

/// Escapes text for HTML content and quoted attribute values.
pub(crate) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn is_safe_url(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("mailto:")
}

/// Slack mrkdwn as HTML: `<url|label>` links, mentions, `*bold*`, `_italic_`,
/// `~strike~`, `` `code` `` and line breaks. Anything else is shown as text.
pub(super) fn mrkdwn(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        styled(&mut out, &rest[..start]);
        let after = &rest[start + 1..];
        match after.find(['<', '>', '\n']) {
            Some(end) if after.as_bytes()[end] == b'>' => {
                special(&mut out, &after[..end]);
                rest = &after[end + 1..];
            }
            _ => {
                out.push_str("&lt;");
                rest = after;
            }
        }
    }
    styled(&mut out, rest);
    out
}

/// The inside of `<…>`: a link, a mention, or (when neither) the text as it was.
fn special(out: &mut String, inner: &str) {
    let (target, label) = inner.split_once('|').unwrap_or((inner, ""));
    let target = decode_entities(target);
    if is_safe_url(&target) {
        let label = if label.is_empty() {
            esc(&target)
        } else {
            styled_string(label)
        };
        let _ = write!(
            out,
            "<a href=\"{}\" target=\"_blank\" rel=\"noopener noreferrer\">{label}</a>",
            esc(&target)
        );
    } else if let Some(mention) = target.strip_prefix('@').or_else(|| target.strip_prefix('!')) {
        let shown = if label.is_empty() {
            mention.to_owned()
        } else {
            decode_entities(label)
        };
        let _ = write!(out, "<span class=\"mention\">@{}</span>", esc(&shown));
    } else if let Some(channel) = target.strip_prefix('#') {
        let shown = if label.is_empty() {
            channel.to_owned()
        } else {
            decode_entities(label)
        };
        let _ = write!(out, "<span class=\"mention\">#{}</span>", esc(&shown));
    } else {
        let _ = write!(out, "&lt;{}&gt;", esc(&decode_entities(inner)));
    }
}

/// Slack's own escaping of `&`, `<` and `>` in message text, undone.
fn decode_entities(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

fn styled_string(text: &str) -> String {
    let mut out = String::new();
    styled(&mut out, text);
    out
}

/// Plain mrkdwn text (no `<…>`): escaped, then emphasis and line breaks.
fn styled(out: &mut String, text: &str) {
    if text.is_empty() {
        return;
    }
    let mut html = esc(&decode_entities(text));
    for (delimiter, tag) in [('`', "code"), ('*', "b"), ('_', "i"), ('~', "s")] {
        html = emphasis(&html, delimiter, tag);
    }
    out.push_str(&html.replace('\n', "<br>"));
}

/// Wraps `d…d` spans in `tag` where the delimiters stand at word boundaries.
fn emphasis(text: &str, delimiter: char, tag: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut previous: Option<char> = None;
    while let Some(open) = rest.find(delimiter) {
        let before = rest[..open].chars().next_back().or(previous);
        let after = &rest[open + 1..];
        let opens = before.is_none_or(|c| !c.is_alphanumeric());
        let close = after.find(delimiter).filter(|&close| {
            let inner = &after[..close];
            let next = after[close + 1..].chars().next();
            !inner.is_empty()
                && !inner.contains('\n')
                && !inner.starts_with(' ')
                && !inner.ends_with(' ')
                && next.is_none_or(|c| !c.is_alphanumeric())
        });
        match close {
            Some(close) if opens => {
                out.push_str(&rest[..open]);
                let _ = write!(out, "<{tag}>{}</{tag}>", &after[..close]);
                previous = Some(delimiter);
                rest = &after[close + 1..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                previous = Some(delimiter);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mrkdwn_renders_bold_links_and_line_breaks_and_escapes_the_rest() {
        assert_eq!(mrkdwn("*Nominee:* Ana"), "<b>Nominee:</b> Ana");
        assert_eq!(mrkdwn("a\nb"), "a<br>b");
        assert_eq!(mrkdwn("snake_case_name"), "snake_case_name");
        assert_eq!(
            mrkdwn("<https://example.org/v?a=1&amp;b=2|Open>"),
            "<a href=\"https://example.org/v?a=1&amp;b=2\" target=\"_blank\" rel=\"noopener noreferrer\">Open</a>"
        );
        assert_eq!(mrkdwn("<javascript:alert(1)|x>"), "&lt;javascript:alert(1)|x&gt;");
        assert_eq!(mrkdwn("<@U0VETTER>"), "<span class=\"mention\">@U0VETTER</span>");
        assert_eq!(mrkdwn("a &lt;b&gt; & c"), "a &lt;b&gt; &amp; c");
        assert_eq!(mrkdwn("<b>bold</b>"), "&lt;b&gt;bold&lt;/b&gt;");
        assert_eq!(mrkdwn("x < y"), "x &lt; y");
    }
}
