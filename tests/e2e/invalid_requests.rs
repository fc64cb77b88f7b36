//! Bad input gets a precise status and message, in the reader's language,
//! and leaves nothing behind: no item, no mail.

use iln_domain::Language;
use iln_domain::intake::Problem;
use iln_tests::{TestApp, nomination, unique_address};
use serde_json::Value;

/// What a case must answer: a field error (422) or a status with a message.
enum Expect {
    Field(&'static str, Problem),
    Status(u16, &'static str),
}

struct Case {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    expect: Expect,
}

fn json_case(name: &'static str, edit: impl FnOnce(&mut Value), expect: Expect) -> (Case, String) {
    let nominator = unique_address("nominator");
    let mut body = nomination("en", &unique_address("nominee"), &nominator);
    edit(&mut body);
    let case = Case {
        name,
        content_type: Some("application/json"),
        body: body.to_string().into_bytes(),
        expect,
    };
    (case, nominator)
}

fn cases() -> Vec<(Case, String)> {
    use Expect::*;
    let long_name = "N".repeat(201);
    let long_rationale = "r".repeat(5_001);
    let mut cases = vec![
        json_case(
            "missing nominee name",
            |b| b["nominee_name"] = Value::Null,
            Field("nominee_name", Problem::Missing),
        ),
        json_case(
            "blank nominee name",
            |b| b["nominee_name"] = "   ".into(),
            Field("nominee_name", Problem::Missing),
        ),
        json_case(
            "missing nominee e-mail",
            |b| drop(b.as_object_mut().unwrap().remove("nominee_email")),
            Field("nominee_email", Problem::Missing),
        ),
        json_case(
            "missing country",
            |b| b["nominee_country"] = "".into(),
            Field("nominee_country", Problem::Missing),
        ),
        json_case(
            "missing role",
            |b| b["nominee_role"] = "".into(),
            Field("nominee_role", Problem::Missing),
        ),
        json_case(
            "missing nominator name",
            |b| b["nominator_name"] = "".into(),
            Field("nominator_name", Problem::Missing),
        ),
        json_case(
            "missing nominator e-mail",
            |b| b["nominator_email"] = "".into(),
            Field("nominator_email", Problem::Missing),
        ),
        json_case(
            "missing basis",
            |b| b["nominator_basis"] = Value::Null,
            Field("nominator_basis", Problem::Missing),
        ),
        json_case(
            "missing rationale",
            |b| b["rationale"] = "".into(),
            Field("rationale", Problem::Missing),
        ),
        json_case(
            "no privacy consent",
            |b| b["privacy_consent"] = false.into(),
            Field("privacy_consent", Problem::ConsentRequired),
        ),
        json_case(
            "bad nominee e-mail",
            |b| b["nominee_email"] = "amara@".into(),
            Field("nominee_email", Problem::InvalidEmail),
        ),
        json_case(
            "bad nominator e-mail",
            |b| b["nominator_email"] = "lucia at example.org".into(),
            Field("nominator_email", Problem::InvalidEmail),
        ),
        json_case(
            "unknown country code",
            |b| b["nominee_country"] = "XX".into(),
            Field("nominee_country", Problem::UnknownCountry),
        ),
        json_case(
            "country by name",
            |b| b["nominee_country"] = "Nigeria".into(),
            Field("nominee_country", Problem::UnknownCountry),
        ),
        json_case(
            "over-long name",
            |b| b["nominee_name"] = long_name.clone().into(),
            Field("nominee_name", Problem::TooLong { max: 200 }),
        ),
        json_case(
            "thin rationale",
            |b| b["rationale"] = "Great mediator.".into(),
            Field("rationale", Problem::TooShort { min: 50 }),
        ),
        json_case(
            "over-long rationale",
            |b| b["rationale"] = long_rationale.clone().into(),
            Field("rationale", Problem::TooLong { max: 5_000 }),
        ),
        json_case(
            "over-long region",
            |b| b["nominee_region"] = "R".repeat(101).into(),
            Field("nominee_region", Problem::TooLong { max: 100 }),
        ),
        json_case(
            "wrong language",
            |b| b["language"] = "fr".into(),
            Field("language", Problem::UnknownChoice),
        ),
        json_case(
            "unknown role",
            |b| b["nominee_role"] = "judge".into(),
            Field("nominee_role", Problem::UnknownChoice),
        ),
        json_case(
            "unknown basis",
            |b| b["nominator_basis"] = "friend".into(),
            Field("nominator_basis", Problem::UnknownChoice),
        ),
        json_case(
            "self-identification without self-nomination",
            |b| b["self_identification"] = "I belong to a minority.".into(),
            Field("self_identification", Problem::SelfIdentificationNeedsSelfNomination),
        ),
        json_case(
            "ftp link",
            |b| b["links"] = serde_json::json!(["ftp://example.org/cv"]),
            Field("links", Problem::InvalidLink),
        ),
        json_case(
            "javascript link",
            |b| b["links"] = serde_json::json!(["javascript:alert(1)"]),
            Field("links", Problem::InvalidLink),
        ),
        json_case(
            "six links",
            |b| b["links"] = serde_json::json!((1..=6).map(|i| format!("https://example.org/{i}")).collect::<Vec<_>>()),
            Field("links", Problem::TooManyLinks { max: 5 }),
        ),
        json_case(
            "self-nomination from another address",
            |b| b["nominator_basis"] = "self_nomination".into(),
            Field("nominator_email", Problem::SelfNominationAddress),
        ),
        json_case(
            "nominating yourself without saying so",
            |b| b["nominator_email"] = b["nominee_email"].clone(),
            Field("nominator_basis", Problem::NominatingYourself),
        ),
        json_case(
            "control character in a name",
            |b| b["nominee_name"] = "Amara\u{7}".into(),
            Field("nominee_name", Problem::ControlCharacters),
        ),
        json_case(
            "a number for a name",
            |b| b["nominee_name"] = 5.into(),
            Status(400, "invalid type"),
        ),
        json_case(
            "an unknown field",
            |b| b["nominee_phone"] = "+234".into(),
            Status(400, "unknown field"),
        ),
    ];
    let raw = |name, content_type, body: &[u8], expect| {
        (
            Case {
                name,
                content_type,
                body: body.to_vec(),
                expect,
            },
            unique_address("nobody"),
        )
    };
    cases.extend([
        raw(
            "malformed JSON",
            Some("application/json"),
            b"{\"nominee_name\": ",
            Status(400, ""),
        ),
        raw("empty body", Some("application/json"), b"", Status(400, "")),
        raw(
            "invalid UTF-8",
            Some("application/x-www-form-urlencoded"),
            b"nominee_name=\xff\xfe",
            Status(400, ""),
        ),
        raw("plain text", Some("text/plain"), b"hello", Status(415, "")),
        raw("no content type", None, b"{}", Status(415, "")),
        raw(
            "oversized body",
            Some("application/json"),
            &vec![b' '; 16 * 1024 + 1],
            Status(413, ""),
        ),
    ]);
    cases
}

#[tokio::test]
async fn each_invalid_request_gets_its_precise_status_and_message_and_leaves_nothing() {
    let app = TestApp::spawn().await;
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut addresses = Vec::new();

    for (case, nominator) in cases {
        let mut headers = vec![("accept", "application/json")];
        if let Some(content_type) = case.content_type {
            headers.push(("content-type", content_type));
        }
        let response = app.request("POST", "/nominations", &headers, &case.body).await;
        let body = response.json();
        match case.expect {
            Expect::Field(field, problem) => {
                assert_eq!(response.status, 422, "{}: {}", case.name, response.body);
                let errors = body["errors"].as_array().expect("errors");
                let error = errors
                    .iter()
                    .find(|e| e["field"] == field)
                    .unwrap_or_else(|| panic!("{}: no error on {field}: {body}", case.name));
                assert_eq!(error["message"], problem.message(Language::En), "{}", case.name);
            }
            Expect::Status(status, fragment) => {
                assert_eq!(response.status, status, "{}: {}", case.name, response.body);
                let message = body["errors"][0]["message"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{}: no message", case.name));
                assert!(message.contains(fragment), "{}: {message}", case.name);
            }
        }
        addresses.push(nominator);
    }

    app.deliver_outbox().await;
    assert_eq!(app.all_items().await.len(), 0, "nothing is stored on any error");
    for address in addresses {
        assert!(app.mails_to(&address).await.is_empty(), "nothing is sent on any error");
    }
}

#[tokio::test]
async fn errors_are_in_the_language_of_the_request() {
    let app = TestApp::spawn().await;
    let mut body = nomination("es", &unique_address("amara"), &unique_address("lucia"));
    body["nominee_name"] = "".into();

    let response = app.post_json(&body).await;

    assert_eq!(response.status, 422);
    assert_eq!(
        response.json()["errors"][0]["message"],
        Problem::Missing.message(Language::Es)
    );
    let plain = app
        .request(
            "POST",
            "/nominations",
            &[
                ("content-type", "text/plain"),
                ("accept-language", "es"),
                ("accept", "application/json"),
            ],
            b"x",
        )
        .await;
    assert_eq!(
        plain.json()["errors"][0]["message"],
        Language::Es.text("http.unsupported_media_type")
    );
}

#[tokio::test]
async fn a_form_with_errors_comes_back_with_messages_beside_the_fields_and_values_escaped() {
    let app = TestApp::spawn().await;

    let response = app
        .post_form(&[
            ("language", "es"),
            ("nominee_name", "<script>alert('x')</script>"),
            ("nominee_email", "amara@"),
            ("rationale", "Demasiado corto."),
        ])
        .await;

    assert_eq!(response.status, 422);
    assert!(response.body.contains("lang=\"es\""));
    assert!(
        !response.body.contains("<script>alert"),
        "markup typed by a user is never rendered"
    );
    assert!(response.body.contains("&lt;script&gt;"), "the value is kept, escaped");
    assert!(response.body.contains(&Problem::InvalidEmail.message(Language::Es)));
    assert!(
        response
            .body
            .contains(&Problem::TooShort { min: 50 }.message(Language::Es))
    );
    assert!(response.body.contains("Demasiado corto."), "entered values are kept");
    assert!(app.all_items().await.is_empty());
}

#[tokio::test]
async fn other_methods_are_refused_with_405_and_unknown_paths_with_404() {
    let app = TestApp::spawn().await;
    for method in ["GET", "PUT", "DELETE", "PATCH"] {
        let response = app
            .request(method, "/nominations", &[("accept", "application/json")], b"")
            .await;
        assert_eq!(response.status, 405, "{method}");
        assert_eq!(response.headers["allow"], "POST");
    }
    assert_eq!(app.get("/nowhere").await.status, 404);
}
