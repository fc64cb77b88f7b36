use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::audit::Actor;
use crate::lifecycle::Command;
use crate::step::Step;
use crate::test_support::nomination;
use crate::{Language, Status};

fn at(day: u32, month: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, 12, 0, 0).unwrap()
}

fn decision(kind: DecisionKind, days: i64, decided: DateTime<Utc>) -> Decision {
    Decision {
        kind,
        submitted_at: decided - Duration::days(days),
        decided_at: decided,
    }
}

fn country(code: &str) -> Country {
    Country::parse(code).unwrap()
}

fn leader(name: &str) -> PersonName {
    PersonName::parse(name).unwrap()
}

#[test]
fn approval_rejection_confirmation_and_the_nominees_answer_are_decisions() {
    let cases = [
        (Status::AwaitingVetting, Command::Approve, Some(DecisionKind::Vetting)),
        (
            Status::AwaitingVetting,
            Command::ApproveSubjectToConsent,
            Some(DecisionKind::Vetting),
        ),
        (Status::AwaitingVetting, Command::Reject, Some(DecisionKind::Vetting)),
        (Status::AwaitingVetting, Command::RequestInformation, None),
        (Status::InDiscussion, Command::Confirm, Some(DecisionKind::Iln)),
        (Status::InDiscussion, Command::Decline, Some(DecisionKind::Iln)),
        (Status::InDiscussion, Command::Expire, None),
        (Status::InDiscussion, Command::Withdraw, None),
        (Status::Invited, Command::AcceptInvitation, Some(DecisionKind::Nominee)),
        (Status::Invited, Command::DeclineInvitation, Some(DecisionKind::Nominee)),
        (Status::Invited, Command::Expire, None),
        (Status::Submitted, Command::VerifyNominatorEmail, None),
    ];
    for (from, command, expected) in cases {
        let read = nomination(from, 3, Language::En);
        let later = read.submitted_at + Duration::days(9);
        let step = Step::take(&read, command, Actor::Vetter("U1".into()), later).unwrap();
        let decided = Decision::of_step(&step);
        assert_eq!(decided.map(|d| d.kind), expected, "{from} by {command:?}");
        if let Some(decided) = decided {
            assert_eq!(decided.waited(), Duration::days(9));
            assert_eq!(decided.decided_at, later);
        }
    }
}

#[test]
fn the_median_of_an_even_number_of_waits_is_the_mean_of_the_middle_two() {
    let now = at(20, 12);
    let decisions = [
        decision(DecisionKind::Vetting, 1, at(2, 12)),
        decision(DecisionKind::Vetting, 9, at(3, 12)),
        decision(DecisionKind::Vetting, 3, at(4, 12)),
        decision(DecisionKind::Vetting, 5, at(5, 12)),
        decision(DecisionKind::Iln, 14, at(6, 12)),
    ];
    let report = CoverageReport::new(
        Found {
            decisions: decisions.to_vec(),
            ..Found::default()
        },
        now,
    );
    let vetting = report.waits[0];
    assert_eq!(
        (vetting.kind, vetting.decisions, vetting.days),
        (DecisionKind::Vetting, 4, Some(4.0))
    );
    assert_eq!(report.waits[1].days, Some(14.0));
    assert_eq!(report.waits[2].decisions, 0);
    assert_eq!(report.waits[2].days, None, "no decisions, no median");
}

#[test]
fn decisions_are_counted_in_their_month_and_older_ones_are_left_out() {
    let now = at(20, 12);
    let decisions = [
        decision(DecisionKind::Vetting, 2, at(1, 12)),
        decision(DecisionKind::Vetting, 6, at(15, 11)),
        decision(DecisionKind::Nominee, 30, at(10, 1)),
        // Thirteen months back: not shown, not counted.
        decision(
            DecisionKind::Vetting,
            100,
            Utc.with_ymd_and_hms(2025, 11, 30, 0, 0, 0).unwrap(),
        ),
    ];
    let report = CoverageReport::new(
        Found {
            decisions: decisions.to_vec(),
            ..Found::default()
        },
        now,
    );
    let months: Vec<&str> = report.months.iter().map(|month| month.month.as_str()).collect();
    assert_eq!(months.len(), 12);
    assert_eq!(months.first(), Some(&"2026-01"));
    assert_eq!(months.last(), Some(&"2026-12"));
    assert_eq!(report.months[11].waits[0].days, Some(2.0));
    assert_eq!(report.months[10].waits[0].days, Some(6.0));
    assert_eq!(report.months[0].waits[2].days, Some(30.0));
    assert_eq!(
        report.waits[0].decisions, 2,
        "the decision of November 2025 is outside the year"
    );
    let chart = report.waits_chart();
    assert_eq!(chart.groups.len(), 12);
    assert_eq!(chart.groups[11].columns.len(), 1);
}

#[test]
fn countries_are_ordered_by_open_nominations_and_the_unled_ones_are_named() {
    let open = vec![
        (country("ES"), Status::InDiscussion),
        (country("CL"), Status::AwaitingVetting),
        (country("CL"), Status::AwaitingVetting),
        (country("CL"), Status::Invited),
        // Not open stages: counted nowhere, and no reason to list France.
        (country("CL"), Status::Submitted),
        (country("FR"), Status::Rejected),
    ];
    let leaders = vec![
        (country("ES"), leader("Lucía Fernández")),
        (country("ES"), leader("Ana Ruiz")),
        // On the roster and a member too: one leader.
        (country("ES"), leader("Ana Ruiz")),
        (country("PE"), leader("Rosa Quispe")),
    ];
    let report = CoverageReport::new(
        Found {
            open,
            leaders,
            decisions: Vec::new(),
        },
        at(1, 12),
    );

    let order: Vec<&str> = report.countries.iter().map(|c| c.country.alpha2()).collect();
    assert_eq!(
        order,
        ["CL", "ES", "PE"],
        "most open first, then by name; empty countries left out"
    );
    assert_eq!(report.countries[0].open, [2, 0, 0, 0, 1]);
    let leaders: Vec<&str> = report.countries[1].leaders.iter().map(PersonName::as_str).collect();
    assert_eq!(leaders, ["Ana Ruiz", "Lucía Fernández"]);
    assert_eq!(report.open_without_leader, [country("CL")]);
    assert!(report.without_leader.contains(&country("FR")));
    assert!(report.without_leader.contains(&country("CL")));
    assert!(!report.without_leader.contains(&country("ES")));
    assert_eq!(report.without_leader.len(), Country::all().len() - 2);

    let chart = report.open_chart();
    let rows: Vec<&str> = chart.rows.iter().map(|row| row.label.as_str()).collect();
    assert_eq!(
        rows,
        [country("CL").name(), country("ES").name()],
        "only countries with open nominations"
    );
}

#[test]
fn a_decision_is_kept_past_the_months_shown() {
    let decided = decision(DecisionKind::Iln, 3, at(1, 1));
    let first_shown_a_year_later = Month::shown(at(31, 12)).first().copied().unwrap();
    assert_eq!(first_shown_a_year_later, Month::of(decided.decided_at));
    assert!(decided.forgotten_at() > at(31, 12));
}
