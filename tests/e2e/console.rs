//! The staff console: signing in through the identity provider, the session's
//! limits, and the work done from its pages, with the staff API's commands.

use chrono::Duration;
use iln_tests::{
    CONSOLE_ADMIN, CONSOLE_VETTER, ILN_CHANNEL, TestApp, hidden_field, location, set_cookie, unique_address,
};

use crate::fixtures::slack_calls_to;

/// A verified nomination, awaiting vetting, of a nominee named `Amara Okafor`.
async fn awaiting_vetting(app: &TestApp) -> String {
    app.verified_nomination("en").await.id
}

#[tokio::test]
async fn a_vetter_signs_in_and_approves_a_nomination_from_its_file_and_its_card_reaches_the_iln() {
    let app = TestApp::spawn().await;
    let id = awaiting_vetting(&app).await;
    let now = app.now;

    let unsigned = app.get("/console").await;
    assert_eq!(unsigned.status, 303, "{}", unsigned.body);
    assert_eq!(location(&unsigned), "/console/sign-in?return_to=%2Fconsole");

    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let queue = app.console_get(now, &vera, "/console").await;
    assert!(queue.body.contains("Amara Okafor"), "{}", queue.body);
    assert!(queue.body.contains(&format!("/console/nominations/{id}")));
    assert!(
        !queue.body.contains("/console/invitations"),
        "a vetter is not offered the admin's pages"
    );

    let file = app.console_get(now, &vera, &format!("/console/nominations/{id}")).await;
    assert_eq!(file.status, 200);
    assert_eq!(hidden_field(&file.body, "expected_version").as_deref(), Some("2"));
    let decided = app
        .console_post(
            now,
            &vera,
            &format!("/console/nominations/{id}/decision"),
            &[("decision", "approve"), ("reason", ""), ("expected_version", "2")],
        )
        .await;
    assert_eq!(decided.status, 303, "{}", decided.body);
    assert_eq!(location(&decided), format!("/console/nominations/{id}?said=decided"));

    assert_eq!(app.file(&id).await["status"], "in_discussion");
    let audit = app.file(&id).await["audit"].clone();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|event| event["actor"]["role"] == "vetter" && event["actor"]["id"] == CONSOLE_VETTER),
        "the audit names the vetter who signed in: {audit}"
    );
    app.deliver_outbox().await;
    let posted = slack_calls_to(&app, "chat.postMessage").await;
    assert!(
        posted.iter().any(|call| call["channel"] == ILN_CHANNEL),
        "the ILN card is posted: {posted:?}"
    );

    // The same form again (a double click, a reload) records nothing more.
    let again = app
        .console_post(
            now,
            &vera,
            &format!("/console/nominations/{id}/decision"),
            &[("decision", "approve"), ("reason", ""), ("expected_version", "2")],
        )
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
    assert!(again.body.contains("In discussion"), "says where it stands now");
}

#[tokio::test]
async fn two_vetters_deciding_the_same_file_at_once_record_one_decision() {
    let app = TestApp::spawn().await;
    let id = awaiting_vetting(&app).await;
    let sessions = [
        app.console_sign_in(CONSOLE_VETTER).await,
        app.console_sign_in(CONSOLE_ADMIN).await,
        app.console_sign_in(CONSOLE_VETTER).await,
    ];
    let path = format!("/console/nominations/{id}/decision");
    let forms: Vec<[(&str, &str); 3]> = ["approve", "reject", "approve"]
        .into_iter()
        .map(|decision| {
            [
                ("decision", decision),
                ("reason", "Not a fit for the ILN."),
                ("expected_version", "2"),
            ]
        })
        .collect();
    let decisions = sessions
        .iter()
        .zip(&forms)
        .map(|(session, form)| app.console_post(app.now, session, &path, form));
    let statuses: Vec<u16> = futures::future::join_all(decisions)
        .await
        .iter()
        .map(|response| response.status)
        .collect();
    assert_eq!(
        statuses.iter().filter(|status| **status == 303).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|status| **status == 409).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(app.file(&id).await["version"], 3, "moved once");
}

