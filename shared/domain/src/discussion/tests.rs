use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::Language;
use crate::message::Message;

fn opened_at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_800_100_000, 0).unwrap()
}

fn during() -> DateTime<Utc> {
    opened_at() + Duration::days(2)
}

fn after_the_window() -> DateTime<Utc> {
    opened_at() + Duration::days(8)
}

fn quorum(quorum: usize) -> DiscussionRules {
    DiscussionRules::parse("quorum", quorum, 0, 7).unwrap()
}

fn lazy(minimum: usize) -> DiscussionRules {
    DiscussionRules::parse("lazy_consensus", 1, minimum, 7).unwrap()
}

/// Approved at `opened_at` under `rules`, nominated by lucia@example.org.
fn discussed(rules: &DiscussionRules) -> Nomination {
    let mut nomination = crate::test_support::nomination(Status::InDiscussion, 3, Language::En);
    nomination.discussion = Some(rules.open(opened_at()));
    nomination
}

fn member(id: &str) -> Participant {
    Participant {
        user: SlackUserId::new(id),
        email: EmailAddress::parse(&format!("{}@example.org", id.to_lowercase())).unwrap(),
        vetter: false,
        confirmer: true,
        language: None,
    }
}

fn vetter() -> Actor {
    Actor::Vetter("UV".into())
}

fn reason(text: &str) -> Reason {
    Reason::parse(text).unwrap()
}

/// The nomination as it stands once `step` is written.
fn after(step: &Step) -> Nomination {
    let mut nomination = step.nomination.clone();
    nomination.status = step.to;
    nomination.version += 1;
    nomination.discussion = step.discussion.clone().or(nomination.discussion);
    nomination.last_move = Some(crate::nomination::LastMove {
        actor: step.audit.actor.clone(),
        command: Command::Confirm,
        at: step.at,
    });
    nomination
}

fn invites(step: &Step) -> bool {
    step.messages.iter().any(|m| matches!(m, Message::Invitation { .. }))
}

fn open_concern_id(nomination: &Nomination) -> String {
    let discussion = nomination.discussion.as_ref().unwrap();
    discussion.open_concerns().next().unwrap().id.clone()
}

#[test]
fn rules_come_from_the_template_and_refuse_nonsense() {
    assert_eq!(quorum(2).mode, ConfirmationMode::Quorum { quorum: 2 });
    assert_eq!(lazy(0).mode, ConfirmationMode::LazyConsensus { minimum: 0 });
    assert_eq!(DiscussionRules::parse("quorum", 0, 0, 7), Err(BadRules::QuorumOfZero));
    assert_eq!(
        DiscussionRules::parse("majority", 1, 0, 7),
        Err(BadRules::UnknownMode("majority".into()))
    );
    assert_eq!(DiscussionRules::parse("quorum", 1, 0, 0), Err(BadRules::NoWindow));
    let discussion = quorum(1).open(opened_at());
    assert_eq!(discussion.ends_at - discussion.opened_at, Duration::days(7));
}

#[test]
fn with_a_quorum_of_two_the_second_distinct_confirmation_confirms_and_queues_the_invitation() {
    let rules = quorum(2);
    let first = confirm(&discussed(&rules), &member("UA"), &rules, during()).unwrap();
    assert_eq!(first.to, Status::InDiscussion);
    assert!(!invites(&first));
    assert_eq!(
        confirm(&after(&first), &member("UA"), &rules, during()),
        Err(ClickRefused::Repeat)
    );
    let second = confirm(&after(&first), &member("UB"), &rules, during()).unwrap();
    assert_eq!(second.to, Status::Confirmed);
    assert!(invites(&second));
}

