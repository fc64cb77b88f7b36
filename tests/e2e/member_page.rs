//! Members look after themselves: the welcome mail leads to a member page
//! opened with a sign-in link mailed to the member (single use, fifteen
//! minutes), where they see their record, choose the language IMI writes
//! in, and resign from the ILN.

use chrono::Duration;
use iln_tests::{ILN_CHANNEL, Member, TestApp, TestResponse, VETTING_CHANNEL, admin_token, unique_address};

const SIGN_IN: &str = "/members/sign-in";
const SESSION: &str = "/members/session";
const PAGE: &str = "/members/me";

/// The member asks for a link on the sign-in page, and the outbox sends it.
async fn ask_for_link(app: &TestApp, address: &str) -> TestResponse {
    let asked = app
        .post_page_form(app.now, SIGN_IN, None, &[("email", address), ("lang", "en")])
        .await;
    app.deliver_outbox().await;
    asked
}

/// The sign-in mails the member has had, newest last.
async fn sign_in_links(app: &TestApp, member: &Member) -> Vec<String> {
    app.mails_to(&member.email)
        .await
        .iter()
        .filter(|mail| mail.text.contains(SESSION))
        .map(|mail| mail.link_to(SESSION))
        .collect()
}

/// The token the sign-in link carries.
fn token_of(link: &str) -> String {
    let query = link.split_once('?').expect("a query").1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "token")
        .expect("a token")
        .1
        .into_owned()
}

/// The `name=value` of the session cookie a response sets.
fn session_cookie(response: &TestResponse) -> String {
    let set = response
        .headers
        .get("set-cookie")
        .expect("a session cookie")
        .to_str()
        .unwrap();
    set.split(';').next().unwrap().to_owned()
}

/// The form token the member's page carries in its forms.
fn form_token(page: &TestResponse) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = page.body.find(marker).expect("a form token") + marker.len();
    let end = page.body[start..].find('"').unwrap() + start;
    page.body[start..end].to_owned()
}

/// A member signed in: the browser's cookie, and the form token of the page.
async fn signed_in(app: &TestApp, member: &Member) -> (String, String) {
    ask_for_link(app, &member.email).await;
    let link = sign_in_links(app, member).await.pop().expect("a sign-in mail");
    let opened = app
        .post_page_form(app.now, SESSION, None, &[("token", &token_of(&link)), ("lang", "en")])
        .await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let cookie = session_cookie(&opened);
    let page = app.get_with_cookie(app.now, PAGE, &cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    (cookie, form_token(&page))
}

async fn member_status(app: &TestApp, member: &Member) -> String {
    let path = format!("/admin/members/{}", member.id);
    let record = app.staff_request("GET", &path, Some(&admin_token()), None).await;
    record.json()["status"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_member_signs_in_from_the_welcome_mail_with_a_link_that_works_once() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let welcome = app
        .mails_to(&member.email)
        .await
        .into_iter()
        .find(|mail| mail.subject.contains("Welcome"))
        .expect("a welcome mail");

    let sign_in_page = app.get(&welcome.link_to(SIGN_IN)).await;
    let asked = ask_for_link(&app, &member.email).await;
    let links = sign_in_links(&app, &member).await;
    let link = links.first().expect("a sign-in mail");
    // Opening the link (as a mail scanner does) asks first and spends nothing.
    let opened = app.get(link).await;
    let opened_again = app.get(link).await;
    let signed_in = app
        .post_page_form(app.now, SESSION, None, &[("token", &token_of(link)), ("lang", "en")])
        .await;
    let used_again = app
        .post_page_form(app.now, SESSION, None, &[("token", &token_of(link)), ("lang", "en")])
        .await;

    assert_eq!(sign_in_page.status, 200, "{}", sign_in_page.body);
    assert!(sign_in_page.body.contains("name=\"email\""));
    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("Check your e-mail"), "{}", asked.body);
    assert_eq!(links.len(), 1);
    assert_eq!((opened.status, opened_again.status), (200, 200));
    assert!(opened.body.contains("Sign in to your member page"), "{}", opened.body);
    assert_eq!(signed_in.status, 303, "{}", signed_in.body);
    assert_eq!(signed_in.headers["location"], "/members/me?lang=en");
    let set_cookie = signed_in.headers["set-cookie"].to_str().unwrap();
    for attribute in ["__Host-iln-member=", "Secure", "HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set_cookie.contains(attribute), "{set_cookie}");
    }
    assert_eq!(used_again.status, 410, "{}", used_again.body);
    assert!(used_again.body.contains("This link was used"), "{}", used_again.body);

    let page = app.get_with_cookie(app.now, PAGE, &session_cookie(&signed_in)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    for shown in [
        &member.email,
        "Amara Okafor",
        "IMI International Leader",
        "Nigeria",
        "Active member",
    ] {
        assert!(page.body.contains(shown), "the page lacks {shown:?}: {}", page.body);
    }
}

#[tokio::test]
async fn a_sign_in_link_posted_many_times_at_once_opens_one_session() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    ask_for_link(&app, &member.email).await;
    let token = token_of(&sign_in_links(&app, &member).await[0]);

    let form = [("token", token.as_str()), ("lang", "en")];
    let answers = futures::future::join_all((0..6).map(|_| app.post_page_form(app.now, SESSION, None, &form))).await;

    let mut statuses: Vec<u16> = answers.iter().map(|answer| answer.status).collect();
    statuses.sort();
    assert_eq!(statuses, [303, 410, 410, 410, 410, 410]);
    assert_eq!(app.items_of("member_session").await.len(), 1);
}

#[tokio::test]
async fn a_sign_in_link_expires_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    ask_for_link(&app, &member.email).await;
    let link = sign_in_links(&app, &member).await.pop().unwrap();

    let late = app
        .post_page_form(
            app.now + Duration::minutes(15),
            SESSION,
            None,
            &[("token", &token_of(&link)), ("lang", "en")],
        )
        .await;
    let late_page = app.get_at(app.now + Duration::minutes(16), &link).await;

    assert_eq!(late.status, 410, "{}", late.body);
    assert!(late.body.contains("This link has expired"), "{}", late.body);
    assert_eq!(late_page.status, 410);
    assert!(app.items_of("member_session").await.is_empty());
}

