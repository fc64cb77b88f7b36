//! The process does not stall silently: each rule fires when due and not
//! before, and a run repeated at the same time sends nothing new.

use crate::fixtures::{
    act_on_invitation, reject, rejected_nomination, spawn_with_own_ses, submitted_nomination, unverified_nomination,
};
use chrono::Duration;
use iln_tests::{ILN_CHANNEL, SesEmulator, TestApp, VETTING_CHANNEL, nomination, unique_address};

#[tokio::test]
async fn a_nomination_never_verified_expires_after_72_hours_and_not_before() {
    let app = TestApp::spawn().await;
    let id = submitted_nomination(&app, "en").await.id;

    let before = app
        .run_reminders(app.now + Duration::hours(72) - Duration::seconds(1))
        .await;
    let status_before = app.status_of(&id).await;
    let due = app
        .run_reminders(app.now + Duration::hours(72) + Duration::seconds(1))
        .await;
    let again = app
        .run_reminders(app.now + Duration::hours(72) + Duration::seconds(1))
        .await;

    assert_eq!((before.expired_unverified, status_before.as_str()), (0, "submitted"));
    assert_eq!(due.expired_unverified, 1);
    assert_eq!(again.expired_unverified, 0, "a repeated run changes nothing");
    assert_eq!(app.status_of(&id).await, "expired");
    assert!(
        app.items_of("nominee").await.is_empty(),
        "the person may be nominated again"
    );
}

#[tokio::test]
async fn an_unanswered_invitation_expires_after_30_days_and_the_vetting_channel_is_told() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;

    let early = app
        .run_reminders(app.now + Duration::days(30) - Duration::minutes(1))
        .await;
    let due = app
        .run_reminders(app.now + Duration::days(30) + Duration::minutes(1))
        .await;
    app.run_reminders(app.now + Duration::days(30) + Duration::minutes(1))
        .await;
    app.deliver_outbox().await;

    assert_eq!((early.expired_invitations, due.expired_invitations), (0, 1));
    assert_eq!(app.status_of(&invited.id).await, "expired");
    let told = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["text"].to_string().contains("expired unanswered"))
        .count();
    assert_eq!(told, 1);
    assert_eq!(app.get(&invited.link).await.status, 410);
}

#[tokio::test]
async fn the_vetting_digest_lists_overdue_nominations_once_a_day() {
    let app = TestApp::spawn().await;
    let waiting = app.verified_nomination("en").await;

    let not_yet = app
        .run_reminders(app.now + Duration::days(5) - Duration::minutes(1))
        .await;
    let day_one = app.now + Duration::days(5) + Duration::hours(1);
    let first = app.run_reminders(day_one).await;
    // Later the same day (the local runner runs hourly), whatever the hour
    // the test runs at: an hour after 23:00 would be the next day.
    let end_of_day = day_one
        .date_naive()
        .and_hms_opt(23, 59, 59)
        .expect("a time of day")
        .and_utc();
    let repeated = app.run_reminders(day_one + (end_of_day - day_one) / 2).await;
    app.deliver_outbox().await;
    let digests_day_one = app.outbox_of_kind("vetting_digest").await.len();
    app.run_reminders(day_one + Duration::days(1)).await;

    assert_eq!(not_yet.overdue_in_vetting, 0);
    assert_eq!((first.overdue_in_vetting, repeated.overdue_in_vetting), (1, 1));
    assert_eq!(
        digests_day_one, 2,
        "one card and one mail for the day, however often it runs"
    );
    assert_eq!(
        app.outbox_of_kind("vetting_digest").await.len(),
        4,
        "and again the next day"
    );
    let cards: Vec<_> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["text"].to_string().contains("waited too long"))
        .collect();
    assert_eq!(cards.len(), 1);
    assert!(
        cards[0]["text"].as_str().unwrap().contains(&waiting.id),
        "references only"
    );
    let mails = app.mails_to("vetters@iln.localhost").await;
    assert!(mails.iter().any(|m| m.text.contains(&waiting.id)));
}

