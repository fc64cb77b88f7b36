//! What Slack shows: each channel in its own language, and the nominator on
//! the ILN card only when they agreed to it.

use crate::fixtures::slack_calls_to;
use iln_tests::{ILN_CHANNEL, Options, TestApp, VETTING_CHANNEL, nomination, unique_address};

/// A system whose ILN channel is Spanish; the vetting channel keeps the
/// template's default (English).
async fn with_spanish_iln_channel() -> TestApp {
    TestApp::spawn_with(Options {
        parameters: vec![("SlackIlnLanguage", "es".to_owned())],
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_spanish_iln_channel_gets_spanish_cards_notes_and_private_replies() {
    let app = with_spanish_iln_channel().await;
    app.iln_members(&["UC02"]).await;
    let nomination = app.in_discussion().await;

    let concern = app
        .submit_modal(
            "UC02",
            "iln.raise_concern",
            &nomination.id,
            3,
            "Trabajamos juntos.",
            false,
        )
        .await;
    let outsider = app
        .click("UOUTSIDER", "iln.confirm", &nomination.id, 3, ILN_CHANNEL)
        .await;
    app.deliver_outbox().await;

    assert_eq!((concern.status, outsider.status), (200, 200));
    let iln_posts = app.posts_to(ILN_CHANNEL).await;
    let card = iln_posts[0].to_string();
    for spanish in [
        "Nominación para confirmar en la ILN",
        "Persona nominada",
        "Nominada por un miembro de la ILN",
        "Confirmar",
        "Pedir que no siga",
        "Tengo un conflicto",
    ] {
        assert!(card.contains(spanish), "missing {spanish:?} in {card}");
    }
    for english in ["Nominee", "Nominated by", "Raise a concern", "I have a conflict"] {
        assert!(!card.contains(english), "{english:?} in {card}");
    }
    let note = iln_posts.last().unwrap()["text"].as_str().unwrap().to_owned();
    assert!(note.starts_with(":warning: Objeción planteada por <@UC02>:"), "{note}");
    let replies = slack_calls_to(&app, "chat.postEphemeral").await;
    assert_eq!(replies.len(), 1);
    assert!(
        replies[0]["text"]
            .as_str()
            .unwrap()
            .starts_with("No figura en la lista de personas que pueden hacer esto."),
        "{}",
        replies[0]
    );
    let vetting_card = app.posts_to(VETTING_CHANNEL).await[0].to_string();
    assert!(
        vetting_card.contains("Nomination to vet"),
        "the vetting channel stays English"
    );
}

#[tokio::test]
async fn the_iln_card_names_a_nominator_who_agreed_and_no_slack_call_to_the_iln_names_one_who_did_not() {
    let app = TestApp::spawn().await;
    let mut sharing = nomination("en", &unique_address("amara"), &unique_address("rosa"));
    sharing["nominator_name"] = "Rosa Sharing".into();
    sharing["share_name_with_iln"] = true.into();
    let mut private = nomination("en", &unique_address("kofi"), &unique_address("tomas"));
    private["nominee_name"] = "Kofi Mensah".into();
    private["nominator_name"] = "Tomas Private".into();
    let sharing = app.verified_nomination_from(sharing).await;
    let private = app.verified_nomination_from(private).await;

    for id in [&sharing.id, &private.id] {
        let approved = app
            .click(iln_tests::SLACK_VETTER, "vetting.approve", id, 2, VETTING_CHANNEL)
            .await;
        assert_eq!(approved.status, 200);
    }
    app.deliver_outbox().await;
    let confirmed = app.click("UC02", "iln.confirm", &private.id, 3, ILN_CHANNEL).await;
    app.deliver_outbox().await;

    assert_eq!(confirmed.status, 200);
    let calls = app.slack_calls().await;
    let to_iln: Vec<String> = calls
        .iter()
        .filter(|call| call.body["channel"] == ILN_CHANNEL)
        .map(|call| call.body.to_string())
        .collect();
    let to_vetting: Vec<String> = calls
        .iter()
        .filter(|call| call.body["channel"] == VETTING_CHANNEL)
        .map(|call| call.body.to_string())
        .collect();
    assert!(to_iln.len() >= 3, "two cards and an update: {to_iln:?}");
    assert!(
        to_iln
            .iter()
            .any(|body| body.contains("Nominated by Rosa Sharing (ILN member)")),
        "{to_iln:?}"
    );
    assert!(to_iln.iter().all(|body| !body.contains("Tomas Private")), "{to_iln:?}");
    assert!(
        to_iln
            .iter()
            .filter(|body| body.contains("Kofi Mensah"))
            .all(|body| body.contains("Nominated by an ILN member")),
        "{to_iln:?}"
    );
    assert!(
        to_vetting.iter().any(|body| body.contains("Tomas Private")),
        "vetters always see the nominator"
    );
}
