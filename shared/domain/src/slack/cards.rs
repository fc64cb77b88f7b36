//! Block Kit cards for the two channels. Each shows only what its readers
//! need: IMI staff see the whole nomination apart from the self-identification
//! text, ILN members see the nominee, a short rationale and the nominator as
//! a category, named only when the nominator chose to share their name. Every
//! text is in the channel's language (`ChannelLanguage`), both languages in
//! the same blocks, so a bilingual card has as many blocks as a monolingual
//! one.

use serde_json::{Value, json};

use super::language::ChannelLanguage;
use super::{ActionValue, MAX_SECTION_TEXT, SlackMessage, action, escape, truncate};
use crate::Language;
use crate::discussion::{Discussion, IacDecision};
use crate::findings::Findings;
use crate::lifecycle::Status;
use crate::nomination::{Country, NominatorBasis, Region, Submission};
use crate::person::PersonName;
use crate::roster::RosterCategory;
use crate::{Nomination, NominationId};

/// Enough of the rationale to judge on the card; the full text is on the
/// vetting page.
const VETTING_RATIONALE_MAX: usize = 1_200;
const ILN_RATIONALE_MAX: usize = 500;
/// A link longer than this is cut on the card: five links of `Link::MAX`
/// characters would not fit one section.
const LINK_MAX: usize = 500;
const EMAIL_MAX: usize = 254;
/// Slack's limit on a header's text.
const HEADER_MAX: usize = 150;

/// What a card is rendered with besides its nomination: its channel's
/// language and how many confirmations the deployment asks for
/// (`DiscussionRules::needed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CardContext {
    pub language: ChannelLanguage,
    pub confirmations_needed: usize,
}

pub fn vetting_card(nomination: &Nomination, findings: &Findings, context: &CardContext) -> SlackMessage {
    let language = context.language;
    let submission = &nomination.submission;
    let nominator = &submission.nominator;
    let mut blocks = vec![
        header(&language.label("card.vetting_title"), nomination),
        banner(&language.lines("card.vetting_banner", &[])),
        nominee_summary(nomination, language),
        section(format!(
            "*{}:* {}\n*{}:* {}\n*{}:* {}\n*{}:* {}",
            language.label("card.nominator"),
            name(&nominator.name),
            language.label("card.basis"),
            language.each(" / ", |l| label(l, "bases", nominator.basis.code())),
            language.label("card.email"),
            user_text(nominator.email.as_str(), EMAIL_MAX),
            language.label("card.name_shared"),
            language.label(if submission.share_name_with_iln {
                "card.yes"
            } else {
                "card.no"
            }),
        )),
        section(format!(
            "*{}*\n{}",
            language.label("card.rationale"),
            user_text(submission.rationale.as_str(), VETTING_RATIONALE_MAX)
        )),
    ];
    let links: Vec<String> = submission
        .links
        .iter()
        .map(|link| user_text(link.as_str(), LINK_MAX))
        .collect();
    if !links.is_empty() {
        blocks.push(section(format!(
            "*{}*\n{}",
            language.label("card.links"),
            links.join("\n")
        )));
    }
    // The text itself is sensitive: it stays on the vetting page.
    match (&submission.self_identification, submission.is_self_nomination()) {
        (Some(_), _) => blocks.push(section(language.lines("card.self_identification_given", &[]))),
        (None, true) => blocks.push(section(language.lines("card.self_identification_missing", &[]))),
        (None, false) => {}
    }
    blocks.push(section(format!(
        "*{}*\n{}",
        language.label("card.findings"),
        language.each("\n\n", |l| bullets(&vetting_findings(nomination, findings, l)))
    )));
    blocks.extend(discussion_summary(nomination, context));
    let buttons: Vec<Button> = match (nomination.status, &nomination.discussion) {
        (Status::AwaitingVetting, _) => vec![
            Button::new(action::APPROVE, "buttons.approve", Some("primary")),
            Button::new(action::REJECT, "buttons.reject", Some("danger")),
            Button::new(action::REQUEST_INFORMATION, "buttons.request_information", None),
        ],
        (Status::InDiscussion, discussion) => {
            let open_concern = discussion.as_ref().is_some_and(|d| d.open_concerns().next().is_some());
            let awaits_iac = discussion.as_ref().is_some_and(Discussion::awaits_iac);
            let mut buttons = Vec::new();
            if open_concern {
                buttons.push(Button::new(action::RESOLVE_CONCERN, "buttons.resolve_concern", None));
            }
            if !awaits_iac {
                buttons.push(Button::new(action::REFER_TO_IAC, "buttons.refer_to_iac", None));
            }
            buttons.push(Button::new(action::CLOSE, "buttons.close", Some("danger")));
            buttons
        }
        _ => Vec::new(),
    };
    let block_id = match nomination.status {
        Status::InDiscussion => "vetting_discussion_actions",
        _ => "vetting_actions",
    };
    blocks.extend(actions(block_id, nomination, &buttons, language));
    SlackMessage {
        text: language.each(" / ", |l| {
            l.slack_text(
                "card.vetting_notification",
                &[("reference", &nomination.id.to_string())],
            )
        }),
        blocks: Value::Array(blocks),
    }
}

