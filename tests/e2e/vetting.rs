//! Vetting by IMI staff: the queue, the file with its findings, decisions
//! and what they cause in Slack and in the nominator's mailbox.

use crate::fixtures::{
    add_information, card_updates_in, import_roster, put_roster, slack_calls_to, unverified_nomination,
};
use chrono::Duration;
use iln_tests::{TestApp, nomination, staff_token, unique_address, vetter_token};
use serde_json::{Value, json};

fn serialized(value: &Value) -> String {
    value.to_string()
}

#[tokio::test]
async fn the_queue_lists_verified_nominations_oldest_first_across_pages() {
    let app = TestApp::spawn().await;
    let mut verified = Vec::new();
    for minutes in [30, 10, 20] {
        let submitted = unverified_nomination(&app, "en").await;
        let verified_at = app.now + Duration::minutes(minutes);
        assert_eq!(
            app.verify_at(verified_at, &submitted.verification_link).await.status,
            200
        );
        verified.push((minutes, submitted.id));
    }
    let unverified = app
        .post_json(&nomination("en", &unique_address("amara"), &unique_address("x")))
        .await;
    verified.sort();
    let token = vetter_token();

    let first = app
        .staff_request("GET", "/vetting/nominations?limit=2", Some(&token), None)
        .await
        .json();
    let cursor = first["next_cursor"].as_str().expect("a second page");
    let second = app
        .staff_request(
            "GET",
            &format!("/vetting/nominations?limit=2&cursor={cursor}"),
            Some(&token),
            None,
        )
        .await
        .json();
    let submitted = app
        .staff_request("GET", "/vetting/nominations?status=submitted", Some(&token), None)
        .await;

    let ids: Vec<&str> = first["items"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["items"].as_array().unwrap())
        .map(|item| item["id"].as_str().unwrap())
        .collect();
    let expected: Vec<&str> = verified.iter().map(|(_, id)| id.as_str()).collect();
    assert_eq!(ids, expected, "oldest verification first");
    assert!(second["next_cursor"].is_null());
    assert_eq!(submitted.json()["items"][0]["id"], unverified.json()["id"]);
    let bad_cursor = app
        .staff_request("GET", "/vetting/nominations?cursor=xyz", Some(&token), None)
        .await;
    assert_eq!(bad_cursor.status, 400);
    let bad_status = app
        .staff_request("GET", "/vetting/nominations?status=lost", Some(&token), None)
        .await;
    assert_eq!(bad_status.status, 400);
}

#[tokio::test]
async fn a_verified_nomination_is_carded_in_the_vetting_channel_with_its_buttons() {
    let app = TestApp::spawn().await;

    let nomination = app.verified_nomination("en").await;

    let cards = app.posts_to("C0VETTING").await;
    assert_eq!(cards.len(), 1);
    let card = serialized(&cards[0]);
    for action in ["vetting.approve", "vetting.reject", "vetting.request_information"] {
        assert!(card.contains(action), "{action} button");
    }
    assert!(
        card.contains(&format!("{}:2", nomination.id)),
        "buttons name the nomination and its version"
    );
    assert!(card.contains("Confidential"));
    assert_eq!(app.file(&nomination.id).await["status"], "awaiting_vetting");
}

#[tokio::test]
async fn the_file_shows_roster_country_and_rationale_findings() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("lucia");
    let roster = format!(
        "email,name,category,country\n{nominator},Lucía Fernández,iln_member,ES\nleader@example.org,Ngozi Adeyemi,iln_member,NG\n"
    );
    import_roster(&app, &roster).await;
    let other = app.verified_nomination("en").await;

    let nomination = app
        .verified_nomination_from(nomination("en", &unique_address("amara"), &nominator))
        .await;
    let file = app.file(&nomination.id).await;

    let findings = &file["findings"];
    assert_eq!(findings["nominator_roster_category"], "iln_member");
    assert_eq!(findings["nominator_basis_unconfirmed"], false);
    assert_eq!(findings["country_leaders"][0]["name"], "Ngozi Adeyemi");
    assert_eq!(findings["country_open_nominations"], 1, "the other Nigerian nomination");
    assert_eq!(findings["rationale_thin"], true, "under 200 characters");
    assert_eq!(findings["self_nomination"], false);
    assert_eq!(findings["requester_is_nominator"], false);
    let unknown = app.file(&other.id).await;
    assert!(
        unknown["findings"]["nominator_roster_category"].is_null(),
        "not on the roster"
    );
    assert_eq!(unknown["findings"]["nominator_basis_unconfirmed"], true);
    let audit = file["audit"].as_array().unwrap();
    assert_eq!(audit.len(), 2);
}

