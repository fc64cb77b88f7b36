//! Work that grows with the data: a count read past DynamoDB's 1 MB page is
//! whole, and a daily run longer than its invocation stops, saves where it
//! stands and is finished by the next invocations, each action once. (How
//! long these take at 10,000 nominations is the bench's business:
//! `bench/run scale`.)

use chrono::{DateTime, Duration, Utc};
use iln_domain::audit::AuditEvent;
use iln_domain::intake::NominationForm;
use iln_domain::privacy::ErasureProgress;
use iln_domain::step::Opening;
use iln_domain::{EmailAddress, Language, NominationId, Status};
use iln_tests::{TestApp, unique_address, vetter_token};

/// A nomination written straight into `status` by the store, as of `at`,
/// from `country`, with a rationale of `rationale_chars` characters.
async fn opened(
    app: &TestApp,
    status: Status,
    country: &str,
    at: DateTime<Utc>,
    rationale_chars: usize,
) -> NominationId {
    opened_by(app, &unique_address("lucia"), status, country, at, rationale_chars).await
}

/// As [`opened`], nominated by `nominator`.
async fn opened_by(
    app: &TestApp,
    nominator: &str,
    status: Status,
    country: &str,
    at: DateTime<Utc>,
    rationale_chars: usize,
) -> NominationId {
    let opening = opening(nominator, status, country, at, rationale_chars);
    app.table.submit(&opening, &[]).await.unwrap();
    opening.id
}

/// A new nominee's nomination by `nominator`, opened in `status`.
fn opening(nominator: &str, status: Status, country: &str, at: DateTime<Utc>, rationale_chars: usize) -> Opening {
    let form = NominationForm {
        nominee_name: Some("Amara Okafor".to_owned()),
        nominee_email: Some(unique_address("amara")),
        nominee_country: Some(country.to_owned()),
        nominee_role: Some("mediator".to_owned()),
        nominator_name: Some("Lucía Fernández".to_owned()),
        nominator_email: Some(nominator.to_owned()),
        nominator_basis: Some("iln_member".to_owned()),
        // Three bytes a character: fewer nominations fill a page.
        rationale: Some(
            "在没有调解的地方建立调解"
                .chars()
                .cycle()
                .take(rationale_chars)
                .collect(),
        ),
        privacy_consent: true,
        ..NominationForm::default()
    };
    Opening {
        id: NominationId::new(at),
        submission: form.parse(Language::En).unwrap(),
        status,
        at,
        audit: AuditEvent::submitted(at),
        messages: Vec::new(),
    }
}

/// Every item of `app`'s table, in key order; an audit event's key only
/// to its time (the rest of its ULID is random).
async fn every_item(app: &TestApp) -> Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>> {
    let mut items = app.all_items().await;
    for item in &mut items {
        if let Some(aws_sdk_dynamodb::types::AttributeValue::S(sk)) = item.get_mut("sk")
            && sk.starts_with("AUDIT#")
        {
            sk.truncate("AUDIT#".len() + 10);
        }
    }
    let key = |item: &std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>, name: &str| {
        item.get(name).and_then(|value| value.as_s().ok()).cloned()
    };
    items.sort_by_key(|item| (key(item, "pk"), key(item, "sk")));
    items
}

#[tokio::test]
async fn a_dataset_written_in_batches_holds_exactly_the_items_submission_writes() {
    let (submitted, batched) = (TestApp::spawn().await, TestApp::spawn().await);
    let nominator = unique_address("lucia");
    // 30 nominations of 5 items each: six BatchWriteItem calls.
    let openings: Vec<Opening> = [Status::Submitted, Status::AwaitingVetting, Status::Objected]
        .into_iter()
        .cycle()
        .take(30)
        .map(|status| opening(&nominator, status, "GH", submitted.now, 80))
        .collect();

    for opening in &openings {
        submitted.table.submit(opening, &[]).await.unwrap();
    }
    batched.table.write_dataset(&openings).await.unwrap();

    let items = every_item(&submitted).await;
    assert_eq!(items.len(), 150, "five items a nomination");
    assert_eq!(every_item(&batched).await, items);
    let queue = batched
        .staff_request(
            "GET",
            "/vetting/nominations?status=awaiting_vetting",
            Some(&vetter_token()),
            None,
        )
        .await;
    assert_eq!(
        queue.json()["items"].as_array().map(Vec::len),
        Some(10),
        "{}",
        queue.body
    );
}

