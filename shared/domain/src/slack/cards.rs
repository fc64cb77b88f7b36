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
mod tests;