#[test]
fn an_open_concern_holds_a_reached_quorum_until_a_vetter_resolves_it() {
    let rules = quorum(2);
    let first = confirm(&discussed(&rules), &member("UA"), &rules, during()).unwrap();
    let concern = raise_concern(&after(&first), &member("UC"), &reason("Check the CV."), false, during()).unwrap();
    assert_eq!(concern.to, Status::InDiscussion);
    assert!(
        concern
            .messages
            .iter()
            .any(|m| matches!(m, Message::ConcernRaised { .. }))
    );
    let second = confirm(&after(&concern), &member("UB"), &rules, during()).unwrap();
    assert_eq!(second.to, Status::InDiscussion, "the concern holds it");
    let held = after(&second);
    let resolved = resolve_concern(
        &held,
        &open_concern_id(&held),
        vetter(),
        &reason("Checked."),
        &rules,
        during(),
    )
    .unwrap();
    assert_eq!(resolved.to, Status::Confirmed);
    assert!(invites(&resolved));
    assert_eq!(
        resolve_concern(&held, "UX.none", vetter(), &reason("x"), &rules, during()),
        Err(DiscussionRefused::NoOpenConcern("UX.none".into()))
    );
}

#[test]
fn a_members_decline_asks_not_to_proceed_and_closes_nothing() {
    let rules = quorum(1);
    let declined = raise_concern(&discussed(&rules), &member("UA"), &reason("Not yet."), true, during()).unwrap();
    assert_eq!(declined.to, Status::InDiscussion);
    let discussion = declined.discussion.unwrap();
    assert!(discussion.concerns[0].asks_not_to_proceed);
    assert!(discussion.concerns[0].is_open());
}

#[test]
fn the_same_concern_sent_twice_is_one_concern() {
    let rules = quorum(1);
    let first = raise_concern(
        &discussed(&rules),
        &member("UA"),
        &reason("A conflict."),
        false,
        during(),
    )
    .unwrap();
    assert_eq!(
        raise_concern(
            &after(&first),
            &member("UA"),
            &reason("  A conflict. "),
            false,
            during()
        ),
        Err(ClickRefused::Repeat)
    );
    assert!(raise_concern(&after(&first), &member("UB"), &reason("A conflict."), false, during()).is_ok());
}

#[test]
fn lazy_consensus_confirms_at_the_windows_end_with_enough_confirmations_and_no_open_concern() {
    let rules = lazy(1);
    let nomination = discussed(&rules);
    assert_eq!(end_of_window(&nomination, &rules, during()), None, "still open");
    let ended = end_of_window(&nomination, &rules, after_the_window()).unwrap();
    assert_eq!(ended.to, Status::NotConfirmed, "fewer than the minimum");
    assert!(
        ended
            .messages
            .iter()
            .any(|m| matches!(m, Message::ProcessConcluded { .. }))
    );

    let confirmed = confirm(&nomination, &member("UA"), &rules, during()).unwrap();
    assert_eq!(
        confirmed.to,
        Status::InDiscussion,
        "lazy consensus waits for the window"
    );
    let ended = end_of_window(&after(&confirmed), &rules, after_the_window()).unwrap();
    assert_eq!(ended.to, Status::Confirmed);
    assert!(invites(&ended));

    let rules = lazy(0);
    assert_eq!(
        end_of_window(&discussed(&rules), &rules, after_the_window()).map(|step| step.to),
        Some(Status::Confirmed),
        "a minimum of zero confirms a nomination nobody objected to"
    );
}

#[test]
fn an_open_concern_holds_a_lazy_consensus_past_its_window_until_resolved() {
    let rules = lazy(0);
    let concern = raise_concern(&discussed(&rules), &member("UA"), &reason("Wait."), false, during()).unwrap();
    let held = after(&concern);
    assert_eq!(end_of_window(&held, &rules, after_the_window()), None);
    let resolved = resolve_concern(
        &held,
        &open_concern_id(&held),
        vetter(),
        &reason("Answered."),
        &rules,
        after_the_window(),
    )
    .unwrap();
    assert_eq!(resolved.to, Status::Confirmed);
}

