//! Names and e-mail addresses of the people in a nomination.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_segmentation::UnicodeSegmentation;
use validator::ValidateEmail;

use crate::intake::Problem;

/// Counts what a reader sees as one character: "é" written as e + accent is one.
pub(crate) fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// Trimmed text of `min..=max` graphemes with no control characters
/// (line breaks allowed only where `multiline`).
pub(crate) fn parse_text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, Problem> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Problem::Missing);
    }
    let forbidden = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'));
    if text.chars().any(forbidden) {
        return Err(Problem::ControlCharacters);
    }
    let length = grapheme_count(text);
    if length < min {
        return Err(Problem::TooShort { min });
    }
    if length > max {
        return Err(Problem::TooLong { max });
    }
    Ok(text.to_owned())
}

/// A person's name as they write it, in any script: 1–200 graphemes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    pub const MAX: usize = 200;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, false).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for PersonName {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PersonName> for String {
    fn from(name: PersonName) -> Self {
        name.0
    }
}

impl fmt::Display for PersonName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail address as the person typed it. Two addresses are the same
/// person when they are equal ignoring case: people do not type case
/// consistently, and no mail provider in practice separates them.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmailAddress(String);

impl EmailAddress {
    /// RFC 5321 limit on a forward path.
    pub const MAX: usize = 254;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let address = raw.trim();
        if address.is_empty() {
            return Err(Problem::Missing);
        }
        if address.len() > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        if !address.validate_email() {
            return Err(Problem::InvalidEmail);
        }
        Ok(Self(address.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key under which this person is known: the address in lower case.
    pub fn identity(&self) -> String {
        self.0.to_lowercase()
    }
}

impl PartialEq for EmailAddress {
    fn eq(&self, other: &Self) -> bool {
        self.identity() == other.identity()
    }
}

impl Eq for EmailAddress {}

impl TryFrom<String> for EmailAddress {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<EmailAddress> for String {
    fn from(address: EmailAddress) -> Self {
        address.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_counted_in_graphemes_in_any_script() {
        assert!(PersonName::parse("李小龍").is_ok());
        assert!(PersonName::parse("  José  ").is_ok_and(|n| n.as_str() == "José"));
        let two_hundred_accented = "e\u{301}".repeat(200);
        assert!(PersonName::parse(&two_hundred_accented).is_ok());
        assert_eq!(PersonName::parse(&"a".repeat(201)), Err(Problem::TooLong { max: 200 }));
    }

    #[test]
    fn an_empty_or_control_character_name_is_refused() {
        assert_eq!(PersonName::parse("   "), Err(Problem::Missing));
        assert_eq!(PersonName::parse("Ana\u{0}"), Err(Problem::ControlCharacters));
        assert_eq!(PersonName::parse("Ana\nMaría"), Err(Problem::ControlCharacters));
    }

    #[test]
    fn addresses_are_the_same_person_ignoring_case() {
        let typed = EmailAddress::parse("Lucia@Example.ORG").unwrap();
        let again = EmailAddress::parse("lucia@example.org").unwrap();
        assert_eq!(typed, again);
        assert_eq!(typed.identity(), "lucia@example.org");
        assert_eq!(typed.as_str(), "Lucia@Example.ORG");
    }

    #[test]
    fn malformed_addresses_are_refused() {
        for raw in ["lucia", "lucia@", "@example.org", "a b@example.org"] {
            assert_eq!(EmailAddress::parse(raw), Err(Problem::InvalidEmail), "{raw}");
        }
    }
}
