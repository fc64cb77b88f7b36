//! Turning what a nominator sent into a [`Submission`], or into one precise
//! problem per field, in the reader's language.

use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

use crate::i18n::Language;
use crate::nomination::{
    Country, Link, Links, Nominator, NominatorBasis, Nominee, NomineeRole, Rationale, Region, SelfIdentification,
    Submission,
};
use crate::person::{EmailAddress, PersonName};

/// The nomination exactly as sent, by the form page or as JSON. Nothing here
/// is trusted; [`NominationForm::parse`] is the only way onward.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct NominationForm {
    #[serde(default)]
    pub nominee_name: Option<String>,
    #[serde(default)]
    pub nominee_email: Option<String>,
    #[serde(default)]
    pub nominee_country: Option<String>,
    #[serde(default)]
    pub nominee_region: Option<String>,
    #[serde(default)]
    pub nominee_role: Option<String>,
    #[serde(default)]
    pub nominator_name: Option<String>,
    #[serde(default)]
    pub nominator_email: Option<String>,
    #[serde(default)]
    pub nominator_basis: Option<String>,
    #[serde(default)]
    pub rationale: Option<String>,
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub self_identification: Option<String>,
    #[serde(default)]
    pub language: Option<String>,
    /// The language the nominee reads; the nomination's when not given.
    #[serde(default)]
    pub nominee_language: Option<String>,
    #[serde(default, deserialize_with = "ticked")]
    pub privacy_consent: bool,
    /// The nominator lets the ILN channel's card name them.
    #[serde(default, deserialize_with = "ticked")]
    pub share_name_with_iln: bool,
    /// The honeypot: a field the form hides from people, which programs
    /// that fill in every field fill in. See [`NominationForm::is_bait_taken`].
    #[serde(default)]
    pub website: Option<String>,
}

/// A yes is `true` in JSON and a ticked checkbox (`yes`, `on`) in a form.
fn ticked<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Consent {
        Flag(bool),
        Checkbox(String),
    }
    Ok(match Option::<Consent>::deserialize(deserializer)? {
        Some(Consent::Flag(flag)) => flag,
        Some(Consent::Checkbox(value)) => {
            matches!(value.trim().to_ascii_lowercase().as_str(), "yes" | "on" | "true" | "1")
        }
        None => false,
    })
}

/// A form field, named as the form and the JSON body name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    NomineeName,
    NomineeEmail,
    NomineeCountry,
    NomineeRegion,
    NomineeRole,
    NominatorName,
    NominatorEmail,
    NominatorBasis,
    Rationale,
    Links,
    SelfIdentification,
    Language,
    NomineeLanguage,
    PrivacyConsent,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Self::NomineeName => "nominee_name",
            Self::NomineeEmail => "nominee_email",
            Self::NomineeCountry => "nominee_country",
            Self::NomineeRegion => "nominee_region",
            Self::NomineeRole => "nominee_role",
            Self::NominatorName => "nominator_name",
            Self::NominatorEmail => "nominator_email",
            Self::NominatorBasis => "nominator_basis",
            Self::Rationale => "rationale",
            Self::Links => "links",
            Self::SelfIdentification => "self_identification",
            Self::Language => "language",
            Self::NomineeLanguage => "nominee_language",
            Self::PrivacyConsent => "privacy_consent",
        }
    }
}

/// What is wrong with one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    Missing,
    TooShort {
        min: usize,
    },
    TooLong {
        max: usize,
    },
    ControlCharacters,
    /// Bidirectional embedding, override or isolate controls.
    DirectionControls,
    /// Nothing a reader can see: only spaces or zero-width characters.
    NothingVisible,
    InvalidEmail,
    /// Well formed, but not an address SES delivers to.
    UndeliverableEmail,
    UnknownCountry,
    UnknownChoice,
    TooManyLinks {
        max: usize,
    },
    InvalidLink,
    SelfIdentificationNeedsSelfNomination,
    ConsentRequired,
    SelfNominationAddress,
    NominatingYourself,
}

