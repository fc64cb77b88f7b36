use super::*;
use crate::Language;
use crate::discussion::{Discussion, Referral};
use crate::findings::{Surroundings, assess};
use crate::staff::Claims;
use crate::test_support::nomination;

fn staff(group: &str, email: Option<&str>) -> Staff {
    let mut claims: Claims = [("sub", "someone"), ("token_use", "id"), ("cognito:groups", group)]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if let Some(email) = email {
        claims.insert("email".to_owned(), email.to_owned());
        claims.insert("email_verified".to_owned(), "true".to_owned());
    }
    Staff::from_claims(&claims).unwrap()
}

fn actions(nomination: &Nomination, staff: &Staff) -> FileActions {
    let findings = assess(nomination, &Surroundings::default(), staff.email.as_ref(), 10);
    FileActions::of(nomination, &findings, staff)
}

#[test]
fn a_vetter_known_by_address_decides_a_nomination_awaiting_vetting_and_nothing_else() {
    let waiting = nomination(Status::AwaitingVetting, 2, Language::En);
    let vera = staff("[iln-vetters]", Some("vera@imi.test"));
    assert_eq!(
        actions(&waiting, &vera),
        FileActions {
            decide: true,
            discuss: false,
            record_iac_outcome: false,
            manage_invitation: false,
            withdraw: false,
        }
    );
    let unknown = staff("[iln-vetters]", None);
    assert!(
        !actions(&waiting, &unknown).decide,
        "no address, no telling who made it"
    );
    let its_nominator = staff("[iln-vetters]", Some("lucia@example.org"));
    assert!(!actions(&waiting, &its_nominator).decide, "not one's own nomination");
}

#[test]
fn an_admin_withdraws_an_open_nomination_but_manages_a_confirmed_ones_invitation() {
    let ada = staff("[iln-admins]", Some("ada@imi.test"));
    let waiting = actions(&nomination(Status::AwaitingVetting, 2, Language::En), &ada);
    assert!(waiting.withdraw && !waiting.manage_invitation);
    for status in [Status::Confirmed, Status::Invited] {
        let invitation = actions(&nomination(status, 5, Language::En), &ada);
        assert!(invitation.manage_invitation && !invitation.withdraw, "{status}");
    }
    let closed = actions(&nomination(Status::Rejected, 3, Language::En), &ada);
    assert!(!closed.withdraw && !closed.decide && !closed.discuss);
}

#[test]
fn staff_discuss_while_the_iln_does_and_only_an_admin_records_the_iacs_outcome() {
    let mut discussed = nomination(Status::InDiscussion, 3, Language::En);
    let now = discussed.submitted_at;
    let mut discussion = Discussion {
        opened_at: now,
        ends_at: now,
        confirmations: Vec::new(),
        concerns: Vec::new(),
        conflicts: Vec::new(),
        referral: None,
    };
    discussed.discussion = Some(discussion.clone());
    let vera = staff("[iln-vetters]", Some("vera@imi.test"));
    let ada = staff("[iln-admins]", Some("ada@imi.test"));
    assert!(actions(&discussed, &vera).discuss);
    assert!(!actions(&discussed, &ada).record_iac_outcome, "nothing is with the IAC");

    discussion.referral = Some(Referral {
        by: crate::audit::Actor::Vetter("vera".into()),
        reason: "A complaint is pending.".into(),
        at: now,
        outcome: None,
    });
    discussed.discussion = Some(discussion);
    assert!(actions(&discussed, &ada).record_iac_outcome);
    assert!(!actions(&discussed, &vera).record_iac_outcome);
}
