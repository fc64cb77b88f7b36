//! The two working languages of the ILN and the text catalogs behind every
//! page, e-mail and Slack message.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;
use std::sync::LazyLock;

use crate::intake::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Es,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Es];

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Self::En),
            "es" => Ok(Self::Es),
            "" => Err(Problem::Missing),
            _ => Err(Problem::UnknownChoice),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    pub fn other(self) -> Self {
        match self {
            Self::En => Self::Es,
            Self::Es => Self::En,
        }
    }

    /// The reader's language: an explicit choice (`?lang=`) wins, then the
    /// browser's `Accept-Language`, then English.
    pub fn negotiate(explicit: Option<&str>, accept_language: Option<&str>) -> Self {
        if let Some(language) = explicit.and_then(|raw| Self::parse(raw).ok()) {
            return language;
        }
        // Tags come sorted by quality; "es-MX" is Spanish too.
        accept_language
            .map(accept_language::parse)
            .unwrap_or_default()
            .iter()
            .find_map(|tag| tag.split('-').next().and_then(|primary| Self::parse(primary).ok()))
            .unwrap_or_default()
    }

    /// The whole catalog, as templates see it (`t`).
    pub fn catalog(self) -> &'static Value {
        static EN: LazyLock<Value> = LazyLock::new(|| load(include_str!("../templates/texts/en.json")));
        static ES: LazyLock<Value> = LazyLock::new(|| load(include_str!("../templates/texts/es.json")));
        match self {
            Self::En => &EN,
            Self::Es => &ES,
        }
    }

    /// One entry of the catalog by dotted key. A missing key shows the key
    /// itself, so a gap is visible rather than fatal; a test keeps the
    /// catalogs complete.
    pub fn text(self, key: &str) -> String {
        lookup(self.catalog(), key)
            .map(str::to_owned)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The catalog of every text posted in Slack (cards, notes, replies,
    /// modals), kept apart from the web's because Slack has its own markup
    /// (mrkdwn) and limits.
    pub fn slack_catalog(self) -> &'static Value {
        static EN: LazyLock<Value> = LazyLock::new(|| load(include_str!("../templates/texts/slack.en.json")));
        static ES: LazyLock<Value> = LazyLock::new(|| load(include_str!("../templates/texts/slack.es.json")));
        match self {
            Self::En => &EN,
            Self::Es => &ES,
        }
    }

    /// One Slack text by dotted key, its `{placeholders}` filled with
    /// `values`; a missing key shows the key, as `text` does.
    pub fn slack_text(self, key: &str, values: &[(&str, &str)]) -> String {
        let template = lookup(self.slack_catalog(), key).unwrap_or(key);
        values.iter().fold(template.to_owned(), |text, (name, value)| {
            text.replace(&format!("{{{name}}}"), value)
        })
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

fn load(json: &str) -> Value {
    // The catalogs are compiled in and checked by tests; a broken one is a
    // build defect, not a runtime condition.
    serde_json::from_str(json).unwrap_or(Value::Null)
}

pub(crate) fn lookup<'a>(catalog: &'a Value, key: &str) -> Option<&'a str> {
    key.split('.')
        .try_fold(catalog, |node, part| node.get(part))
        .and_then(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn key_paths(value: &Value, prefix: &str, into: &mut BTreeSet<String>) {
        if let Value::Object(map) = value {
            for (key, child) in map {
                key_paths(child, &format!("{prefix}{key}."), into);
            }
        } else {
            into.insert(prefix.trim_end_matches('.').to_owned());
        }
    }

    /// The `{placeholders}` of each text, by key.
    fn placeholders(catalog: &Value) -> BTreeSet<(String, String)> {
        let mut keys = BTreeSet::new();
        key_paths(catalog, "", &mut keys);
        keys.into_iter()
            .flat_map(|key| {
                let text = lookup(catalog, &key).unwrap_or_default();
                text.split('{')
                    .skip(1)
                    .filter_map(|rest| rest.split_once('}').map(|(name, _)| name.to_owned()))
                    .map(|name| (key.clone(), name))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    #[test]
    fn both_catalogs_parse_and_have_the_same_keys() {
        for (web_or_slack, catalog, files) in [
            (
                "web",
                Language::catalog as fn(Language) -> &'static Value,
                "en.json/es.json",
            ),
            ("slack", Language::slack_catalog, "slack.en.json/slack.es.json"),
        ] {
            let mut english = BTreeSet::new();
            let mut spanish = BTreeSet::new();
            key_paths(catalog(Language::En), "", &mut english);
            key_paths(catalog(Language::Es), "", &mut spanish);
            assert!(english.len() > 20, "the English {web_or_slack} catalog did not load");
            let only_english: Vec<_> = english.difference(&spanish).collect();
            let only_spanish: Vec<_> = spanish.difference(&english).collect();
            assert!(
                only_english.is_empty(),
                "missing in Spanish ({files}): {only_english:?}"
            );
            assert!(
                only_spanish.is_empty(),
                "missing in English ({files}): {only_spanish:?}"
            );
        }
    }

    /// A placeholder only one language has would show as `{name}` in the
    /// other, or drop a value.
    #[test]
    fn both_slack_catalogs_fill_the_same_placeholders() {
        let english = placeholders(Language::En.slack_catalog());
        let spanish = placeholders(Language::Es.slack_catalog());
        assert!(english.len() > 20, "{english:?}");
        assert_eq!(
            english.symmetric_difference(&spanish).collect::<Vec<_>>(),
            Vec::<&(String, String)>::new()
        );
    }

    #[test]
    fn a_slack_text_fills_its_placeholders_and_a_missing_key_shows_itself() {
        assert_eq!(
            Language::Es.slack_text("discussion.confirmations", &[("count", "1"), ("needed", "3")]),
            "Confirmaciones: 1 de 3"
        );
        assert_eq!(Language::En.slack_text("no.such.key", &[]), "no.such.key");
    }

    #[test]
    fn the_reader_language_is_explicit_then_browser_then_english() {
        assert_eq!(Language::negotiate(Some("es"), Some("en")), Language::Es);
        assert_eq!(Language::negotiate(Some("fr"), Some("es-MX,es;q=0.9")), Language::Es);
        assert_eq!(Language::negotiate(None, Some("de, es;q=0.5")), Language::Es);
        assert_eq!(Language::negotiate(None, Some("de")), Language::En);
        assert_eq!(Language::negotiate(None, None), Language::En);
    }
}