#[tokio::test]
async fn the_findings_count_every_open_nomination_of_a_country_beyond_one_page_of_the_index() {
    let app = TestApp::spawn().await;
    // 5,000 characters of three bytes each: some 65 nominations fill the
    // 1 MB that one Query of the country index reads.
    let mut ids = Vec::new();
    for _ in 0..90 {
        ids.push(opened(&app, Status::AwaitingVetting, "KE", app.now, 5_000).await);
    }

    let file = app.file(&ids[0].to_string()).await;

    assert_eq!(file["findings"]["country_open_nominations"], 89, "every other one");
}

/// Time for `actions` more actions, then none: a deadline that does not
/// depend on how fast this machine is.
fn budget(actions: usize) -> impl FnMut() -> bool + Send {
    let mut left = actions;
    move || {
        let allowed = left > 0;
        left = left.saturating_sub(1);
        allowed
    }
}

#[tokio::test]
async fn a_daily_run_cut_short_is_finished_by_its_continuations_and_acts_on_each_nomination_once() {
    let app = TestApp::spawn().await;
    let long_ago = app.now - Duration::days(10);
    let mut unverified = Vec::new();
    for _ in 0..6 {
        unverified.push(opened(&app, Status::Submitted, "GH", long_ago, 80).await);
    }
    for _ in 0..12 {
        opened(&app, Status::InDiscussion, "GH", long_ago, 80).await;
    }
    for _ in 0..3 {
        opened(&app, Status::AwaitingVetting, "GH", long_ago, 80).await;
    }
    let reminders = &app.gateway.functions.reminders;

    let first = reminders::run_scheduled(reminders, app.now, &mut budget(5))
        .await
        .unwrap();
    let mut runs = vec![first];
    while !runs.last().unwrap().complete && runs.len() < 20 {
        runs.push(reminders::resume(reminders, &mut budget(5)).await.unwrap());
    }
    let again = reminders::run_scheduled(reminders, app.now, &mut budget(100))
        .await
        .unwrap();
    let continued = reminders::resume(reminders, &mut budget(100)).await.unwrap();

    assert!(!runs[0].complete, "the first invocation stopped for time");
    assert!(runs.last().unwrap().complete, "{runs:?}");
    let total = |count: fn(&reminders::Summary) -> usize| runs.iter().map(count).sum::<usize>();
    assert_eq!(total(|run| run.expired_unverified), 6, "each expired once");
    assert_eq!(total(|run| run.discussion_reminders), 12, "each reminded once");
    assert_eq!(total(|run| run.overdue_in_vetting), 3, "one digest");
    for id in &unverified {
        assert_eq!(app.status_of(&id.to_string()).await, "expired");
    }
    assert_eq!(app.outbox_of_kind("reminder").await.len(), 12);
    assert_eq!(
        (again.complete, again.discussion_reminders, again.expired_unverified),
        (true, 0, 0),
        "the same daily event again finds its run finished"
    );
    assert_eq!((continued.complete, continued.discussion_reminders), (true, 0));
}

#[tokio::test]
async fn an_erasure_cut_short_says_what_it_erased_and_the_same_request_finishes_it_erasing_each_nomination_once() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("prolific");
    let mut ids = Vec::new();
    for _ in 0..10 {
        ids.push(opened_by(&app, &nominator, Status::AwaitingVetting, "GH", app.now, 80).await);
    }
    let address = EmailAddress::parse(&nominator).unwrap();

    let first = app
        .table
        .erase_person(&address, "admin-1", app.now, budget(4))
        .await
        .unwrap();
    let rest = crate::fixtures::erase(&app, &nominator).await;
    let again = crate::fixtures::erase(&app, &nominator).await;

    let ErasureProgress::Stopped(first) = first else {
        panic!("four nominations of ten fit the time: {first:?}")
    };
    assert_eq!(first.nominations, 4);
    assert_eq!(rest.status, 200, "{}", rest.body);
    assert_eq!(rest.json()["erased"]["nominations"], 6, "the rest, and only the rest");
    assert_eq!(again.json()["erased"]["nominations"], 0, "nothing is left to erase");
    let erasures: Vec<String> = app
        .items_of("audit_event")
        .await
        .iter()
        .filter(|event| event["what"].as_s().unwrap() == "personal_data_erased")
        .map(|event| event["pk"].as_s().unwrap().clone())
        .collect();
    for id in &ids {
        let of_this = erasures.iter().filter(|pk| pk.ends_with(&id.to_string())).count();
        assert_eq!(of_this, 1, "nomination {id} erased once: {erasures:?}");
    }
    assert!(app.items_of("nomination").await.is_empty(), "every nomination erased");
}