#[tokio::test]
async fn an_undecided_iln_card_gets_a_reminder_in_its_thread_once_a_day() {
    let app = TestApp::spawn().await;
    let discussed = app.in_discussion().await;

    let early = app
        .run_reminders(app.now + Duration::days(5) - Duration::minutes(1))
        .await;
    let due_at = app.now + Duration::days(5) + Duration::minutes(1);
    let due = app.run_reminders(due_at).await;
    app.run_reminders(due_at).await;
    app.deliver_outbox().await;

    assert_eq!((early.discussion_reminders, due.discussion_reminders), (0, 1));
    let card_ts = app
        .items_of("nomination")
        .await
        .iter()
        .find(|n| n["id"].as_s().unwrap() == &discussed.id)
        .unwrap()["iln_card"]
        .as_m()
        .unwrap()["ts"]
        .as_s()
        .unwrap()
        .clone();
    let reminders: Vec<_> = app
        .posts_to(ILN_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["thread_ts"] == card_ts.as_str())
        .collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0]["text"].as_str().unwrap().contains("0 of 1 confirmation"));
}

#[tokio::test]
async fn a_closed_nomination_gets_a_retention_ttl_and_is_invisible_once_it_has_passed() {
    let app = TestApp::spawn().await;
    let rejected = rejected_nomination(&app).await;

    let stored = app.items_of("nomination").await;
    let ttl: i64 = stored[0]["expires_at"].as_n().unwrap().parse().unwrap();
    assert_eq!(
        ttl,
        (app.now + Duration::days(30)).timestamp(),
        "rejected before discussion: kept thirty days after closing"
    );

    // As if the thirty days had passed and DynamoDB had not yet deleted the item.
    app.dynamodb
        .update_item()
        .table_name(&app.table_name)
        .key(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("NOMINATION#{}", rejected.id)),
        )
        .key("sk", aws_sdk_dynamodb::types::AttributeValue::S("NOMINATION".into()))
        .update_expression("SET expires_at = :past")
        .expression_attribute_values(
            ":past",
            aws_sdk_dynamodb::types::AttributeValue::N((app.now.timestamp() - 1).to_string()),
        )
        .send()
        .await
        .unwrap();
    let token = iln_tests::vetter_token();
    let file = app
        .staff_request(
            "GET",
            &format!("/vetting/nominations/{}", rejected.id),
            Some(&token),
            None,
        )
        .await;
    let queue = app
        .staff_request("GET", "/vetting/nominations?status=rejected", Some(&token), None)
        .await;

    assert_eq!(file.status, 404);
    assert!(queue.json()["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_message_that_keeps_failing_is_reported_once_to_the_vetting_channel_by_reference_only() {
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, ResponseTemplate};
    let app = TestApp::spawn().await;
    // Slack refuses the vetting card for five deliveries (two tries each).
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .and(body_string_contains("Nomination to vet"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(10)
        .with_priority(1)
        .mount(&app.slack)
        .await;
    let submitted = unverified_nomination(&app, "en").await;
    app.verify(&submitted.verification_link).await;
    for _ in 0..5 {
        assert!(app.deliver_outbox().await.retry_pending);
    }

    let first = app.run_reminders(app.now).await;
    // The next day's run (the same day's event again is a retry, and does
    // nothing its run already did).
    let again = app.run_reminders(app.now + chrono::Duration::days(1)).await;
    app.deliver_outbox().await;

    assert_eq!(first.failing_messages, 1);
    assert_eq!(app.outbox_of_kind("delivery_alert").await.len(), 1, "reported once");
    assert_eq!(again.failing_messages, 1, "still failing, still reported only once");
    let alerts: Vec<_> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["text"].to_string().contains("has failed"))
        .collect();
    assert_eq!(alerts.len(), 1);
    let alert = alerts[0]["text"].as_str().unwrap();
    assert!(alert.contains("vetting_card") && !alert.contains("Amara"), "{alert}");
    let card_attempts = app
        .posts_to(VETTING_CHANNEL)
        .await
        .iter()
        .filter(|p| p.to_string().contains("Nomination to vet"))
        .count();
    assert_eq!(
        card_attempts, 11,
        "ten refused, then the card got through once Slack recovered"
    );
    let card = app
        .items_of("outbox_message")
        .await
        .into_iter()
        .find(|i| i["pk"].as_s().unwrap().ends_with("vetting_card"))
        .unwrap();
    assert_eq!(card["status"].as_s().unwrap(), "delivered");
}

#[tokio::test]
async fn an_unanswered_invitation_is_recalled_once_after_7_days_in_spanish_with_the_same_link() {
    let app = TestApp::spawn().await;
    let invited = app.invited("es").await;

    let early = app
        .run_reminders(app.now + Duration::days(7) - Duration::minutes(1))
        .await;
    app.deliver_outbox().await;
    let mails_before = app.mails_to(&invited.nominee).await.len();
    let due_at = app.now + Duration::days(7) + Duration::minutes(1);
    let due = app.run_reminders(due_at).await;
    app.run_reminders(due_at).await;
    app.run_reminders(due_at + Duration::days(1)).await;
    app.deliver_outbox().await;

    assert_eq!((early.invitation_reminders, due.invitation_reminders), (0, 1));
    assert_eq!(
        mails_before, 2,
        "only the notice and the invitation before the seventh day"
    );
    let mails = app.mails_to(&invited.nominee).await;
    assert_eq!(mails.len(), 3, "one reminder, however often the run repeats");
    let reminder = &mails[2];
    assert!(reminder.subject.starts_with("Recordatorio"), "{}", reminder.subject);
    assert_eq!(reminder.link_to("/invitations/"), invited.link, "the same link");
    assert_eq!(app.get(&invited.link).await.status, 200, "and it still works");
}

#[tokio::test]
async fn an_answered_invitation_gets_no_reminder() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let accepted = app
        .answer_invitation(&invited.link, "accept", &[("terms_version", iln_tests::TERMS_VERSION)])
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    let run = app.run_reminders(app.now + Duration::days(8)).await;
    app.deliver_outbox().await;

    assert_eq!(run.invitation_reminders, 0);
    assert!(app.outbox_of_kind("invitation_reminder").await.is_empty());
}