#[tokio::test]
async fn approving_moves_to_discussion_and_cards_the_iln_channel_without_the_nominators_identity() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;

    let response = app
        .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 2 }))
        .await;
    app.deliver_outbox().await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["status"], "in_discussion");
    let cards = app.posts_to("C0ILN").await;
    assert_eq!(cards.len(), 1);
    let card = serialized(&cards[0]);
    assert!(card.contains("Amara Okafor"));
    assert!(!card.contains(&nomination.nominator), "never the nominator's e-mail");
    assert!(!card.contains("Lucía"), "never the nominator's name");
    assert!(card.contains("iln.confirm"));
    assert!(card.contains("derecognition"), "the confidentiality banner");
    let file = app.file(&nomination.id).await;
    assert_eq!(file["status"], "in_discussion");
    assert_eq!(file["version"], 3);
    let stored = app.items_of("nomination").await;
    assert_eq!(
        stored[0]["iln_card"].as_m().unwrap()["channel"].as_s().unwrap(),
        "C0ILN",
        "kept for updates"
    );
}

#[tokio::test]
async fn a_rejection_mails_the_nominator_in_their_language_with_the_reason_only_when_shared() {
    let app = TestApp::spawn().await;
    for (language, share) in [("en", true), ("es", false)] {
        let nomination = app.verified_nomination(language).await;
        let reason = "The rationale does not show mediation practice.";

        let response = app
            .decide(
                &nomination.id,
                json!({ "decision": "reject", "reason": reason, "share_reason": share, "expected_version": 2 }),
            )
            .await;
        app.deliver_outbox().await;

        assert_eq!(response.status, 200, "{}", response.body);
        let mails = app.mails_to(&nomination.nominator).await;
        assert_eq!(mails.len(), 2, "verification, then the decision");
        let decision = &mails[1];
        assert_eq!(decision.text.contains(reason), share, "{language}: {}", decision.text);
        let expected_subject = iln_domain::Language::parse(language)
            .unwrap()
            .text("emails.rejection.subject")
            .replace("{nominee_name}", "Amara Okafor");
        assert_eq!(decision.subject, expected_subject);
        let file = app.file(&nomination.id).await;
        assert_eq!(file["status"], "rejected");
        assert_eq!(
            file["audit"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["reason"] == reason)
                .count(),
            1
        );
    }
    let nominee_again = app.items_of("nominee").await;
    assert!(nominee_again.is_empty(), "a rejected person may be nominated again");
}

#[tokio::test]
async fn asking_for_information_mails_a_link_whose_answer_returns_the_nomination_to_the_queue() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("es").await;
    let question = "¿En qué casos de mediación ha trabajado Amara?";

    let asked = app
        .decide(
            &nomination.id,
            json!({ "decision": "request_info", "reason": question, "expected_version": 2 }),
        )
        .await;
    app.deliver_outbox().await;
    let mails = app.mails_to(&nomination.nominator).await;
    let link = mails.last().unwrap().link_to("/nominations/information");
    let page = app.get(&link).await;
    let empty = add_information(&app, &link, "  ").await;
    let answered = add_information(&app, &link, "Mediación comercial en Lagos.").await;
    let again = add_information(&app, &link, "Otra vez").await;
    app.deliver_outbox().await;

    assert_eq!(asked.status, 200, "{}", asked.body);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("lang=\"es\"") && page.body.contains("Amara?"),
        "the question, in Spanish"
    );
    assert_eq!(empty.status, 422);
    assert_eq!((answered.status, again.status), (200, 200));
    let file = app.file(&nomination.id).await;
    assert_eq!(file["status"], "awaiting_vetting");
    let additions = file["additions"].as_array().unwrap();
    assert_eq!(additions.len(), 1, "answered once");
    assert_eq!(additions[0]["information"], "Mediación comercial en Lagos.");
    let notes: Vec<Value> = app
        .posts_to("C0VETTING")
        .await
        .into_iter()
        .filter(|p| !p["thread_ts"].is_null())
        .collect();
    assert_eq!(notes.len(), 1, "one note in the vetting card's thread");
    let card = app.items_of("nomination").await[0]["vetting_card"].as_m().unwrap()["ts"]
        .as_s()
        .unwrap()
        .clone();
    assert_eq!(
        notes[0]["thread_ts"].as_str().unwrap(),
        card,
        "the reply names the card it belongs to"
    );
    assert!(
        !serialized(&notes[0]).contains("Lagos"),
        "the note carries no personal data"
    );
}