pub fn iln_card(nomination: &Nomination, findings: &Findings, context: &CardContext) -> SlackMessage {
    let language = context.language;
    let submission = &nomination.submission;
    let mut blocks = vec![
        header(&language.label("card.iln_title"), nomination),
        banner(&language.lines("card.iln_banner", &[])),
        nominee_summary(nomination, language),
        section(language.each("\n", |l| nominated_by(submission, l))),
        section(format!(
            "*{}*\n{}",
            language.label("card.rationale"),
            user_text(submission.rationale.as_str(), ILN_RATIONALE_MAX)
        )),
        section(language.each("\n", |l| country_capacity(submission.nominee.country, findings, l))),
    ];
    blocks.extend(discussion_summary(nomination, context));
    let buttons = match nomination.status {
        Status::InDiscussion => vec![
            Button::new(action::CONFIRM, "buttons.confirm", Some("primary")),
            Button::new(action::RAISE_CONCERN, "buttons.raise_concern", None),
            // Asks, through a concern, that it not go ahead: it closes nothing.
            Button::new(action::DECLINE, "buttons.decline", Some("danger")),
            Button::new(action::DECLARE_CONFLICT, "buttons.declare_conflict", None),
        ],
        _ => Vec::new(),
    };
    blocks.extend(actions("iln_actions", nomination, &buttons, language));
    SlackMessage {
        text: language.each(" / ", |l| {
            l.slack_text("card.iln_notification", &[("reference", &nomination.id.to_string())])
        }),
        blocks: Value::Array(blocks),
    }
}

/// Where the discussion stands, on both cards while the ILN discusses:
/// when it ends, the confirmations counted so far, the concerns that hold
/// it, a referral to the IAC and the conflicts declared.
fn discussion_summary(nomination: &Nomination, context: &CardContext) -> Option<Value> {
    if nomination.status != Status::InDiscussion {
        return None;
    }
    let discussion = nomination.discussion.as_ref()?;
    let language = context.language;
    Some(section(format!(
        "*{}*\n{}",
        language.label("discussion.heading"),
        language.each("\n\n", |l| bullets(&discussion_facts(
            discussion,
            context.confirmations_needed,
            l
        )))
    )))
}

