//! Names and e-mail addresses of the people in a nomination.

use serde::{Deserialize, Serialize};
use std::fmt;
use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;
use validator::ValidateEmail;

use crate::intake::Problem;

/// Counts what a reader sees as one character: "é" written as e + accent is one.
pub(crate) fn grapheme_count(text: &str) -> usize {
    text.graphemes(true).count()
}

/// The bidirectional embedding, override and isolate controls
/// (U+202A–U+202E, U+2066–U+2069): they make a mail subject or a Slack card
/// show text in another order than it was written (`"\u{202e}evil"`).
fn is_direction_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters that show nothing by themselves: zero-width spaces and
/// joiners, word joiners and invisible operators, the byte-order mark, the
/// soft hyphen, the combining grapheme joiner and the Hangul fillers.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{3164}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Trimmed text of `min..=max` graphemes, normalised to NFC, with no control
/// characters (line breaks allowed only where `multiline`), no direction
/// controls and at least one visible character.
///
/// NFC: "é" typed as one character or as e + accent is stored, compared and
/// shown the same way.
pub(crate) fn parse_text(raw: &str, min: usize, max: usize, multiline: bool) -> Result<String, Problem> {
    let text: String = raw.trim().nfc().collect();
    if text.is_empty() {
        return Err(Problem::Missing);
    }
    let forbidden = |c: char| c.is_control() && !(multiline && (c == '\n' || c == '\r' || c == '\t'));
    if text.chars().any(forbidden) {
        return Err(Problem::ControlCharacters);
    }
    if text.chars().any(is_direction_control) {
        return Err(Problem::DirectionControls);
    }
    if text.chars().all(is_invisible) {
        return Err(Problem::NothingVisible);
    }
    let length = grapheme_count(&text);
    if length < min {
        return Err(Problem::TooShort { min });
    }
    if length > max {
        return Err(Problem::TooLong { max });
    }
    Ok(text)
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

    /// An address SES can deliver to. Refused: a local part (before the `@`)
    /// that is not ASCII (SES sends only ASCII local parts), a domain that is
    /// an IP literal (`x@[10.0.0.1]`) or all digits, a domain without a dot.
    /// An internationalised domain is stored in its ASCII (IDNA) form:
    /// `x@bücher.de` becomes `x@xn--bcher-kva.de`.
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let address = raw.trim();
        if address.is_empty() {
            return Err(Problem::Missing);
        }
        if address.len() > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        let Some((local, domain)) = address.rsplit_once('@') else {
            return Err(Problem::InvalidEmail);
        };
        if local.is_empty() || domain.is_empty() {
            return Err(Problem::InvalidEmail);
        }
        if !local.is_ascii() || domain.starts_with('[') {
            return Err(Problem::UndeliverableEmail);
        }
        let domain = match domain.is_ascii() {
            true => domain.to_owned(),
            false => idna::domain_to_ascii(domain).map_err(|_| Problem::InvalidEmail)?,
        };
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 || labels.iter().any(|label| label.is_empty()) {
            return Err(Problem::UndeliverableEmail);
        }
        if labels.iter().all(|label| label.bytes().all(|b| b.is_ascii_digit())) {
            return Err(Problem::UndeliverableEmail);
        }
        let address = format!("{local}@{domain}");
        if address.len() > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        if !address.validate_email() {
            return Err(Problem::InvalidEmail);
        }
        Ok(Self(address))
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

    #[test]
    fn addresses_ses_cannot_send_to_are_refused_and_international_domains_become_ascii() {
        let cases: &[(&str, Result<&str, Problem>, &str)] = &[
            ("lucia@example.org", Ok("lucia@example.org"), "a plain address"),
            (
                " x@bücher.de ",
                Ok("x@xn--bcher-kva.de"),
                "an IDN domain in its ASCII form",
            ),
            ("ana@BÜCHER.de", Ok("ana@xn--bcher-kva.de"), "IDNA folds case"),
            (
                "x@例え.テスト",
                Ok("x@xn--r8jz45g.xn--zckzah"),
                "a domain in another script",
            ),
            (
                "lucía@example.org",
                Err(Problem::UndeliverableEmail),
                "a non-ASCII local part",
            ),
            ("x@[10.0.0.1]", Err(Problem::UndeliverableEmail), "an IPv4 literal"),
            (
                "x@[IPv6:2001:db8::1]",
                Err(Problem::UndeliverableEmail),
                "an IPv6 literal",
            ),
            (
                "x@10.0.0.1",
                Err(Problem::UndeliverableEmail),
                "an IP address without brackets",
            ),
            (
                "x@localhost",
                Err(Problem::UndeliverableEmail),
                "a domain without a dot",
            ),
            ("x@example.", Err(Problem::UndeliverableEmail), "an empty last label"),
            (
                "x@exa\u{202e}mple.org",
                Err(Problem::InvalidEmail),
                "a direction control in the domain",
            ),
        ];
        for (raw, expected, case) in cases {
            let parsed = EmailAddress::parse(raw);
            assert_eq!(
                parsed.as_ref().map(EmailAddress::as_str).map_err(|p| *p),
                *expected,
                "{case}: {raw:?}"
            );
        }
    }

    #[test]
    fn names_that_cannot_be_displayed_as_written_are_refused() {
        let cases: &[(&str, Problem, &str)] = &[
            (
                "\u{202e}evil\u{202c}",
                Problem::DirectionControls,
                "right-to-left override",
            ),
            ("Ana\u{202a}", Problem::DirectionControls, "left-to-right embedding"),
            ("Ana\u{2066}x\u{2069}", Problem::DirectionControls, "an isolate"),
            ("\u{200b}", Problem::NothingVisible, "a zero-width space only"),
            (
                "\u{200b}\u{200d}\u{feff}\u{2060}",
                Problem::NothingVisible,
                "zero-width characters only",
            ),
            ("\u{3164}", Problem::NothingVisible, "a Hangul filler"),
            ("Ana\u{0007}", Problem::ControlCharacters, "a bell"),
        ];
        for (raw, problem, case) in cases {
            assert_eq!(PersonName::parse(raw), Err(*problem), "{case}");
        }
        assert!(
            PersonName::parse("محمد علي").is_ok(),
            "right-to-left scripts are welcome"
        );
        assert!(
            PersonName::parse("Ana\u{200d}María").is_ok(),
            "a joiner inside visible text"
        );
    }

    #[test]
    fn names_and_free_text_are_stored_in_nfc() {
        let decomposed = PersonName::parse("Jose\u{301}").unwrap();
        assert_eq!(decomposed.as_str(), "Jos\u{e9}");
        assert_eq!(decomposed, PersonName::parse("Jos\u{e9}").unwrap());
        let rationale = parse_text(&format!("{}e\u{301}", "x".repeat(60)), 50, 5_000, true).unwrap();
        assert!(rationale.ends_with('\u{e9}'));
        assert_eq!(
            parse_text("\u{202e}gnirts\n", 1, 100, true),
            Err(Problem::DirectionControls),
            "free text too"
        );
    }
}
