//! Staff access is as strict as the data: who a token says the staff member
//! is, what each role may do and see, what a request may weigh, what logs
//! may hold, and what the template grants. Each test names the threat it
//! covers in docs/security.md ("Staff access").

use crate::fixtures::{import_roster, put_roster, slash_command, slash_command_body, verification_link};
use iln_runner::authorizer::Identity;
use iln_tests::{
    DynamoDbLocal, ILN_CHANNEL, Options, SLACK_VETTER, TestApp, Unprocessed, VETTER_EMAIL, access_token, admin_token,
    id_token, nomination, staff_token, unique_address, vetter_token,
};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

fn message(response: &iln_tests::TestResponse) -> String {
    response.json()["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

fn roster_csv(rows: usize) -> String {
    let mut csv = String::from("email,name,category,country\n");
    for n in 0..rows {
        csv.push_str(&format!("member{n}@example.org,Member {n},imi_certified_mediator,\n"));
    }
    csv
}

async fn roster_entries(app: &TestApp) -> Vec<String> {
    app.items_of("roster_entry")
        .await
        .iter()
        .map(|item| item["pk"].as_s().unwrap().clone())
        .collect()
}

// ------------------------------------------------------------- tokens ----

#[tokio::test]
async fn an_access_token_passes_the_authorizer_but_every_staff_route_refuses_it() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let access = access_token("ada", &["iln-admins"]);
    let approve = json!({ "decision": "approve", "expected_version": 2 });

    let queue = app
        .staff_request("GET", "/vetting/nominations", Some(&access), None)
        .await;
    let decision = app
        .staff_request(
            "POST",
            &format!("/vetting/nominations/{}/decision", nomination.id),
            Some(&access),
            Some(&approve),
        )
        .await;
    let members = app.staff_request("GET", "/admin/members", Some(&access), None).await;

    for response in [&queue, &decision, &members] {
        assert_eq!(response.status, 401, "{}", response.body);
        // The function's answer, not API Gateway's {"message":"Unauthorized"}:
        // the token got through the authorizer, as on AWS.
        assert!(message(response).contains("ID token"), "{}", response.body);
    }
    assert_eq!(app.status_of(&nomination.id).await, "awaiting_vetting");
}

#[tokio::test]
async fn a_token_whose_address_is_not_verified_is_refused() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let unverified = id_token(Identity {
        subject: "vera",
        email: Some(VETTER_EMAIL),
        email_verified: false,
        groups: &["iln-vetters"],
    });

    let queue = app
        .staff_request("GET", "/vetting/nominations", Some(&unverified), None)
        .await;
    let decision = app
        .staff_request(
            "POST",
            &format!("/vetting/nominations/{}/decision", nomination.id),
            Some(&unverified),
            Some(&json!({ "decision": "approve", "expected_version": 2 })),
        )
        .await;

    assert_eq!((queue.status, decision.status), (403, 403), "{}", decision.body);
    assert!(message(&queue).contains("not verified"), "{}", queue.body);
    assert_eq!(app.status_of(&nomination.id).await, "awaiting_vetting");
}

#[tokio::test]
async fn a_decision_without_an_email_claim_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let no_address = staff_token("vera", None, &["iln-vetters"]);

    let decision = app
        .staff_request(
            "POST",
            &format!("/vetting/nominations/{}/decision", nomination.id),
            Some(&no_address),
            Some(&json!({ "decision": "approve", "expected_version": 2 })),
        )
        .await;
    let queue = app
        .staff_request("GET", "/vetting/nominations", Some(&no_address), None)
        .await;
    app.deliver_outbox().await;

    assert_eq!(decision.status, 403, "{}", decision.body);
    assert!(message(&decision).contains("e-mail"), "{}", decision.body);
    assert_eq!(queue.status, 200, "reading needs no address");
    assert_eq!(app.status_of(&nomination.id).await, "awaiting_vetting");
    assert!(app.posts_to(ILN_CHANNEL).await.is_empty(), "no ILN card");
}