impl Problem {
    fn catalog_key(self) -> &'static str {
        match self {
            Self::Missing => "problems.missing",
            Self::TooShort { .. } => "problems.too_short",
            Self::TooLong { .. } => "problems.too_long",
            Self::ControlCharacters => "problems.control_characters",
            Self::DirectionControls => "problems.direction_controls",
            Self::NothingVisible => "problems.nothing_visible",
            Self::InvalidEmail => "problems.invalid_email",
            Self::UndeliverableEmail => "problems.undeliverable_email",
            Self::UnknownCountry => "problems.unknown_country",
            Self::UnknownChoice => "problems.unknown_choice",
            Self::TooManyLinks { .. } => "problems.too_many_links",
            Self::InvalidLink => "problems.invalid_link",
            Self::SelfIdentificationNeedsSelfNomination => "problems.self_identification_needs_self_nomination",
            Self::ConsentRequired => "problems.consent_required",
            Self::SelfNominationAddress => "problems.self_nomination_address",
            Self::NominatingYourself => "problems.nominating_yourself",
        }
    }

    /// The problem explained to the person who made it.
    pub fn message(self, language: Language) -> String {
        let text = language.text(self.catalog_key());
        match self {
            Self::TooShort { min } => text.replace("{min}", &min.to_string()),
            Self::TooLong { max } | Self::TooManyLinks { max } => text.replace("{max}", &max.to_string()),
            _ => text,
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Language::En))
    }
}

impl std::error::Error for Problem {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldError {
    pub field: Field,
    pub problem: Problem,
}

/// Every problem of a form, in field order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    fn add(&mut self, field: Field, problem: Problem) {
        // One message per field: the first thing to fix.
        if !self.0.iter().any(|error| error.field == field) {
            self.0.push(FieldError { field, problem });
        }
    }

    fn take<T>(&mut self, field: Field, parsed: Result<T, Problem>) -> Option<T> {
        parsed.map_err(|problem| self.add(field, problem)).ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &FieldError> {
        self.0.iter()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, field: Field) -> Option<Problem> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.problem)
    }
}

fn text(value: &Option<String>) -> &str {
    value.as_deref().unwrap_or_default()
}

fn optional<T>(value: &Option<String>, parse: impl Fn(&str) -> Result<T, Problem>) -> Result<Option<T>, Problem> {
    match text(value).trim() {
        "" => Ok(None),
        present => parse(present).map(Some),
    }
}

impl NominationForm {
    /// Whether the hidden field was filled in: a program, not a person. It
    /// is answered as if accepted, and nothing is recorded or sent.
    pub fn is_bait_taken(&self) -> bool {
        !text(&self.website).trim().is_empty()
    }

    /// The language the sender reads: the one they chose in the nomination
    /// when it is valid, else `fallback` (from the request).
    pub fn language_or(&self, fallback: Language) -> Language {
        Language::parse(text(&self.language)).unwrap_or(fallback)
    }

