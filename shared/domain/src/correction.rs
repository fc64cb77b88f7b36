//! Staff correct a mistake in what is held about the nominee (a misspelt
//! name, a mistyped address, the wrong country, role or language) before the
//! invitation is sent; once it is sent, only the address is corrected, and
//! only because mail to it could not be delivered. Either way the
//! correction is a step on the version read, audited by which fields
//! changed, never their values.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Language;
use crate::audit::{Actor, AuditEvent, Happening};
use crate::intake::Problem;
use crate::lifecycle::Status;
use crate::message::Message;
use crate::nomination::{Country, Nomination, Nominee, NomineeRole};
use crate::person::{EmailAddress, PersonName};
use crate::slack::Channel;
use crate::step::{Effect, Step};
use crate::vetting::Reason;

/// What a correction may change, as the audit trail names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NomineeField {
    Name,
    Email,
    Country,
    Role,
    /// The language every mail and page to the nominee is in.
    Language,
}

/// The new values, each only where it differs from the one held.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NomineeCorrection {
    pub name: Option<PersonName>,
    pub email: Option<EmailAddress>,
    pub country: Option<Country>,
    pub role: Option<NomineeRole>,
    pub language: Option<Language>,
}

/// The body of a staff correction: `{"nominee": {"name"?, "email"?,
/// "country"?, "role"?, "language"?}, "reason", "expected_version"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorrectionForm {
    #[serde(default)]
    pub nominee: NomineeChanges,
    #[serde(default)]
    pub reason: String,
    pub expected_version: u64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NomineeChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub country: Option<String>,
    pub role: Option<String>,
    pub language: Option<String>,
}

/// A field of the form and what is wrong with it.
pub type FieldProblem = (&'static str, Problem);

impl CorrectionForm {
    /// The correction and its reason, or the first field that is wrong.
    pub fn parse(&self) -> Result<(NomineeCorrection, Reason), FieldProblem> {
        let changes = &self.nominee;
        let correction = NomineeCorrection {
            name: changes
                .name
                .as_deref()
                .map(PersonName::parse)
                .transpose()
                .map_err(|p| ("nominee.name", p))?,
            email: changes
                .email
                .as_deref()
                .map(EmailAddress::parse)
                .transpose()
                .map_err(|p| ("nominee.email", p))?,
            country: changes
                .country
                .as_deref()
                .map(Country::parse)
                .transpose()
                .map_err(|p| ("nominee.country", p))?,
            role: changes
                .role
                .as_deref()
                .map(NomineeRole::parse)
                .transpose()
                .map_err(|p| ("nominee.role", p))?,
            language: changes
                .language
                .as_deref()
                .map(Language::parse)
                .transpose()
                .map_err(|p| ("nominee.language", p))?,
        };
        if correction == NomineeCorrection::default() {
            return Err(("nominee", Problem::Missing));
        }
        let reason = Reason::parse(&self.reason).map_err(|p| ("reason", p))?;
        Ok((correction, reason))
    }
}

impl NomineeCorrection {
    /// Only an address, as an administrator corrects it after a bounce.
    pub fn address(email: EmailAddress) -> Self {
        Self {
            email: Some(email),
            ..Self::default()
        }
    }

    /// The fields whose value differs from what `nominee` holds.
    pub fn changed_fields(&self, nominee: &Nominee) -> Vec<NomineeField> {
        let mut fields = Vec::new();
        if self.name.as_ref().is_some_and(|name| name != &nominee.name) {
            fields.push(NomineeField::Name);
        }
        if self
            .email
            .as_ref()
            .is_some_and(|email| email.identity() != nominee.email.identity())
        {
            fields.push(NomineeField::Email);
        }
        if self.country.as_ref().is_some_and(|country| country != &nominee.country) {
            fields.push(NomineeField::Country);
        }
        if self.role.is_some_and(|role| role != nominee.role) {
            fields.push(NomineeField::Role);
        }
        if self.language.is_some_and(|language| Some(language) != nominee.language) {
            fields.push(NomineeField::Language);
        }
        fields
    }

    fn applied_to(&self, nominee: &Nominee) -> Nominee {
        Nominee {
            name: self.name.clone().unwrap_or_else(|| nominee.name.clone()),
            email: self.email.clone().unwrap_or_else(|| nominee.email.clone()),
            country: self.country.unwrap_or(nominee.country),
            region: nominee.region.clone(),
            role: self.role.unwrap_or(nominee.role),
            language: self.language.or(nominee.language),
        }
    }
}

/// The nominee as corrected, and which fields changed: what the store
/// writes (the address moves the person's lock and link with it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorrectedNominee {
    pub nominee: Nominee,
    pub fields: Vec<NomineeField>,
}