#[tokio::test]
async fn asking_for_a_link_tells_nobody_who_is_a_member_and_sends_one_mail_in_five_minutes() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let stranger = unique_address("stranger");

    let for_member = ask_for_link(&app, &member.email).await;
    let for_stranger = ask_for_link(&app, &stranger).await;
    let asked_again = futures::future::join_all((0..3).map(|_| ask_for_link(&app, &member.email))).await;
    let mistyped = app
        .post_page_form(app.now, SIGN_IN, None, &[("email", "amara@"), ("lang", "es")])
        .await;

    assert_eq!((for_member.status, for_stranger.status), (200, 200));
    assert_eq!(for_member.body, for_stranger.body, "the same answer, member or not");
    assert!(asked_again.iter().all(|answer| answer.body == for_member.body));
    assert_eq!(sign_in_links(&app, &member).await.len(), 1, "one mail in the window");
    assert!(app.mails_to(&stranger).await.is_empty());
    assert_eq!(mistyped.status, 422, "{}", mistyped.body);
    assert!(mistyped.body.contains("Introduzca una dirección"), "{}", mistyped.body);
    assert!(mistyped.body.contains("value=\"amara@\""), "what was typed stays");
}

#[tokio::test]
async fn a_member_who_chooses_spanish_is_written_to_in_spanish_and_a_form_from_elsewhere_changes_nothing() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let (cookie, form_token) = signed_in(&app, &member).await;

    let forged = app
        .post_page_form(app.now, PAGE, Some(&cookie), &[("csrf", "forged"), ("language", "es")])
        .await;
    let without_session = app
        .post_page_form(app.now, PAGE, None, &[("csrf", &form_token), ("language", "es")])
        .await;
    let chosen = app
        .post_page_form(
            app.now,
            PAGE,
            Some(&cookie),
            &[("csrf", &form_token), ("language", "es")],
        )
        .await;
    // The next sign-in mail, in the next window, is in Spanish.
    app.post_page_form(
        app.now + Duration::minutes(5),
        SIGN_IN,
        None,
        &[("email", &member.email), ("lang", "en")],
    )
    .await;
    app.sweep_outbox(app.now + Duration::minutes(10)).await;

    assert_eq!(forged.status, 403, "{}", forged.body);
    assert_eq!(without_session.status, 403, "{}", without_session.body);
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    assert!(
        chosen.body.contains("Guardado: le escribiremos en este idioma."),
        "{}",
        chosen.body
    );
    let record = app
        .staff_request(
            "GET",
            &format!("/admin/members/{}", member.id),
            Some(&admin_token()),
            None,
        )
        .await
        .json();
    assert_eq!(record["languages"], serde_json::json!(["es", "en"]));
    let subjects: Vec<String> = app
        .mails_to(&member.email)
        .await
        .into_iter()
        .filter(|mail| mail.text.contains(SESSION))
        .map(|mail| mail.subject)
        .collect();
    assert_eq!(
        subjects,
        [
            "Your sign-in link to your ILN member page",
            "Su enlace de acceso a su página de miembro de la ILN"
        ]
    );
    let changes: Vec<_> = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["what"].as_s().unwrap() == "member_language_changed")
        .collect();
    assert_eq!(changes.len(), 1, "audited once, by the member");
    let actor = changes[0]["actor"].as_m().unwrap();
    assert_eq!(
        (actor["role"].as_s().unwrap().as_str(), actor["id"].as_s().unwrap()),
        ("member", &member.id)
    );
}

