//! The public form cannot be turned against anyone: nobody can block a
//! person's nomination, the answer tells nothing about anyone else's, the
//! form is no mail relay, links that scanners open change nothing, and input
//! that cannot be displayed or delivered is refused. `docs/security.md`
//! lists each threat with the test here that covers it.

use crate::fixtures::{erase, post_json_from, unverified_nomination, verification_link};
use chrono::Duration;
use iln_domain::limits::SubmissionLimits;
use iln_tests::{Options, TestApp, VETTING_CHANNEL, nomination, unique_address, vetter_token};
use serde_json::json;

fn form_pairs<'a>(language: &'a str, nominee: &'a str, nominator: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("language", language),
        ("nominee_name", "Amara Okafor"),
        ("nominee_email", nominee),
        ("nominee_country", "NG"),
        ("nominee_role", "mediator"),
        ("nominator_name", "Lucía Fernández"),
        ("nominator_email", nominator),
        ("nominator_basis", "iln_member"),
        (
            "rationale",
            "Amara creó el primer programa de mediación vinculado a los tribunales de Lagos.",
        ),
        ("links", "https://example.org/amara"),
        ("privacy_consent", "yes"),
        ("website", ""),
    ]
}

fn form_body(pairs: &[(&str, &str)]) -> Vec<u8> {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

const FORM_HEADERS: &[(&str, &str)] = &[
    ("content-type", "application/x-www-form-urlencoded"),
    ("accept", "text/html"),
];

async fn queue_ids(app: &TestApp) -> Vec<String> {
    let queue = app
        .staff_request("GET", "/vetting/nominations", Some(&vetter_token()), None)
        .await;
    assert_eq!(queue.status, 200, "{}", queue.body);
    queue.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_throwaway_nomination_never_verified_does_not_stop_a_genuine_one() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let throwaway = unique_address("throwaway");
    let genuine = unique_address("lucia");

    let blocked = app.post_json(&nomination("en", &nominee, &throwaway)).await;
    let submitted = app.post_json(&nomination("en", &nominee, &genuine)).await;
    assert_eq!((blocked.status, submitted.status), (202, 202));
    let id = submitted.json()["id"].as_str().unwrap().to_owned();

    let link = verification_link(&app, &genuine).await;
    assert_eq!(app.mails_to(&genuine).await.len(), 1, "the genuine nominator is mailed");
    let verified = app.verify(&link).await;
    app.deliver_outbox().await;

    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(app.status_of(&id).await, "awaiting_vetting");
    assert_eq!(queue_ids(&app).await, std::slice::from_ref(&id), "in the vetting queue");
    assert!(
        app.posts_to(VETTING_CHANNEL)
            .await
            .iter()
            .any(|card| card.to_string().contains(&id)),
        "its vetting card is posted"
    );
    let blocked_id = blocked.json()["id"].as_str().unwrap().to_owned();
    let run = app.run_reminders(app.now + Duration::hours(73)).await;
    assert_eq!(run.expired_unverified, 1);
    assert_eq!(app.status_of(&blocked_id).await, "expired");
    assert_eq!(
        app.status_of(&id).await,
        "awaiting_vetting",
        "expiring the throwaway frees nothing"
    );
}

#[tokio::test]
async fn a_nomination_verified_after_another_becomes_its_endorsement_and_its_page_says_the_same() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let (first, second) = (unique_address("lucia"), unique_address("kwame"));
    let a = app.post_json(&nomination("en", &nominee, &first)).await.json();
    let b = app.post_json(&nomination("en", &nominee, &second)).await.json();
    app.deliver_outbox().await;
    let (link_a, link_b) = (
        verification_link(&app, &first).await,
        verification_link(&app, &second).await,
    );

    let page_a = app.verify(&link_a).await;
    let page_b = app.verify(&link_b).await;
    app.deliver_outbox().await;

    let (a, b) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    assert_eq!((page_a.status, page_b.status), (200, 200));
    assert_eq!(page_a.body, page_b.body, "the page does not tell who was first");
    assert_eq!(app.status_of(a).await, "awaiting_vetting");
    assert_eq!(app.status_of(b).await, "merged");
    let file = app.file(a).await;
    assert_eq!(file["endorsement_count"], 1);
    assert_eq!(file["endorsements"][0]["nominator"]["email"], second.as_str());
    assert_eq!(file["findings"]["endorsements"], 1);
    let endorser = iln_domain::EmailAddress::parse(&second).unwrap();
    assert!(app.table.endorses(a.parse().unwrap(), &endorser).await.unwrap());
    assert_eq!(queue_ids(&app).await, [a.to_owned()], "one nomination to vet");
    let cards = app.posts_to(VETTING_CHANNEL).await;
    assert!(
        !cards.iter().any(|card| card.to_string().contains(b)),
        "no card for the merged one"
    );
}

