//! A nomination and the parts it is made of.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::i18n::Language;
use crate::intake::Problem;
use crate::lifecycle::Status;
use crate::person::{EmailAddress, PersonName, parse_text};

/// A nomination's reference: a ULID, so references sort by creation time
/// and carry 80 random bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct NominationId(ulid::Ulid);

impl NominationId {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self(ulid::Ulid::from_datetime(now.into()))
    }
}

impl FromStr for NominationId {
    type Err = Problem;
    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        ulid::Ulid::from_string(raw)
            .map(Self)
            .map_err(|_| Problem::UnknownChoice)
    }
}

impl TryFrom<String> for NominationId {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<NominationId> for String {
    fn from(id: NominationId) -> Self {
        id.0.to_string()
    }
}

impl fmt::Display for NominationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An ISO 3166-1 alpha-2 country code, stored upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Country(celes::Country);

impl Country {
    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let code = raw.trim();
        if code.is_empty() {
            return Err(Problem::Missing);
        }
        // celes also accepts names and aliases; only the two-letter code is an
        // unambiguous answer from a form.
        if code.len() != 2 {
            return Err(Problem::UnknownCountry);
        }
        celes::Country::from_alpha2(code)
            .map(Self)
            .map_err(|_| Problem::UnknownCountry)
    }

    pub fn alpha2(&self) -> &'static str {
        self.0.alpha2
    }

    pub fn name(&self) -> &'static str {
        self.0.long_name
    }

    /// Every country, sorted by name, for the form's list.
    pub fn all() -> Vec<Country> {
        let mut countries: Vec<Country> = celes::Country::get_countries().into_iter().map(Self).collect();
        countries.sort_by_key(|country| country.name());
        countries
    }
}

impl TryFrom<String> for Country {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Country> for String {
    fn from(country: Country) -> Self {
        country.alpha2().to_owned()
    }
}

/// A region within a country, when a country has more than one leader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Region(String);

impl Region {
    pub const MAX: usize = 100;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, false).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Region {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Region> for String {
    fn from(region: Region) -> Self {
        region.0
    }
}

/// Why the nominee would lead: what they do for mediation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NomineeRole {
    Mediator,
    MediationUser,
    Advocate,
    BoardEmeritus,
}

/// On what standing the nominator nominates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NominatorBasis {
    IlnMember,
    ImiCertifiedMediator,
    ImiCertifiedAdvocate,
    SelfNomination,
    /// IMI invited the person directly (Board Emeriti, first-round
    /// invitations): never a choice on the public form.
    DirectInvitation,
}

macro_rules! choice {
    ($type:ty { $($variant:ident = $code:literal),+ $(,)? }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$(<$type>::$variant),+];

            pub fn parse(raw: &str) -> Result<Self, Problem> {
                match raw.trim() {
                    "" => Err(Problem::Missing),
                    $($code => Ok(<$type>::$variant),)+
                    _ => Err(Problem::UnknownChoice),
                }
            }

            pub fn code(self) -> &'static str {
                match self {
                    $(<$type>::$variant => $code,)+
                }
            }
        }
    };
}

choice!(NomineeRole {
    Mediator = "mediator",
    MediationUser = "mediation_user",
    Advocate = "advocate",
    BoardEmeritus = "board_emeritus",
});

choice!(NominatorBasis {
    IlnMember = "iln_member",
    ImiCertifiedMediator = "imi_certified_mediator",
    ImiCertifiedAdvocate = "imi_certified_advocate",
    SelfNomination = "self_nomination",
    DirectInvitation = "direct_invitation",
});

/// Why this person: 50–5,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rationale(String);

impl Rationale {
    pub const MIN: usize = 50;
    pub const MAX: usize = 5_000;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, Self::MIN, Self::MAX, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Rationale {
    /// The reason IMI staff give for a direct invitation: no minimum, as a
    /// role ("IMI Board Emeritus") can say it all.
    pub fn direct(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, true).map(Self)
    }
}

/// Stored rationales were checked when written; a direct invitation's reason
/// may be shorter than a nomination's minimum.
impl TryFrom<String> for Rationale {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::direct(&value)
    }
}

impl From<Rationale> for String {
    fn from(rationale: Rationale) -> Self {
        rationale.0
    }
}

/// A public page about the nominee: an absolute http or https address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Link(url::Url);

impl Link {
    pub const MAX: usize = 2_000;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let text = raw.trim();
        if text.len() > Self::MAX {
            return Err(Problem::TooLong { max: Self::MAX });
        }
        match url::Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => Ok(Self(url)),
            _ => Err(Problem::InvalidLink),
        }
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }
}

impl TryFrom<String> for Link {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Link> for String {
    fn from(link: Link) -> Self {
        link.0.into()
    }
}

/// Up to five links.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(try_from = "Vec<Link>", into = "Vec<Link>")]
pub struct Links(Vec<Link>);

impl Links {
    pub const MAX: usize = 5;

    pub fn new(links: Vec<Link>) -> Result<Self, Problem> {
        if links.len() > Self::MAX {
            return Err(Problem::TooManyLinks { max: Self::MAX });
        }
        Ok(Self(links))
    }