fn discussion_facts(discussion: &Discussion, needed: usize, language: Language) -> Vec<String> {
    let ends = discussion.ends_at.format("%Y-%m-%d %H:%M UTC").to_string();
    let confirmed = discussion.counted_confirmations().count().to_string();
    let mut facts = vec![
        language.slack_text("discussion.ends", &[("date", &ends)]),
        language.slack_text(
            "discussion.confirmations",
            &[("count", &confirmed), ("needed", &needed.to_string())],
        ),
        match discussion.open_concerns().count() {
            0 => language.slack_text("discussion.no_open_concern", &[]),
            n => count(language, "discussion.open_concerns", n, &[]),
        },
    ];
    if let Some(referral) = &discussion.referral {
        facts.push(match referral.outcome.as_ref().map(|outcome| outcome.decision) {
            None => language.slack_text("discussion.referred", &[]),
            Some(IacDecision::Proceed) => language.slack_text("discussion.iac_proceed", &[]),
            Some(IacDecision::DoNotProceed) => language.slack_text("discussion.iac_do_not_proceed", &[]),
        });
    }
    if !discussion.conflicts.is_empty() {
        facts.push(count(language, "discussion.conflicts", discussion.conflicts.len(), &[]));
    }
    facts
}

/// The reference is a ULID, so the header never carries personal data; a
/// bilingual title still stays below Slack's 150-character limit, and is cut
/// if a translation ever grows past it.
fn header(title: &str, nomination: &Nomination) -> Value {
    json!({
        "type": "header",
        "text": { "type": "plain_text", "text": truncate(&format!("{title}: {}", nomination.id), HEADER_MAX) },
    })
}

fn banner(text: &str) -> Value {
    json!({
        "type": "context",
        "elements": [{ "type": "mrkdwn", "text": text }],
    })
}

/// What a card shows once the personal data of its nomination is erased:
/// the reference only, no buttons.
pub fn erased_card(id: NominationId, language: ChannelLanguage) -> SlackMessage {
    let reference = id.to_string();
    SlackMessage {
        text: language.each(" / ", |l| {
            l.slack_text("card.erased_notification", &[("reference", &reference)])
        }),
        blocks: json!([section(
            language.each("\n\n", |l| l.slack_text("card.erased", &[("reference", &reference)]))
        )]),
    }
}

/// Every section goes through here, so none exceeds Slack's limit whatever
/// the escaping or the second language added.
fn section(text: String) -> Value {
    json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": truncate(&text, MAX_SECTION_TEXT) },
    })
}

fn nominee_summary(nomination: &Nomination, language: ChannelLanguage) -> Value {
    let nominee = &nomination.submission.nominee;
    let mut text = format!(
        "*{}:* {}\n*{}:* {}",
        language.label("card.nominee"),
        name(&nominee.name),
        language.label("card.country"),
        country(nominee.country)
    );
    if let Some(region) = &nominee.region {
        text.push_str(&format!(
            "\n*{}:* {}",
            language.label("card.region"),
            user_text(region.as_str(), Region::MAX)
        ));
    }
    text.push_str(&format!(
        "\n*{}:* {}",
        language.label("card.role"),
        language.each(" / ", |l| label(l, "roles", nominee.role.code()))
    ));
    section(text)
}

struct Button {
    action_id: &'static str,
    /// Its label's key in the Slack catalog.
    label: &'static str,
    style: Option<&'static str>,
}

impl Button {
    fn new(action_id: &'static str, label: &'static str, style: Option<&'static str>) -> Self {
        Self {
            action_id,
            label,
            style,
        }
    }
}

/// The card's buttons, each carrying the nomination and its version; no
/// block at all when there is nothing to press.
fn actions(block_id: &str, nomination: &Nomination, buttons: &[Button], language: ChannelLanguage) -> Option<Value> {
    if buttons.is_empty() {
        return None;
    }
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
                "text": { "type": "plain_text", "text": truncate(&language.label(button.label), BUTTON_TEXT_MAX) },
                "value": value,
            });
            if let Some(style) = button.style {
                element["style"] = json!(style);
            }
            element
        })
        .collect();
    Some(json!({ "type": "actions", "block_id": block_id, "elements": elements }))
}

