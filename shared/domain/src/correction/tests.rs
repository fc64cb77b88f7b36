use super::*;
use crate::Language;
use crate::test_support::nomination;

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_000_000, 0).unwrap()
}

fn reason() -> Reason {
    Reason::parse("The nominator mistyped the surname.").unwrap()
}

fn vetter() -> Actor {
    Actor::Vetter("vetter-sub".to_owned())
}

fn form(body: serde_json::Value) -> CorrectionForm {
    serde_json::from_value(body).unwrap()
}

#[test]
fn a_correction_changes_only_the_fields_that_differ_and_audits_which_not_their_values() {
    let held = nomination(Status::InDiscussion, 5, Language::En);
    let (correction, reason) = form(serde_json::json!({
        "nominee": {"name": "Amara N. Okafor", "email": held.submission.nominee.email.as_str().to_uppercase(), "role": "advocate"},
        "reason": "The nominator mistyped the surname.",
        "expected_version": 5
    }))
    .parse()
    .unwrap();

    let step = correct(&held, &correction, &reason, 5, vetter(), at()).unwrap();

    assert_eq!(step.to, Status::InDiscussion);
    assert_eq!(step.next_version(), 6);
    let Effect::Corrects(corrected) = &step.effect else {
        panic!("a correction: {:?}", step.effect)
    };
    assert_eq!(corrected.fields, [NomineeField::Name, NomineeField::Role]);
    assert_eq!(corrected.nominee.name.as_str(), "Amara N. Okafor");
    assert_eq!(
        corrected.nominee.email, held.submission.nominee.email,
        "the same address in capitals is no change"
    );
    assert_eq!(
        step.audit.happening,
        Happening::NomineeCorrected {
            fields: vec![NomineeField::Name, NomineeField::Role]
        }
    );
    let recorded = serde_json::to_string(&step.audit).unwrap();
    assert!(!recorded.contains("Amara") && !recorded.contains('@'), "{recorded}");
    assert_eq!(step.messages.len(), 2, "both cards show the name: {:?}", step.messages);
}

#[test]
fn an_address_alone_redraws_no_card_as_no_card_shows_it() {
    let held = nomination(Status::AwaitingVetting, 2, Language::En);
    let correction = NomineeCorrection::address(EmailAddress::parse("amara.okafor@example.org").unwrap());
    let step = correct(&held, &correction, &reason(), 2, vetter(), at()).unwrap();
    assert!(step.messages.is_empty(), "{:?}", step.messages);
}

#[test]
fn a_correction_is_refused_once_the_invitation_is_sent_before_verification_and_after_closing() {
    let correction = NomineeCorrection::address(EmailAddress::parse("amara.okafor@example.org").unwrap());
    for (status, refused) in [
        (Status::Invited, CorrectionRefused::InvitationSent),
        (Status::Member, CorrectionRefused::InvitationSent),
        (Status::Submitted, CorrectionRefused::NotCorrectable(Status::Submitted)),
        (Status::Rejected, CorrectionRefused::NotCorrectable(Status::Rejected)),
        (Status::Merged, CorrectionRefused::NotCorrectable(Status::Merged)),
    ] {
        let held = nomination(status, 4, Language::En);
        assert_eq!(
            correct(&held, &correction, &reason(), 4, vetter(), at()),
            Err(refused),
            "{status}"
        );
    }
}

#[test]
fn a_correction_on_a_stale_version_or_changing_nothing_is_refused() {
    let held = nomination(Status::Confirmed, 7, Language::En);
    let same = NomineeCorrection {
        name: Some(held.submission.nominee.name.clone()),
        ..NomineeCorrection::default()
    };
    let renamed = NomineeCorrection {
        name: Some(PersonName::parse("Amara Okafor-Bello").unwrap()),
        ..NomineeCorrection::default()
    };
    assert_eq!(
        correct(&held, &renamed, &reason(), 6, vetter(), at()),
        Err(CorrectionRefused::Stale {
            expected: 6,
            current: 7
        })
    );
    assert_eq!(
        correct(&held, &same, &reason(), 7, vetter(), at()),
        Err(CorrectionRefused::Unchanged)
    );
}

#[test]
fn a_form_names_the_field_that_is_wrong() {
    let cases = [
        (
            serde_json::json!({"nominee": {"email": "not an address"}, "reason": "x", "expected_version": 1}),
            "nominee.email",
        ),
        (
            serde_json::json!({"nominee": {"country": "XX"}, "reason": "x", "expected_version": 1}),
            "nominee.country",
        ),
        (
            serde_json::json!({"nominee": {"role": "judge"}, "reason": "x", "expected_version": 1}),
            "nominee.role",
        ),
        (
            serde_json::json!({"nominee": {"name": " "}, "reason": "x", "expected_version": 1}),
            "nominee.name",
        ),
        (
            serde_json::json!({"nominee": {}, "reason": "x", "expected_version": 1}),
            "nominee",
        ),
        (
            serde_json::json!({"nominee": {"name": "Amara"}, "reason": "", "expected_version": 1}),
            "reason",
        ),
    ];
    for (body, field) in cases {
        assert_eq!(form(body.clone()).parse().unwrap_err().0, field, "{body}");
    }
    let unknown: Result<CorrectionForm, _> =
        serde_json::from_value(serde_json::json!({"nominee": {"nickname": "A"}, "reason": "x", "expected_version": 1}));
    assert!(unknown.is_err(), "an unknown field is refused, not ignored");
}

#[test]
fn an_administrator_corrects_an_undeliverable_address_of_a_confirmed_or_invited_nominee_only() {
    let corrected = EmailAddress::parse("amara.corrected@example.org").unwrap();
    for status in [Status::Confirmed, Status::Invited] {
        let held = nomination(status, 4, Language::En);
        let step = correct_undeliverable_address(&held, &corrected, "ada", at()).unwrap();
        assert_eq!(step.audit.happening, Happening::NomineeAddressCorrected);
        assert!(!serde_json::to_string(&step.audit).unwrap().contains('@'));
    }
    for status in [
        Status::AwaitingVetting,
        Status::InDiscussion,
        Status::Member,
        Status::Withdrawn,
    ] {
        let held = nomination(status, 4, Language::En);
        assert_eq!(
            correct_undeliverable_address(&held, &corrected, "ada", at()),
            Err(CorrectionRefused::NotInvitable(status))
        );
    }
    let held = nomination(Status::Invited, 4, Language::En);
    let same = EmailAddress::parse(&held.submission.nominee.email.as_str().to_uppercase()).unwrap();
    assert_eq!(
        correct_undeliverable_address(&held, &same, "ada", at()),
        Err(CorrectionRefused::Unchanged)
    );
}
