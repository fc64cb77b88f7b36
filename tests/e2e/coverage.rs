//! The console's coverage page: leaders and open nominations by country,
//! the countries nobody leads, and how long each decision takes.

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use iln_tests::{CONSOLE_ADMIN, CONSOLE_VETTER, ConsoleSession, TestApp, location, nomination, unique_address};

use crate::fixtures::import_roster;

/// A verified nomination of someone in `country`, awaiting vetting.
async fn awaiting_vetting_in(app: &TestApp, country: &str) -> String {
    let mut body = nomination("en", &unique_address("nominee"), &unique_address("nominator"));
    body["nominee_country"] = country.into();
    app.verified_nomination_from(body).await.id
}

async fn decide(app: &TestApp, at: DateTime<Utc>, id: &str, decision: &str) {
    let vera = app.console_sign_in_at(at, CONSOLE_VETTER).await;
    let decided = app
        .console_post(
            at,
            &vera,
            &format!("/console/nominations/{id}/decision"),
            &[
                ("decision", decision),
                ("reason", "Not a fit for the ILN."),
                ("expected_version", "2"),
            ],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
}

/// The table row that starts with `heading`, up to its end.
fn row<'a>(page: &'a str, heading: &str) -> &'a str {
    let start = page
        .find(heading)
        .unwrap_or_else(|| panic!("no row for {heading} in {page}"));
    let rest = &page[start..];
    &rest[..rest.find("</tr>").unwrap_or(rest.len())]
}

/// The numbers in a row's cells, in order.
fn counts(row: &str) -> Vec<usize> {
    row.split("<td>")
        .skip(1)
        .filter_map(|cell| cell.split('<').next())
        .filter_map(|cell| cell.trim().parse().ok())
        .collect()
}

async fn coverage_page(app: &TestApp, at: DateTime<Utc>, session: &ConsoleSession) -> String {
    let page = app.console_get(at, session, "/console/coverage").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.body
}

#[tokio::test]
async fn the_coverage_page_counts_leaders_and_open_nominations_by_country_and_times_each_decision() {
    let app = TestApp::spawn().await;
    let start = app.now;
    import_roster(
        &app,
        &format!(
            "email,name,category,country\n\
             {},Rosa Quispe,iln_member,PE\n\
             {},Ana Ruiz,iln_member,NG\n\
             {},Carla Mediadora,imi_certified_mediator,CL\n",
            unique_address("rosa"),
            unique_address("ana"),
            unique_address("carla"),
        ),
    )
    .await;
    let waiting_in_nigeria = awaiting_vetting_in(&app, "NG").await;
    let approved_in_chile = awaiting_vetting_in(&app, "CL").await;
    let rejected_in_chile = awaiting_vetting_in(&app, "CL").await;
    decide(&app, start + Duration::days(2), &approved_in_chile, "approve").await;
    decide(&app, start + Duration::days(6), &rejected_in_chile, "reject").await;

    let later = start + Duration::days(6);
    let vera = app.console_sign_in_at(later, CONSOLE_VETTER).await;
    let page = coverage_page(&app, later, &vera).await;

    // Awaiting vetting, awaiting consent, in discussion, confirmed, invited; the total.
    let nigeria = row(&page, ">Nigeria</a></th>");
    assert!(nigeria.contains("Ana Ruiz"), "{nigeria}");
    assert_eq!(counts(nigeria), [1, 0, 0, 0, 0, 1]);
    let chile = row(&page, ">Chile</a></th>");
    assert!(
        chile.contains("No leader"),
        "a certified mediator is no ILN leader: {chile}"
    );
    assert_eq!(counts(chile), [0, 0, 1, 0, 0, 1], "the rejected one is closed");
    let peru = row(&page, ">Peru</a></th>");
    assert!(peru.contains("Rosa Quispe"), "{peru}");
    assert_eq!(counts(peru), [0, 0, 0, 0, 0, 0]);
    assert!(
        page.find(">Chile</a>") < page.find(">Nigeria</a>"),
        "countries with more open nominations come first"
    );
    let unled = &page[page.find("where the ILN has no leader").unwrap()..page.find("All countries without").unwrap()];
    assert!(
        unled.contains("<li>Chile</li>") && !unled.contains("Nigeria"),
        "{unled}"
    );
    assert!(page.contains("<svg") && page.contains("role=\"img\""));
    assert!(
        page.contains("<title>Chile: In discussion, 1</title>"),
        "the chart's bar says what it is"
    );
    assert!(
        !page.contains(&waiting_in_nigeria),
        "no reference of a nomination is shown"
    );

    // Two vetting decisions, after 2 and 6 days: a median of 4.
    let vetting = row(&page, "Vetting (approved or rejected)</th>");
    assert!(vetting.contains("4.0 days"), "{vetting}");
    assert_eq!(counts(vetting), [2]);
    assert_eq!(counts(row(&page, "ILN (confirmed or declined)</th>")), [0]);

    let chosen = app
        .console_post(
            later,
            &vera,
            "/console/language",
            &[("lang", "es"), ("return_to", "/console/coverage")],
        )
        .await;
    assert_eq!(location(&chosen), "/console/coverage");
    let spanish = coverage_page(&app, later, &vera).await;
    assert!(spanish.contains("<html lang=\"es\""));
    assert!(row(&spanish, "Revisión (aprobada o rechazada)</th>").contains("4,0 días"));
    assert!(row(&spanish, ">Chile</a></th>").contains("Sin líder"));
}