#[tokio::test]
async fn an_endorser_may_not_decide_the_nomination_they_endorsed() {
    let app = TestApp::spawn().await;
    let nominee = unique_address("amara");
    let nomination = app
        .verified_nomination_from(nomination("en", &nominee, &unique_address("lucia")))
        .await;
    let endorser = unique_address("vetter.endorses");
    let endorsed = app.post_json(&nomination_of(&nominee, &endorser)).await;
    assert_eq!(endorsed.status, 202, "{}", endorsed.body);
    // An endorsement counts once its sender confirmed their address.
    let link = verification_link(&app, &endorser).await;
    assert_eq!(app.verify(&link).await.status, 200);
    app.deliver_outbox().await;
    let endorser_as_vetter = staff_token("eve", Some(&endorser), &["iln-vetters"]);
    let path = format!("/vetting/nominations/{}", nomination.id);

    let file = app
        .staff_request("GET", &path, Some(&endorser_as_vetter), None)
        .await
        .json();
    let decision = app
        .staff_request(
            "POST",
            &format!("{path}/decision"),
            Some(&endorser_as_vetter),
            Some(&json!({ "decision": "approve", "expected_version": 2 })),
        )
        .await;

    assert_eq!(file["endorsements"].as_array().map(Vec::len), Some(1), "{file}");
    assert_eq!(file["findings"]["requester_is_endorser"], true);
    assert_eq!(decision.status, 403, "{}", decision.body);
    assert!(message(&decision).contains("endorser"), "{}", decision.body);
    assert_eq!(app.status_of(&nomination.id).await, "awaiting_vetting");
    let other_vetter = app
        .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 2 }))
        .await;
    assert_eq!(other_vetter.status, 200, "anyone else may: {}", other_vetter.body);
}

fn nomination_of(nominee: &str, nominator: &str) -> Value {
    let mut body = nomination("en", nominee, nominator);
    body["nominator_name"] = json!("Eve Endorser");
    body
}

#[tokio::test]
async fn a_groups_claim_is_a_list_and_a_comma_in_it_grants_nothing() {
    let app = TestApp::spawn().await;
    let comma = staff_token("m", Some("mallory@imi.test"), &["iln-members,iln-admins"]);
    let both = staff_token("a", Some("ana@imi.test"), &["iln-members", "iln-admins"]);

    let smuggled = app.staff_request("GET", "/admin/members", Some(&comma), None).await;
    let listed = app.staff_request("GET", "/admin/members", Some(&both), None).await;

    assert_eq!(smuggled.status, 403, "{}", smuggled.body);
    assert_eq!(listed.status, 200, "{}", listed.body);
}

// ------------------------------------------------------------- roster ----

#[tokio::test]
async fn only_admins_import_the_roster() {
    let app = TestApp::spawn().await;
    let csv = roster_csv(3);

    let by_vetter = put_roster(&app, &vetter_token(), "/vetting/roster", &csv).await;
    let entries_after_vetter = roster_entries(&app).await.len();
    let by_admin = put_roster(&app, &admin_token(), "/vetting/roster", &csv).await;

    assert_eq!(by_vetter.status, 403, "{}", by_vetter.body);
    assert!(message(&by_vetter).contains("iln-admins"));
    assert_eq!(entries_after_vetter, 0, "nothing imported");
    assert_eq!(by_admin.status, 200, "{}", by_admin.body);
    assert_eq!(roster_entries(&app).await.len(), 3);
}