#[tokio::test]
async fn a_member_who_resigns_twice_at_once_leaves_the_iln_channel_once_and_the_vetting_channel_is_told_once() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let (cookie, form_token) = signed_in(&app, &member).await;

    let asked = app.get_with_cookie(app.now, "/members/me/resign", &cookie).await;
    let status_after_asking = member_status(&app, &member).await;
    let form = [("csrf", form_token.as_str())];
    let resigned = futures::future::join_all(
        (0..2).map(|_| app.post_page_form(app.now, "/members/me/resign", Some(&cookie), &form)),
    )
    .await;
    app.deliver_outbox().await;
    app.sweep_outbox(app.now + Duration::hours(1)).await;

    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(asked.body.contains("Do you want to resign from the ILN?"));
    assert_eq!(status_after_asking, "active", "asking changes nothing");
    for answer in &resigned {
        assert!(matches!(answer.status, 200 | 403), "{}: {}", answer.status, answer.body);
    }
    assert!(
        resigned
            .iter()
            .any(|answer| answer.body.contains("You have resigned from the ILN")),
        "{resigned:?}"
    );
    assert_eq!(member_status(&app, &member).await, "resigned");
    let kicks = app.slack_calls_of("conversations.kick").await;
    assert_eq!(kicks.len(), 1, "{kicks:?}");
    assert!(!app.slack_channel_members(ILN_CHANNEL).contains("UAMARA"));
    let told: Vec<_> = app
        .posts_to(VETTING_CHANNEL)
        .await
        .into_iter()
        .filter(|post| post["text"].as_str().unwrap_or_default().contains("resigned"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0]["text"].as_str().unwrap().contains(&member.id));
    let mut history: Vec<String> = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["pk"].as_s().unwrap() == &format!("MEMBER#{}", member.id))
        .map(|item| item["what"].as_s().unwrap().clone())
        .collect();
    history.sort();
    assert_eq!(history, ["joined_iln_channel", "left_iln_channel", "resigned"]);

    // The session ended with the membership, and no new link is sent.
    let page = app.get_with_cookie(app.now, PAGE, &cookie).await;
    assert_eq!(page.status, 403, "{}", page.body);
    let mails_before = app.mails_to(&member.email).await.len();
    ask_for_link(&app, &member.email).await;
    app.sweep_outbox(app.now + Duration::hours(2)).await;
    assert_eq!(app.mails_to(&member.email).await.len(), mails_before);
}

