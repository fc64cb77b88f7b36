//! The outbox gets from the table's stream what Lambda would give it under
//! the filters of `template.yaml`: outbox messages inserted and TTL's
//! removals of nominations; not updates, audit events, or deletes made by a
//! user or a function. Records come from DynamoDB Local, TTL's deletes from
//! the harness's stand-in for DynamoDB's TTL process, and the outbox handler
//! is the real one.

use crate::fixtures::{rejected_nomination, submitted_nomination};
use aws_lambda_events::event::dynamodb::EventRecord;
use chrono::Duration;
use iln_runner::Template;
use iln_runner::stream::lambda_json;
use iln_tests::{Options, TestApp};
use std::collections::HashSet;

/// `OutboxInserts`' only filter before TTL removals were admitted.
const INSERTS_ONLY: &str =
    r#"{"eventName": ["INSERT"], "dynamodb": {"NewImage": {"entity": {"S": ["outbox_message"]}}}}"#;

/// One stream record as the filters see it.
#[derive(Debug)]
struct Seen {
    sequence: String,
    event: String,
    entity: String,
    by_service: bool,
    admitted: bool,
}

async fn stream(app: &TestApp) -> Vec<Seen> {
    let filters = Template::load().expect("template.yaml parses").outbox_stream.filters;
    let records: Vec<EventRecord> = app.stream_from_start().await.read().await.expect("stream readable");
    records
        .iter()
        .map(|record| {
            let json = lambda_json(record).expect("record as JSON");
            let image = if record.event_name == "REMOVE" {
                "OldImage"
            } else {
                "NewImage"
            };
            Seen {
                sequence: record.change.sequence_number.clone().unwrap_or_default(),
                event: record.event_name.clone(),
                entity: json["dynamodb"][image]["entity"]["S"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
                by_service: json["userIdentity"]["principalId"] == "dynamodb.amazonaws.com",
                admitted: filters.admits(&json),
            }
        })
        .collect()
}

/// The records written since `before` was read.
async fn since(app: &TestApp, before: &[Seen]) -> Vec<Seen> {
    let known: HashSet<&str> = before.iter().map(|seen| seen.sequence.as_str()).collect();
    stream(app)
        .await
        .into_iter()
        .filter(|seen| !known.contains(seen.sequence.as_str()))
        .collect()
}

fn of<'a>(records: &'a [Seen], event: &str, entity: &str) -> Vec<&'a Seen> {
    records
        .iter()
        .filter(|seen| seen.event == event && seen.entity == entity)
        .collect()
}

/// Pumps until a pump hands nothing over: what the handler wrote while
/// delivering (claims, links) is read by the next pump, so only then does the
/// next pump read nothing but what the test does next.
async fn drain(app: &TestApp) {
    for _ in 0..10 {
        if app.deliver_outbox().await.handed_over == 0 {
            return;
        }
    }
    panic!("the outbox kept receiving records");
}

/// A verified nomination rejected by the vetter, its messages delivered:
/// closed, kept until TTL removes it. Returns its id.
async fn closed_nomination(app: &TestApp) -> String {
    let rejected = rejected_nomination(app).await;
    drain(app).await;
    rejected.id
}

/// Items other than links (tokens, under their own TTL) that mention `id`.
async fn remains_of(app: &TestApp, id: &str) -> Vec<String> {
    app.all_items()
        .await
        .into_iter()
        .filter(|item| format!("{item:?}").contains(id))
        .map(|item| format!("{:?} {:?}", item["pk"], item["sk"]))
        .filter(|key| !key.contains("TOKEN#"))
        .collect()
}

#[tokio::test]
async fn an_inserted_outbox_message_reaches_the_outbox() {
    let app = TestApp::spawn().await;
    let nominator = submitted_nomination(&app, "en").await.nominator;
    let written = stream(&app).await;

    let delivered = app.deliver_outbox().await;

    let inserted = of(&written, "INSERT", "outbox_message");
    assert_eq!(inserted.len(), 1, "the verification mail: {written:#?}");
    assert!(inserted[0].admitted);
    assert_eq!(delivered.handed_over, 1, "only the outbox message");
    assert_eq!(delivered.filtered_out, written.len() - 1, "everything else dropped");
    assert_eq!(app.mails_to(&nominator).await.len(), 1, "and the mail went out");
}