#[tokio::test]
async fn a_sign_in_completes_once_and_only_in_the_browser_that_began_it() {
    let app = TestApp::spawn().await;
    let now = app.now;

    let visit = app.console_provider_visit(now, CONSOLE_VETTER).await;
    let elsewhere = app.get_with_cookie(now, &visit.callback, "other=1").await;
    assert_eq!(
        elsewhere.status, 403,
        "a callback link sent to another browser: {}",
        elsewhere.body
    );
    assert_eq!(set_cookie(&elsewhere, iln_domain::console_access::SESSION_COOKIE), None);

    let visit = app.console_provider_visit(now, CONSOLE_VETTER).await;
    let back = app.get_with_cookie(now, &visit.callback, &visit.sign_in_cookie).await;
    assert_eq!(back.status, 303, "{}", back.body);
    let replayed = app.get_with_cookie(now, &visit.callback, &visit.sign_in_cookie).await;
    assert_eq!(replayed.status, 410, "a callback works once: {}", replayed.body);
    assert_eq!(set_cookie(&replayed, iln_domain::console_access::SESSION_COOKIE), None);

    // Ten minutes to come back from the provider's page.
    let visit = app.console_provider_visit(now, CONSOLE_VETTER).await;
    let late = app
        .get_with_cookie(now + Duration::minutes(10), &visit.callback, &visit.sign_in_cookie)
        .await;
    assert_eq!(late.status, 410, "{}", late.body);
}

#[tokio::test]
async fn a_session_ends_after_thirty_idle_minutes_and_eight_hours_in_all() {
    let app = TestApp::spawn().await;
    let now = app.now;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;

    let idle = app.console_get(now + Duration::minutes(30), &vera, "/console").await;
    assert_eq!(idle.status, 303, "idle for thirty minutes: {}", idle.body);
    assert!(location(&idle).starts_with("/console/sign-in"));

    let busy = app.console_sign_in(CONSOLE_VETTER).await;
    let mut at = now;
    while at < now + Duration::hours(8) - Duration::minutes(20) {
        at += Duration::minutes(20);
        let page = app.console_get(at, &busy, "/console").await;
        assert_eq!(page.status, 200, "busy at {at}: {}", page.body);
    }
    let late = app.console_get(now + Duration::hours(8), &busy, "/console").await;
    assert_eq!(late.status, 303, "eight hours after sign-in, however busy");
}

#[tokio::test]
async fn a_form_without_the_sessions_token_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = awaiting_vetting(&app).await;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let forged = app
        .post_page_form(
            app.now,
            &format!("/console/nominations/{id}/decision"),
            Some(&vera.cookie),
            &[
                ("decision", "approve"),
                ("expected_version", "2"),
                ("csrf", "not-the-token"),
            ],
        )
        .await;
    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(app.file(&id).await["status"], "awaiting_vetting");
}

#[tokio::test]
async fn signing_out_ends_the_session_here_and_at_the_identity_provider() {
    let app = TestApp::spawn().await;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let out = app.console_post(app.now, &vera, "/console/sign-out", &[]).await;
    assert_eq!(out.status, 303, "{}", out.body);
    let logout = reqwest::Url::parse(&location(&out)).unwrap();
    assert_eq!(logout.path(), "/logout");
    let query: std::collections::HashMap<_, _> = logout.query_pairs().into_owned().collect();
    assert_eq!(
        query["logout_uri"],
        format!("{}/console/signed-out", iln_tests::BASE_URL)
    );
    assert_eq!(query["client_id"], iln_runner::local::CONSOLE_CLIENT_ID);
    let cleared = set_cookie(&out, iln_domain::console_access::SESSION_COOKIE).unwrap();
    assert_eq!(cleared, format!("{}=", iln_domain::console_access::SESSION_COOKIE));

    let after = app.console_get(app.now, &vera, "/console").await;
    assert_eq!(after.status, 303, "the old cookie opens nothing");
}

#[tokio::test]
async fn the_console_speaks_spanish_once_asked_for_the_rest_of_the_session() {
    let app = TestApp::spawn().await;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let switched = app
        .console_post(
            app.now,
            &vera,
            "/console/language",
            &[
                ("lang", "es"),
                ("return_to", "/console/nominations?status=in_discussion"),
            ],
        )
        .await;
    assert_eq!(switched.status, 303);
    assert_eq!(location(&switched), "/console/nominations?status=in_discussion");
    let page = app.console_get(app.now, &vera, "/console").await;
    assert!(page.body.contains("<html lang=\"es\">"), "{}", page.body);
    assert!(page.body.contains("Pendiente de revisión"));
}

