use super::*;
use crate::audit::Actor;
use crate::confirmation::Confirmation;
use crate::discussion::{Concern, Conflict, Discussion, IacOutcome, Referral, Resolution};
use crate::findings::{Leader, LeaderSource};
use crate::intake::NominationForm;
use crate::lifecycle::Status;
use crate::slack::interaction::SlackUserId;
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

fn context(language: ChannelLanguage) -> CardContext {
    CardContext {
        language,
        confirmations_needed: 3,
    }
}

fn english() -> CardContext {
    context(ChannelLanguage::En)
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

    let card = vetting_card(&nomination, &findings(), &english());

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

    let text = blocks_text(&vetting_card(&nomination, &findings, &english()));

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

    let text = blocks_text(&vetting_card(&nomination, &findings(), &english()));

    assert!(text.contains("Self-identification provided — see the vetting page"));
    assert!(!text.contains(SELF_IDENTIFICATION));
}

#[test]
fn the_iln_card_never_shows_the_nominators_name_or_email() {
    let nomination = nomination(form());

    let card = iln_card(&nomination, &findings(), &english());

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

    let text = blocks_text(&iln_card(&nomination, &findings(), &english()));

    assert!(!text.contains(SELF_IDENTIFICATION), "{text}");
    assert!(!text.contains("Self-identification"), "{text}");
    assert!(!text.contains("http"), "{text}");
    assert!(!text.contains('@'), "{text}");
    assert!(text.contains("Self-nomination"));
}

