//! From confirmation to IMI International Leader: the invitation, its
//! answer, members for admins, derecognition.

use crate::fixtures::act_on_invitation;
use chrono::Duration;
use iln_tests::{
    ILN_CHANNEL, TERMS_VERSION, TestApp, TestResponse, VETTING_CHANNEL, admin_token, nomination, unique_address,
    vetter_token,
};
use serde_json::{Value, json};

#[tokio::test]
async fn a_confirmed_nominee_is_invited_accepts_and_becomes_a_member_with_a_welcome_and_a_slack_note() {
    let app = TestApp::spawn().await;
    for language in ["en", "es"] {
        let invited = app.invited(language).await;
        let received = app.mails_to(&invited.nominee).await;
        assert_eq!(
            received.len(),
            2,
            "the notice before the discussion, then the invitation"
        );
        let invitation = &received[1];
        let expected_subject = iln_domain::Language::parse(language)
            .unwrap()
            .text("emails.invitation.subject");
        assert_eq!(
            invitation.subject,
            expected_subject.replace("{nominee_name}", "Amara Okafor")
        );
        assert!(invitation.text.contains("30"), "the link's validity");
        assert_eq!(app.status_of(&invited.id).await, "invited");

        let page = app.get(&invited.link).await;
        let accepted = app
            .answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
            .await;
        app.deliver_outbox().await;

        assert_eq!(page.status, 200);
        assert!(page.body.contains(&format!("lang=\"{language}\"")));
        assert_eq!(
            page.body.matches("method=\"post\"").count(),
            2,
            "Accept and Decline, no JavaScript"
        );
        assert!(!page.body.contains("<script"));
        assert_eq!(accepted.status, 200, "{}", accepted.body);
        assert_eq!(app.status_of(&invited.id).await, "member");
        let mails = app.mails_to(&invited.nominee).await;
        assert_eq!(mails.len(), 3, "the notice, the invitation, then the welcome");
        assert!(mails[2].text.contains("http://127.0.0.1:3001/"), "how to join Slack");
    }
    let notes: Vec<_> = app
        .posts_to(ILN_CHANNEL)
        .await
        .into_iter()
        .filter(|post| {
            post["text"]
                .as_str()
                .unwrap_or_default()
                .contains("new IMI International Leader")
        })
        .collect();
    assert_eq!(notes.len(), 2);
    let admin = admin_token();
    let members = app.staff_request("GET", "/admin/members", Some(&admin), None).await;
    assert_eq!(members.status, 200, "{}", members.body);
    let items = members.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["title"], "IMI International Leader");
    assert_eq!(items[0]["status"], "active");
    assert_eq!(items[0]["consent"]["terms_version"], TERMS_VERSION);
    let one = app
        .staff_request(
            "GET",
            &format!("/admin/members/{}", items[0]["id"].as_str().unwrap()),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(one.json()["country"], "NG");
    let next = app.verified_nomination("en").await;
    let leaders = app.file(&next.id).await["findings"]["country_leaders"].clone();
    let members_as_leaders = leaders
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["source"] == "member")
        .count();
    assert_eq!(
        members_as_leaders, 2,
        "members lead their country in the findings: {leaders}"
    );
}

#[tokio::test]
async fn ten_concurrent_accepts_make_one_member_and_one_welcome() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;

    let answers = futures::future::join_all(
        (0..10).map(|_| app.answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])),
    )
    .await;
    app.deliver_outbox().await;

    let mut statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 410, 410, 410, 410, 410, 410, 410, 410, 410]);
    assert_eq!(app.items_of("member").await.len(), 1);
    assert_eq!(app.outbox_of_kind("welcome").await.len(), 1);
    assert_eq!(
        app.mails_to(&invited.nominee).await.len(),
        3,
        "the notice, the invitation and one welcome"
    );
}