#[tokio::test]
async fn a_session_lasts_an_hour_and_signing_out_ends_it_at_once() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let (cookie, form_token) = signed_in(&app, &member).await;

    let before_the_hour = app
        .get_with_cookie(app.now + Duration::minutes(59), PAGE, &cookie)
        .await;
    let after_the_hour = app.get_with_cookie(app.now + Duration::hours(1), PAGE, &cookie).await;
    let signed_out = app
        .post_page_form(
            app.now,
            "/members/sign-out",
            Some(&cookie),
            &[("csrf", &form_token), ("lang", "en")],
        )
        .await;
    let page = app.get_with_cookie(app.now, PAGE, &cookie).await;

    assert_eq!(before_the_hour.status, 200, "{}", before_the_hour.body);
    assert_eq!(after_the_hour.status, 403, "{}", after_the_hour.body);
    assert!(after_the_hour.body.contains("Ask for a new sign-in link"));
    assert_eq!(signed_out.status, 200, "{}", signed_out.body);
    assert!(signed_out.headers["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(page.status, 403, "{}", page.body);
    assert!(
        app.items_of("member_session").await.is_empty(),
        "gone at once, not by TTL"
    );
}

/// The member asks, on their page, for IMI to write to `address`.
async fn ask_for_address(app: &TestApp, cookie: &str, form_token: &str, address: &str) -> TestResponse {
    let asked = app
        .post_page_form(
            app.now,
            "/members/me/address",
            Some(cookie),
            &[("csrf", form_token), ("email", address)],
        )
        .await;
    app.deliver_outbox().await;
    asked
}

async fn member_record(app: &TestApp, member: &Member) -> serde_json::Value {
    let path = format!("/admin/members/{}", member.id);
    app.staff_request("GET", &path, Some(&admin_token()), None).await.json()
}

#[tokio::test]
async fn a_member_changes_their_address_from_the_new_one_and_signs_in_with_it_from_then_on() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let (cookie, form_token) = signed_in(&app, &member).await;
    let new_address = unique_address("amara.new");

    let asked = ask_for_address(&app, &cookie, &form_token, &new_address).await;
    let confirmation = app.mails_to(&new_address).await;
    let link = confirmation[0].link_to("/members/address");
    let page = app.get(&link).await;
    let before = member_record(&app, &member).await;
    let form = [("token", token_of(&link)), ("lang", "en".to_owned())];
    let form: Vec<(&str, &str)> = form.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let confirmed =
        futures::future::join_all((0..3).map(|_| app.post_page_form(app.now, "/members/address", None, &form))).await;
    app.deliver_outbox().await;

    assert_eq!(asked.status, 200, "{}", asked.body);
    assert!(
        asked
            .body
            .contains(&format!("We sent a confirmation link to {new_address}"))
    );
    assert_eq!(confirmation.len(), 1);
    assert_eq!(confirmation[0].subject, "Confirm your new address for the ILN");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains(&new_address));
    assert_eq!(
        before["email"],
        member.email.as_str(),
        "opening the link changes nothing"
    );
    let mut statuses: Vec<u16> = confirmed.iter().map(|answer| answer.status).collect();
    statuses.sort();
    assert_eq!(statuses, [200, 410, 410], "{confirmed:?}");
    assert_eq!(member_record(&app, &member).await["email"], new_address.as_str());
    let told: Vec<_> = app
        .mails_to(&member.email)
        .await
        .into_iter()
        .filter(|mail| mail.subject == "The address IMI writes to you was changed")
        .collect();
    assert_eq!(told.len(), 1, "the address left is told once");
    let changes = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["what"].as_s().unwrap() == "member_address_changed")
        .count();
    assert_eq!(changes, 1);

    // From now on the new address signs in, and the old one is nobody's.
    let later = app.now + Duration::minutes(5);
    for address in [&member.email, &new_address] {
        app.post_page_form(later, SIGN_IN, None, &[("email", address), ("lang", "en")])
            .await;
    }
    app.sweep_outbox(later + Duration::minutes(5)).await;
    let sign_ins = |mails: Vec<iln_tests::Mail>| mails.iter().filter(|mail| mail.text.contains(SESSION)).count();
    assert_eq!(sign_ins(app.mails_to(&new_address).await), 1);
    assert_eq!(
        sign_ins(app.mails_to(&member.email).await),
        1,
        "only the first, before the change"
    );
}

#[tokio::test]
async fn an_address_someone_else_holds_cannot_become_a_members_and_nothing_moves() {
    let app = TestApp::spawn().await;
    let member = app.member("UAMARA").await;
    let other = app.member("UBEATRIZ").await;
    let (cookie, form_token) = signed_in(&app, &member).await;

    let unchanged = ask_for_address(&app, &cookie, &form_token, &member.email).await;
    let mistyped = ask_for_address(&app, &cookie, &form_token, "amara@").await;
    ask_for_address(&app, &cookie, &form_token, &other.email).await;
    let link = app
        .mails_to(&other.email)
        .await
        .iter()
        .find(|mail| mail.text.contains("/members/address"))
        .expect("a confirmation at the other member's address")
        .link_to("/members/address");
    let taken = app
        .post_page_form(
            app.now,
            "/members/address",
            None,
            &[("token", &token_of(&link)), ("lang", "en")],
        )
        .await;

    assert_eq!(unchanged.status, 422, "{}", unchanged.body);
    assert!(unchanged.body.contains("That is the address we write to already."));
    assert_eq!(mistyped.status, 422, "{}", mistyped.body);
    assert!(mistyped.body.contains("value=\"amara@\""));
    assert_eq!(taken.status, 409, "{}", taken.body);
    assert!(taken.body.contains("This address cannot be used"), "{}", taken.body);
    assert_eq!(member_record(&app, &member).await["email"], member.email.as_str());
    assert_eq!(member_record(&app, &other).await["email"], other.email.as_str());
    let moved = app
        .items_of("audit_event")
        .await
        .into_iter()
        .filter(|item| item["what"].as_s().unwrap() == "member_address_changed")
        .count();
    assert_eq!(moved, 0);
}
