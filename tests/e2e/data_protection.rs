//! A person's data can be exported and erased on request, through the admin
//! API: the export holds everything about them and nothing about anyone
//! else; after erasure their name and address occur nowhere in the table,
//! while the audit trail and other people's data remain.

use crate::fixtures::{add_information, erase, import_roster, slack_calls_to};
use iln_tests::{
    ILN_CHANNEL, TERMS_VERSION, TestApp, VETTING_CHANNEL, admin_token, nomination, unique_address, vetter_token,
};
use serde_json::{Value, json};

/// The people of the scenario: Amara Zephyrine is nominated (and becomes a
/// member), nominates someone herself, endorses a third nomination and is
/// on the roster; everyone else must come through untouched.
struct Scenario {
    amara: String,
    lucia: String,
    diego: String,
    bruno: String,
    carmen: String,
    /// Amara's own nomination (she is the nominee), now a membership.
    as_nominee: String,
    /// The nomination Amara made.
    as_nominator: String,
    /// The nomination Amara endorsed.
    endorsed: String,
    /// Amara's own submission of it, merged into it once verified.
    merged: String,
    /// Nothing to do with Amara.
    unrelated: String,
}

fn nomination_of(nominee_name: &str, nominee: &str, nominator_name: &str, nominator: &str) -> Value {
    let mut body = nomination("en", nominee, nominator);
    body["nominee_name"] = json!(nominee_name);
    body["nominator_name"] = json!(nominator_name);
    // Free text is exported as written: the scenario's names are kept out
    // of it so that the checks below are about the fields.
    body["rationale"] = json!("Built the first court-annexed mediation scheme in the region and trains mediators.");
    body
}

async fn amara_everywhere(app: &TestApp) -> Scenario {
    let amara = unique_address("zephyrine");
    let (lucia, diego, bruno, carmen) = (
        unique_address("lucia"),
        unique_address("diego"),
        unique_address("bruno"),
        unique_address("carmen"),
    );

    let roster = format!("email,name,category,country\n{amara},Amara Zephyrine,iln_member,NG\n");
    import_roster(app, &roster).await;

    let invited = app
        .invited_from(nomination_of("Amara Zephyrine", &amara, "Lucía Fernández", &lucia))
        .await;
    let accepted = app
        .answer_invitation(&invited.link, "accept", &[("terms_version", TERMS_VERSION)])
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);

    let made = app
        .verified_nomination_from(nomination_of("Diego Ramírez", &diego, "Amara Zephyrine", &amara))
        .await;
    let asked = app
        .decide(
            &made.id,
            json!({ "decision": "request_info", "reason": "How does Amara Zephyrine know Diego?", "expected_version": 2 }),
        )
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    app.deliver_outbox().await;
    let link = app
        .mails_to(&amara)
        .await
        .last()
        .unwrap()
        .link_to("/nominations/information");
    let answered = add_information(app, &link, "Amara Zephyrine trained him.").await;
    assert_eq!(answered.status, 200, "{}", answered.body);

    let endorsed = app
        .verified_nomination_from(nomination_of("Bruno Silva", &bruno, "Carmen López", &carmen))
        .await;
    // An endorsement counts once its endorser verified it.
    let merged = app
        .verified_nomination_from(nomination_of("Bruno Silva", &bruno, "Amara Zephyrine", &amara))
        .await;

    let unrelated = app
        .verified_nomination_from(nomination_of(
            "Ines Moreau",
            &unique_address("ines"),
            "Jorge Díaz",
            &unique_address("jorge"),
        ))
        .await;
    app.deliver_outbox().await;

    Scenario {
        amara,
        lucia,
        diego,
        bruno,
        carmen,
        as_nominee: invited.id,
        as_nominator: made.id,
        endorsed: endorsed.id,
        merged: merged.id,
        unrelated: unrelated.id,
    }
}

async fn export(app: &TestApp, email: &str) -> iln_tests::TestResponse {
    let path = format!(
        "/admin/people/export?email={}",
        url::form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
    );
    app.staff_request("GET", &path, Some(&admin_token()), None).await
}

/// Every item of the table, as text, that mentions `needle` in any case.
async fn items_mentioning(app: &TestApp, needle: &str) -> Vec<String> {
    let needle = needle.to_lowercase();
    app.all_items()
        .await
        .iter()
        .map(|item| format!("{item:?}"))
        .filter(|text| text.to_lowercase().contains(&needle))
        .collect()
}