#[tokio::test]
async fn an_answered_invitation_cannot_be_answered_again() {
    let app = TestApp::spawn().await;
    let declined = app.invited("en").await;
    let accepted = app.invited("en").await;

    let decline = app
        .answer_invitation(&declined.link, "decline", &[("reason", "No time this year.")])
        .await;
    let accept_after_decline = app
        .answer_invitation(&declined.link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    let accept = app
        .answer_invitation(&accepted.link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    let decline_after_accept = app.answer_invitation(&accepted.link, "decline", &[]).await;
    app.deliver_outbox().await;

    assert_eq!((decline.status, accept.status), (200, 200));
    assert_eq!((accept_after_decline.status, decline_after_accept.status), (410, 410));
    assert_eq!(app.status_of(&declined.id).await, "invitation_declined");
    assert_eq!(app.status_of(&accepted.id).await, "member");
    let file = app.file(&declined.id).await;
    assert!(
        file["audit"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["reason"] == "No time this year."),
        "the reason is kept"
    );
    let told = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|p| p["text"].to_string().contains("declined the invitation"))
        .count();
    assert_eq!(told, 1, "the vetting channel is told");
}

#[tokio::test]
async fn unknown_expired_and_outdated_invitations_get_a_clear_page_and_change_nothing() {
    let app = TestApp::spawn().await;
    let invited = app.invited("es").await;

    let unknown = app
        .get("/invitations/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        .await;
    let garbled = app.get("/invitations/x").await;
    let expired = app.get_at(app.now + Duration::days(30), &invited.link).await;
    let outdated = app
        .answer_invitation(&invited.link, "accept", &[("terms_version", "2020-01")])
        .await;

    assert_eq!((unknown.status, garbled.status), (404, 404));
    assert_eq!(expired.status, 410);
    assert!(
        expired.body.contains("mailto:iln@iln.localhost"),
        "a way to ask IMI for a new invitation"
    );
    assert!(expired.body.contains("lang=\"es\""));
    assert_eq!(outdated.status, 409, "the current terms are shown again");
    assert!(outdated.body.contains(TERMS_VERSION));
    assert_eq!(app.status_of(&invited.id).await, "invited");
    assert!(app.items_of("member").await.is_empty());
}

/// A derecognition of `member` requested with `token`.
async fn derecognize(app: &TestApp, token: &str, member: &str, body: Value) -> TestResponse {
    let path = format!("/admin/members/{member}/derecognize");
    app.staff_request("POST", &path, Some(token), Some(&body)).await
}

#[tokio::test]
async fn derecognition_tells_the_person_refers_to_the_iac_when_asked_and_shows_on_a_later_nomination() {
    let app = TestApp::spawn().await;
    let admin = admin_token();
    let mut people = Vec::new();
    for _ in 0..2 {
        let invited = app.invited("en").await;
        app.answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
            .await;
        people.push(invited);
    }
    app.deliver_outbox().await;
    let members = app
        .staff_request("GET", "/admin/members", Some(&admin), None)
        .await
        .json();
    let id_of = |email: &str| {
        members["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["email"] == email)
            .unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let referred = id_of(&people[0].nominee);
    let not_referred = id_of(&people[1].nominee);

    let by_vetter = derecognize(&app, &vetter_token(), &referred, json!({ "reason": "x" })).await;
    let first = derecognize(
        &app,
        &admin,
        &referred,
        json!({ "reason": "Breach of confidentiality.", "refer_to_iac": true }),
    )
    .await;
    let again = derecognize(&app, &admin, &referred, json!({ "reason": "Again." })).await;
    let second = derecognize(
        &app,
        &admin,
        &not_referred,
        json!({ "reason": "Disrespectful behaviour.", "refer_to_iac": false }),
    )
    .await;
    app.deliver_outbox().await;

    assert_eq!(by_vetter.status, 403);
    assert_eq!((first.status, second.status, again.status), (200, 200, 409));
    for person in &people {
        let mails = app.mails_to(&person.nominee).await;
        assert_eq!(mails.len(), 4, "notice, invitation, welcome, derecognition");
    }
    let iac = app.mails_to("iac@iln.localhost").await;
    assert!(
        iac.iter().filter(|m| m.text.contains(&referred)).count() == 1,
        "the referred case reaches the IAC"
    );
    assert!(
        !iac.iter().any(|m| m.text.contains(&not_referred)),
        "only when referred"
    );
    let derecognized = app
        .staff_request("GET", "/admin/members?status=derecognized", Some(&admin), None)
        .await
        .json();
    assert_eq!(derecognized["items"].as_array().unwrap().len(), 2);

    let again_nominated = app
        .verified_nomination_from(nomination("en", &people[0].nominee, &unique_address("kwame")))
        .await;
    let file = app.file(&again_nominated.id).await;
    assert_eq!(file["findings"]["nominee_derecognized"], true);
    assert_eq!(file["findings"]["nominee_already_member"], false);
}

#[tokio::test]
async fn members_export_as_csv_with_formulas_neutralised_and_names_in_any_script() {
    let app = TestApp::spawn().await;
    for name in ["=HYPERLINK(\"http://evil.example\")", "Łucja Żółć-Kowalska"] {
        let mut body = nomination("en", &unique_address("member"), &unique_address("lucia"));
        body["nominee_name"] = name.into();
        let invited = app.invited_from(body).await;
        app.answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
            .await;
    }
    let admin = admin_token();

    let csv = app
        .request(
            "GET",
            "/admin/members?country=NG",
            &[("authorization", &admin), ("accept", "text/csv")],
            b"",
        )
        .await;
    let elsewhere = app
        .staff_request("GET", "/admin/members?country=ES", Some(&admin), None)
        .await;
    let bad_country = app
        .staff_request("GET", "/admin/members?country=XX", Some(&admin), None)
        .await;

    assert_eq!(csv.status, 200);
    assert!(csv.headers["content-type"].to_str().unwrap().starts_with("text/csv"));
    let lines: Vec<&str> = csv.body.lines().collect();
    assert_eq!(lines.len(), 3, "{}", csv.body);
    assert!(lines[0].starts_with("id,title,name,email"));
    assert!(
        csv.body.contains("\"'=HYPERLINK(\"\"http://evil.example\"\")\""),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("Łucja Żółć-Kowalska"));
    assert_eq!(elsewhere.json()["items"].as_array().unwrap().len(), 0);
    assert_eq!(bad_country.status, 400);
}

#[tokio::test]
async fn an_admin_invites_directly_and_the_invitation_is_audited_with_the_admin() {
    let app = TestApp::spawn().await;
    let emeritus = unique_address("emeritus");
    let invitation = json!({
        "name": "Hiroshi Sato", "email": emeritus, "country": "JP", "language": "en",
        "role": "board_emeritus", "reason": "IMI Board Emeritus",
    });

    let by_vetter = app
        .staff_request("POST", "/admin/invitations", Some(&vetter_token()), Some(&invitation))
        .await;
    let created = app
        .staff_request("POST", "/admin/invitations", Some(&admin_token()), Some(&invitation))
        .await;
    let twice = app
        .staff_request("POST", "/admin/invitations", Some(&admin_token()), Some(&invitation))
        .await;
    let mut bad = invitation.clone();
    bad["country"] = "XX".into();
    let invalid = app
        .staff_request("POST", "/admin/invitations", Some(&admin_token()), Some(&bad))
        .await;
    app.deliver_outbox().await;

    assert_eq!(by_vetter.status, 403);
    assert_eq!(created.status, 202, "{}", created.body);
    assert_eq!(twice.status, 409, "the same person is invited once");
    assert_eq!(invalid.status, 422);
    assert_eq!(invalid.json()["errors"][0]["field"], "country");
    let id = created.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(app.status_of(&id).await, "invited");
    let mails = app.mails_to(&emeritus).await;
    assert_eq!(mails.len(), 1);
    let audit = app.file(&id).await["audit"].clone();
    let direct = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["what"] == "invited_directly")
        .expect("audited");
    assert_eq!(direct["actor"]["role"], "admin");
    assert_eq!(direct["actor"]["id"], "ada");
    assert_eq!(direct["reason"], "IMI Board Emeritus");
    let link = mails[0].link_to("/invitations/");
    let accepted = app
        .answer_invitation(&link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    assert_eq!(accepted.status, 200);
    assert_eq!(app.status_of(&id).await, "member");
}

#[tokio::test]
async fn a_resent_invitation_replaces_the_old_link_and_a_revoked_one_stops_working() {
    let app = TestApp::spawn().await;
    let resent = app.invited("en").await;
    let revoked = app.invited("en").await;

    let resend = act_on_invitation(&app, &resent.id, "resend").await;
    app.deliver_outbox().await;
    let revoke = act_on_invitation(&app, &revoked.id, "revoke").await;
    let revoke_again = act_on_invitation(&app, &revoked.id, "revoke").await;

    assert_eq!((resend.status, revoke.status, revoke_again.status), (202, 200, 409));
    let mails = app.mails_to(&resent.nominee).await;
    assert_eq!(mails.len(), 3, "the notice, the first invitation and the new one");
    let new_link = mails[2].link_to("/invitations/");
    assert_ne!(new_link, resent.link);
    assert_eq!(app.get(&resent.link).await.status, 410, "the old link stops working");
    assert_eq!(app.get(&new_link).await.status, 200);
    assert_eq!(app.get(&revoked.link).await.status, 410);
    assert_eq!(app.status_of(&revoked.id).await, "withdrawn");
    let audit = app.file(&resent.id).await["audit"].clone();
    assert!(
        audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["what"] == "resend_requested" && e["actor"]["role"] == "admin")
    );
    let revoke_audit = app.file(&revoked.id).await["audit"].clone();
    assert!(
        revoke_audit
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["command"] == "withdraw" && e["actor"]["role"] == "admin")
    );
}