impl CorrectedNominee {
    pub fn changes(&self, field: NomineeField) -> bool {
        self.fields.contains(&field)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrectionRefused {
    #[error(
        "the invitation has been sent: the nominee was invited as held; if mail to them bounced, an administrator \
         corrects the address with POST /admin/invitations/{{id}}/address and resends"
    )]
    InvitationSent,
    #[error("the nomination is {0}; only a verified nomination not yet invited is corrected")]
    NotCorrectable(Status),
    #[error("the nomination is {0}; only a confirmed or invited nominee's address is corrected")]
    NotInvitable(Status),
    #[error("the nomination changed since version {expected} was read; it is at version {current}")]
    Stale { expected: u64, current: u64 },
    /// Every value given is the one held.
    #[error("nothing to correct: every value given is the one held")]
    Unchanged,
}

/// Vetters and administrators correct the nominee while the nomination is
/// verified and its invitation not yet sent (a confirmed nomination's
/// invitation is sent from the nominee as then held, so a corrected address
/// gets it; if it was set aside, retrying it sends it there).
pub fn correct(
    nomination: &Nomination,
    correction: &NomineeCorrection,
    reason: &Reason,
    expected_version: u64,
    by: Actor,
    now: DateTime<Utc>,
) -> Result<Step, CorrectionRefused> {
    match nomination.status {
        Status::AwaitingVetting | Status::InDiscussion | Status::Confirmed => {}
        Status::Invited | Status::Member => return Err(CorrectionRefused::InvitationSent),
        other => return Err(CorrectionRefused::NotCorrectable(other)),
    }
    if nomination.version != expected_version {
        return Err(CorrectionRefused::Stale {
            expected: expected_version,
            current: nomination.version,
        });
    }
    let fields = correction.changed_fields(&nomination.submission.nominee);
    if fields.is_empty() {
        return Err(CorrectionRefused::Unchanged);
    }
    let audit =
        AuditEvent::new(now, by, Happening::NomineeCorrected { fields: fields.clone() }).because(reason.as_str());
    Ok(corrected_step(nomination, correction, fields, audit))
}

/// An administrator corrects the nominee's address once mail to it could
/// not be delivered (a bounce, a refused address), while the invitation is
/// due or open; the invitation then goes there by a resend, or by retrying
/// the one set aside. Audited without either address.
pub fn correct_undeliverable_address(
    nomination: &Nomination,
    corrected: &EmailAddress,
    admin: &str,
    now: DateTime<Utc>,
) -> Result<Step, CorrectionRefused> {
    if !matches!(nomination.status, Status::Confirmed | Status::Invited) {
        return Err(CorrectionRefused::NotInvitable(nomination.status));
    }
    let correction = NomineeCorrection::address(corrected.clone());
    let fields = correction.changed_fields(&nomination.submission.nominee);
    if fields.is_empty() {
        return Err(CorrectionRefused::Unchanged);
    }
    let audit = AuditEvent::by_admin(now, admin, Happening::NomineeAddressCorrected);
    Ok(corrected_step(nomination, &correction, fields, audit))
}

fn corrected_step(
    nomination: &Nomination,
    correction: &NomineeCorrection,
    fields: Vec<NomineeField>,
    audit: AuditEvent,
) -> Step {
    let corrected = CorrectedNominee {
        nominee: correction.applied_to(&nomination.submission.nominee),
        fields,
    };
    let step = Step::keeping_status(nomination, audit);
    let version = step.next_version();
    // The cards show the nominee's name, country and role (never the
    // address or language): a card still posted is redrawn when one of them
    // changed.
    let shown_on_cards = corrected
        .fields
        .iter()
        .any(|field| !matches!(field, NomineeField::Email | NomineeField::Language));
    let cards: &[Channel] = match nomination.status {
        _ if !shown_on_cards => &[],
        Status::AwaitingVetting => &[Channel::Vetting],
        _ => &[Channel::Vetting, Channel::Iln],
    };
    let updates = cards.iter().map(|&channel| Message::CardUpdate {
        nomination_id: nomination.id,
        channel,
        version,
    });
    step.sending(updates).with_effect(Effect::Corrects(Box::new(corrected)))
}

#[cfg(test)]
mod tests;