#[tokio::test]
async fn an_unverified_endorsement_neither_counts_nor_shows_and_expires_like_a_nomination() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let held = app
        .verified_nomination_from(nomination("en", &nominee, &unique_address("lucia")))
        .await;
    let endorser = unique_address("kwame");
    let later = app.post_json(&nomination("en", &nominee, &endorser)).await;
    assert_eq!(later.status, 202);
    let link = verification_link(&app, &endorser).await;

    let file = app.file(&held.id).await;
    assert_eq!(file["endorsement_count"], 0);
    assert_eq!(file["endorsements"], json!([]));
    assert_eq!(file["findings"]["endorsements"], 0);
    assert_eq!(
        file["findings"]["country_open_nominations"], 0,
        "unverified counts nowhere"
    );

    let run = app.run_reminders(app.now + Duration::hours(73)).await;
    assert_eq!(run.expired_unverified, 1);
    let too_late = app.verify_at(app.now + Duration::hours(73), &link).await;
    assert_eq!(too_late.status, 410);
    assert_eq!(app.file(&held.id).await["endorsement_count"], 0);
    assert!(app.items_of("endorsement").await.is_empty());
}

#[tokio::test]
async fn a_nomination_holds_at_most_fifty_endorsements_and_its_file_reads_them_in_pages() {
    let app = TestApp::spawn_with(Options {
        limits: Some(SubmissionLimits::new(1_000, 1_000, 10, 10).unwrap()),
        ..Options::default()
    })
    .await;
    let nominee = unique_address("amara");
    let held = app
        .verified_nomination_from(nomination("en", &nominee, &unique_address("lucia")))
        .await;

    let endorsers: Vec<String> = (0..51).map(|n| unique_address(&format!("endorser{n}"))).collect();
    for endorser in &endorsers {
        assert_eq!(app.post_json(&nomination("en", &nominee, endorser)).await.status, 202);
    }
    app.deliver_outbox().await;
    for endorser in &endorsers {
        let link = app.mails_to(endorser).await[0].link_to("/nominations/verify");
        assert_eq!(app.verify(&link).await.status, 200);
    }

    let first = app.file(&held.id).await;
    assert_eq!(first["endorsement_count"], 50);
    assert_eq!(
        app.items_of("endorsement").await.len(),
        50,
        "the fifty-first is not kept"
    );
    let mut seen = Vec::new();
    let mut page = first;
    loop {
        let items = page["endorsements"].as_array().unwrap();
        assert!(items.len() <= 20, "a page holds at most 20");
        seen.extend(
            items
                .iter()
                .map(|e| e["nominator"]["email"].as_str().unwrap().to_owned()),
        );
        let Some(cursor) = page["endorsements_next_cursor"].as_str() else {
            break;
        };
        page = app
            .staff_request(
                "GET",
                &format!("/vetting/nominations/{}?endorsements_cursor={cursor}", held.id),
                Some(&vetter_token()),
                None,
            )
            .await
            .json();
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 50, "every endorsement once, in pages");
    let forged = app
        .staff_request(
            "GET",
            &format!(
                "/vetting/nominations/{}?endorsements_cursor=eyJwayI6IngiLCJzayI6InkifQ",
                held.id
            ),
            Some(&vetter_token()),
            None,
        )
        .await;
    assert_eq!(forged.status, 400, "{}", forged.body);
}

