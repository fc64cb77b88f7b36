use super::*;
use crate::findings::{Leader, LeaderSource};
use crate::intake::NominationForm;
use crate::lifecycle::Status;
use crate::slack::{MAX_BLOCKS, TRUNCATION_MARKER};
use chrono::DateTime;

const ID: &str = "01JDZ8Q6N5C8W4Y3F2K9T7B1XA";
const SELF_IDENTIFICATION: &str = "a woman mediator from a rural region";

fn form() -> NominationForm {
    NominationForm {
        nominee_name: Some("Amara Okafor".into()),
        nominee_email: Some("amara@example.org".into()),
        nominee_country: Some("NG".into()),
        nominee_region: Some("Lagos".into()),
        nominee_role: Some("mediator".into()),
        nominator_name: Some("Ines Ortega".into()),
        nominator_email: Some("ines@example.org".into()),
        nominator_basis: Some("imi_certified_mediator".into()),
        rationale: Some("Amara has led community mediation in Lagos for ten years and trains new mediators.".into()),
        links: vec![
            "https://example.org/amara".into(),
            "https://example.net/talk?a=1&b=2".into(),
        ],
        privacy_consent: true,
        ..Default::default()
    }
}

fn self_nomination_form() -> NominationForm {
    NominationForm {
        nominator_name: None,
        nominator_email: None,
        nominator_basis: Some("self_nomination".into()),
        self_identification: Some(SELF_IDENTIFICATION.into()),
        ..form()
    }
}

fn nomination(form: NominationForm) -> Nomination {
    let at = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
    Nomination {
        id: ID.parse().unwrap(),
        status: Status::AwaitingVetting,
        version: 2,
        submitted_at: at,
        updated_at: at,
        submission: form.parse(Language::En).expect("a valid test nomination"),
        last_move: None,
        discussion: None,
        invitation: None,
    }
}

fn leader(raw: &str) -> Leader {
    Leader {
        name: PersonName::parse(raw).unwrap(),
        source: LeaderSource::Roster,
    }
}

fn findings() -> Findings {
    Findings {
        nominator_roster_category: Some(RosterCategory::ImiCertifiedMediator),
        nominator_basis_unconfirmed: false,
        self_nomination: false,
        nominee_already_member: false,
        nominee_derecognized: false,
        endorsements: 2,
        country_leaders: vec![leader("Chidi Eze"), leader("Ngozi Adeyemi")],
        country_open_nominations: 1,
        rationale_thin: false,
        requester_is_nominator: false,
        requester_is_endorser: false,
    }
}

fn blocks_text(message: &SlackMessage) -> String {
    message.blocks.to_string()
}

fn strings(value: &Value) -> Vec<&str> {
    match value {
        Value::String(text) => vec![text.as_str()],
        Value::Array(items) => items.iter().flat_map(strings).collect(),
        Value::Object(fields) => fields.values().flat_map(strings).collect(),
        _ => Vec::new(),
    }
}

fn block_count(message: &SlackMessage) -> usize {
    message.blocks.as_array().map_or(0, Vec::len)
}

/// The card's block of buttons.
fn actions_block(card: &SlackMessage) -> &Value {
    card.blocks
        .as_array()
        .unwrap()
        .iter()
        .find(|block| block["type"] == "actions")
        .unwrap()
}

