//! A nomination to test rules against, built the way intake builds one.

use chrono::{DateTime, Utc};

use crate::intake::NominationForm;
use crate::{Language, Nomination, NominationId, Status};

/// Amara Okafor (Nigeria, mediator), nominated by Lucía Fernández
/// (`lucia@example.org`, ILN member), in `language`.
pub(crate) fn nomination(status: Status, version: u64, language: Language) -> Nomination {
    let form = NominationForm {
        nominee_name: Some("Amara Okafor".into()),
        nominee_email: Some("amara@example.org".into()),
        nominee_country: Some("NG".into()),
        nominee_role: Some("mediator".into()),
        nominator_name: Some("Lucía Fernández".into()),
        nominator_email: Some("lucia@example.org".into()),
        nominator_basis: Some("iln_member".into()),
        rationale: Some("Amara built the first court-annexed mediation scheme in Lagos.".into()),
        privacy_consent: true,
        ..NominationForm::default()
    };
    let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
    Nomination {
        id: NominationId::new(now),
        status,
        version,
        submitted_at: now,
        updated_at: now,
        submission: form.parse(language).unwrap(),
        last_move: None,
        discussion: None,
        invitation: None,
    }
}

/// Amara as a member, admitted by accepting her invitation, in `status`.
pub(crate) fn member(status: crate::membership::MemberStatus) -> crate::membership::Member {
    let nomination = nomination(Status::Invited, 5, Language::En);
    let token = crate::token::Token::from_random([3; 32]).hash();
    let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
    let step = crate::membership::accept(&nomination, &token, "2026-11", "2026-11", "https://join", now).unwrap();
    let crate::step::Effect::Admits(member) = step.effect else {
        panic!("acceptance admits a member");
    };
    crate::membership::Member { status, ..*member }
}
