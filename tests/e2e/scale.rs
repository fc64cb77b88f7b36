//! Work that grows with the data: a count read past DynamoDB's 1 MB page is
//! whole. (How long it takes at 10,000 nominations is the bench's business:
//! `bench/run scale`.)

use chrono::{DateTime, Utc};
use iln_domain::audit::AuditEvent;
use iln_domain::intake::NominationForm;
use iln_domain::step::Opening;
use iln_domain::{Language, NominationId, Status};
use iln_tests::{TestApp, unique_address};

/// A nomination written straight into `status` by the store, as of `at`,
/// from `country`, with a rationale of `rationale_chars` characters.
async fn opened(
    app: &TestApp,
    status: Status,
    country: &str,
    at: DateTime<Utc>,
    rationale_chars: usize,
) -> NominationId {
    let form = NominationForm {
        nominee_name: Some("Amara Okafor".to_owned()),
        nominee_email: Some(unique_address("amara")),
        nominee_country: Some(country.to_owned()),
        nominee_role: Some("mediator".to_owned()),
        nominator_name: Some("Lucía Fernández".to_owned()),
        nominator_email: Some(unique_address("lucia")),
        nominator_basis: Some("iln_member".to_owned()),
        // Three bytes a character: fewer nominations fill a page.
        rationale: Some(
            "在没有调解的地方建立调解"
                .chars()
                .cycle()
                .take(rationale_chars)
                .collect(),
        ),
        privacy_consent: true,
        ..NominationForm::default()
    };
    let id = NominationId::new(at);
    let opening = Opening {
        id,
        submission: form.parse(Language::En).unwrap(),
        status,
        at,
        audit: AuditEvent::submitted(at),
        messages: Vec::new(),
    };
    app.table.submit(&opening, &[]).await.unwrap();
    id
}

#[tokio::test]
async fn the_findings_count_every_open_nomination_of_a_country_beyond_one_page_of_the_index() {
    let app = TestApp::spawn().await;
    // 5,000 characters of three bytes each: some 65 nominations fill the
    // 1 MB that one Query of the country index reads.
    let mut ids = Vec::new();
    for _ in 0..90 {
        ids.push(opened(&app, Status::AwaitingVetting, "KE", app.now, 5_000).await);
    }

    let file = app.file(&ids[0].to_string()).await;

    assert_eq!(file["findings"]["country_open_nominations"], 89, "every other one");
}