#[tokio::test]
async fn the_export_holds_everything_about_the_person_and_nothing_about_anyone_else() {
    let app = TestApp::spawn().await;
    let people = amara_everywhere(&app).await;

    let response = export(&app, &people.amara.to_uppercase()).await;

    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.headers["cache-control"], "no-store");
    let export = response.json();
    let nominations = export["nominations"].as_array().unwrap();
    let roles_of = |id: &str| {
        nominations
            .iter()
            .find(|n| n["id"] == id)
            .unwrap_or_else(|| panic!("nomination {id} in the export"))["roles"]
            .clone()
    };
    assert_eq!(nominations.len(), 3);
    assert_eq!(roles_of(&people.as_nominee), json!(["nominee"]));
    assert_eq!(roles_of(&people.as_nominator), json!(["nominator"]));
    assert_eq!(roles_of(&people.merged), json!(["nominator"]), "her submission, merged");
    let own = nominations
        .iter()
        .find(|n| n["id"] == people.as_nominee.as_str())
        .unwrap();
    assert_eq!(own["nominee"]["name"], "Amara Zephyrine");
    let kinds: Vec<&str> = own["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds.len(), 4, "{kinds:?}");
    assert!(kinds.contains(&"invitation") && kinds.contains(&"welcome"), "{kinds:?}");
    assert!(
        kinds.contains(&"nominee_notice"),
        "the notice before discussion: {kinds:?}"
    );
    assert!(
        kinds.contains(&"iln_channel_invite"),
        "it carried her address: {kinds:?}"
    );
    let made = nominations
        .iter()
        .find(|n| n["id"] == people.as_nominator.as_str())
        .unwrap();
    assert_eq!(
        made["information_added"][0]["information"],
        "Amara Zephyrine trained him."
    );
    assert!(
        !made["history"].as_array().unwrap().is_empty(),
        "the audit events are there"
    );
    assert_eq!(export["endorsements"][0]["nomination_id"], people.endorsed.as_str());
    assert_eq!(export["member"]["name"], "Amara Zephyrine");
    assert_eq!(export["member"]["status"], "active");
    assert_eq!(export["roster_entry"]["name"], "Amara Zephyrine");

    let text = response.body.to_lowercase();
    for someone_else in [&people.lucia, &people.diego, &people.bruno, &people.carmen] {
        assert!(!text.contains(someone_else.as_str()), "{someone_else} is in the export");
    }
    for name in [
        "lucía",
        "diego ramírez",
        "bruno",
        "carmen",
        "ines",
        "jorge",
        "vera.vetter",
    ] {
        assert!(!text.contains(name), "{name} is in the export");
    }
}

