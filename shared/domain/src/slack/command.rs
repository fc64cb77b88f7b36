//! `/iln`: what a vetter or confirmer may ask in Slack, and every text it
//! answers with. Vetters see the vetting queue, confirmers the nominations in
//! discussion; a nomination the user may not see reads as one that does not
//! exist.

use crate::i18n::Language;
use crate::lifecycle::Status;
use crate::nomination::{Nomination, NominationId};
use crate::slack::escape;
use crate::slack::replies::{actor_name, past_tense, status_name};

/// At most this many nominations are listed per queue.
pub const PENDING_LISTED: i32 = 20;

/// What `/iln <text>` asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IlnCommand {
    Pending,
    Status(NominationId),
    /// `status` with something that is not a reference.
    NotAReference(String),
    Help,
}

impl IlnCommand {
    pub fn parse(text: &str) -> Self {
        let words: Vec<&str> = text.split_whitespace().collect();
        match words.as_slice() {
            ["pending"] => IlnCommand::Pending,
            ["status", reference] => match reference.parse() {
                Ok(id) => IlnCommand::Status(id),
                Err(_) => IlnCommand::NotAReference((*reference).to_owned()),
            },
            _ => IlnCommand::Help,
        }
    }
}

/// The answer to someone who is neither a vetter nor a confirmer.
pub fn not_allowed(language: Language) -> String {
    language.slack_text("command.not_allowed", &[])
}

pub fn help(language: Language) -> String {
    language.slack_text("command.help", &[])
}

pub fn not_a_reference(reference: &str, language: Language) -> String {
    language.slack_text("command.not_a_reference", &[("reference", &escape(reference))])
}

/// `/iln pending`: each queue the user may see, its count and its oldest.
pub fn pending(queues: &[(Status, Vec<Nomination>)], language: Language) -> String {
    let mut lines = Vec::new();
    for (status, nominations) in queues {
        lines.push(language.slack_text(
            "command.queue",
            &[
                ("status", &status_name(*status, language)),
                ("count", &nominations.len().to_string()),
            ],
        ));
        for nomination in nominations {
            lines.push(language.slack_text(
                "command.queued",
                &[
                    ("reference", &nomination.id.to_string()),
                    ("country", nomination.submission.nominee.country.alpha2()),
                    ("date", &nomination.updated_at.format("%Y-%m-%d").to_string()),
                ],
            ));
        }
    }
    lines.join("\n")
}

/// `/iln status <id>`: where it stands and who moved it last, or that there
/// is none the user may see (`visible` is `None` then).
pub fn status(id: NominationId, visible: Option<&Nomination>, language: Language) -> String {
    let reference = id.to_string();
    let Some(nomination) = visible else {
        return language.slack_text("command.none_visible", &[("reference", &reference)]);
    };
    let status = status_name(nomination.status, language);
    match &nomination.last_move {
        Some(last) => language.slack_text(
            "command.status_moved",
            &[
                ("reference", &reference),
                ("status", &status),
                ("move", &past_tense(last.command, language)),
                ("actor", &actor_name(&last.actor, language)),
                ("at", &last.at.format("%Y-%m-%d %H:%M UTC").to_string()),
            ],
        ),
        None => language.slack_text("command.status", &[("reference", &reference), ("status", &status)]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_is_read_word_by_word() {
        let id = crate::test_support::nomination(Status::AwaitingVetting, 1, Language::En).id;
        assert_eq!(IlnCommand::parse(" pending "), IlnCommand::Pending);
        assert_eq!(IlnCommand::parse(&format!("status {id}")), IlnCommand::Status(id));
        assert_eq!(
            IlnCommand::parse("status nope"),
            IlnCommand::NotAReference("nope".to_owned())
        );
        for other in ["", "pending now", "status", "help"] {
            assert_eq!(IlnCommand::parse(other), IlnCommand::Help, "{other:?}");
        }
    }

    #[test]
    fn pending_counts_each_queue_and_lists_its_nominations_by_country_and_date() {
        let nomination = crate::test_support::nomination(Status::AwaitingVetting, 1, Language::En);
        let queues = [
            (Status::AwaitingVetting, vec![nomination.clone()]),
            (Status::InDiscussion, Vec::new()),
        ];
        let text = pending(&queues, Language::En);
        let country = nomination.submission.nominee.country.alpha2();
        assert!(text.starts_with("*awaiting vetting*: 1\n"), "{text}");
        assert!(
            text.contains(&format!("• `{}` {country}, since ", nomination.id)),
            "{text}"
        );
        assert!(text.ends_with("*in discussion*: 0"), "{text}");
        let spanish = pending(&queues, Language::Es);
        assert!(spanish.starts_with("*pendiente de evaluación*: 1\n"), "{spanish}");
        assert!(spanish.ends_with("*en deliberación*: 0"), "{spanish}");
    }

    #[test]
    fn a_status_the_user_may_not_see_reads_as_none() {
        let nomination = crate::test_support::nomination(Status::AwaitingVetting, 1, Language::En);
        assert_eq!(
            status(nomination.id, None, Language::En),
            format!("No nomination `{}` that you may see.", nomination.id)
        );
        assert_eq!(
            status(nomination.id, Some(&nomination), Language::En),
            format!("`{}` is *awaiting vetting*", nomination.id)
        );
        assert_eq!(
            status(nomination.id, Some(&nomination), Language::Es),
            format!("`{}` está *pendiente de evaluación*", nomination.id)
        );
    }
}
