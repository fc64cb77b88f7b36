//! Block Kit cards for the two channels. Each shows only what its readers
//! need: IMI staff see the whole nomination apart from the self-identification
//! text, ILN members see the nominee, a short rationale and the nominator only
//! as a category.

use serde_json::{Value, json};

use super::{ActionValue, MAX_SECTION_TEXT, SlackMessage, action, escape, truncate};
use crate::Language;
use crate::findings::Findings;
use crate::nomination::{Country, NominatorBasis, Region};
use crate::person::PersonName;
use crate::roster::RosterCategory;
use crate::{Nomination, NominationId};

const VETTING_BANNER: &str = ":lock: Confidential — IMI vetting only. Do not forward.";
const ILN_BANNER: &str = ":lock: Confidential. ILN discussions are confidential; breach of confidentiality or \
                          disrespectful behaviour leads to derecognition.";

/// Enough of the rationale to judge on the card; the full text is on the
/// vetting page.
const VETTING_RATIONALE_MAX: usize = 1_200;
const ILN_RATIONALE_MAX: usize = 500;
/// A link longer than this is cut on the card: five links of `Link::MAX`
/// characters would not fit one section.
const LINK_MAX: usize = 500;
const EMAIL_MAX: usize = 254;

pub fn vetting_card(nomination: &Nomination, findings: &Findings) -> SlackMessage {
    let submission = &nomination.submission;
    let nominator = &submission.nominator;
    let mut blocks = vec![
        header("Nomination to vet", nomination),
        banner(VETTING_BANNER),
        nominee_summary(nomination),
        section(format!(
            "*Nominator:* {}\n*Basis:* {}\n*E-mail:* {}",
            name(&nominator.name),
            label("bases", nominator.basis.code()),
            user_text(nominator.email.as_str(), EMAIL_MAX),
        )),
        section(format!(
            "*Rationale*\n{}",
            user_text(submission.rationale.as_str(), VETTING_RATIONALE_MAX)
        )),
    ];
    let links: Vec<String> = submission
        .links
        .iter()
        .map(|link| user_text(link.as_str(), LINK_MAX))
        .collect();
    if !links.is_empty() {
        blocks.push(section(format!("*Links*\n{}", links.join("\n"))));
    }
    // The text itself is sensitive: it stays on the vetting page.
    match (&submission.self_identification, submission.is_self_nomination()) {
        (Some(_), _) => blocks.push(section(
            "Self-identification provided — see the vetting page".to_owned(),
        )),
        (None, true) => blocks.push(section("No self-identification provided".to_owned())),
        (None, false) => {}
    }
    blocks.push(section(format!(
        "*Findings*\n{}",
        bullets(&vetting_findings(nomination, findings))
    )));
    blocks.push(actions(
        "vetting_actions",
        nomination,
        &[
            Button {
                action_id: action::APPROVE,
                label: "Approve",
                style: Some("primary"),
            },
            Button {
                action_id: action::REJECT,
                label: "Reject…",
                style: Some("danger"),
            },
            Button {
                action_id: action::REQUEST_INFORMATION,
                label: "Ask for information…",
                style: None,
            },
        ],
    ));
    SlackMessage {
        text: format!("Nomination {} awaits vetting", nomination.id),
        blocks: Value::Array(blocks),
    }
}

pub fn iln_card(nomination: &Nomination, findings: &Findings) -> SlackMessage {
    let submission = &nomination.submission;
    let blocks = vec![
        header("Nomination for ILN confirmation", nomination),
        banner(ILN_BANNER),
        nominee_summary(nomination),
        section(nominated_by(submission.nominator.basis).to_owned()),
        section(format!(
            "*Rationale*\n{}",
            user_text(submission.rationale.as_str(), ILN_RATIONALE_MAX)
        )),
        section(country_capacity(submission.nominee.country, findings)),
        actions(
            "iln_actions",
            nomination,
            &[
                Button {
                    action_id: action::CONFIRM,
                    label: "Confirm",
                    style: Some("primary"),
                },
                Button {
                    action_id: action::RAISE_CONCERN,
                    label: "Raise concern…",
                    style: None,
                },
                Button {
                    action_id: action::DECLINE,
                    label: "Decline…",
                    style: Some("danger"),
                },
            ],
        ),
    ];
    SlackMessage {
        text: format!("Nomination {} for ILN confirmation", nomination.id),
        blocks: Value::Array(blocks),
    }
}

/// The reference is a ULID, so the header never carries personal data and
/// stays far below Slack's 150-character header limit.
fn header(title: &str, nomination: &Nomination) -> Value {
    json!({
        "type": "header",
        "text": { "type": "plain_text", "text": format!("{title}: {}", nomination.id) },
    })
}

fn banner(text: &str) -> Value {
    json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": text }],
    })
}

/// Every section goes through here, so none exceeds Slack's limit whatever
/// the escaping added.
/// What a card shows once the personal data of its nomination is erased:
/// the reference only, no buttons.
pub fn erased_card(id: NominationId) -> SlackMessage {
    SlackMessage {
        text: format!("Nomination {id}: personal data erased"),
        blocks: json!([section(format!(
            ":wastebasket: *Nomination {id}*\nThe personal data of this nomination was erased on request. Nothing more can be done with it."
        ))]),
    }
}

fn section(text: String) -> Value {
    json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(&text, MAX_SECTION_TEXT) },
    })
}

fn nominee_summary(nomination: &Nomination) -> Value {
    let nominee = &nomination.submission.nominee;
    let mut text = format!(
        "*Nominee:* {}\n*Country:* {}",
        name(&nominee.name),
        country(nominee.country)
    );
    if let Some(region) = &nominee.region {
        text.push_str(&format!("\n*Region:* {}", user_text(region.as_str(), Region::MAX)));
    }
    text.push_str(&format!("\n*Role:* {}", label("roles", nominee.role.code())));
    section(text)
}