    pub fn iter(&self) -> impl Iterator<Item = &Link> {
        self.0.iter()
    }
}

impl TryFrom<Vec<Link>> for Links {
    type Error = Problem;
    fn try_from(value: Vec<Link>) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<Links> for Vec<Link> {
    fn from(links: Links) -> Self {
        links.0
    }
}

/// What a self-nominee chose to say about belonging to a group
/// under-represented at IMI. Sensitive: its `Debug` never shows the text, it is
/// never logged and never shown outside vetting.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SelfIdentification(String);

impl SelfIdentification {
    pub const MAX: usize = 1_000;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        parse_text(raw, 1, Self::MAX, true).map(Self)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SelfIdentification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SelfIdentification(<redacted>)")
    }
}

impl TryFrom<String> for SelfIdentification {
    type Error = Problem;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<SelfIdentification> for String {
    fn from(value: SelfIdentification) -> Self {
        value.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nominee {
    pub name: PersonName,
    pub email: EmailAddress,
    pub country: Country,
    pub region: Option<Region>,
    pub role: NomineeRole,
    /// The language every mail and page to the nominee is in; absent on
    /// nominations made before the form asked (see
    /// [`Submission::nominee_language`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<Language>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nominator {
    pub name: PersonName,
    pub email: EmailAddress,
    pub basis: NominatorBasis,
}

/// A nomination as submitted: valid in every part, with the nominator's
/// consent to the privacy notice given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Submission {
    pub nominee: Nominee,
    pub nominator: Nominator,
    pub rationale: Rationale,
    pub links: Links,
    pub self_identification: Option<SelfIdentification>,
    /// The language of all correspondence about this nomination.
    pub language: Language,
    /// The nominator agreed that the ILN channel's card names them; off
    /// unless they ticked the box (and for nominations made before it).
    #[serde(default)]
    pub share_name_with_iln: bool,
}

impl Submission {
    pub fn is_self_nomination(&self) -> bool {
        self.nominator.basis == NominatorBasis::SelfNomination
    }

    /// The language the nominee reads: the one the form gave for them, else
    /// (a nomination made before the form asked) the nomination's.
    pub fn nominee_language(&self) -> Language {
        self.nominee.language.unwrap_or(self.language)
    }
}

/// A nomination as held: the submission, where it stands, and the version
/// every conditional write checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nomination {
    pub id: NominationId,
    pub status: Status,
    pub version: u64,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submission: Submission,
    /// Who moved it last, and when: what a losing click is told.
    pub last_move: Option<LastMove>,
    /// The ILN's discussion, from approval on.
    pub discussion: Option<crate::discussion::Discussion>,
    /// The one invitation link that works: a resend replaces it.
    pub invitation: Option<crate::membership::SentInvitation>,
}

/// The latest step of a nomination along its lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastMove {
    pub actor: crate::audit::Actor,
    pub command: crate::lifecycle::Command,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_are_two_letter_iso_codes_in_any_case() {
        assert_eq!(Country::parse("ng").map(|c| c.alpha2()), Ok("NG"));
        assert_eq!(Country::parse(" ES ").map(|c| c.alpha2()), Ok("ES"));
        assert_eq!(Country::parse("XX"), Err(Problem::UnknownCountry));
        assert_eq!(Country::parse("Spain"), Err(Problem::UnknownCountry));
        assert!(Country::all().len() > 200);
    }

    #[test]
    fn links_are_absolute_http_or_https_addresses() {
        assert!(Link::parse("https://example.org/amara").is_ok());
        assert!(Link::parse("http://example.org").is_ok());
        for bad in [
            "javascript:alert(1)",
            "ftp://example.org",
            "example.org",
            "mailto:a@example.org",
        ] {
            assert_eq!(Link::parse(bad), Err(Problem::InvalidLink), "{bad}");
        }
    }

    #[test]
    fn a_rationale_has_fifty_to_five_thousand_characters() {
        assert_eq!(Rationale::parse(&"x".repeat(49)), Err(Problem::TooShort { min: 50 }));
        assert!(Rationale::parse(&"x".repeat(50)).is_ok());
        assert!(Rationale::parse(&format!("{}\n{}", "x".repeat(30), "y".repeat(30))).is_ok());
        assert_eq!(
            Rationale::parse(&"x".repeat(5_001)),
            Err(Problem::TooLong { max: 5_000 })
        );
    }

    #[test]
    fn self_identification_is_never_shown_in_debug_output() {
        let value = SelfIdentification::parse("a woman mediator from a rural region").unwrap();
        assert!(!format!("{value:?}").contains("woman"));
    }

    #[test]
    fn nomination_ids_sort_by_creation_time() {
        let earlier = NominationId::new(DateTime::from_timestamp(1_700_000_000, 0).unwrap());
        let later = NominationId::new(DateTime::from_timestamp(1_700_000_001, 0).unwrap());
        assert!(earlier.to_string() < later.to_string());
        assert_eq!(earlier.to_string().parse::<NominationId>(), Ok(earlier));
    }
}