#[tokio::test]
async fn a_roster_of_ten_thousand_rows_is_imported_within_the_functions_timeout_or_in_reported_steps() {
    // A DynamoDB Local of its own. DynamoDB Local keeps the stream record of
    // every write it was ever given, deleted tables' included, and each
    // write to a table with a stream costs more the more it holds (3,000
    // puts: 2.5 s on a fresh one, 30 s after 9,000 earlier writes). On the
    // shared one this import would be timed against the whole suite's
    // history, and its ten thousand records would slow every test after it.
    let store = DynamoDbLocal::start().await;
    let app = TestApp::spawn_with(Options {
        dynamodb_url: Some(store.url()),
        ..Options::default()
    })
    .await;
    let csv = roster_csv(10_000);
    let timeout = iln_runner::gateway::function_timeout("VettingFunction");

    let started = Instant::now();
    let mut response = put_roster(&app, &admin_token(), "/vetting/roster", &csv).await;
    let mut steps = vec![(response.status, started.elapsed())];
    let mut imported = 0;
    // A store slower than the function's time (DynamoDB Local, after a few
    // thousand rows in a busy emulator): each answer says how far it got,
    // and each step goes on from there.
    while response.status == 503 && steps.len() < 10 {
        let report = response.json();
        let now_imported = report["imported"].as_u64().unwrap();
        assert!(now_imported > imported, "each step makes progress: {report}");
        imported = now_imported;
        let path = format!(
            "/vetting/roster?resume_from={}",
            report["resume_from"].as_str().unwrap()
        );
        let step = Instant::now();
        response = put_roster(&app, &admin_token(), &path, &csv).await;
        steps.push((response.status, step.elapsed()));
    }

    // Measured against DynamoDB Local; see docs/security.md.
    eprintln!("10,000 roster rows: {steps:?} (timeout {timeout:?})");
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.json()["accepted"], 10_000);
    assert_eq!(roster_entries(&app).await.len(), 10_000);
    // How long each step took is reported above, not asserted: timing
    // belongs in a benchmark, and a busy machine makes any bound flaky. The
    // import's own deadline (it stops 3 s before Lambda's) is what keeps a
    // step within the function's timeout.
}

#[tokio::test]
async fn a_roster_import_that_stops_part_way_says_how_far_it_got_and_goes_on_from_there() {
    let mut app = TestApp::spawn().await;
    let csv = roster_csv(300);
    // Four batches of 25 go through, then DynamoDB keeps handing every
    // batch back unprocessed (throttled), longer than the import retries.
    let throttled = Unprocessed::after(4, 1_000);
    app.gateway.functions.vetting.table = app.table_with(throttled.clone());

    let stopped = put_roster(&app, &admin_token(), "/vetting/roster", &csv).await;
    let stored = roster_entries(&app).await;
    app.gateway.functions.vetting.table = app.table.clone();
    let report = stopped.json();
    let imported = report["imported"].as_u64().unwrap() as usize;
    let resumed = put_roster(
        &app,
        &admin_token(),
        &format!(
            "/vetting/roster?resume_from={}",
            report["resume_from"].as_str().unwrap()
        ),
        &csv,
    )
    .await;
    let other_document = put_roster(
        &app,
        &admin_token(),
        &format!(
            "/vetting/roster?resume_from={}",
            report["resume_from"].as_str().unwrap()
        ),
        &roster_csv(2),
    )
    .await;

    assert_eq!(stopped.status, 503, "{}", stopped.body);
    assert!(stopped.headers.contains_key("retry-after"));
    assert_eq!(report["accepted"], 300);
    assert!(
        imported <= 100,
        "at most the four batches that went through: {imported}"
    );
    for n in 0..imported {
        let key = format!("ROSTER#member{n}@example.org");
        assert!(stored.contains(&key), "the report says {key} is saved");
    }
    assert!(message(&stopped).contains(&format!("first {imported} of 300")));
    // Bounded retries, counted rather than timed: a busy machine is slow,
    // not unbounded.
    assert!(throttled.calls() < 4 + 4 * 8 + 4, "{} batch calls", throttled.calls());
    assert_eq!(resumed.status, 200, "{}", resumed.body);
    assert_eq!(roster_entries(&app).await.len(), 300);
    assert_eq!(other_document.status, 400, "{}", other_document.body);
}

// ------------------------------------------------------ batch retries ----