#[test]
fn the_iln_card_has_confirm_raise_concern_decline_and_conflict_buttons() {
    let nomination = in_discussion(form(), Discussion::default());

    let card = iln_card(&nomination, &findings(), &english());

    let actions = actions_block(&card);
    assert_eq!(actions["block_id"], "iln_actions");
    assert_eq!(
        action_ids(actions),
        [
            action::CONFIRM,
            action::RAISE_CONCERN,
            action::DECLINE,
            action::DECLARE_CONFLICT
        ]
    );
    assert!(strings(actions).contains(&format!("{ID}:2").as_str()));
    assert!(
        strings(actions).contains(&"Ask not to proceed…"),
        "Decline asks, it does not close"
    );
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
            vetting_card(&nomination, &findings(), &english()),
            iln_card(&nomination, &findings(), &english()),
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

    for card in [
        vetting_card(&nomination, &findings, &english()),
        iln_card(&nomination, &findings, &english()),
    ] {
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

    let with_leaders = blocks_text(&iln_card(&nomination, &findings(), &english()));
    let without = blocks_text(&iln_card(
        &nomination,
        &Findings {
            country_leaders: Vec::new(),
            ..findings()
        },
        &english(),
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

    for card in [
        vetting_card(&nomination, &findings, &english()),
        iln_card(&nomination, &findings, &english()),
    ] {
        assert!(block_count(&card) <= MAX_BLOCKS, "{} blocks", block_count(&card));
        for string in strings(&card.blocks) {
            assert!(string.chars().count() <= MAX_SECTION_TEXT);
        }
    }
}

fn at(seconds: i64) -> chrono::DateTime<chrono::Utc> {
    DateTime::from_timestamp(1_800_000_000 + seconds, 0).unwrap()
}

fn in_discussion(form: NominationForm, discussion: Discussion) -> Nomination {
    Nomination {
        status: Status::InDiscussion,
        discussion: Some(discussion),
        ..nomination(form)
    }
}

fn concern(id: &str, resolved: bool) -> Concern {
    Concern {
        id: id.into(),
        by: SlackUserId::new("UM"),
        text: "We worked together.".into(),
        at: at(0),
        asks_not_to_proceed: false,
        resolution: resolved.then(|| Resolution {
            by: Actor::Vetter("UV".into()),
            note: "Settled.".into(),
            at: at(60),
        }),
    }
}

/// Two confirmations, one of them by a member who then declared a
/// conflict; two concerns, one still open; a referral to the IAC.
fn busy_discussion() -> Discussion {
    Discussion {
        opened_at: at(0),
        ends_at: at(7 * 86_400),
        confirmations: vec![
            Confirmation {
                by: SlackUserId::new("UA"),
                at: at(10),
            },
            Confirmation {
                by: SlackUserId::new("UB"),
                at: at(20),
            },
        ],
        concerns: vec![concern("UM.aa", false), concern("UM.bb", true)],
        conflicts: vec![Conflict {
            by: SlackUserId::new("UB"),
            at: at(30),
        }],
        referral: Some(Referral {
            by: Actor::Vetter("UV".into()),
            reason: "Needs the IAC.".into(),
            at: at(40),
            outcome: None,
        }),
    }
}

fn button_ids(card: &SlackMessage) -> Vec<String> {
    card.blocks
        .as_array()
        .unwrap()
        .iter()
        .filter(|block| block["type"] == "actions")
        .flat_map(|block| action_ids(block).into_iter().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}

#[test]
fn both_cards_show_where_the_discussion_stands() {
    let nomination = in_discussion(form(), busy_discussion());

    for card in [
        iln_card(&nomination, &findings(), &english()),
        vetting_card(&nomination, &findings(), &english()),
    ] {
        let text = blocks_text(&card);
        for expected in [
            "The discussion ends on 2027-01-22 08:00 UTC",
            "Confirmations: 1 of 3",
            "1 open concern: it holds confirmation until it is resolved",
            "Referred to the IAC: confirmation waits for its outcome",
            "1 member declared a conflict of interest",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in {text}");
        }
    }
}

#[test]
fn the_iacs_outcome_replaces_the_referral_on_the_card() {
    let mut discussion = busy_discussion();
    if let Some(referral) = discussion.referral.as_mut() {
        referral.outcome = Some(IacOutcome {
            decision: crate::discussion::IacDecision::DoNotProceed,
            note: "No.".into(),
            by: Actor::Admin("admin@imi.test".into()),
            at: at(50),
        });
    }
    let nomination = in_discussion(form(), discussion);

    let text = blocks_text(&iln_card(&nomination, &findings(), &english()));

    assert!(
        text.contains("The IAC's outcome: the nomination does not go ahead"),
        "{text}"
    );
    assert!(!text.contains("Referred to the IAC"), "{text}");
}

#[test]
fn a_quiet_discussion_says_no_concern_is_open_and_no_discussion_shows_nothing() {
    let quiet = in_discussion(form(), Discussion::default());
    let awaiting = nomination(form());

    let quiet = blocks_text(&iln_card(&quiet, &findings(), &english()));
    let awaiting = blocks_text(&vetting_card(&awaiting, &findings(), &english()));

    assert!(
        quiet.contains("Confirmations: 0 of 3") && quiet.contains("No open concern"),
        "{quiet}"
    );
    assert!(
        !quiet.contains("conflict of interest") && !quiet.contains("IAC"),
        "{quiet}"
    );
    assert!(!awaiting.contains("Confirmations:"), "{awaiting}");
}

#[test]
fn the_vetting_card_offers_what_vetters_may_do_as_the_discussion_stands() {
    let card = |discussion: Discussion| {
        button_ids(&vetting_card(
            &in_discussion(form(), discussion),
            &findings(),
            &english(),
        ))
    };
    let referred_with_a_concern = busy_discussion();
    let quiet = Discussion::default();
    let concern_not_referred = Discussion {
        referral: None,
        ..busy_discussion()
    };
    let all_resolved = Discussion {
        concerns: vec![concern("UM.bb", true)],
        referral: None,
        ..busy_discussion()
    };

    assert_eq!(
        card(concern_not_referred),
        [action::RESOLVE_CONCERN, action::REFER_TO_IAC, action::CLOSE]
    );
    assert_eq!(card(referred_with_a_concern), [action::RESOLVE_CONCERN, action::CLOSE]);
    assert_eq!(card(quiet), [action::REFER_TO_IAC, action::CLOSE]);
    assert_eq!(card(all_resolved), [action::REFER_TO_IAC, action::CLOSE]);
}

#[test]
fn buttons_are_there_only_while_their_decision_is_open() {
    let mut closed = in_discussion(form(), busy_discussion());
    closed.status = Status::Confirmed;
    let awaiting = nomination(form());

    assert_eq!(
        button_ids(&vetting_card(&awaiting, &findings(), &english())),
        [action::APPROVE, action::REJECT, action::REQUEST_INFORMATION]
    );
    assert!(button_ids(&iln_card(&awaiting, &findings(), &english())).is_empty());
    assert!(button_ids(&iln_card(&closed, &findings(), &english())).is_empty());
    assert!(button_ids(&vetting_card(&closed, &findings(), &english())).is_empty());
    let closed_text = blocks_text(&iln_card(&closed, &findings(), &english()));
    assert!(!closed_text.contains("Confirmations:"), "{closed_text}");
}

#[test]
fn the_iln_card_names_the_nominator_only_when_they_agreed() {
    let shared = in_discussion(
        NominationForm {
            share_name_with_iln: true,
            ..form()
        },
        Discussion::default(),
    );
    let not_shared = in_discussion(form(), Discussion::default());
    let self_nominated = in_discussion(
        NominationForm {
            share_name_with_iln: true,
            ..self_nomination_form()
        },
        Discussion::default(),
    );

    let shared_en = blocks_text(&iln_card(&shared, &findings(), &english()));
    let shared_es = blocks_text(&iln_card(&shared, &findings(), &context(ChannelLanguage::Es)));
    let hidden = blocks_text(&iln_card(&not_shared, &findings(), &context(ChannelLanguage::Both)));
    let own = blocks_text(&iln_card(&self_nominated, &findings(), &english()));

    assert!(
        shared_en.contains("Nominated by Ines Ortega (IMI Certified Mediator)"),
        "{shared_en}"
    );
    assert!(
        shared_es.contains("Nominada por Ines Ortega (Mediador/a certificado/a por el IMI)"),
        "{shared_es}"
    );
    assert!(!shared_en.contains("ines@example.org"), "never the address");
    assert!(!hidden.contains("Ines Ortega"), "{hidden}");
    assert!(hidden.contains("Nominated by an IMI Certified Mediator"), "{hidden}");
    assert!(own.contains("Self-nomination"), "{own}");
}

#[test]
fn the_vetting_card_says_whether_the_nominator_shares_their_name_with_the_iln() {
    let shared = nomination(NominationForm {
        share_name_with_iln: true,
        ..form()
    });

    let yes = blocks_text(&vetting_card(&shared, &findings(), &english()));
    let no = blocks_text(&vetting_card(&nomination(form()), &findings(), &english()));

    assert!(yes.contains("*Name shared with the ILN:* yes"), "{yes}");
    assert!(no.contains("*Name shared with the ILN:* no"), "{no}");
}

#[test]
fn a_spanish_channel_gets_spanish_cards() {
    let nomination = in_discussion(form(), busy_discussion());
    let spanish = context(ChannelLanguage::Es);

    let iln = iln_card(&nomination, &findings(), &spanish);
    let vetting = vetting_card(&nomination, &findings(), &spanish);

    let text = blocks_text(&iln);
    for expected in [
        "Nominación para confirmar en la ILN",
        "*Persona nominada:* Amara Okafor",
        "*Función:* Mediador/a",
        "Nominada por un/a mediador/a certificado/a por el IMI",
        "Nigeria ya tiene 2 líderes: Chidi Eze, Ngozi Adeyemi",
        "Confirmaciones: 1 de 3",
        "Tengo un conflicto",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in {text}");
    }
    assert!(!text.contains("Nominee") && !text.contains("Confirm\""), "{text}");
    assert_eq!(iln.text, format!("Nominación {ID} para confirmar en la ILN"));
    let text = blocks_text(&vetting);
    assert!(
        text.contains("Resolver una objeción…") && text.contains("Observaciones"),
        "{text}"
    );
}

#[test]
fn a_bilingual_card_reads_english_then_spanish_in_the_same_blocks() {
    let nomination = in_discussion(form(), busy_discussion());

    let english_only = iln_card(&nomination, &findings(), &english());
    let both = iln_card(&nomination, &findings(), &context(ChannelLanguage::Both));

    assert_eq!(block_count(&both), block_count(&english_only));
    let text = blocks_text(&both);
    assert!(text.contains("*Nominee / Persona nominada:* Amara Okafor"), "{text}");
    assert!(text.contains("Confirm / Confirmar"), "{text}");
    let english_at = text.find("Confirmations: 1 of 3").unwrap();
    let spanish_at = text.find("Confirmaciones: 1 de 3").unwrap();
    assert!(english_at < spanish_at, "English first");
    assert_eq!(
        both.text,
        format!("Nomination {ID} for ILN confirmation / Nominación {ID} para confirmar en la ILN")
    );
}

#[test]
fn a_bilingual_card_at_its_largest_stays_within_slacks_limits() {
    let nomination = in_discussion(
        NominationForm {
            rationale: Some("&".repeat(5_000)),
            nominator_name: Some("&".repeat(100)),
            share_name_with_iln: true,
            links: (1..=5)
                .map(|n| format!("https://example.org/{n}/{}", "a".repeat(1_900)))
                .collect(),
            ..form()
        },
        busy_discussion(),
    );
    let findings = Findings {
        nominator_roster_category: None,
        nominator_basis_unconfirmed: true,
        self_nomination: true,
        nominee_already_member: true,
        nominee_derecognized: true,
        rationale_thin: true,
        country_open_nominations: 40,
        country_leaders: (0..200).map(|n| leader(&format!("Leader & {n}"))).collect(),
        ..findings()
    };
    let both = context(ChannelLanguage::Both);

    for card in [
        vetting_card(&nomination, &findings, &both),
        iln_card(&nomination, &findings, &both),
        crate::slack::updated_card(&nomination, &findings, crate::slack::Channel::Iln, &both),
        crate::slack::updated_card(&nomination, &findings, crate::slack::Channel::Vetting, &both),
    ] {
        assert!(block_count(&card) <= MAX_BLOCKS, "{} blocks", block_count(&card));
        for block in card.blocks.as_array().unwrap() {
            let limit = match block["type"].as_str() {
                Some("header") => 150,
                _ => MAX_SECTION_TEXT,
            };
            for string in strings(block) {
                assert!(string.chars().count() <= limit, "{} characters", string.chars().count());
            }
        }
        for button in button_ids(&card) {
            assert!(!button.is_empty());
        }
        for block in card
            .blocks
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "actions")
        {
            for element in block["elements"].as_array().unwrap() {
                assert!(element["text"]["text"].as_str().unwrap().chars().count() <= 75);
            }
        }
    }
}

#[test]
fn the_erased_card_is_in_the_channels_language() {
    let id: NominationId = ID.parse().unwrap();

    let spanish = erased_card(id, ChannelLanguage::Es);
    let both = erased_card(id, ChannelLanguage::Both);

    assert_eq!(spanish.text, format!("Nominación {ID}: datos personales borrados"));
    assert!(
        both.text
            .starts_with(&format!("Nomination {ID}: personal data erased / "))
    );
}