#[tokio::test]
async fn a_decision_raced_by_three_vetters_is_timed_once() {
    let app = TestApp::spawn().await;
    let id = awaiting_vetting_in(&app, "ES").await;
    let at = app.now + Duration::hours(36);
    let sessions = [
        app.console_sign_in_at(at, CONSOLE_VETTER).await,
        app.console_sign_in_at(at, CONSOLE_ADMIN).await,
        app.console_sign_in_at(at, CONSOLE_VETTER).await,
    ];
    let path = format!("/console/nominations/{id}/decision");
    let form = [("decision", "approve"), ("reason", ""), ("expected_version", "2")];
    let decided = futures::future::join_all(
        sessions
            .iter()
            .map(|session| app.console_post(at, session, &path, &form)),
    )
    .await;
    assert_eq!(decided.iter().filter(|response| response.status == 303).count(), 1);

    let page = coverage_page(&app, at, &sessions[0]).await;
    let vetting = row(&page, "Vetting (approved or rejected)</th>");
    assert!(vetting.contains("1.5 days"), "{vetting}");
    assert_eq!(counts(vetting), [1], "one decision, however many clicked");
}

#[tokio::test]
async fn a_decision_of_december_is_counted_in_january_from_the_last_years_log() {
    let app = TestApp::spawn().await;
    let id = awaiting_vetting_in(&app, "MX").await;
    let next_year = app.now.year() + 1;
    let december = Utc.with_ymd_and_hms(next_year, 12, 28, 10, 0, 0).unwrap();
    let january = Utc.with_ymd_and_hms(next_year + 1, 1, 10, 10, 0, 0).unwrap();
    decide(&app, december, &id, "approve").await;

    let ada = app.console_sign_in_at(january, CONSOLE_ADMIN).await;
    let page = coverage_page(&app, january, &ada).await;
    assert_eq!(counts(row(&page, "Vetting (approved or rejected)</th>")), [1], "{page}");
    let last_december = row(&page, &format!(">{next_year}-12</th>"));
    assert!(last_december.contains("(of 1)"), "{last_december}");
    assert_eq!(counts(row(&page, ">Mexico</a></th>")), [0, 0, 1, 0, 0, 1]);
}

#[tokio::test]
async fn the_coverage_page_is_for_signed_in_staff() {
    let app = TestApp::spawn().await;
    let unsigned = app.get("/console/coverage").await;
    assert_eq!(unsigned.status, 303);
    assert_eq!(location(&unsigned), "/console/sign-in?return_to=%2Fconsole%2Fcoverage");

    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let page = coverage_page(&app, app.now, &ada).await;
    assert!(page.contains("No country has a leader or an open nomination yet."));
    assert!(page.contains("Every country with an open nomination has a leader."));
    assert!(page.contains("No decision was taken in the last twelve months."));
    assert!(page.contains(&format!(
        "All countries without a leader ({})",
        iln_domain::nomination::Country::all().len()
    )));
}