#[tokio::test]
async fn a_batch_read_that_keeps_coming_back_unprocessed_gives_up_instead_of_spinning() {
    let mut app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let throttled = Unprocessed::after(0, usize::MAX / 2);
    app.gateway.functions.invitations.table = app.table_with(throttled.clone());

    let export = tokio::time::timeout(
        Duration::from_secs(30),
        app.staff_request(
            "GET",
            &format!("/admin/people/export?email={}", nomination.nominator),
            Some(&admin_token()),
            None,
        ),
    )
    .await
    .expect("the export answers instead of asking again forever");

    assert!(matches!(export.status, 500 | 503), "{}", export.body);
    assert_eq!(throttled.calls(), 8, "eight attempts, then it gives up");
}

#[tokio::test]
async fn a_batch_read_handed_back_once_still_finds_the_nominators_roster_entry() {
    let mut app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let csv = format!(
        "email,name,category,country\n{},Lucía Fernández,iln_member,ES\n",
        nomination.nominator
    );
    import_roster(&app, &csv).await;
    app.gateway.functions.vetting.table = app.table_with(Unprocessed::after(0, 1));

    let file = app.file(&nomination.id).await;

    assert_eq!(file["findings"]["nominator_roster_category"], "iln_member");
}

// ------------------------------------------------------- store errors ----

#[tokio::test]
async fn a_corrupt_record_is_reported_without_the_address_in_its_key() {
    let app = TestApp::spawn().await;
    let nomination = app.verified_nomination("en").await;
    let identity = nomination.nominator.to_lowercase();
    app.dynamodb
        .put_item()
        .table_name(&app.table_name)
        .item(
            "pk",
            aws_sdk_dynamodb::types::AttributeValue::S(format!("ROSTER#{identity}")),
        )
        .item("sk", aws_sdk_dynamodb::types::AttributeValue::S("ROSTER".into()))
        .item(
            "entity",
            aws_sdk_dynamodb::types::AttributeValue::S("roster_entry".into()),
        )
        .send()
        .await
        .unwrap();
    let dossier = app
        .table
        .dossier(nomination.id.parse().unwrap())
        .await
        .unwrap()
        .unwrap();

    let error = app.table.surroundings(&dossier).await.unwrap_err();
    let logged = iln_adapters::telemetry::error_chain(&error);
    let file = app
        .staff_request(
            "GET",
            &format!("/vetting/nominations/{}", nomination.id),
            Some(&vetter_token()),
            None,
        )
        .await;

    assert!(logged.contains("ROSTER#<address>"), "{logged}");
    assert!(!logged.contains('@'), "{logged}");
    assert!(!format!("{error:?}").contains(&identity), "{error:?}");
    assert_eq!(file.status, 500);
    assert!(!file.body.contains('@'));
}

// ------------------------------------------------------- body limits ----

/// Method, path, token, content type, body, and the limit the answer names.
type OversizedCase<'a> = (&'a str, String, Option<&'a str>, &'a str, &'a [u8], &'a str);