#[tokio::test]
async fn after_erasure_the_person_occurs_nowhere_in_the_table_but_the_audit_trail_and_others_remain() {
    let app = TestApp::spawn().await;
    let people = amara_everywhere(&app).await;
    let audit_before = app.items_of("audit_event").await.len();
    let endorsed_before = app
        .items_of("nomination")
        .await
        .into_iter()
        .find(|n| n["id"].as_s().unwrap() == &people.endorsed)
        .unwrap();
    assert!(!items_mentioning(&app, "zephyrine").await.is_empty());

    let erased = erase(&app, &people.amara).await;
    let again = erase(&app, &people.amara).await;
    app.deliver_outbox().await;

    assert_eq!(erased.status, 200, "{}", erased.body);
    assert_eq!(
        erased.json()["erased"],
        json!({ "nominations": 3, "endorsements": 1, "messages": erased.json()["erased"]["messages"], "member": true, "roster_entry": true })
    );
    assert!(erased.json()["erased"]["messages"].as_u64().unwrap() >= 4);
    assert_eq!(again.status, 200);
    assert_eq!(
        again.json()["erased"],
        json!({ "nominations": 0, "endorsements": 0, "messages": 0, "member": false, "roster_entry": false }),
        "nothing is left to erase"
    );

    let leftovers = items_mentioning(&app, "zephyrine").await;
    assert!(leftovers.is_empty(), "still in the table: {leftovers:#?}");
    assert!(items_mentioning(&app, &people.amara).await.is_empty());

    let audit = app.items_of("audit_event").await;
    assert!(
        audit.len() > audit_before,
        "the audit trail is kept, and records the erasure"
    );
    let erasures = audit
        .iter()
        .filter(|e| e["what"].as_s().unwrap() == "personal_data_erased")
        .count();
    assert_eq!(
        erasures, 5,
        "each of the three nominations (one merged), the endorsed one and the member"
    );
    assert!(
        audit
            .iter()
            .filter(|e| e["pk"].as_s().unwrap().contains(&people.as_nominator))
            .all(|e| !e.contains_key("reason")),
        "no free text is kept in the erased nomination's audit trail"
    );

    let endorsed_after = app
        .items_of("nomination")
        .await
        .into_iter()
        .find(|n| n["id"].as_s().unwrap() == &people.endorsed)
        .unwrap();
    assert_eq!(
        endorsed_after, endorsed_before,
        "someone else's nomination is untouched"
    );
    let unrelated = app.file(&people.unrelated).await;
    assert_eq!(unrelated["submission"]["nominee"]["name"], "Ines Moreau");
    assert!(
        !items_mentioning(&app, &people.carmen).await.is_empty(),
        "the endorsed nomination's nominator is still there"
    );

    assert_eq!(
        app.staff_request(
            "GET",
            &format!("/vetting/nominations/{}", people.as_nominator),
            Some(&vetter_token()),
            None
        )
        .await
        .status,
        404
    );
    let members = app
        .staff_request("GET", "/admin/members", Some(&admin_token()), None)
        .await;
    assert!(
        members.json()["items"].as_array().unwrap().is_empty(),
        "{}",
        members.body
    );
    let nothing = export(&app, &people.amara).await.json();
    assert_eq!(
        (
            nothing["nominations"].as_array().unwrap().len(),
            nothing["endorsements"].as_array().unwrap().len()
        ),
        (0, 0)
    );
    assert!(nothing.get("member").is_none() && nothing.get("roster_entry").is_none());

    let mut erased_cards = slack_calls_to(&app, "chat.update").await;
    erased_cards.retain(|update| update.to_string().contains("personal data erased"));
    let channels: Vec<&str> = erased_cards.iter().map(|c| c["channel"].as_str().unwrap()).collect();
    assert_eq!(
        erased_cards.len(),
        3,
        "both cards of her nomination, the vetting card of the one she made: {channels:?}"
    );
    assert_eq!(channels.iter().filter(|c| **c == ILN_CHANNEL).count(), 1);
    assert_eq!(channels.iter().filter(|c| **c == VETTING_CHANNEL).count(), 2);
}

#[tokio::test]
async fn export_and_erasure_are_for_admins_and_need_a_valid_address() {
    let app = TestApp::spawn().await;

    let by_vetter = app
        .staff_request(
            "GET",
            "/admin/people/export?email=someone@example.org",
            Some(&vetter_token()),
            None,
        )
        .await;
    let anonymous = app
        .staff_request(
            "POST",
            "/admin/people/erase",
            None,
            Some(&json!({ "email": "someone@example.org" })),
        )
        .await;
    let not_an_address = erase(&app, "not an address").await;
    let no_address = export(&app, "").await;
    let malformed = app
        .request(
            "POST",
            "/admin/people/erase",
            &[("authorization", &admin_token()), ("content-type", "application/json")],
            b"{",
        )
        .await;
    let unknown = export(&app, &unique_address("nobody")).await;

    assert_eq!((by_vetter.status, anonymous.status), (403, 401));
    assert_eq!((not_an_address.status, no_address.status), (422, 422));
    assert_eq!(not_an_address.json()["errors"][0]["field"], "email");
    assert_eq!(malformed.status, 400);
    assert_eq!(unknown.status, 200, "nothing held is an answer too");
    assert!(unknown.json()["nominations"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn five_simultaneous_erasures_of_one_person_erase_once_and_leave_nothing() {
    let app = TestApp::spawn().await;
    let people = amara_everywhere(&app).await;

    let answers = futures::future::join_all((0..5).map(|_| erase(&app, &people.amara))).await;
    app.deliver_outbox().await;

    assert!(
        answers.iter().all(|a| a.status == 200),
        "{:?}",
        answers.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let nominations: u64 = answers
        .iter()
        .map(|a| a.json()["erased"]["nominations"].as_u64().unwrap())
        .sum();
    assert_eq!(nominations, 3, "each nomination is erased by one of them");
    assert!(items_mentioning(&app, "zephyrine").await.is_empty());
    let marks = app
        .items_of("audit_event")
        .await
        .iter()
        .filter(|e| {
            e["what"].as_s().unwrap() == "personal_data_erased" && e["pk"].as_s().unwrap().contains(&people.as_nominee)
        })
        .count();
    assert_eq!(marks, 1, "the nomination's trail records one erasure");
    let erased_cards = slack_calls_to(&app, "chat.update")
        .await
        .iter()
        .filter(|update| update.to_string().contains("personal data erased"))
        .count();
    assert_eq!(erased_cards, 3, "each card updated once");
}