#[test]
fn a_quorum_not_reached_when_the_window_ends_is_not_confirmed() {
    let rules = quorum(2);
    let first = confirm(&discussed(&rules), &member("UA"), &rules, during()).unwrap();
    let ended = end_of_window(&after(&first), &rules, after_the_window()).unwrap();
    assert_eq!(ended.to, Status::NotConfirmed);
    assert_eq!(ended.audit.actor, Actor::System);
}

#[test]
fn a_conflict_declared_after_a_confirmation_takes_it_out_of_the_count() {
    let rules = quorum(2);
    let first = confirm(&discussed(&rules), &member("UA"), &rules, during()).unwrap();
    let conflict = declare_conflict(&after(&first), &member("UA"), during()).unwrap();
    let discussion = conflict.discussion.clone().unwrap();
    assert_eq!(discussion.counted_confirmations().count(), 0);
    assert!(matches!(conflict.audit.happening, Happening::ConflictDeclared));
    let conflicted = after(&conflict);
    assert_eq!(
        confirm(&conflicted, &member("UA"), &rules, during()),
        Err(ClickRefused::Conflicted)
    );
    assert_eq!(
        raise_concern(&conflicted, &member("UA"), &reason("x"), false, during()),
        Err(ClickRefused::Conflicted)
    );
    assert_eq!(
        declare_conflict(&conflicted, &member("UA"), during()),
        Err(ClickRefused::Repeat)
    );
    let second = confirm(&conflicted, &member("UB"), &rules, during()).unwrap();
    assert_eq!(second.to, Status::InDiscussion, "one counted confirmation of two");
}

#[test]
fn only_confirmers_who_did_not_nominate_may_confirm() {
    let rules = quorum(1);
    let nomination = discussed(&rules);
    let stranger = Participant {
        confirmer: false,
        ..member("UX")
    };
    assert_eq!(
        confirm(&nomination, &stranger, &rules, during()),
        Err(ClickRefused::NotAllowed)
    );
    let nominator = Participant {
        email: EmailAddress::parse("lucia@example.org").unwrap(),
        ..member("UL")
    };
    assert_eq!(
        confirm(&nomination, &nominator, &rules, during()),
        Err(ClickRefused::OwnNomination)
    );
}

#[test]
fn a_late_click_is_told_who_confirmed_and_the_winners_repeat_gets_silence() {
    let rules = quorum(1);
    let confirmed = after(&confirm(&discussed(&rules), &member("UA"), &rules, during()).unwrap());
    assert_eq!(confirmed.status, Status::Confirmed);
    let refused = confirm(&confirmed, &member("UB"), &rules, during()).unwrap_err();
    assert!(
        refused.explanation(Language::En).unwrap().contains("<@UA>"),
        "{refused:?}"
    );
    assert_eq!(
        confirm(&confirmed, &member("UA"), &rules, during()),
        Err(ClickRefused::Repeat)
    );
}

#[test]
fn a_referral_freezes_confirmation_and_mails_the_iac_the_file_without_the_self_identification() {
    let rules = quorum(1);
    let mut nomination = discussed(&rules);
    nomination.submission.self_identification =
        Some(crate::nomination::SelfIdentification::parse("a rural woman mediator").unwrap());
    let concern = raise_concern(&nomination, &member("UA"), &reason("Sanctions?"), false, during()).unwrap();
    let iac = EmailAddress::parse("iac@imi.org").unwrap();
    let referred = refer_to_iac(
        &after(&concern),
        vetter(),
        &reason("Possible sanctions."),
        &iac,
        during(),
    )
    .unwrap();
    let file = referred
        .messages
        .iter()
        .find_map(|message| match message {
            Message::NominationReferral { to, file, .. } => Some((to.clone(), file.clone())),
            _ => None,
        })
        .unwrap();
    assert_eq!(file.0, iac);
    assert!(
        file.1.contains("Amara Okafor") && file.1.contains("Sanctions?"),
        "{}",
        file.1
    );
    assert!(!file.1.contains("rural"), "never the self-identification");
    assert!(!file.1.contains("Lucía"), "never the nominator's name");
    let frozen = after(&referred);
    assert_eq!(
        confirm(&frozen, &member("UB"), &rules, during()),
        Err(ClickRefused::AwaitsIac)
    );
    assert_eq!(
        refer_to_iac(&frozen, vetter(), &reason("again"), &iac, during()),
        Err(DiscussionRefused::AlreadyReferred)
    );
}