#[tokio::test]
async fn every_route_that_reads_a_body_refuses_one_over_its_limit_with_413() {
    let app = TestApp::spawn().await;
    let invited = app.invited("en").await;
    let id = invited.id.as_str();
    let (vetter, admin) = (vetter_token(), admin_token());
    let over = |limit: usize| vec![b'x'; limit + 1];
    let (small, roster, slack) = (over(16 * 1024), over(2 * 1024 * 1024), over(1024 * 1024));
    let json = "application/json";
    let form = "application/x-www-form-urlencoded";
    let cases: Vec<OversizedCase> = vec![
        (
            "POST",
            format!("/vetting/nominations/{id}/decision"),
            Some(&vetter),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/vetting/nominations/{id}/withdraw"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "PUT",
            "/vetting/roster".into(),
            Some(&admin),
            "text/csv",
            &roster,
            "2 MiB",
        ),
        ("POST", "/slack/interactions".into(), None, form, &slack, "1 MiB"),
        ("POST", "/slack/commands".into(), None, form, &slack, "1 MiB"),
        ("POST", "/slack/events".into(), None, json, &slack, "1 MiB"),
        ("POST", format!("{}/accept", invited.link), None, form, &small, "16 KiB"),
        (
            "POST",
            format!("{}/decline", invited.link),
            None,
            form,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            "/admin/invitations".into(),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/invitations/{id}/resend"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/invitations/{id}/revoke"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/invitations/{id}/address"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/members/{id}/derecognize"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            "/admin/people/erase".into(),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/outbox/{id}.welcome/retry"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        (
            "POST",
            format!("/admin/outbox/{id}.welcome/cancel"),
            Some(&admin),
            json,
            &small,
            "16 KiB",
        ),
        // The public form's routes answer in their reader's language.
        ("POST", "/nominations".into(), None, json, &small, ""),
        ("POST", "/nominations/information".into(), None, form, &small, ""),
        ("POST", "/nominations/withdraw".into(), None, form, &small, ""),
    ];
    let items_before = app.all_items().await.len();

    for (method, path, token, content_type, body, limit) in cases {
        let mut headers = vec![("content-type", content_type)];
        if let Some(token) = token {
            headers.push(("authorization", token));
        }
        let response = app.request(method, &path, &headers, body).await;
        assert_eq!(response.status, 413, "{method} {path}: {}", response.body);
        assert!(
            response.body.contains(limit),
            "{method} {path} names its limit: {}",
            response.body
        );
    }
    assert_eq!(app.all_items().await.len(), items_before, "nothing stored");
}

// -------------------------------------------------------------- Slack ----

