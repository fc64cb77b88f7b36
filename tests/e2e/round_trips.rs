//! What each route costs in DynamoDB calls, written down: a change that
//! adds a round trip to a route fails here and has to say so. The bench
//! (`bench/run`) prints the same figures beside each route's latency.

use iln_tests::routes::RouteCase;
use iln_tests::{Options, RoundTrips, TestApp};

/// DynamoDB operations each route's request makes, as of this commit. The
/// export and the erasure grow with the person's nominations (here one),
/// the roster import with its rows (one batch of 25 here), the queue and
/// the members directory with their pages.
fn pinned(case: RouteCase) -> usize {
    match case {
        RouteCase::FormPage => 0,
        RouteCase::Submit => 1,
        RouteCase::VerificationPage => 2,
        RouteCase::Verify => 4,
        // The token, then the nomination it follows.
        RouteCase::StatusPage => 2,
        RouteCase::Queue => 1,
        // The file (nomination, audit, additions), then beside each other
        // its endorsements, its surroundings (2) and the record of this read.
        RouteCase::Detail => 5,
        RouteCase::Approve => 2,
        // The file read, then the step's write.
        RouteCase::Correction => 2,
        RouteCase::RosterImport => 1,
        // Who clicked (their Slack user's item, then one batch of their
        // member, roster and staff-list items), then the step's read and write.
        RouteCase::SlackApprove => 4,
        RouteCase::SlackConfirm => 4,
        RouteCase::InvitationPage => 2,
        RouteCase::Accept => 3,
        // One Query per status (active, derecognised, resigned), in parallel.
        RouteCase::Members => 3,
        // The person's reads, then beside each other the export recorded on
        // their nomination and in the month's log of exports.
        RouteCase::Export => 7,
        RouteCase::Erase => 9,
        // The link's token, then the nomination; the objection's one write.
        RouteCase::NoticePage => 2,
        RouteCase::Object => 3,
        // The pointer under the address, the member, the mail's one write.
        RouteCase::MemberSignIn => 3,
        // The session, then its member.
        RouteCase::MemberPage => 2,
        // The session, checked and extended in one write; the queue's page.
        RouteCase::ConsoleQueue => 2,
        // The session, then the same reads and write as the staff API's.
        RouteCase::ConsoleFile => 6,
        RouteCase::ConsoleApprove => 3,
        // The session; beside each other, a query per open stage, the
        // active members, the roster's ILN members, and the decision log of
        // each calendar year the twelve months shown touch (one in
        // December, two otherwise).
        RouteCase::ConsoleCoverage => 8 + decision_log_years(),
        // The session; then the three categories' partitions, side by side.
        RouteCase::ConsoleRoster => 4,
        // The session, then one batch of 25 puts.
        RouteCase::ConsoleRosterImport => 2,
        // The session, then one conditional delete.
        RouteCase::ConsoleRosterRemoval => 2,
    }
}

fn decision_log_years() -> usize {
    let years: std::collections::BTreeSet<i32> = iln_domain::coverage::Month::shown(chrono::Utc::now())
        .into_iter()
        .map(|month| month.year())
        .collect();
    years.len()
}

#[tokio::test]
async fn every_route_makes_the_dynamodb_calls_written_down_for_it_and_no_more() {
    let round_trips = RoundTrips::default();
    let app = TestApp::spawn_with(Options {
        round_trips: Some(round_trips.clone()),
        ..Options::default()
    })
    .await;
    let mut differences = Vec::new();

    for &case in RouteCase::ALL {
        let request = app.prepare(case).await;
        round_trips.reset();
        let response = app.send(&request).await;
        let made = round_trips.count();

        assert_eq!(
            response.status,
            request.expect,
            "{}: {}",
            case.describe(),
            response.body
        );
        if made != pinned(case) {
            differences.push(format!(
                "{}: {made} calls, {} written down",
                case.describe(),
                pinned(case)
            ));
        }
    }

    assert!(
        differences.is_empty(),
        "round trips changed:\n{}",
        differences.join("\n")
    );
}