#[tokio::test]
async fn every_accepted_submission_is_answered_alike_with_a_reference_of_its_own() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let (lucia, kwame) = (unique_address("lucia"), unique_address("kwame"));
    let held = app.verified_nomination_from(nomination("en", &nominee, &lucia)).await;

    let new_person = app.post_json(&nomination("en", &unique_address("bruno"), &kwame)).await;
    let already_held = app.post_json(&nomination("en", &nominee, &kwame)).await;
    let same_again = app.post_json(&nomination("en", &nominee, &kwame)).await;
    let by_the_holder = app.post_json(&nomination("en", &nominee, &lucia)).await;

    let answers = [&new_person, &already_held, &same_again, &by_the_holder];
    let mut references = std::collections::BTreeSet::from([held.id.clone()]);
    for answer in answers {
        assert_eq!(answer.status, 202, "{}", answer.body);
        let body = answer.json();
        let keys: Vec<&String> = body.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["id", "status"]);
        assert_eq!(body["status"], "submitted");
        assert!(
            references.insert(body["id"].as_str().unwrap().to_owned()),
            "a fresh reference each time, never another's: {body}"
        );
    }
    let app = &app;
    let pages = futures::future::join_all([&nominee, &unique_address("ines")].map(|person| {
        let body = form_body(&form_pairs("en", person, &kwame));
        async move { app.request("POST", "/nominations", FORM_HEADERS, &body).await }
    }))
    .await;
    assert_eq!(pages[0].status, 200);
    assert_eq!(pages[0].body, pages[1].body, "the form's thank-you page is the same");
    app.deliver_outbox().await;
    let mails = app.mails_to(&kwame).await;
    assert_eq!(mails.len(), 3, "one per person nominated, none for a repeat");
}

#[tokio::test]
async fn the_verification_mail_has_a_fixed_subject_and_no_text_the_submitter_wrote() {
    let app = TestApp::spawn().await;
    for (language, subject) in [
        (
            "en",
            "Please confirm your nomination to the IMI International Leadership Network",
        ),
        (
            "es",
            "Confirme su nominación para la Red de Liderazgo Internacional del IMI",
        ),
    ] {
        let victim = unique_address("victim");
        let mut body = nomination(language, &unique_address("amara"), &victim);
        body["nominee_name"] = json!("Cheap pills at spam.example");
        body["nominator_name"] = json!("Call +1 555 0100 spam.example");
        body["rationale"] = json!("Visit https://spam.example/offer for an offer you cannot refuse, today only!");
        assert_eq!(app.post_json(&body).await.status, 202);
        app.deliver_outbox().await;

        let mails = app.mails_to(&victim).await;
        assert_eq!(mails.len(), 1);
        assert_eq!(mails[0].subject, subject, "{language}");
        for part in [&mails[0].subject, &mails[0].text, &mails[0].html] {
            assert!(!part.contains("spam.example"), "{language}: {part}");
            assert!(!part.contains("555"), "{language}: {part}");
        }
    }
}