fn action_ids(actions: &Value) -> Vec<&str> {
    actions["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|button| button["action_id"].as_str().unwrap())
        .collect()
}

#[test]
fn the_vetting_card_has_approve_reject_and_ask_buttons_carrying_nomination_and_version() {
    let nomination = nomination(form());

    let card = vetting_card(&nomination, &findings());

    let actions = actions_block(&card);
    assert_eq!(actions["block_id"], "vetting_actions");
    let buttons = actions["elements"].as_array().unwrap();
    assert_eq!(
        action_ids(actions),
        [action::APPROVE, action::REJECT, action::REQUEST_INFORMATION]
    );
    assert_eq!(buttons[0]["style"], "primary");
    assert_eq!(buttons[1]["style"], "danger");
    for button in buttons {
        assert_eq!(button["value"], format!("{ID}:2"));
    }
    assert_eq!(card.text, format!("Nomination {ID} awaits vetting"));
}

#[test]
fn the_vetting_card_shows_the_nomination_and_findings_in_plain_words() {
    let nomination = nomination(form());
    let findings = Findings {
        nominator_roster_category: None,
        nominator_basis_unconfirmed: true,
        ..findings()
    };

    let text = blocks_text(&vetting_card(&nomination, &findings));

    for expected in [
        "Amara Okafor",
        "Nigeria (NG)",
        "Lagos",
        "Ines Ortega",
        "ines@example.org",
        "IMI Certified Mediator",
        "https://example.org/amara",
        "Nominator NOT found on the roster",
        "Basis claimed (IMI Certified Mediator) but not confirmed by the roster",
        "2 endorsements",
        "Nigeria already has 2 leaders: Chidi Eze, Ngozi Adeyemi",
        "1 other open nomination in Nigeria",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
}

#[test]
fn the_vetting_card_says_a_self_identification_was_given_but_never_shows_it() {
    let nomination = nomination(self_nomination_form());

    let text = blocks_text(&vetting_card(&nomination, &findings()));

    assert!(text.contains("Self-identification provided — see the vetting page"));
    assert!(!text.contains(SELF_IDENTIFICATION));
}

#[test]
fn the_iln_card_never_shows_the_nominators_name_or_email() {
    let nomination = nomination(form());

    let card = iln_card(&nomination, &findings());

    let text = blocks_text(&card);
    assert!(!text.contains("Ines Ortega"), "{text}");
    assert!(!text.contains("ines@example.org"), "{text}");
    assert!(!text.contains("amara@example.org"), "{text}");
    assert!(text.contains("Nominated by an IMI Certified Mediator"));
    assert_eq!(card.text, format!("Nomination {ID} for ILN confirmation"));
}

#[test]
fn the_iln_card_never_shows_self_identification_or_links() {
    let nomination = nomination(self_nomination_form());

    let text = blocks_text(&iln_card(&nomination, &findings()));

    assert!(!text.contains(SELF_IDENTIFICATION), "{text}");
    assert!(!text.contains("Self-identification"), "{text}");
    assert!(!text.contains("http"), "{text}");
    assert!(!text.contains('@'), "{text}");
    assert!(text.contains("Self-nomination"));
}

#[test]
fn the_iln_card_has_confirm_raise_concern_and_decline_buttons() {
    let nomination = nomination(form());

    let card = iln_card(&nomination, &findings());

    let actions = actions_block(&card);
    assert_eq!(actions["block_id"], "iln_actions");
    assert_eq!(
        action_ids(actions),
        [action::CONFIRM, action::RAISE_CONCERN, action::DECLINE]
    );
    assert!(strings(actions).contains(&format!("{ID}:2").as_str()));
}

#[test]
fn a_five_thousand_character_rationale_is_truncated_and_no_text_exceeds_slacks_limit() {
    // Plain text is cut to the card's length; `&` also grows fivefold when escaped.
    for rationale in ["x".repeat(5_000), "&".repeat(5_000)] {
        let nomination = nomination(NominationForm {
            rationale: Some(rationale),
            ..form()
        });

        for card in [
            vetting_card(&nomination, &findings()),
            iln_card(&nomination, &findings()),
        ] {
            let text = blocks_text(&card);
            assert!(text.contains(TRUNCATION_MARKER), "{text}");
            assert!(!text.contains(&"x".repeat(VETTING_RATIONALE_MAX)));
            for string in strings(&card.blocks) {
                assert!(
                    string.chars().count() <= MAX_SECTION_TEXT,
                    "{} characters",
                    string.chars().count()
                );
            }
        }
    }
}

#[test]
fn markup_in_a_name_is_escaped() {
    let markup = "<!channel> *bold*";
    let nomination = nomination(NominationForm {
        nominee_name: Some(markup.into()),
        nominator_name: Some(markup.into()),
        ..form()
    });
    let findings = Findings {
        country_leaders: vec![leader("<@U123> & co")],
        ..findings()
    };

    for card in [vetting_card(&nomination, &findings), iln_card(&nomination, &findings)] {
        let text = blocks_text(&card);
        assert!(!text.contains("<!channel>"), "{text}");
        assert!(!text.contains("<@U123>"), "{text}");
        assert!(text.contains("&lt;!channel&gt; *bold*"), "{text}");
        assert!(text.contains("&lt;@U123&gt; &amp; co"), "{text}");
    }
}

#[test]
fn country_leaders_appear_by_name_on_the_iln_card() {
    let nomination = nomination(form());

    let with_leaders = blocks_text(&iln_card(&nomination, &findings()));
    let without = blocks_text(&iln_card(
        &nomination,
        &Findings {
            country_leaders: Vec::new(),
            ..findings()
        },
    ));

    assert!(
        with_leaders.contains("Nigeria already has 2 leaders: Chidi Eze, Ngozi Adeyemi"),
        "{with_leaders}"
    );
    assert!(without.contains("No leader yet in Nigeria"), "{without}");
}

#[test]
fn both_cards_stay_within_slacks_block_limit() {
    let nomination = nomination(NominationForm {
        links: (1..=5)
            .map(|n| format!("https://example.org/{n}/{}", "a".repeat(1_900)))
            .collect(),
        ..self_nomination_form()
    });
    let findings = Findings {
        nominator_roster_category: None,
        nominator_basis_unconfirmed: true,
        self_nomination: true,
        nominee_already_member: true,
        nominee_derecognized: true,
        rationale_thin: true,
        country_leaders: (0..100).map(|n| leader(&format!("Leader {n}"))).collect(),
        ..findings()
    };

    for card in [vetting_card(&nomination, &findings), iln_card(&nomination, &findings)] {
        assert!(block_count(&card) <= MAX_BLOCKS, "{} blocks", block_count(&card));
        for string in strings(&card.blocks) {
            assert!(string.chars().count() <= MAX_SECTION_TEXT);
        }
    }
}