#[tokio::test]
async fn staff_routes_need_a_valid_token_of_the_right_group_and_the_nominator_may_not_decide() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let path = format!("/vetting/nominations/{}", nomination.id);
    let foreign = iln_runner::authorizer::LocalAuthorizer::new(b"someone-else")
        .unwrap()
        .mint("x", None, &["iln-vetters"], chrono::Utc::now(), Duration::hours(1))
        .unwrap();
    let approve = json!({ "decision": "approve", "expected_version": 2 });

    let no_token = app.staff_request("GET", &path, None, None).await;
    let bad_signature = app
        .staff_request("GET", &path, Some(&format!("Bearer {foreign}")), None)
        .await;
    let wrong_group = app
        .staff_request("GET", &path, Some(&staff_token("m", None, &["iln-members"])), None)
        .await;
    let admin = app
        .staff_request("GET", &path, Some(&staff_token("a", None, &["iln-admins"])), None)
        .await;
    let nominator_as_vetter = staff_token("l", Some(&nomination.nominator.to_uppercase()), &["iln-vetters"]);
    let own = app
        .staff_request(
            "POST",
            &format!("{path}/decision"),
            Some(&nominator_as_vetter),
            Some(&approve),
        )
        .await;
    let roster_by_nobody = app.staff_request("PUT", "/vetting/roster", None, None).await;

    assert_eq!(
        (no_token.status, bad_signature.status, roster_by_nobody.status),
        (401, 401, 401)
    );
    assert_eq!(wrong_group.status, 403);
    assert_eq!(admin.status, 200, "admins may vet");
    assert_eq!(own.status, 403, "{}", own.body);
    let nominator_file = app
        .staff_request("GET", &path, Some(&nominator_as_vetter), None)
        .await
        .json();
    assert_eq!(nominator_file["findings"]["requester_is_nominator"], true);
    assert_eq!(
        app.file(&nomination.id).await["status"],
        "awaiting_vetting",
        "nothing changed"
    );
}

#[tokio::test]
async fn two_vetters_deciding_at_once_make_one_decision_and_one_card() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let approve = json!({ "decision": "approve", "expected_version": 2 });
    let reject = json!({ "decision": "reject", "reason": "Not coherent.", "expected_version": 2 });

    let (first, second) = tokio::join!(app.decide(&nomination.id, approve), app.decide(&nomination.id, reject));
    app.deliver_outbox().await;

    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{} / {}", first.body, second.body);
    let loser = if first.status == 409 {
        first.json()
    } else {
        second.json()
    };
    assert_eq!(loser["current"]["version"], 3);
    assert_eq!(loser["current"]["moved_by"]["role"], "vetter");
    let cards = app.posts_to("C0ILN").await.len();
    let rejections = app.mails_to(&nomination.nominator).await.len() - 1;
    assert_eq!(cards + rejections, 1, "exactly one decision's reaction");
}

#[tokio::test]
async fn a_stale_or_malformed_decision_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;

    let stale = app
        .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 1 }))
        .await;
    let no_reason = app
        .decide(&nomination.id, json!({ "decision": "reject", "expected_version": 2 }))
        .await;
    let unknown = app
        .decide(&nomination.id, json!({ "decision": "maybe", "expected_version": 2 }))
        .await;
    let malformed = app.decide(&nomination.id, json!({ "decision": "approve" })).await;
    let missing = app
        .decide(
            "01JDZ8Q6N5C8W4Y3F2K9T7B1XA",
            json!({ "decision": "approve", "expected_version": 2 }),
        )
        .await;

    assert_eq!(stale.status, 409);
    assert_eq!(stale.json()["current"]["status"], "awaiting_vetting");
    assert_eq!((no_reason.status, unknown.status), (422, 422));
    assert_eq!(no_reason.json()["errors"][0]["field"], "reason");
    assert_eq!(malformed.status, 400);
    assert_eq!(missing.status, 404);
    assert_eq!(app.file(&nomination.id).await["version"], 2);
}