#[tokio::test]
async fn the_twenty_first_submission_in_an_hour_from_one_network_is_refused_in_spanish() {
    let app = TestApp::spawn().await;
    let people: Vec<(String, String, String)> = (0..50)
        .map(|n| {
            (
                format!("203.0.113.{}", n + 1),
                unique_address("amara"),
                unique_address("lucia"),
            )
        })
        .collect();

    let app = &app;
    let answers = futures::future::join_all(people.iter().map(|(ip, nominee, nominator)| {
        let body = form_body(&form_pairs("es", nominee, nominator));
        async move {
            app.request_from(ip, app.now, "POST", "/nominations", FORM_HEADERS, &body)
                .await
        }
    }))
    .await;

    let accepted = answers.iter().filter(|a| a.status == 200).count();
    let refused: Vec<_> = answers.iter().filter(|a| a.status == 429).collect();
    assert_eq!((accepted, refused.len()), (20, 30), "exactly the limit is accepted");
    for answer in &refused {
        assert!(answer.body.contains("lang=\"es\""), "the page is Spanish");
        assert!(answer.body.contains("Vuelva a intentarlo"), "{}", answer.body);
        let wait: i64 = answer.headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert!((1..=3600).contains(&wait), "until the hour ends: {wait}");
    }
    assert_eq!(
        app.items_of("nomination").await.len(),
        20,
        "nothing recorded for the refused"
    );
    app.deliver_outbox().await;
    let mailed = futures::future::join_all(people.iter().map(|(_, _, nominator)| app.mails_to(nominator))).await;
    assert_eq!(mailed.iter().filter(|mails| !mails.is_empty()).count(), 20);

    let elsewhere = post_json_from(
        app,
        "198.51.100.7",
        app.now,
        &nomination("es", &unique_address("amara"), &unique_address("lucia")),
    )
    .await;
    assert_eq!(elsewhere.status, 202, "another network is counted apart");
    let json_refused = post_json_from(
        app,
        "203.0.113.200",
        app.now,
        &nomination("es", &unique_address("amara"), &unique_address("lucia")),
    )
    .await;
    assert_eq!(json_refused.status, 429);
    assert!(json_refused.headers.contains_key("retry-after"));
    let message = json_refused.json()["errors"][0]["message"].as_str().unwrap().to_owned();
    assert!(message.contains("Vuelva a intentarlo"), "{message}");
    let next_hour = post_json_from(
        app,
        "203.0.113.201",
        app.now + Duration::hours(1),
        &nomination("en", &unique_address("amara"), &unique_address("lucia")),
    )
    .await;
    assert_eq!(next_hour.status, 202, "the next hour counts again");
}

#[tokio::test]
async fn one_nominator_address_is_limited_whatever_network_it_comes_from() {
    let app = TestApp::spawn().await;
    let victim = unique_address("victim");
    let mut statuses = Vec::new();
    for n in 0..6 {
        let body = nomination("en", &unique_address("amara"), &victim);
        let answer = post_json_from(&app, &format!("192.0.2.{n}"), app.now, &body).await;
        statuses.push(answer.status);
    }
    assert_eq!(statuses, [202, 202, 202, 202, 202, 429]);
    app.deliver_outbox().await;
    assert_eq!(app.mails_to(&victim).await.len(), 5, "SubmissionsPerAddressPerHour");
}

#[tokio::test]
async fn a_filled_hidden_field_is_answered_like_success_and_records_nothing() {
    let app = TestApp::spawn().await;
    let nominator = unique_address("bot");
    let mut pairs = form_pairs("en", "amara@example.org", &nominator);
    pairs.retain(|(name, _)| *name != "website");
    pairs.push(("website", "https://spam.example"));

    let form = app.post_form(&pairs).await;
    let mut body = nomination("en", &unique_address("amara"), &nominator);
    body["website"] = json!("https://spam.example");
    let api = app.post_json(&body).await;
    app.deliver_outbox().await;

    assert_eq!(form.status, 200);
    assert!(form.body.contains("Thank you"), "{}", form.body);
    assert_eq!(api.status, 202);
    assert_eq!(api.json()["status"], "submitted");
    assert!(app.all_items().await.is_empty(), "nothing recorded, not even a count");
    assert!(app.mails_to(&nominator).await.is_empty());
    let page = app.get("/nominate").await;
    assert!(page.body.contains("name=\"website\""), "the form carries the honeypot");
}

#[tokio::test]
async fn nothing_is_mailed_to_a_suppressed_address_given_on_the_form() {
    let app = TestApp::spawn().await;
    let nominator = format!(
        "bounce+{}@simulator.amazonses.com",
        ulid::Ulid::new().to_string().to_lowercase()
    );
    app.post_json(&nomination("en", &unique_address("amara"), &nominator))
        .await;
    app.deliver_outbox().await;
    app.deliver_mail_events().await.expect("SES reported the bounce");
    let mailed_before = app.mails_to(&nominator).await.len();

    let page = app
        .post_form(&form_pairs("en", &unique_address("bruno"), &nominator))
        .await;
    app.deliver_outbox().await;

    assert_eq!(page.status, 200, "answered like any other");
    assert_eq!(
        app.mails_to(&nominator).await.len(),
        mailed_before,
        "nothing more to a suppressed address"
    );
    let reasons: Vec<_> = app
        .outbox_of_kind("nominator_verification")
        .await
        .iter()
        .filter_map(|m| m.get("failure_reason").and_then(|r| r.as_s().ok()).cloned())
        .collect();
    assert!(reasons.contains(&"suppressed".to_owned()), "{reasons:?}");
}

