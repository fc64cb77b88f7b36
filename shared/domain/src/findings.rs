//! What a vetter sees beside a nomination to judge its coherence. Findings
//! inform a person's decision; none decides by itself.

use serde::Serialize;

use crate::NominationId;
use crate::nomination::{Nomination, NominatorBasis};
use crate::person::{EmailAddress, PersonName};
use crate::roster::{RosterCategory, RosterEntry};

/// Someone who already leads the ILN in a country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leader {
    pub name: PersonName,
    /// Where this comes from: the roster (`iln_member`) or a membership.
    pub source: LeaderSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LeaderSource {
    Roster,
    Member,
}

/// What the store knows around a nomination, gathered for the findings.
#[derive(Debug, Clone, Default)]
pub struct Surroundings {
    pub nominator_on_roster: Option<RosterEntry>,
    pub nominee_is_member: bool,
    pub nominee_was_derecognized: bool,
    pub endorsements: usize,
    /// The addresses of those who endorsed the nomination.
    pub endorsers: Vec<EmailAddress>,
    pub country_leaders: Vec<Leader>,
    /// Other open nominations of people in the same country.
    pub country_open_nominations: Vec<NominationId>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Findings {
    /// The nominator's roster category, or `None`: not found on the roster.
    pub nominator_roster_category: Option<RosterCategory>,
    /// The nominator claimed a category the roster does not confirm.
    pub nominator_basis_unconfirmed: bool,
    pub self_nomination: bool,
    pub nominee_already_member: bool,
    pub nominee_derecognized: bool,
    /// Others nominated the same person: recorded as endorsements.
    pub endorsements: usize,
    pub country_leaders: Vec<Leader>,
    pub country_open_nominations: usize,
    pub rationale_thin: bool,
    /// The person asking is the nominator: they may not decide it.
    pub requester_is_nominator: bool,
    /// The person asking endorsed the nomination: they may not decide it either.
    pub requester_is_endorser: bool,
}

/// Findings for `nomination`, for the staff member `requester`, calling a
/// rationale thin below `thin_below` characters.
pub fn assess(
    nomination: &Nomination,
    surroundings: &Surroundings,
    requester: Option<&EmailAddress>,
    thin_below: usize,
) -> Findings {
    let submission = &nomination.submission;
    let roster_category = surroundings.nominator_on_roster.as_ref().map(|entry| entry.category);
    let claimed = match submission.nominator.basis {
        NominatorBasis::IlnMember => Some(RosterCategory::IlnMember),
        NominatorBasis::ImiCertifiedMediator => Some(RosterCategory::ImiCertifiedMediator),
        NominatorBasis::ImiCertifiedAdvocate => Some(RosterCategory::ImiCertifiedAdvocate),
        NominatorBasis::SelfNomination | NominatorBasis::DirectInvitation => None,
    };
    Findings {
        nominator_roster_category: roster_category,
        nominator_basis_unconfirmed: claimed.is_some() && claimed != roster_category,
        self_nomination: submission.is_self_nomination(),
        nominee_already_member: surroundings.nominee_is_member,
        nominee_derecognized: surroundings.nominee_was_derecognized,
        endorsements: surroundings.endorsements,
        country_leaders: surroundings.country_leaders.clone(),
        country_open_nominations: surroundings
            .country_open_nominations
            .iter()
            .filter(|id| **id != nomination.id)
            .count(),
        rationale_thin: submission.rationale.as_str().chars().count() < thin_below,
        requester_is_nominator: requester.is_some_and(|email| *email == submission.nominator.email),
        requester_is_endorser: requester.is_some_and(|email| surroundings.endorsers.contains(email)),
    }
}
