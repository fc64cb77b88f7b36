//! The ILN's discussion: a window, a quorum or lazy consensus, concerns that
//! hold until a vetter resolves them, conflicts, and the IAC.

use chrono::Duration;
use iln_tests::{
    ILN_CHANNEL, Options, SLACK_VETTER, TestApp, TestResponse, VETTING_CHANNEL, admin_token, nomination,
    unique_address, vetter_token,
};
use serde_json::{Value, json};

async fn status(app: &TestApp, id: &str) -> String {
    app.status_of(id).await
}

/// The nomination's discussion as stored.
async fn discussion(app: &TestApp, id: &str) -> Value {
    let item = app
        .items_of("nomination")
        .await
        .into_iter()
        .find(|item| item["id"].as_s().unwrap() == id)
        .expect("the nomination");
    serde_dynamo::from_attribute_value(item["discussion"].clone()).expect("a discussion")
}

async fn open_concern(app: &TestApp, id: &str) -> String {
    let discussion = discussion(app, id).await;
    discussion["concerns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|concern| concern.get("resolution").is_none())
        .expect("an open concern")["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `UC01` to `UC20`: ILN members on the roster, in Slack.
async fn members(app: &TestApp) {
    let ids: Vec<String> = (1..=20).map(|n| format!("UC{n:02}")).collect();
    app.iln_members(&ids.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
}

async fn confirm(app: &TestApp, user: &str, id: &str) -> TestResponse {
    app.click(user, "iln.confirm", id, 3, ILN_CHANNEL).await
}

async fn staff_post(app: &TestApp, token: &str, path: &str, body: Value) -> TestResponse {
    app.staff_request("POST", path, Some(token), Some(&body)).await
}

async fn resolve(app: &TestApp, id: &str, concern: &str, note: &str) -> TestResponse {
    staff_post(
        app,
        &vetter_token(),
        &format!("/vetting/nominations/{id}/concerns/{concern}/resolution"),
        json!({ "note": note }),
    )
    .await
}

async fn refer(app: &TestApp, id: &str, reason: &str) -> TestResponse {
    staff_post(
        app,
        &vetter_token(),
        &format!("/vetting/nominations/{id}/referral"),
        json!({ "reason": reason }),
    )
    .await
}

async fn iac_outcome(app: &TestApp, token: &str, id: &str, decision: &str, note: &str) -> TestResponse {
    staff_post(
        app,
        token,
        &format!("/vetting/nominations/{id}/referral/outcome"),
        json!({ "decision": decision, "note": note }),
    )
    .await
}

fn audited(file: &Value, what: &str) -> usize {
    file["audit"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["what"] == what)
        .count()
}

async fn told(app: &TestApp, user: &str) -> Vec<String> {
    app.slack_calls()
        .await
        .into_iter()
        .filter(|call| call.method == "chat.postEphemeral" && call.body["user"] == user)
        .map(|call| call.body["text"].to_string())
        .collect()
}

fn lazy_consensus(minimum: usize) -> Options {
    Options {
        parameters: vec![
            ("ConfirmationMode", "lazy_consensus".to_owned()),
            ("MinimumConfirmations", minimum.to_string()),
        ],
        ..Options::default()
    }
}

#[tokio::test]
async fn with_a_quorum_of_two_an_open_concern_holds_until_a_vetter_resolves_it_and_a_second_confirmation_confirms() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let nomination = app.in_discussion().await;

    assert_eq!(confirm(&app, "UC01", &nomination.id).await.status, 200);
    let concern = app
        .submit_modal(
            "UC02",
            "iln.raise_concern",
            &nomination.id,
            3,
            "Is the CV current?",
            false,
        )
        .await;
    assert_eq!(concern.status, 200, "{}", concern.body);
    assert_eq!(confirm(&app, "UC03", &nomination.id).await.status, 200);
    app.deliver_outbox().await;
    assert_eq!(
        status(&app, &nomination.id).await,
        "in_discussion",
        "two confirmations and an open concern: held"
    );

    let concern_id = open_concern(&app, &nomination.id).await;
    let resolved = resolve(&app, &nomination.id, &concern_id, "Checked with the nominee's court.").await;
    assert_eq!(resolved.status, 200, "{}", resolved.body);
    app.deliver_outbox().await;

    assert_eq!(status(&app, &nomination.id).await, "invited");
    let file = app.file(&nomination.id).await;
    assert_eq!(audited(&file, "concern_resolved"), 1);
    assert_eq!(app.outbox_of_kind("invitation").await.len(), 1);
    let again = resolve(&app, &nomination.id, &concern_id, "Again.").await;
    assert_eq!(again.status, 409, "no longer in discussion: {}", again.body);
}

#[tokio::test]
async fn a_concern_that_is_not_open_cannot_be_resolved_and_a_note_is_required() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let nomination = app.in_discussion().await;

    let unknown = resolve(&app, &nomination.id, "UC09.0000", "A note.").await;
    app.submit_modal("UC02", "iln.raise_concern", &nomination.id, 3, "A doubt.", false)
        .await;
    let concern_id = open_concern(&app, &nomination.id).await;
    let without_note = resolve(&app, &nomination.id, &concern_id, "  ").await;

    assert_eq!(unknown.status, 404, "{}", unknown.body);
    assert_eq!(without_note.status, 422, "{}", without_note.body);
    assert_eq!(
        discussion(&app, &nomination.id).await["concerns"][0].get("resolution"),
        None
    );
}

#[tokio::test]
async fn lazy_consensus_confirms_when_the_window_ends_without_an_open_concern_and_waits_while_one_is_open() {
    let app = TestApp::spawn_with(lazy_consensus(1)).await;
    members(&app).await;
    let quiet = app.in_discussion().await;
    let contested = app.in_discussion().await;
    let unsupported = app.in_discussion().await;
    confirm(&app, "UC01", &quiet.id).await;
    confirm(&app, "UC01", &contested.id).await;
    app.submit_modal(
        "UC02",
        "iln.decline",
        &contested.id,
        3,
        "Please wait for the audit.",
        false,
    )
    .await;

    let during = app.run_reminders(app.now + Duration::days(6)).await;
    let ended = app
        .run_reminders(app.now + Duration::days(7) + Duration::minutes(1))
        .await;
    app.deliver_outbox().await;

    assert_eq!((during.discussions_ended, ended.discussions_ended), (0, 2));
    assert_eq!(status(&app, &quiet.id).await, "invited");
    assert_eq!(
        status(&app, &contested.id).await,
        "in_discussion",
        "the concern holds it"
    );
    assert_eq!(
        status(&app, &unsupported.id).await,
        "not_confirmed",
        "fewer than the minimum"
    );

    let concern_id = open_concern(&app, &contested.id).await;
    resolve(&app, &contested.id, &concern_id, "The audit is clean.").await;
    let next_day = app.run_reminders(app.now + Duration::days(8)).await;
    app.deliver_outbox().await;
    assert_eq!(next_day.discussions_ended, 1);
    assert_eq!(
        status(&app, &contested.id).await,
        "invited",
        "resolved: confirmed by the next daily run"
    );
}

#[tokio::test]
async fn a_referral_freezes_confirmation_mails_the_iac_the_file_and_the_iacs_proceed_lets_it_go_on() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let mut body = nomination("en", &unique_address("amara"), &unique_address("lucia"));
    body["nominator_basis"] = json!("self_nomination");
    body["nominator_email"] = body["nominee_email"].clone();
    body["nominator_name"] = json!("Amara Okafor");
    body["self_identification"] = json!("a mediator from a rural region");
    let nomination = app.in_discussion_from(body).await;
    confirm(&app, "UC01", &nomination.id).await;
    app.submit_modal(
        "UC02",
        "iln.raise_concern",
        &nomination.id,
        3,
        "Possible sanctions.",
        false,
    )
    .await;

    let referred = refer(&app, &nomination.id, "A member reports possible sanctions.").await;
    assert_eq!(referred.status, 200, "{}", referred.body);
    let twice = refer(&app, &nomination.id, "Again.").await;
    confirm(&app, "UC03", &nomination.id).await;
    app.deliver_outbox().await;

    assert_eq!(twice.status, 409, "{}", twice.body);
    // The IAC's mailbox is shared by every test: this nomination's mail.
    let mails: Vec<_> = app
        .mails_to("iac@iln.localhost")
        .await
        .into_iter()
        .filter(|mail| mail.text.contains(&nomination.id))
        .collect();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("Possible sanctions."), "{}", mails[0].text);
    assert!(!mails[0].text.contains("rural"), "never the self-identification");
    assert!(
        told(&app, "UC03").await.iter().any(|text| text.contains("IAC")),
        "a confirmation while frozen is refused and told"
    );
    assert_eq!(
        discussion(&app, &nomination.id).await["confirmations"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let by_a_vetter = iac_outcome(&app, &vetter_token(), &nomination.id, "proceed", "No sanctions.").await;
    let proceed = iac_outcome(&app, &admin_token(), &nomination.id, "proceed", "No sanctions found.").await;
    assert_eq!(by_a_vetter.status, 403);
    assert_eq!(proceed.status, 200, "{}", proceed.body);
    assert_eq!(status(&app, &nomination.id).await, "in_discussion");
    confirm(&app, "UC03", &nomination.id).await;
    app.deliver_outbox().await;

    assert_eq!(status(&app, &nomination.id).await, "invited");
    let file = app.file(&nomination.id).await;
    assert_eq!(
        (
            audited(&file, "referred_to_iac"),
            audited(&file, "iac_outcome_recorded")
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn the_iacs_do_not_proceed_closes_the_nomination_and_the_nominator_hears_only_that_it_concluded() {
    let app = TestApp::spawn().await;
    members(&app).await;
    let nomination = app.in_discussion_in("es").await;
    refer(&app, &nomination.id, "Conflict with a board member.").await;

    let closed = iac_outcome(
        &app,
        &admin_token(),
        &nomination.id,
        "do_not_proceed",
        "Not suitable now.",
    )
    .await;
    app.deliver_outbox().await;

    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(status(&app, &nomination.id).await, "declined");
    let mails = app.mails_to(&nomination.nominator).await;
    let concluded = mails.last().expect("the closing mail");
    assert!(concluded.subject.contains("concluido"), "{}", concluded.subject);
    assert!(!concluded.text.contains("Not suitable"), "no reasons");
    assert!(!concluded.text.contains("IAC"), "no names of who decided");
    assert_eq!(app.outbox_of_kind("process_concluded").await.len(), 1);
}

#[tokio::test]
async fn a_conflict_declared_after_a_confirmation_takes_it_out_of_the_count() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let nomination = app.in_discussion().await;
    confirm(&app, "UC01", &nomination.id).await;

    let conflict = app
        .click("UC01", "iln.declare_conflict", &nomination.id, 3, ILN_CHANNEL)
        .await;
    confirm(&app, "UC02", &nomination.id).await;
    confirm(&app, "UC01", &nomination.id).await;
    app.deliver_outbox().await;

    assert_eq!(conflict.status, 200);
    assert_eq!(
        status(&app, &nomination.id).await,
        "in_discussion",
        "one counted confirmation of two"
    );
    assert!(told(&app, "UC01").await.iter().any(|text| text.contains("conflict")));
    assert_eq!(audited(&app.file(&nomination.id).await, "conflict_declared"), 1);

    confirm(&app, "UC03", &nomination.id).await;
    app.deliver_outbox().await;
    assert_eq!(status(&app, &nomination.id).await, "invited");
}

#[tokio::test]
async fn twenty_members_confirming_at_once_with_three_conflicts_confirm_once_with_seventeen_counted() {
    let app = TestApp::spawn_with_quorum(17).await;
    members(&app).await;
    let nomination = app.in_discussion().await;
    for user in ["UC18", "UC19", "UC20"] {
        let declared = app
            .click(user, "iln.declare_conflict", &nomination.id, 3, ILN_CHANNEL)
            .await;
        assert_eq!(declared.status, 200);
    }
    let users: Vec<String> = (1..=20).map(|n| format!("UC{n:02}")).collect();

    let acks = futures::future::join_all(users.iter().map(|user| confirm(&app, user, &nomination.id))).await;
    app.deliver_outbox().await;

    assert!(acks.iter().all(|ack| ack.status == 200), "{acks:?}");
    assert_eq!(status(&app, &nomination.id).await, "invited");
    assert_eq!(app.outbox_of_kind("invitation").await.len(), 1);
    let discussion = discussion(&app, &nomination.id).await;
    let confirmed_by: Vec<&str> = discussion["confirmations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["by"].as_str().unwrap())
        .collect();
    assert_eq!(confirmed_by.len(), 17, "{confirmed_by:?}");
    assert!(!confirmed_by.iter().any(|user| ["UC18", "UC19", "UC20"].contains(user)));
    for conflicted in ["UC18", "UC19", "UC20"] {
        assert!(
            told(&app, conflicted)
                .await
                .iter()
                .any(|text| text.contains("conflict")),
            "{conflicted}"
        );
    }
}

#[tokio::test]
async fn a_vetter_closes_a_discussed_nomination_and_the_nominator_is_told_it_concluded() {
    let app = TestApp::spawn().await;
    members(&app).await;
    let nomination = app.in_discussion().await;

    let closed = app
        .decide(
            &nomination.id,
            json!({ "decision": "close", "reason": "Withdrawn support.", "expected_version": 3 }),
        )
        .await;
    app.deliver_outbox().await;

    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(status(&app, &nomination.id).await, "declined");
    let mails = app.mails_to(&nomination.nominator).await;
    assert!(
        mails.last().unwrap().subject.contains("concluded"),
        "{:?}",
        mails.last()
    );
}

#[tokio::test]
async fn a_quorum_short_when_the_window_ends_is_not_confirmed_and_the_nominator_is_told() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let nomination = app.in_discussion().await;
    confirm(&app, "UC01", &nomination.id).await;

    let run = app
        .run_reminders(app.now + Duration::days(7) + Duration::minutes(1))
        .await;
    app.run_reminders(app.now + Duration::days(7) + Duration::minutes(2))
        .await;
    app.deliver_outbox().await;

    assert_eq!(run.discussions_ended, 1);
    assert_eq!(status(&app, &nomination.id).await, "not_confirmed");
    assert_eq!(app.outbox_of_kind("process_concluded").await.len(), 1, "told once");
}

#[tokio::test]
async fn a_vetter_resolves_a_concern_from_the_vetting_card_and_the_iln_thread_is_told() {
    let app = TestApp::spawn().await;
    members(&app).await;
    let nomination = app.in_discussion().await;
    app.submit_modal(
        "UC02",
        "iln.raise_concern",
        &nomination.id,
        3,
        "Is the CV current?",
        false,
    )
    .await;
    confirm(&app, "UC01", &nomination.id).await;
    assert_eq!(
        status(&app, &nomination.id).await,
        "in_discussion",
        "the concern holds it"
    );

    let opened = app
        .click(
            SLACK_VETTER,
            "vetting.resolve_concern",
            &nomination.id,
            5,
            VETTING_CHANNEL,
        )
        .await;
    let modals: Vec<String> = app
        .slack_calls()
        .await
        .into_iter()
        .filter(|call| call.method == "views.open")
        .map(|call| call.body.to_string())
        .collect();
    assert_eq!(opened.status, 200);
    assert_eq!(modals.len(), 1);
    assert!(modals[0].contains("Is the CV current?"), "{}", modals[0]);

    let concern_id = open_concern(&app, &nomination.id).await;
    let submission = json!({
        "type": "view_submission",
        "user": { "id": SLACK_VETTER },
        "view": {
            "id": "V1",
            "callback_id": "vetting.resolve_concern",
            "private_metadata": format!("{}:5|{VETTING_CHANNEL}", nomination.id),
            "state": { "values": {
                "concern": { "concern_input": { "type": "static_select", "selected_option": { "value": concern_id } } },
                "text": { "text_input": { "type": "plain_text_input", "value": "Checked with the court." } },
            } },
        },
    });
    let body = TestApp::interaction_body(&submission);
    let resolved = app
        .from_slack("/slack/interactions", "application/x-www-form-urlencoded", &body, &[])
        .await;
    app.deliver_outbox().await;

    assert_eq!(resolved.status, 200, "{}", resolved.body);
    assert_eq!(status(&app, &nomination.id).await, "invited");
    let notes: Vec<String> = app
        .posts_to(ILN_CHANNEL)
        .await
        .into_iter()
        .map(|post| post.to_string())
        .filter(|post| post.contains("Checked with the court."))
        .collect();
    assert_eq!(notes.len(), 1, "the ILN card's thread is told");
}