async fn slash(app: &TestApp, user: &str, text: &str) -> String {
    let response = slash_command(app, user, text).await;
    assert_eq!(response.status, 200, "{}", response.body);
    response.json()["text"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn each_role_sees_only_its_own_queue_in_iln_pending_and_iln_status() {
    let app = TestApp::spawn().await;
    let vetting = app.verified_nomination("en").await;
    let discussed = app.in_discussion().await;
    app.on_roster(&[("UC01", "iln_member"), ("UMEDIATOR", "imi_certified_mediator")])
        .await;

    let vetter_pending = slash(&app, SLACK_VETTER, "pending").await;
    let confirmer_pending = slash(&app, "UC01", "pending").await;
    let vetter_status = slash(&app, SLACK_VETTER, &format!("status {}", discussed.id)).await;
    let confirmer_status = slash(&app, "UC01", &format!("status {}", vetting.id)).await;
    let confirmer_own_status = slash(&app, "UC01", &format!("status {}", discussed.id)).await;
    let mediator = slash(&app, "UMEDIATOR", "pending").await;

    assert!(vetter_pending.contains(&vetting.id), "{vetter_pending}");
    assert!(!vetter_pending.contains(&discussed.id), "{vetter_pending}");
    assert!(!vetter_pending.contains("in discussion"), "{vetter_pending}");
    assert!(confirmer_pending.contains(&discussed.id), "{confirmer_pending}");
    assert!(!confirmer_pending.contains(&vetting.id), "{confirmer_pending}");
    assert!(!confirmer_pending.contains("awaiting vetting"), "{confirmer_pending}");
    for hidden in [&vetter_status, &confirmer_status] {
        assert!(hidden.contains("No nomination"), "{hidden}");
        assert!(!hidden.contains("in discussion") && !hidden.contains("awaiting vetting"));
    }
    assert!(confirmer_own_status.contains("in discussion"), "{confirmer_own_status}");
    assert!(mediator.contains("Only IMI vetters"), "{mediator}");
}

#[tokio::test]
async fn only_iln_members_and_vetters_raise_concerns_and_the_same_concern_twice_is_recorded_once() {
    let app = TestApp::spawn().await;
    let nomination = app.in_discussion().await;
    app.iln_members(&["UMEI"]).await;
    let concern = "The nominee chairs the board that funds the nominator.";
    let later = app.now + chrono::Duration::minutes(2);

    let outsider = app
        .submit_modal("UOUTSIDER", "iln.raise_concern", &nomination.id, 3, concern, false)
        .await;
    let first = app
        .submit_modal("UMEI", "iln.raise_concern", &nomination.id, 3, concern, false)
        .await;
    let again = app
        .submit_modal_at(later, "UMEI", "iln.raise_concern", &nomination.id, 3, concern, false)
        .await;
    app.deliver_outbox().await;

    assert_eq!(outsider.status, 200);
    assert_eq!(outsider.json()["response_action"], "errors", "{}", outsider.body);
    assert!(outsider.body.contains("not on the list"), "{}", outsider.body);
    assert_eq!((first.status, again.status), (200, 200));
    let audit = app.file(&nomination.id).await["audit"].clone();
    let concerns: Vec<&Value> = audit
        .as_array()
        .unwrap()
        .iter()
        .filter(|event| event["what"] == "concern_raised")
        .collect();
    assert_eq!(concerns.len(), 1, "{audit}");
    let notes: Vec<Value> = app
        .posts_to(ILN_CHANNEL)
        .await
        .into_iter()
        .filter(|post| post.to_string().contains("Concern raised"))
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(!notes[0].to_string().contains("UOUTSIDER"));
}

#[tokio::test]
async fn a_request_stamped_at_the_end_of_time_is_refused_not_a_crash() {
    let app = TestApp::spawn().await;
    let body = slash_command_body(SLACK_VETTER, "pending");
    let cases = [i64::MIN.to_string(), i64::MAX.to_string()];

    for timestamp in cases {
        let signature = iln_domain::slack::signature::sign(iln_tests::SIGNING_SECRET, &timestamp, body.as_bytes());
        let response = app
            .request(
                "POST",
                "/slack/commands",
                &[
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("x-slack-request-timestamp", &timestamp),
                    ("x-slack-signature", &signature),
                ],
                body.as_bytes(),
            )
            .await;
        assert_eq!(response.status, 401, "{timestamp}: {}", response.body);
    }
}

// ----------------------------------------------------------- template ----

fn template() -> serde_norway::Value {
    serde_norway::from_str(iln_runner::template::TEMPLATE_YAML).expect("template.yaml parses")
}

fn yaml(value: &serde_norway::Value) -> String {
    serde_norway::to_string(value).unwrap_or_default()
}

#[test]
fn the_staff_user_pool_requires_an_authenticator_app_and_runs_threat_protection_by_default() {
    let template = template();
    let pool = &template["Resources"]["StaffUserPool"]["Properties"];
    let parameter = &template["Parameters"]["StaffThreatProtection"];
    let password = &pool["Policies"]["PasswordPolicy"];

    assert_eq!(pool["MfaConfiguration"].as_str(), Some("ON"));
    assert_eq!(yaml(&pool["EnabledMfas"]).trim(), "- SOFTWARE_TOKEN_MFA");
    assert_eq!(
        yaml(&pool["UserPoolAddOns"]["AdvancedSecurityMode"]).trim(),
        "!Ref StaffThreatProtection"
    );
    assert_eq!(parameter["Default"].as_str(), Some("ENFORCED"));
    let tier = yaml(&pool["UserPoolTier"]);
    assert!(
        tier.contains("StaffThreatProtectionOn") && tier.contains("PLUS"),
        "{tier}"
    );
    // AWS's baseline (Security Hub Cognito.3), and no reuse of old passwords.
    assert!(password["MinimumLength"].as_u64().unwrap() >= 8);
    for class in [
        "RequireLowercase",
        "RequireUppercase",
        "RequireNumbers",
        "RequireSymbols",
    ] {
        assert_eq!(password[class].as_bool(), Some(true), "{class}");
    }
    assert!(password["TemporaryPasswordValidityDays"].as_u64().unwrap() <= 7);
    assert!(password["PasswordHistorySize"].as_u64().unwrap() > 0);
    assert_eq!(
        yaml(&pool["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"]).trim(),
        "true"
    );
}

#[test]
fn the_staff_app_client_reads_the_verified_email_and_may_not_write_it() {
    let template = template();
    let client = &template["Resources"]["StaffUserPoolClient"]["Properties"];
    let list = |name: &str| -> Vec<String> {
        client[name]
            .as_sequence()
            .unwrap_or_else(|| panic!("{name} is declared: without it the client may write every attribute"))
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    };

    assert!(
        !list("WriteAttributes")
            .iter()
            .any(|a| a == "email" || a == "email_verified")
    );
    assert!(list("ReadAttributes").contains(&"email".to_owned()));
    assert!(list("ReadAttributes").contains(&"email_verified".to_owned()));
}

#[test]
fn the_slack_api_url_is_https_only() {
    let template = template();
    let pattern = template["Parameters"]["SlackApiUrl"]["AllowedPattern"]
        .as_str()
        .unwrap();

    assert!(pattern.starts_with("^https://"), "{pattern}");
    assert!(
        template["Parameters"]["SlackApiUrl"]["Default"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
}

#[test]
fn the_outbox_reads_no_stream_but_its_tables() {
    let template = template();
    let outbox = &template["Resources"]["OutboxFunction"]["Properties"];
    let boundary_name = yaml(&outbox["PermissionsBoundary"]);
    let boundary_name = boundary_name
        .trim()
        .strip_prefix("!Ref ")
        .expect("a boundary in this template");
    let statements = template["Resources"][boundary_name]["Properties"]["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap()
        .clone();
    let stream_reads = [
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
    ];

    for statement in &statements {
        let resource = yaml(&statement["Resource"]);
        let actions = yaml(&statement["Action"]);
        if resource.trim() == "'*'" || resource.trim() == "\"*\"" {
            let not_actions = yaml(&statement["NotAction"]);
            for read in stream_reads {
                assert!(
                    not_actions.contains(read),
                    "{read} on every resource: {}",
                    yaml(statement)
                );
                assert!(!actions.contains(read));
            }
        } else if stream_reads.iter().any(|read| actions.contains(read)) {
            assert!(resource.contains("NominationsTable"), "{}", yaml(statement));
        }
    }
}

#[test]
fn no_function_may_send_raw_email_and_every_schedule_has_a_dead_letter_queue() {
    let template = template();
    let mut schedules = 0;

    assert!(!iln_runner::template::TEMPLATE_YAML.contains("SendRawEmail"));
    for (_, resource) in template["Resources"].as_mapping().unwrap() {
        for (name, event) in resource["Properties"]["Events"].as_mapping().into_iter().flatten() {
            if event["Type"].as_str() == Some("ScheduleV2") {
                schedules += 1;
                let queue = yaml(&event["Properties"]["DeadLetterConfig"]["Arn"]);
                assert!(queue.contains("UndeliveredEventsQueue"), "{name:?}: {queue}");
            }
        }
    }
    assert_eq!(schedules, 3, "the reminders, their continuation and the outbox sweep");
}

#[test]
fn the_daily_schedule_hands_the_run_its_scheduled_time_so_a_retried_invocation_is_the_same_run() {
    let template = template();
    let daily = &template["Resources"]["RemindersFunction"]["Properties"]["Events"]["Daily"]["Properties"];
    let input = daily["Input"].as_str().expect("the daily schedule's input");

    // What EventBridge Scheduler puts in place of its context attribute.
    let delivered = input.replace("<aws.scheduler.scheduled-time>", "2026-12-08T06:00:00Z");
    let payload: serde_json::Value = serde_json::from_str(&delivered).unwrap();

    assert_eq!(
        reminders::scheduled_time(&payload).map(|time| time.to_rfc3339()),
        Some("2026-12-08T06:00:00+00:00".to_owned())
    );
    let sample: serde_json::Value =
        serde_json::from_str(include_str!("../../infra/events/reminders-schedule.json")).unwrap();
    assert_eq!(reminders::scheduled_time(&sample), reminders::scheduled_time(&payload));
}