/// Slack's limit on a button's text.
const BUTTON_TEXT_MAX: usize = 75;

fn vetting_findings(nomination: &Nomination, findings: &Findings, language: Language) -> Vec<String> {
    let submission = &nomination.submission;
    let country_name = escape(submission.nominee.country.name());
    let text = |key: &str| language.slack_text(key, &[]);
    let mut lines = vec![match findings.nominator_roster_category {
        Some(category) => language.slack_text(
            "findings.on_roster",
            &[("category", &category_phrase(category, language))],
        ),
        None => text("findings.not_on_roster"),
    }];
    if findings.nominator_basis_unconfirmed {
        lines.push(language.slack_text(
            "findings.basis_unconfirmed",
            &[("basis", &label(language, "bases", submission.nominator.basis.code()))],
        ));
    }
    if findings.self_nomination {
        lines.push(text("findings.self_nomination"));
    }
    if findings.nominee_already_member {
        lines.push(text("findings.already_member"));
    }
    if findings.nominee_derecognized {
        lines.push(text("findings.derecognized"));
    }
    if findings.endorsements > 0 {
        lines.push(count(language, "findings.endorsements", findings.endorsements, &[]));
    }
    lines.push(country_capacity(submission.nominee.country, findings, language));
    if findings.country_open_nominations > 0 {
        lines.push(count(
            language,
            "findings.open_nominations",
            findings.country_open_nominations,
            &[("country", &country_name)],
        ));
    }
    if findings.rationale_thin {
        lines.push(text("findings.rationale_thin"));
    }
    lines
}

/// Who already leads in the nominee's country: what decides whether one
/// more leader (perhaps for a region) is wanted.
fn country_capacity(country: Country, findings: &Findings, language: Language) -> String {
    let country_name = escape(country.name());
    let leaders: Vec<String> = findings
        .country_leaders
        .iter()
        .map(|leader| name(&leader.name))
        .collect();
    let values = [
        ("country", country_name.as_str()),
        ("leaders", &leaders.join(", ")),
        ("count", &leaders.len().to_string()),
    ];
    match leaders.len() {
        0 => language.slack_text("findings.no_leader", &values),
        1 => language.slack_text("findings.one_leader", &values),
        _ => language.slack_text("findings.many_leaders", &values),
    }
}

/// The nominator as ILN members see them: a category, and their name only
/// when they chose to share it with the ILN.
fn nominated_by(submission: &Submission, language: Language) -> String {
    let basis = submission.nominator.basis;
    let key = format!("nominated_by.{}", basis.code());
    match basis {
        NominatorBasis::SelfNomination | NominatorBasis::DirectInvitation => language.slack_text(&key, &[]),
        _ if submission.share_name_with_iln => language.slack_text(
            "nominated_by.named",
            &[
                ("name", &name(&submission.nominator.name)),
                ("category", &label(language, "bases", basis.code())),
            ],
        ),
        _ => language.slack_text(&key, &[]),
    }
}

fn category_phrase(category: RosterCategory, language: Language) -> String {
    let code = match category {
        RosterCategory::IlnMember => "iln_member",
        RosterCategory::ImiCertifiedMediator => "imi_certified_mediator",
        RosterCategory::ImiCertifiedAdvocate => "imi_certified_advocate",
    };
    language.slack_text(&format!("categories.{code}"), &[])
}

/// The label of a choice, from the same catalog the form uses.
fn label(language: Language, group: &str, code: &str) -> String {
    escape(&language.text(&format!("{group}.{code}")))
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

/// `{key}_one` or `{key}_many` with `{count}` filled in.
fn count(language: Language, key: &str, n: usize, values: &[(&str, &str)]) -> String {
    let n_text = n.to_string();
    let mut all = vec![("count", n_text.as_str())];
    all.extend_from_slice(values);
    let form = if n == 1 { "one" } else { "many" };
    language.slack_text(&format!("{key}_{form}"), &all)
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
