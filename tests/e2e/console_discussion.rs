//! The ILN's discussion on the console's file: a concern resolved, the
//! nomination referred to the IAC and the IAC's outcome recorded, with the
//! staff API's commands.

use iln_tests::{CONSOLE_ADMIN, CONSOLE_VETTER, ILN_CHANNEL, TestApp, location};

async fn members(app: &TestApp) {
    app.iln_members(&["UC01", "UC02", "UC03"]).await;
}

/// The id of the concern whose resolution form the file shows first.
fn resolution_path(file: &str) -> String {
    let start = file.find("/concerns/").expect("a concern's resolution form");
    let path = &file[..start + file[start..].find('"').unwrap()];
    let action = &path[path.rfind('"').unwrap() + 1..];
    action.to_owned()
}

#[tokio::test]
async fn a_vetter_resolves_a_concern_and_refers_to_the_iac_from_the_file_and_an_admin_records_the_outcome() {
    let app = TestApp::spawn_with_quorum(2).await;
    members(&app).await;
    let nomination = app.in_discussion().await;
    let id = &nomination.id;
    let now = app.now;
    app.click("UC01", "iln.confirm", id, 3, ILN_CHANNEL).await;
    app.submit_modal("UC02", "iln.raise_concern", id, 3, "Possible sanctions.", false)
        .await;

    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let file = app.console_get(now, &vera, &format!("/console/nominations/{id}")).await;
    assert_eq!(file.status, 200, "{}", file.body);
    assert!(file.body.contains("1 of 2 needed"), "one confirmation counted");
    for card in ["The card in #iln-vetting", "The card in #iln"] {
        assert!(file.body.contains(&format!("\">{card}</a>")), "{card} is linked");
    }
    assert!(
        file.body.contains(&format!("archives&#x2f;{ILN_CHANNEL}&#x2f;p")),
        "a Slack permalink to the ILN card"
    );
    assert!(file.body.contains("Possible sanctions."));
    assert!(!file.body.contains("Record the IAC"), "a vetter records no outcome");
    let resolution = resolution_path(&file.body);
    assert!(
        resolution.starts_with(&format!("/console/nominations/{id}/concerns/")),
        "{resolution}"
    );

    let without_note = app.console_post(now, &vera, &resolution, &[("note", " ")]).await;
    assert_eq!(without_note.status, 422, "{}", without_note.body);
    assert!(without_note.body.contains("Note:"), "says which field");
    let resolved = app
        .console_post(now, &vera, &resolution, &[("note", "Checked: no sanctions.")])
        .await;
    assert_eq!(resolved.status, 303, "{}", resolved.body);
    assert_eq!(location(&resolved), format!("/console/nominations/{id}?said=resolved"));
    let again = app.console_post(now, &vera, &resolution, &[("note", "Again.")]).await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("no longer open"));

    // A second concern; two members of staff refer it at the same moment.
    app.submit_modal("UC03", "iln.raise_concern", id, 4, "A complaint is pending.", false)
        .await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let path = format!("/console/nominations/{id}/referral");
    let reason = [("reason", "A complaint is pending before the IAC.")];
    let (first, second) = tokio::join!(
        app.console_post(now, &vera, &path, &reason),
        app.console_post(now, &ada, &path, &reason)
    );
    let mut statuses = [first.status, second.status];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "{} / {}", first.body, second.body);
    app.deliver_outbox().await;
    let to_the_iac: Vec<_> = app
        .mails_to("iac@iln.localhost")
        .await
        .into_iter()
        .filter(|mail| mail.text.contains(id.as_str()))
        .collect();
    assert_eq!(to_the_iac.len(), 1, "one referral, one file to the IAC");

    let waiting = app.console_get(now, &ada, &format!("/console/nominations/{id}")).await;
    assert!(waiting.body.contains("waiting for the IAC"));
    assert!(waiting.body.contains("Record the IAC"), "an admin records the outcome");
    let outcome_path = format!("/console/nominations/{id}/referral/outcome");
    let outcome = [("decision", "do_not_proceed"), ("note", "Not suitable now.")];
    let by_the_vetter = app.console_post(now, &vera, &outcome_path, &outcome).await;
    assert_eq!(by_the_vetter.status, 403);
    let no_choice = app
        .console_post(
            now,
            &ada,
            &outcome_path,
            &[("decision", ""), ("note", "Not suitable now.")],
        )
        .await;
    assert_eq!(no_choice.status, 422, "{}", no_choice.body);
    let recorded = app.console_post(now, &ada, &outcome_path, &outcome).await;
    assert_eq!(recorded.status, 303, "{}", recorded.body);
    assert_eq!(app.status_of(id).await, "declined");

    let history = app.file(id).await["audit"].clone();
    let count = |what: &str| history.as_array().unwrap().iter().filter(|e| e["what"] == what).count();
    assert_eq!(
        (count("concern_resolved"), count("referred_to_iac")),
        (1, 1),
        "{history}"
    );
    let closings = history
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["reason"] == "IAC: Not suitable now.")
        .count();
    assert_eq!(closings, 1, "the IAC's outcome closed it once: {history}");
}

#[tokio::test]
async fn the_discussion_forms_need_the_sessions_token_and_a_discussed_nomination() {
    let app = TestApp::spawn().await;
    members(&app).await;
    let discussed = app.in_discussion().await;
    let waiting = app.verified_nomination("en").await;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let reason = [("reason", "A complaint is pending.")];

    let forged = app
        .post_page_form(
            app.now,
            &format!("/console/nominations/{}/referral", discussed.id),
            Some(&vera.cookie),
            &[("reason", "A complaint is pending."), ("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    let not_discussed = app
        .console_post(
            app.now,
            &vera,
            &format!("/console/nominations/{}/referral", waiting.id),
            &reason,
        )
        .await;
    assert_eq!(not_discussed.status, 409, "{}", not_discussed.body);
    assert!(not_discussed.body.contains("Awaiting vetting"), "says where it stands");
    let file = app
        .console_get(app.now, &vera, &format!("/console/nominations/{}", waiting.id))
        .await;
    assert!(
        !file.body.contains("Refer to the IAC"),
        "no referral before the ILN sees it"
    );
    assert_eq!(app.status_of(&discussed.id).await, "in_discussion");
    assert_eq!(app.outbox_of_kind("nomination_referral").await.len(), 0);
}
