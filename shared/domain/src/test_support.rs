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