#[tokio::test]
async fn an_update_of_a_nomination_does_not_reach_the_outbox() {
    let app = TestApp::spawn().await;
    let verified = app.verified_nomination("en").await;
    drain(&app).await;
    let before = stream(&app).await;

    let approved = app
        .decide(
            &verified.id,
            serde_json::json!({ "decision": "approve", "expected_version": 2 }),
        )
        .await;
    let written = since(&app, &before).await;
    let delivered = app.deliver_outbox().await;

    assert_eq!(approved.status, 200, "{}", approved.body);
    let updates = of(&written, "MODIFY", "nomination");
    assert_eq!(updates.len(), 1, "the nomination moved: {written:#?}");
    assert!(!updates[0].admitted);
    let messages = of(&written, "INSERT", "outbox_message").len();
    assert!(messages >= 1, "the approval causes messages");
    assert_eq!(delivered.handed_over, messages, "the messages, not the update");
    assert_eq!(delivered.filtered_out, written.len() - messages);
    assert_eq!(app.status_of(&verified.id).await, "in_discussion");
}

#[tokio::test]
async fn an_audit_event_insert_does_not_reach_the_outbox() {
    let app = TestApp::spawn().await;
    submitted_nomination(&app, "en").await;
    let written = stream(&app).await;

    let delivered = app.deliver_outbox().await;

    let audit = of(&written, "INSERT", "audit_event");
    assert!(!audit.is_empty(), "the submission is on the trail: {written:#?}");
    assert!(audit.iter().all(|seen| !seen.admitted));
    assert_eq!(
        delivered.handed_over,
        of(&written, "INSERT", "outbox_message").len(),
        "the messages, not the trail"
    );
}

#[tokio::test]
async fn a_ttl_removal_of_a_nomination_reaches_the_outbox() {
    let app = TestApp::spawn().await;
    let id = closed_nomination(&app).await;
    assert!(!remains_of(&app, &id).await.is_empty());
    let before = stream(&app).await;

    // Rejected in vetting: kept ClosedBeforeDiscussionRetentionDays (30).
    let within_retention = app.remove_nomination_by_ttl(&id, app.now + Duration::days(29)).await;
    let after_retention = app.remove_nomination_by_ttl(&id, app.now + Duration::days(31)).await;
    let written = since(&app, &before).await;
    let purged = app.deliver_outbox().await;

    assert!(
        !within_retention,
        "TTL leaves a rejected nomination alone before its thirty days are out"
    );
    assert!(after_retention);
    let removals = of(&written, "REMOVE", "nomination");
    assert_eq!(removals.len(), 1, "{written:#?}");
    assert!(removals[0].by_service, "TTL's delete carries the service identity");
    assert!(removals[0].admitted);
    assert_eq!(purged.handed_over, 1, "the removal alone");
    assert!(!purged.retry_pending);
    assert_eq!(
        remains_of(&app, &id).await,
        Vec::<String>::new(),
        "nothing but links is left of it"
    );
}

#[tokio::test]
async fn a_delete_of_a_nomination_by_a_user_does_not_reach_the_outbox() {
    let app = TestApp::spawn().await;
    let id = closed_nomination(&app).await;
    let before = stream(&app).await;

    app.dynamodb
        .delete_item()
        .table_name(&app.table_name)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("NOMINATION#{id}")),
        )
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("NOMINATION".into()))
        .send()
        .await
        .unwrap();
    let written = since(&app, &before).await;
    let delivered = app.deliver_outbox().await;

    let removals = of(&written, "REMOVE", "nomination");
    assert_eq!(removals.len(), 1, "{written:#?}");
    assert!(!removals[0].by_service, "a user's delete carries no identity");
    assert!(!removals[0].admitted);
    assert_eq!((delivered.handed_over, delivered.filtered_out), (0, 1));
    assert!(
        remains_of(&app, &id).await.len() > 3,
        "nothing was purged: its trail and messages are still there"
    );
}

#[tokio::test]
async fn todays_inserts_only_filter_would_have_left_a_ttl_removed_nomination_behind() {
    let app = TestApp::spawn_with(Options {
        outbox_filter_patterns: Some(vec![INSERTS_ONLY.to_owned()]),
        ..Options::default()
    })
    .await;
    let id = closed_nomination(&app).await;
    let remains = remains_of(&app, &id).await;

    let removed = app.remove_nomination_by_ttl(&id, app.now + Duration::days(366)).await;
    let after_ttl = app.deliver_outbox().await;

    assert!(removed);
    assert_eq!(after_ttl.handed_over, 0, "the removal never reached the outbox");
    assert_eq!(after_ttl.filtered_out, 1, "it was filtered out, and is gone for good");
    let left = remains_of(&app, &id).await;
    assert_eq!(
        left.len(),
        remains.len() - 1,
        "only the nomination went; its trail, messages and people's links stayed: {left:#?}"
    );
}