fn cohort(people: &[String]) -> String {
    let mut file = String::from("name,email,country,language,role,reason\n");
    for (index, email) in people.iter().enumerate() {
        let language = if index % 2 == 0 { "es" } else { "en" };
        file.push_str(&format!(
            "Persona {index},{email},ES,{language},board_emeritus,IMI Board Emeritus (first round)\n"
        ));
    }
    file
}

#[tokio::test]
async fn an_admin_invites_a_cohort_of_twenty_once_however_often_the_file_is_sent() {
    let app = TestApp::spawn().await;
    let now = app.now;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let people: Vec<String> = (0..20).map(|i| unique_address(&format!("emeritus{i}"))).collect();
    let file = cohort(&people);

    let review = app
        .console_upload(now, &ada, "/console/invitations/review", "cohort", &file)
        .await;
    assert_eq!(review.status, 200, "{}", review.body);
    assert!(review.body.contains("20 of 20 lines can be sent"), "{}", review.body);
    let reviewed = hidden_field(&review.body, "cohort").expect("the file, carried to the send");

    // Sent twice at once (a double click): twenty invitations in all.
    let form = [("cohort", reviewed.as_str())];
    let sends = (0..2).map(|_| app.console_post(now, &ada, "/console/invitations/send", &form));
    let sent = futures::future::join_all(sends).await;
    assert!(sent.iter().all(|response| response.status == 200));
    app.deliver_outbox().await;
    for address in &people {
        assert_eq!(app.mails_to(address).await.len(), 1, "one invitation to {address}");
    }

    let again = app
        .console_upload(now, &ada, "/console/invitations/review", "cohort", &file)
        .await;
    assert!(again.body.contains("0 of 20 lines can be sent"), "{}", again.body);
    assert!(
        !again.body.contains("/console/invitations/send"),
        "nothing left to send"
    );
}

#[tokio::test]
async fn a_cohort_file_with_bad_lines_is_shown_line_by_line_and_only_good_lines_are_sent() {
    let app = TestApp::spawn().await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let good = unique_address("good");
    let file = format!(
        "name,email,country,language,role,reason\n\
         Good Person,{good},MX,es,mediator,Iberoamerican component\n\
         No Address,,MX,es,mediator,Iberoamerican component\n\
         Good Again,{},MX,es,mediator,Same person twice\n",
        good.to_uppercase()
    );
    let review = app
        .console_upload(app.now, &ada, "/console/invitations/review", "cohort", &file)
        .await;
    assert!(review.body.contains("1 of 3 lines can be sent"), "{}", review.body);
    assert!(review.body.contains("the same address as line 2"), "{}", review.body);

    let not_csv = app
        .console_upload(
            app.now,
            &ada,
            "/console/invitations/review",
            "cohort",
            "email;name\nx;y\n",
        )
        .await;
    assert_eq!(not_csv.status, 422, "{}", not_csv.body);

    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let vetter = app
        .console_upload(app.now, &vera, "/console/invitations/review", "cohort", &file)
        .await;
    assert_eq!(vetter.status, 403, "admins only");
}

#[tokio::test]
async fn an_admin_finds_a_member_in_the_directory_and_derecognises_them_once() {
    let app = TestApp::spawn().await;
    let member = app.member("UCONSOLE1").await;
    let now = app.now;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;

    let directory = app.console_get(now, &ada, "/console/members?status=active").await;
    assert_eq!(directory.status, 200, "{}", directory.body);
    assert!(directory.body.contains(&format!("/console/members/{}", member.id)));
    let spreadsheet = app.console_get(now, &ada, "/console/members.csv?status=active").await;
    assert_eq!(spreadsheet.status, 200);
    assert!(spreadsheet.body.contains(&member.email), "the CSV lists the member");

    let path = format!("/console/members/{}/derecognition", member.id);
    let form = [
        ("reason", "Shared a confidential nomination outside the ILN."),
        ("refer_to_iac", "true"),
    ];
    let twice = futures::future::join_all((0..2).map(|_| app.console_post(now, &ada, &path, &form))).await;
    let statuses: Vec<u16> = twice.iter().map(|response| response.status).collect();
    assert!(
        statuses.contains(&303) && statuses.contains(&409),
        "one derecognition: {statuses:?}"
    );

    let record = app
        .console_get(now, &ada, &format!("/console/members/{}", member.id))
        .await;
    assert!(record.body.contains("Derecognised"), "{}", record.body);
    assert!(record.body.contains("referred to the IAC"));
    app.deliver_outbox().await;
    let told = app.mails_to(&member.email).await;
    let status_mails = |language: iln_domain::Language| {
        let subject = language.text("emails.derecognition.subject");
        told.iter().filter(|mail| mail.subject == subject).count()
    };
    assert_eq!(
        status_mails(iln_domain::Language::En) + status_mails(iln_domain::Language::Es),
        1,
        "the member is told once: {:?}",
        told.iter().map(|mail| &mail.subject).collect::<Vec<_>>()
    );

    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    assert_eq!(
        app.console_get(now, &vera, "/console/members").await.status,
        403,
        "admins only"
    );
}