#[tokio::test]
async fn a_reminder_run_while_ses_is_down_loses_nothing_and_mails_once_when_it_is_back() {
    let (app, mut ses, port) = spawn_with_own_ses().await;
    let invited = app.invited("en").await;
    ses.stop();

    let at = app.now + Duration::days(7) + Duration::hours(1);
    app.run_reminders(at).await;
    let while_down = app.deliver_outbox().await;
    app.run_reminders(at).await;

    assert!(while_down.retry_pending, "the failure is reported for retry");
    let waiting = app.outbox_of_kind("invitation_reminder").await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["status"].as_s().unwrap(), "retrying", "nothing lost");

    let _ses = SesEmulator::start(port).await;
    let back = app.deliver_outbox().await;
    app.run_reminders(at).await;
    app.deliver_outbox().await;

    assert!(!back.retry_pending);
    let mails = app.mails_to(&invited.nominee).await;
    assert_eq!(
        mails.len(),
        1,
        "the invitation went to the first emulator; one reminder since"
    );
    assert_eq!(mails[0].link_to("/invitations/"), invited.link);
    assert_eq!(
        app.outbox_of_kind("invitation_reminder").await[0]["status"]
            .as_s()
            .unwrap(),
        "delivered"
    );
}

#[tokio::test]
async fn when_ttl_removes_a_closed_nomination_nothing_else_about_it_remains() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let rejected = app
        .verified_nomination_from(nomination("en", &nominee, &unique_address("lucia")))
        .await;
    let endorser = unique_address("bruno");
    // Verified, so merged into the nomination as its endorsement.
    let merged = app
        .verified_nomination_from(nomination("en", &nominee, &endorser))
        .await;
    reject(&app, &rejected.id).await;
    app.deliver_outbox().await;
    let about_it = |items: Vec<std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>>| {
        items
            .iter()
            .filter(|item| format!("{item:?}").contains(&rejected.id))
            .count()
    };
    assert!(
        about_it(app.all_items().await) > 5,
        "the nomination, its trail, messages and links"
    );

    // A year later, once the retention period has passed, TTL deletes them:
    // the rejected nomination and the endorser's own, merged into it.
    for closed in [&rejected.id, &merged.id] {
        let removed = app
            .remove_nomination_by_ttl(closed, app.now + Duration::days(366))
            .await;
        assert!(removed, "the nomination had expired");
    }
    let purged = app.deliver_outbox().await;

    assert_eq!(purged.handed_over, 2, "TTL's deletes reached the outbox");

    let left: Vec<_> = app
        .all_items()
        .await
        .into_iter()
        .filter(|item| format!("{item:?}").contains(&rejected.id))
        .map(|item| format!("{:?} {:?}", item["pk"], item["sk"]))
        .collect();
    let tokens = left.iter().filter(|key| key.contains("TOKEN#")).count();
    assert_eq!(left.len(), tokens, "only tokens remain, under their own TTL: {left:#?}");
    for person in [&nominee, &rejected.nominator, &endorser] {
        assert!(
            app.all_items()
                .await
                .iter()
                .all(|item| !format!("{item:?}").contains(person.as_str())),
            "{person} is still in the table"
        );
    }
}