    /// Parses every field; either a whole valid [`Submission`] or every
    /// problem found. `fallback_language` is used when no language was chosen.
    pub fn parse(&self, fallback_language: Language) -> Result<Submission, FieldErrors> {
        let mut errors = FieldErrors::default();

        let nominee_name = errors.take(Field::NomineeName, PersonName::parse(text(&self.nominee_name)));
        let nominee_email = errors.take(Field::NomineeEmail, EmailAddress::parse(text(&self.nominee_email)));
        let country = errors.take(Field::NomineeCountry, Country::parse(text(&self.nominee_country)));
        let region = errors.take(Field::NomineeRegion, optional(&self.nominee_region, Region::parse));
        let role = errors.take(Field::NomineeRole, NomineeRole::parse(text(&self.nominee_role)));
        let basis = errors.take(
            Field::NominatorBasis,
            NominatorBasis::parse(text(&self.nominator_basis)).and_then(|basis| match basis {
                NominatorBasis::DirectInvitation => Err(Problem::UnknownChoice),
                basis => Ok(basis),
            }),
        );
        let is_self_nomination = basis == Some(NominatorBasis::SelfNomination);

        // A self-nominee need not type their name and address twice.
        let nominator_name = match (is_self_nomination, text(&self.nominator_name).trim()) {
            (true, "") => nominee_name.clone(),
            (_, raw) => errors.take(Field::NominatorName, PersonName::parse(raw)),
        };
        let nominator_email = match (is_self_nomination, text(&self.nominator_email).trim()) {
            (true, "") => nominee_email.clone(),
            (_, raw) => errors.take(Field::NominatorEmail, EmailAddress::parse(raw)),
        };
        if let (Some(nominee), Some(nominator), Some(basis)) = (&nominee_email, &nominator_email, basis) {
            match (basis == NominatorBasis::SelfNomination, nominee == nominator) {
                (true, false) => errors.add(Field::NominatorEmail, Problem::SelfNominationAddress),
                (false, true) => errors.add(Field::NominatorBasis, Problem::NominatingYourself),
                _ => {}
            }
        }

        let rationale = errors.take(Field::Rationale, Rationale::parse(text(&self.rationale)));
        let links = errors.take(Field::Links, self.parse_links());
        let self_identification = errors.take(
            Field::SelfIdentification,
            optional(&self.self_identification, SelfIdentification::parse),
        );
        if self_identification.as_ref().is_some_and(Option::is_some) && basis.is_some() && !is_self_nomination {
            errors.add(
                Field::SelfIdentification,
                Problem::SelfIdentificationNeedsSelfNomination,
            );
        }
        let language = match text(&self.language).trim() {
            "" => Some(fallback_language),
            raw => errors.take(Field::Language, Language::parse(raw)),
        };
        // Unless told otherwise, the nominee reads what the form was filled in.
        let nominee_language = match text(&self.nominee_language).trim() {
            "" => language.or(Some(fallback_language)),
            raw => errors.take(Field::NomineeLanguage, Language::parse(raw)),
        };
        if !self.privacy_consent {
            errors.add(Field::PrivacyConsent, Problem::ConsentRequired);
        }

        match (
            nominee_name,
            nominee_email,
            country,
            region,
            role,
            nominator_name,
            nominator_email,
            basis,
            rationale,
            links,
            self_identification,
            language,
            nominee_language,
        ) {
            (
                Some(name),
                Some(email),
                Some(country),
                Some(region),
                Some(role),
                Some(nominator_name),
                Some(nominator_email),
                Some(basis),
                Some(rationale),
                Some(links),
                Some(self_identification),
                Some(language),
                Some(nominee_language),
            ) if errors.is_empty() => Ok(Submission {
                nominee: Nominee {
                    name,
                    email,
                    country,
                    region,
                    role,
                    language: Some(nominee_language),
                },
                nominator: Nominator {
                    name: nominator_name,
                    email: nominator_email,
                    basis,
                },
                rationale,
                links,
                self_identification,
                language,
                share_name_with_iln: self.share_name_with_iln,
            }),
            _ => Err(errors),
        }
    }