#[tokio::test]
async fn a_card_is_posted_once_when_slack_fails_then_recovers() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, ResponseTemplate};
    let app = TestApp::spawn().await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&app.slack)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/chat.postMessage"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(2)
        .mount(&app.slack)
        .await;
    let submitted = unverified_nomination(&app, "en").await;
    app.verify(&submitted.verification_link).await;

    let during_outage = app.deliver_outbox().await;
    let after_outage = app.deliver_outbox().await;
    let later = app.deliver_outbox().await;

    assert!(
        during_outage.retry_pending,
        "two 500s: the outbox keeps the card for a retry"
    );
    assert!(
        !after_outage.retry_pending,
        "a 429 is waited out, then the card is posted"
    );
    assert!(!later.retry_pending);
    let attempts = slack_calls_to(&app, "chat.postMessage").await.len();
    assert_eq!(attempts, 4, "500, 500, 429, 200");
    let outbox = app.items_of("outbox_message").await;
    let card = outbox
        .iter()
        .find(|item| item["pk"].as_s().unwrap().ends_with("vetting_card"))
        .unwrap();
    assert_eq!(card["status"].as_s().unwrap(), "delivered");
    assert_eq!(card["attempts"].as_n().unwrap(), "2");
}

#[tokio::test]
async fn a_roster_import_reports_bad_rows_by_line_is_idempotent_and_changes_findings() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let before = app.file(&nomination.id).await;
    let csv = format!(
        "email,name,category,country\n{},Lucía Fernández,iln_member,ES\nnot-an-address,X,iln_member,ES\nok@example.org,Ok,judge,ES\n",
        nomination.nominator
    );
    let token = iln_tests::admin_token();

    let first = put_roster(&app, &token, "/vetting/roster", &csv).await;
    let entries_after_first = app.items_of("roster_entry").await.len();
    let second = put_roster(&app, &token, "/vetting/roster", &csv).await;
    let entries_after_second = app.items_of("roster_entry").await.len();
    let json_import = app
        .request(
            "PUT",
            "/vetting/roster",
            &[("authorization", token.as_str()), ("content-type", "application/json")],
            br#"[{"email": "json@example.org", "name": "Jo", "category": "imi_certified_advocate"}]"#,
        )
        .await;
    let not_csv = app
        .request(
            "PUT",
            "/vetting/roster",
            &[("authorization", token.as_str()), ("content-type", "text/plain")],
            b"x",
        )
        .await;

    assert_eq!(first.status, 200, "{}", first.body);
    let report = first.json();
    assert_eq!(report["accepted"], 1);
    let lines: Vec<u64> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [3, 4]);
    assert!(report["refused"][0]["reason"].as_str().unwrap().starts_with("email"));
    assert_eq!(second.json(), report);
    assert_eq!(entries_after_second, entries_after_first, "re-import adds nothing");
    assert_eq!(json_import.json()["accepted"], 1);
    assert_eq!(not_csv.status, 415);
    assert!(before["findings"]["nominator_roster_category"].is_null());
    assert_eq!(
        app.file(&nomination.id).await["findings"]["nominator_roster_category"],
        "iln_member"
    );
}

#[tokio::test]
async fn an_admin_withdraws_an_open_nomination_and_its_card_shows_it() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    let path = format!("/vetting/nominations/{}/withdraw", nomination.id);
    let reason = json!({ "reason": "The nominator asked to withdraw." });

    let by_vetter = app
        .staff_request("POST", &path, Some(&vetter_token()), Some(&reason))
        .await;
    let admin = iln_tests::admin_token();
    let withdrawn = app.staff_request("POST", &path, Some(&admin), Some(&reason)).await;
    let again = app.staff_request("POST", &path, Some(&admin), Some(&reason)).await;
    app.deliver_outbox().await;

    assert_eq!(by_vetter.status, 403);
    assert_eq!(withdrawn.status, 200, "{}", withdrawn.body);
    assert_eq!(again.status, 409);
    assert_eq!(app.status_of(&nomination.id).await, "withdrawn");
    let updates = card_updates_in(&app, "C0ILN").await;
    assert_eq!(updates.len(), 1);
    assert!(updates[0].to_string().contains("Withdrawn") && !updates[0].to_string().contains("iln.confirm"));
    assert!(
        app.items_of("nominee").await.is_empty(),
        "the person may be nominated again"
    );
}