#[test]
fn the_iacs_proceed_settles_the_concerns_and_gives_back_the_frozen_days() {
    let rules = lazy(0);
    let iac = EmailAddress::parse("iac@imi.org").unwrap();
    let admin = Actor::Admin("sub-1".into());
    let concern = raise_concern(
        &discussed(&rules),
        &member("UA"),
        &reason("Sanctions?"),
        false,
        during(),
    )
    .unwrap();
    let referred = refer_to_iac(&after(&concern), vetter(), &reason("Check."), &iac, during()).unwrap();
    let answered_at = during() + Duration::days(3);
    let proceed = record_iac_outcome(
        &after(&referred),
        admin.clone(),
        IacDecision::Proceed,
        &reason("No sanctions."),
        &rules,
        answered_at,
    )
    .unwrap();
    assert_eq!(proceed.to, Status::InDiscussion, "the window is not over");
    let discussion = proceed.discussion.clone().unwrap();
    assert_eq!(discussion.open_concerns().count(), 0);
    assert_eq!(discussion.ends_at, opened_at() + Duration::days(10));
    assert!(matches!(
        proceed.audit.happening,
        Happening::IacOutcomeRecorded {
            decision: IacDecision::Proceed
        }
    ));
    assert_eq!(
        record_iac_outcome(
            &after(&proceed),
            admin,
            IacDecision::Proceed,
            &reason("x"),
            &rules,
            answered_at
        ),
        Err(DiscussionRefused::NotReferred)
    );
}

#[test]
fn the_iacs_do_not_proceed_closes_the_nomination_and_the_nominator_hears_it_concluded() {
    let rules = quorum(1);
    let iac = EmailAddress::parse("iac@imi.org").unwrap();
    let referred = refer_to_iac(&discussed(&rules), vetter(), &reason("Check."), &iac, during()).unwrap();
    let closed = record_iac_outcome(
        &after(&referred),
        Actor::Admin("sub-1".into()),
        IacDecision::DoNotProceed,
        &reason("Not suitable."),
        &rules,
        during(),
    )
    .unwrap();
    assert_eq!(closed.to, Status::Declined);
    let concluded: Vec<_> = closed
        .messages
        .iter()
        .filter(|m| matches!(m, Message::ProcessConcluded { .. }))
        .collect();
    assert_eq!(concluded.len(), 1);
}

#[test]
fn the_nominator_hears_the_end_only_of_what_passed_vetting() {
    use crate::step::Step;
    let concluded = |status: Status, command: Command| {
        let nomination = crate::test_support::nomination(status, 3, Language::Es);
        Step::take(&nomination, command, Actor::System, during())
            .unwrap()
            .messages
            .iter()
            .any(|m| matches!(m, Message::ProcessConcluded { addressee, .. } if addressee.language == Language::Es))
    };
    assert!(concluded(Status::InDiscussion, Command::Decline));
    assert!(concluded(Status::InDiscussion, Command::Expire));
    assert!(concluded(Status::Invited, Command::AcceptInvitation));
    assert!(concluded(Status::Invited, Command::DeclineInvitation));
    assert!(concluded(Status::Invited, Command::Expire));
    assert!(
        !concluded(Status::AwaitingVetting, Command::Reject),
        "a rejection has its own mail"
    );
    assert!(!concluded(Status::Submitted, Command::Expire));
    assert!(!concluded(Status::InDiscussion, Command::Withdraw));
}