struct Button {
    action_id: &'static str,
    label: &'static str,
    style: Option<&'static str>,
}

fn actions(block_id: &str, nomination: &Nomination, buttons: &[Button]) -> Value {
    let value = ActionValue {
        nomination_id: nomination.id,
        version: nomination.version,
    }
    .encode();
    let elements: Vec<Value> = buttons
        .iter()
        .map(|button| {
            let mut element = json!({
                "type": "button",
                "action_id": button.action_id,
                "text": { "type": "plain_text", "text": button.label },
                "value": value,
            });
            if let Some(style) = button.style {
                element["style"] = json!(style);
            }
            element
        })
        .collect();
    json!({ "type": "actions", "block_id": block_id, "elements": elements })
}

fn vetting_findings(nomination: &Nomination, findings: &Findings) -> Vec<String> {
    let submission = &nomination.submission;
    let country_name = escape(submission.nominee.country.name());
    let mut lines = vec![match findings.nominator_roster_category {
        Some(category) => format!("Nominator on the roster as {}", category_phrase(category)),
        None => "Nominator NOT found on the roster".to_owned(),
    }];
    if findings.nominator_basis_unconfirmed {
        lines.push(format!(
            "Basis claimed ({}) but not confirmed by the roster",
            label("bases", submission.nominator.basis.code())
        ));
    }
    if findings.self_nomination {
        lines.push("Self-nomination".to_owned());
    }
    if findings.nominee_already_member {
        lines.push("Nominee is already an ILN member".to_owned());
    }
    if findings.nominee_derecognized {
        lines.push("Nominee was previously derecognised".to_owned());
    }
    if findings.endorsements > 0 {
        lines.push(count(findings.endorsements, "endorsement", "endorsements"));
    }
    lines.push(country_capacity(submission.nominee.country, findings));
    if findings.country_open_nominations > 0 {
        lines.push(format!(
            "{} in {country_name}",
            count(
                findings.country_open_nominations,
                "other open nomination",
                "other open nominations"
            )
        ));
    }
    if findings.rationale_thin {
        lines.push("Rationale is thin".to_owned());
    }
    lines
}

/// Who already leads in the nominee's country: what decides whether one
/// more leader (perhaps for a region) is wanted.
fn country_capacity(country: Country, findings: &Findings) -> String {
    let country_name = escape(country.name());
    let leaders: Vec<String> = findings
        .country_leaders
        .iter()
        .map(|leader| name(&leader.name))
        .collect();
    match leaders.len() {
        0 => format!("No leader yet in {country_name}"),
        1 => format!("{country_name} already has a leader: {}", leaders[0]),
        many => format!("{country_name} already has {many} leaders: {}", leaders.join(", ")),
    }
}

/// The nominator as ILN members see them: a category, never a person.
fn nominated_by(basis: NominatorBasis) -> &'static str {
    match basis {
        NominatorBasis::IlnMember => "Nominated by an ILN member",
        NominatorBasis::ImiCertifiedMediator => "Nominated by an IMI Certified Mediator",
        NominatorBasis::ImiCertifiedAdvocate => "Nominated by an IMI Certified Advocate",
        NominatorBasis::SelfNomination => "Self-nomination",
        NominatorBasis::DirectInvitation => "Invited directly by IMI",
    }
}

fn category_phrase(category: RosterCategory) -> &'static str {
    match category {
        RosterCategory::IlnMember => "an ILN member",
        RosterCategory::ImiCertifiedMediator => "an IMI Certified Mediator",
        RosterCategory::ImiCertifiedAdvocate => "an IMI Certified Advocate",
    }
}

/// The English label of a choice, from the same catalog the form uses.
fn label(group: &str, code: &str) -> String {
    escape(&Language::En.text(&format!("{group}.{code}")))
}

/// What a person typed, made inert for mrkdwn and cut to `max` characters.
/// Escaping can lengthen it (`&` becomes `&amp;`); `section` has the last word.
fn user_text(raw: &str, max: usize) -> String {
    escape(&truncate(raw, max))
}

/// A name is at most `PersonName::MAX` graphemes, which can be many more
/// characters; the cut keeps one name from filling a section.
fn name(person: &PersonName) -> String {
    user_text(person.as_str(), PersonName::MAX)
}

fn country(country: Country) -> String {
    format!("{} ({})", escape(country.name()), country.alpha2())
}

fn count(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

fn bullets(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| format!("• {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
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
            rationale: Some(
                "Amara has led community mediation in Lagos for ten years and trains new mediators.".into(),
            ),
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
            confirmations: Vec::new(),
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

    #[test]
    fn the_vetting_card_has_approve_reject_and_ask_buttons_carrying_nomination_and_version() {
        let nomination = nomination(form());

        let card = vetting_card(&nomination, &findings());

        let actions = card
            .blocks
            .as_array()
            .unwrap()
            .iter()
            .find(|block| block["type"] == "actions")
            .unwrap();
        assert_eq!(actions["block_id"], "vetting_actions");
        let buttons = actions["elements"].as_array().unwrap();
        let ids: Vec<&str> = buttons
            .iter()
            .map(|button| button["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [action::APPROVE, action::REJECT, action::REQUEST_INFORMATION]);
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

        let actions = card
            .blocks
            .as_array()
            .unwrap()
            .iter()
            .find(|block| block["type"] == "actions")
            .unwrap();
        assert_eq!(actions["block_id"], "iln_actions");
        let ids: Vec<&str> = actions["elements"]
            .as_array()
            .unwrap()
            .iter()
            .map(|button| button["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, [action::CONFIRM, action::RAISE_CONCERN, action::DECLINE]);
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
}