#[tokio::test]
async fn an_admin_sends_a_new_invitation_link_and_withdraws_an_invitation_from_its_file() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let now = app.now;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let file = app
        .console_get(now, &ada, &format!("/console/nominations/{}", invited.id))
        .await;
    assert!(
        file.body
            .contains(&format!("/console/nominations/{}/resend", invited.id))
    );

    app.deliver_outbox().await;
    let mails_before = app.mails_to(&invited.nominee).await.len();
    let resent = app
        .console_post(now, &ada, &format!("/console/nominations/{}/resend", invited.id), &[])
        .await;
    assert_eq!(resent.status, 303, "{}", resent.body);
    app.deliver_outbox().await;
    assert_eq!(
        app.mails_to(&invited.nominee).await.len(),
        mails_before + 1,
        "a new link"
    );

    let revoked = app
        .console_post(now, &ada, &format!("/console/nominations/{}/revoke", invited.id), &[])
        .await;
    assert_eq!(revoked.status, 303, "{}", revoked.body);
    assert_eq!(app.file(&invited.id).await["status"], "withdrawn");
    let again = app
        .console_post(now, &ada, &format!("/console/nominations/{}/revoke", invited.id), &[])
        .await;
    assert_eq!(again.status, 409, "{}", again.body);
}

#[tokio::test]
async fn reading_a_file_and_exporting_a_person_are_recorded_with_who_did_it() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let verified = app
        .verified_nomination_from(iln_tests::nomination("en", &nominee, &unique_address("lucia")))
        .await;
    let now = app.now;
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;

    let file = app
        .console_get(now, &vera, &format!("/console/nominations/{}", verified.id))
        .await;
    assert_eq!(file.status, 200);
    let export = app
        .console_get(
            now,
            &ada,
            &format!("/console/people/export?email={}", nominee.replace('+', "%2B")),
        )
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(
        export.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let exported: serde_json::Value = serde_json::from_str(&export.body).unwrap();
    assert_eq!(exported["nominations"][0]["id"], verified.id.as_str());

    // The API's file answers with the history read before its own read is
    // written: the second read shows the first.
    app.file(&verified.id).await;
    let audit = app.file(&verified.id).await["audit"].clone();
    let events = audit.as_array().unwrap();
    let by = |what: &str, role: &str, id: &str| {
        events
            .iter()
            .any(|event| event["what"] == what && event["actor"]["role"] == role && event["actor"]["id"] == id)
    };
    assert!(by("file_read", "vetter", CONSOLE_VETTER), "the console's read: {audit}");
    assert!(by("person_exported", "admin", CONSOLE_ADMIN), "the export: {audit}");
    assert!(
        by("file_read", "vetter", "vera"),
        "the staff API's own read (the test's vetter token): {audit}"
    );

    // Exports are also logged by month, in numbers: the person's, and the
    // members directory, which no nomination records.
    let stranger = app
        .console_get(
            now,
            &ada,
            &format!("/console/people/export?email={}", unique_address("nobody")),
        )
        .await;
    assert_eq!(stranger.status, 200);
    let directory = app.console_get(now, &ada, "/console/members.csv?country=ES").await;
    assert_eq!(directory.status, 200);
    let logged: Vec<(String, String, String)> = app
        .items_of("staff_export")
        .await
        .iter()
        .map(|item| {
            let text = |name: &str| item[name].as_s().cloned().unwrap_or_default();
            let actor = item["actor"].as_m().unwrap();
            (text("what"), actor["id"].as_s().unwrap().clone(), text("reason"))
        })
        .collect();
    let said = format!("{logged:?}");
    assert_eq!(logged.len(), 3, "{said}");
    assert!(logged.iter().all(|(_, who, _)| who == CONSOLE_ADMIN), "{said}");
    assert!(
        logged
            .iter()
            .any(|(what, _, why)| what == "person_exported" && why.starts_with("1 nominations")),
        "{said}"
    );
    assert!(
        logged
            .iter()
            .any(|(what, _, why)| what == "person_exported" && why.starts_with("0 nominations")),
        "an export of someone with no nomination is logged too: {said}"
    );
    assert!(
        logged
            .iter()
            .any(|(what, _, why)| what == "members_downloaded" && why == "0 members (every status, ES)"),
        "{said}"
    );
    assert!(!said.contains(&nominee), "whose data it was is not logged");
}

