//! The language a channel is written in, and how a text reads in it: in
//! English, in Spanish, or in both (each text in English, then in Spanish).

use std::fmt;

use super::Channel;
use crate::i18n::Language;

/// What `SlackIlnLanguage` and `SlackVettingLanguage` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChannelLanguage {
    #[default]
    En,
    Es,
    /// Every text in English, then in Spanish.
    Both,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a channel's language is `en`, `es` or `both`, not {0:?}")]
pub struct UnknownChannelLanguage(pub String);

impl ChannelLanguage {
    pub fn parse(raw: &str) -> Result<Self, UnknownChannelLanguage> {
        match raw.trim().to_ascii_lowercase().as_str() {
            "en" => Ok(Self::En),
            "es" => Ok(Self::Es),
            "both" => Ok(Self::Both),
            _ => Err(UnknownChannelLanguage(raw.to_owned())),
        }
    }

    /// The languages its texts are written in, in order.
    pub fn languages(self) -> &'static [Language] {
        match self {
            Self::En => &[Language::En],
            Self::Es => &[Language::Es],
            Self::Both => &[Language::En, Language::Es],
        }
    }

    /// The one language of what cannot be bilingual (a modal's 24-character
    /// title) and of private replies when Slack does not give the user's.
    pub fn primary(self) -> Language {
        self.languages()[0]
    }

    /// The language of a private reply to someone in this channel: theirs
    /// when Slack gives it, else the channel's first.
    pub fn reply_in(self, user: Option<Language>) -> Language {
        user.unwrap_or(self.primary())
    }

    /// `render` in each of the channel's languages, joined by `separator`.
    pub fn each(self, separator: &str, render: impl Fn(Language) -> String) -> String {
        self.languages()
            .iter()
            .map(|language| render(*language))
            .collect::<Vec<_>>()
            .join(separator)
    }

    /// A short label (a field's name, a button): `Nominee / Persona nominada`.
    pub fn label(self, key: &str) -> String {
        self.each(" / ", |language| language.slack_text(key, &[]))
    }

    /// A sentence or paragraph, one language a line.
    pub fn lines(self, key: &str, values: &[(&str, &str)]) -> String {
        self.each("\n", |language| language.slack_text(key, values))
    }
}

impl fmt::Display for ChannelLanguage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::En => "en",
            Self::Es => "es",
            Self::Both => "both",
        })
    }
}

/// The language of each of the two channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ChannelLanguages {
    pub vetting: ChannelLanguage,
    pub iln: ChannelLanguage,
}

impl ChannelLanguages {
    pub fn of(&self, channel: Channel) -> ChannelLanguage {
        match channel {
            Channel::Vetting => self.vetting,
            Channel::Iln => self.iln,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_channel_language_is_en_es_or_both() {
        assert_eq!(ChannelLanguage::parse("es"), Ok(ChannelLanguage::Es));
        assert_eq!(ChannelLanguage::parse(" Both "), Ok(ChannelLanguage::Both));
        assert_eq!(ChannelLanguage::parse("en"), Ok(ChannelLanguage::En));
        for wrong in ["", "fr", "en,es"] {
            assert!(ChannelLanguage::parse(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn both_reads_english_then_spanish_and_replies_in_the_users_language_first() {
        assert_eq!(
            ChannelLanguage::Both.label("card.nominee"),
            "Nominee / Persona nominada"
        );
        assert_eq!(
            ChannelLanguage::Both.lines("discussion.confirmations", &[("count", "1"), ("needed", "2")]),
            "Confirmations: 1 of 2\nConfirmaciones: 1 de 2"
        );
        assert_eq!(ChannelLanguage::Both.reply_in(None), Language::En);
        assert_eq!(ChannelLanguage::Both.reply_in(Some(Language::Es)), Language::Es);
        assert_eq!(ChannelLanguage::Es.reply_in(None), Language::Es);
    }
}