#[tokio::test]
async fn two_reminder_runs_at_the_same_time_send_one_reminder_and_one_digest() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let waiting = app.verified_nomination("en").await;

    let at = app.now + Duration::days(8);
    let (first, second) = tokio::join!(app.run_reminders(at), app.run_reminders(at));
    app.deliver_outbox().await;

    assert_eq!(
        first.invitation_reminders + second.invitation_reminders,
        2,
        "both saw it due"
    );
    assert_eq!(
        app.mails_to(&invited.nominee).await.len(),
        3,
        "the notice, the invitation and one reminder"
    );
    let digests = app.mails_to("vetters@iln.localhost").await;
    let today = digests.iter().filter(|m| m.text.contains(&waiting.id)).count();
    assert_eq!(today, 1, "one digest mail");
}

#[tokio::test]
async fn a_reminder_for_an_invitation_revoked_meanwhile_is_cancelled_not_sent() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    app.run_reminders(app.now + Duration::days(8)).await;
    let revoked = act_on_invitation(&app, &invited.id, "revoke").await;
    assert_eq!(revoked.status, 200, "{}", revoked.body);

    app.deliver_outbox().await;

    assert_eq!(
        app.mails_to(&invited.nominee).await.len(),
        2,
        "the notice and the invitation only"
    );
    let reminder = &app.outbox_of_kind("invitation_reminder").await[0];
    assert_eq!(reminder["status"].as_s().unwrap(), "cancelled");
    assert!(!reminder.contains_key("gsi1pk"), "out of the undelivered queue");
}

#[tokio::test]
async fn an_invitation_valid_for_ten_days_says_so_stops_working_and_expires_after_ten_days() {
    let app = TestApp::spawn_with(iln_tests::Options {
        link_validity: iln_domain::token::LinkValidity::with_invitation_days(10).unwrap(),
        ..iln_tests::Options::default()
    })
    .await;
    let invited = app.invited("en").await;

    let mail = app.mails_to(&invited.nominee).await.pop().expect("the invitation");
    let in_time = app
        .get_at(app.now + Duration::days(10) - Duration::minutes(1), &invited.link)
        .await;
    let too_late = app.get_at(app.now + Duration::days(10), &invited.link).await;
    let early = app
        .run_reminders(app.now + Duration::days(10) - Duration::minutes(1))
        .await;
    let due = app
        .run_reminders(app.now + Duration::days(10) + Duration::minutes(1))
        .await;

    assert!(mail.text.contains("valid for 10 days"), "{}", mail.text);
    assert_eq!((in_time.status, too_late.status), (200, 410));
    assert_eq!((early.expired_invitations, due.expired_invitations), (0, 1));
    assert_eq!(app.status_of(&invited.id).await, "expired");
}