#[tokio::test]
async fn an_erasure_needs_the_address_typed_twice_and_then_erases_the_person() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let verified = app
        .verified_nomination_from(iln_tests::nomination("en", &nominee, &unique_address("lucia")))
        .await;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;

    let mistyped = app
        .console_post(
            app.now,
            &ada,
            "/console/people/erasure",
            &[("email", &nominee), ("confirm_email", "someone.else@example.org")],
        )
        .await;
    assert_eq!(mistyped.status, 422, "{}", mistyped.body);
    assert!(mistyped.body.contains("The two addresses differ"));
    assert_eq!(
        app.file(&verified.id).await["submission"]["nominee"]["email"],
        nominee.as_str()
    );

    let erased = app
        .console_post(
            app.now,
            &ada,
            "/console/people/erasure",
            &[("email", &nominee), ("confirm_email", &nominee.to_uppercase())],
        )
        .await;
    assert_eq!(erased.status, 200, "{}", erased.body);
    assert!(erased.body.contains("1 nominations"), "{}", erased.body);
    let gone = app
        .staff_request(
            "GET",
            &format!("/vetting/nominations/{}", verified.id),
            Some(&iln_tests::vetter_token()),
            None,
        )
        .await;
    assert_eq!(gone.status, 404, "the erased nomination is no longer anyone's file");
}

#[tokio::test]
async fn an_admin_invites_one_person_from_the_form_after_the_same_review_and_only_once() {
    let app = TestApp::spawn().await;
    let now = app.now;
    let ada = app.console_sign_in(CONSOLE_ADMIN).await;
    let address = unique_address("emerita");
    let person = |country: &'static str| {
        [
            ("name", "Ana María \"Anita\" Ruiz"),
            ("email", address.as_str()),
            ("country", country),
            ("region", ""),
            ("language", "es"),
            ("role", "board_emeritus"),
            ("reason", "IMI Board Emeritus, first round; founder, 2004"),
        ]
    };

    let wrong = app
        .console_post(now, &ada, "/console/invitations/one", &person("XX"))
        .await;
    assert_eq!(wrong.status, 200, "{}", wrong.body);
    assert!(wrong.body.contains("0 of 1 lines can be sent"), "{}", wrong.body);
    assert!(!wrong.body.contains("/console/invitations/send\""), "nothing to send");

    let review = app
        .console_post(now, &ada, "/console/invitations/one", &person("ES"))
        .await;
    assert!(review.body.contains("1 of 1 lines can be sent"), "{}", review.body);
    assert!(review.body.contains("Ana María &quot;Anita&quot; Ruiz"));
    let reviewed = hidden_field(&review.body, "cohort").expect("the invitation, carried to the send");
    let form = [("cohort", reviewed.as_str())];
    let sent = app.console_post(now, &ada, "/console/invitations/send", &form).await;
    assert!(sent.body.contains("1 invitations sent"), "{}", sent.body);
    let again = app.console_post(now, &ada, "/console/invitations/send", &form).await;
    assert!(again.body.contains("0 invitations sent"), "{}", again.body);

    app.deliver_outbox().await;
    let mails = app.mails_to(&address).await;
    assert_eq!(mails.len(), 1, "one invitation");
    let forged = app
        .post_page_form(
            now,
            "/console/invitations/one",
            Some(&ada.cookie),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let vera = app.console_sign_in(CONSOLE_VETTER).await;
    let by_a_vetter = app
        .console_post(now, &vera, "/console/invitations/one", &person("ES"))
        .await;
    assert_eq!(by_a_vetter.status, 403);
}