#[tokio::test]
async fn a_mail_scanner_opening_the_verification_link_verifies_nothing() {
    let app = TestApp::spawn().await;
    let submitted = unverified_nomination(&app, "es").await;
    let (id, link) = (submitted.id, submitted.verification_link);

    let scans = futures::future::join_all((0..3).map(|_| app.get(&link))).await;

    for scan in &scans {
        assert_eq!(scan.status, 200);
        assert!(scan.body.contains("method=\"post\""), "a page with a button");
        assert!(scan.body.contains("lang=\"es\""));
    }
    assert_eq!(app.status_of(&id).await, "submitted");
    assert_eq!(app.items_of("audit_event").await.len(), 1, "only the submission");
    assert!(app.items_of("nominee").await.is_empty(), "nobody is held");

    let pressed = app.verify(&link).await;
    assert_eq!(pressed.status, 200);
    assert_eq!(app.status_of(&id).await, "awaiting_vetting");
}

#[tokio::test]
async fn names_and_addresses_that_cannot_be_shown_or_delivered_are_refused_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let cases: &[(&str, &str, &str)] = &[
        ("nominee_name", "\u{202e}evil\u{202c}", "dirección del texto"),
        ("nominator_name", "\u{200b}\u{200d}", "caracteres visibles"),
        (
            "rationale",
            &format!("{}\u{2066}", "x".repeat(60)),
            "dirección del texto",
        ),
        ("nominator_email", "lucía@example.org", "No podemos enviar correo"),
        ("nominee_email", "amara@[10.0.0.1]", "No podemos enviar correo"),
        ("nominee_email", "amara@localhost", "No podemos enviar correo"),
    ];
    for (field, value, message) in cases {
        let mut body = nomination("es", &unique_address("amara"), &unique_address("lucia"));
        body[*field] = json!(value);
        let answer = app.post_json(&body).await;
        assert_eq!(answer.status, 422, "{field}: {}", answer.body);
        let errors = answer.json()["errors"].clone();
        let error = errors
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["field"] == *field)
            .unwrap_or_else(|| panic!("{field}: {errors}"));
        assert!(error["message"].as_str().unwrap().contains(message), "{field}: {error}");
    }
    assert!(app.items_of("nomination").await.is_empty());

    let mut body = nomination("en", "amara@bücher.de", &unique_address("lucia"));
    body["nominee_name"] = json!("Jose\u{301} Okafor");
    assert_eq!(app.post_json(&body).await.status, 202);
    let stored = app.items_of("nomination").await[0]["nominee"].as_m().unwrap().clone();
    assert_eq!(stored["email"].as_s().unwrap(), "amara@xn--bcher-kva.de", "IDNA");
    assert_eq!(stored["name"].as_s().unwrap(), "Jos\u{e9} Okafor", "NFC");
}

#[tokio::test]
async fn erasing_a_nominator_removes_their_unverified_nomination_pending_mark_and_counters() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let nominator = unique_address("lucia");
    assert_eq!(app.post_json(&nomination("en", &nominee, &nominator)).await.status, 202);
    let digest = iln_domain::limits::address_digest(&iln_domain::EmailAddress::parse(&nominator).unwrap());
    let mentions = |items: &[std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue>]| {
        items
            .iter()
            .filter(|item| {
                let text = format!("{item:?}");
                text.contains(&nominator) || text.contains(&digest)
            })
            .count()
    };
    assert!(
        mentions(&app.all_items().await) >= 4,
        "nomination, pending mark, link, counters"
    );

    let erased = erase(&app, &nominator).await;

    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(mentions(&app.all_items().await), 0, "nothing names or counts them");
    let again = app
        .post_json(&nomination("en", &nominee, &unique_address("kwame")))
        .await;
    assert_eq!(again.status, 202, "the nominee may still be nominated");
}