    fn parse_links(&self) -> Result<Links, Problem> {
        // The form always sends five inputs; the empty ones mean nothing.
        let given: Vec<&str> = self
            .links
            .iter()
            .map(|link| link.trim())
            .filter(|link| !link.is_empty())
            .collect();
        if given.len() > Links::MAX {
            return Err(Problem::TooManyLinks { max: Links::MAX });
        }
        given
            .into_iter()
            .map(Link::parse)
            .collect::<Result<Vec<_>, _>>()
            .and_then(Links::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> NominationForm {
        NominationForm {
            nominee_name: Some("Amara Okafor".into()),
            nominee_email: Some("amara@example.org".into()),
            nominee_country: Some("NG".into()),
            nominee_role: Some("mediator".into()),
            nominator_name: Some("Lucía Fernández".into()),
            nominator_email: Some("lucia@example.org".into()),
            nominator_basis: Some("iln_member".into()),
            rationale: Some("Amara has built the first court-annexed mediation scheme in Lagos.".into()),
            links: vec!["https://example.org/amara".into(), "".into()],
            language: Some("en".into()),
            privacy_consent: true,
            ..NominationForm::default()
        }
    }

    #[test]
    fn a_complete_form_becomes_a_submission() {
        let submission = valid().parse(Language::En).expect("valid");
        assert_eq!(submission.nominee.country.alpha2(), "NG");
        assert_eq!(submission.links.iter().count(), 1);
        assert!(!submission.is_self_nomination());
    }

    #[test]
    fn the_nominee_reads_the_nominations_language_unless_the_form_names_theirs() {
        let spanish = NominationForm {
            language: Some("es".into()),
            ..valid()
        };
        let for_an_english_reader = NominationForm {
            nominee_language: Some("en".into()),
            ..spanish.clone()
        };
        let unknown = NominationForm {
            nominee_language: Some("fr".into()),
            ..valid()
        };

        assert_eq!(spanish.parse(Language::En).unwrap().nominee_language(), Language::Es);
        let submission = for_an_english_reader.parse(Language::Es).unwrap();
        assert_eq!(
            (submission.language, submission.nominee_language()),
            (Language::Es, Language::En)
        );
        assert_eq!(
            unknown.parse(Language::En).unwrap_err().get(Field::NomineeLanguage),
            Some(Problem::UnknownChoice)
        );
    }

    #[test]
    fn every_missing_field_is_reported_at_once() {
        let errors = NominationForm::default().parse(Language::En).unwrap_err();
        for field in [
            Field::NomineeName,
            Field::NomineeEmail,
            Field::NomineeCountry,
            Field::NomineeRole,
            Field::NominatorBasis,
            Field::Rationale,
            Field::PrivacyConsent,
        ] {
            assert!(errors.get(field).is_some(), "{field:?} not reported");
        }
    }

    #[test]
    fn a_self_nominee_may_leave_the_nominator_empty() {
        let form = NominationForm {
            nominator_name: None,
            nominator_email: None,
            nominator_basis: Some("self_nomination".into()),
            self_identification: Some("I am a woman mediator from a rural region.".into()),
            ..valid()
        };
        let submission = form.parse(Language::Es).expect("valid self-nomination");
        assert_eq!(submission.nominator.email, submission.nominee.email);
        assert!(submission.self_identification.is_some());
    }

    #[test]
    fn self_identification_needs_a_self_nomination() {
        let form = NominationForm {
            self_identification: Some("I belong to a minority.".into()),
            ..valid()
        };
        let errors = form.parse(Language::En).unwrap_err();
        assert_eq!(
            errors.get(Field::SelfIdentification),
            Some(Problem::SelfIdentificationNeedsSelfNomination)
        );
    }

    #[test]
    fn nominating_yourself_requires_saying_so() {
        let form = NominationForm {
            nominator_email: Some("AMARA@example.org".into()),
            ..valid()
        };
        let errors = form.parse(Language::En).unwrap_err();
        assert_eq!(errors.get(Field::NominatorBasis), Some(Problem::NominatingYourself));
    }

    #[test]
    fn messages_are_in_the_readers_language_with_their_limits() {
        let english = Problem::TooLong { max: 200 }.message(Language::En);
        let spanish = Problem::TooLong { max: 200 }.message(Language::Es);
        assert!(english.contains("200") && spanish.contains("200"));
        assert_ne!(english, spanish);
    }

    #[test]
    fn only_a_filled_hidden_field_marks_a_program() {
        assert!(!valid().is_bait_taken());
        let blank = NominationForm {
            website: Some("  ".into()),
            ..valid()
        };
        assert!(!blank.is_bait_taken());
        let filled = NominationForm {
            website: Some("https://spam.example".into()),
            ..valid()
        };
        assert!(filled.is_bait_taken());
        assert!(filled.parse(Language::En).is_ok(), "the bait does not show in parsing");
    }

    #[test]
    fn consent_is_a_json_flag_or_a_ticked_checkbox() {
        let json: NominationForm = serde_json::from_str(r#"{"privacy_consent": true}"#).unwrap();
        assert!(json.privacy_consent);
        let unticked: NominationForm = serde_json::from_str(r#"{"privacy_consent": "no"}"#).unwrap();
        assert!(!unticked.privacy_consent);
    }

    #[test]
    fn the_nominators_name_is_shared_with_the_iln_only_when_they_tick_the_box() {
        let unasked = valid().parse(Language::En).unwrap();
        let ticked: NominationForm = serde_json::from_str(r#"{"share_name_with_iln": "on"}"#).unwrap();
        let json: NominationForm = serde_json::from_str(r#"{"share_name_with_iln": true}"#).unwrap();
        let shared = NominationForm {
            share_name_with_iln: true,
            ..valid()
        }
        .parse(Language::En)
        .unwrap();

        assert!(!unasked.share_name_with_iln);
        assert!(ticked.share_name_with_iln);
        assert!(json.share_name_with_iln);
        assert!(shared.share_name_with_iln);
    }
}
