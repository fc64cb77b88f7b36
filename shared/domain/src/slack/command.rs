//! `/iln`: what a vetter or confirmer may ask in Slack, and every text it
//! answers with. Vetters see the vetting queue, confirmers the nominations in
//! discussion; a nomination the user may not see reads as one that does not
//! exist.

use crate::lifecycle::Status;
use crate::nomination::{Nomination, NominationId};
use crate::slack::replies::{actor_name, past_tense};

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
pub const NOT_ALLOWED: &str = "Only IMI vetters and ILN confirmers may use /iln.";

pub const HELP: &str = "Try `/iln pending` or `/iln status <reference>`.";

pub fn not_a_reference(reference: &str) -> String {
    format!("`{reference}` is not a nomination reference.")
}

/// `/iln pending`: each queue the user may see, its count and its oldest.
pub fn pending(queues: &[(Status, Vec<Nomination>)]) -> String {
    let mut lines = Vec::new();
    for (status, nominations) in queues {
        lines.push(format!("*{}*: {}", status, nominations.len()));
        for nomination in nominations {
            let country = nomination.submission.nominee.country.alpha2();
            let since = nomination.updated_at.format("%Y-%m-%d");
            lines.push(format!("• `{}` {country}, since {since}", nomination.id));
        }
    }
    lines.join("\n")
}

/// `/iln status <id>`: where it stands and who moved it last, or that there
/// is none the user may see (`visible` is `None` then).
pub fn status(id: NominationId, visible: Option<&Nomination>) -> String {
    let Some(nomination) = visible else {
        return format!("No nomination `{id}` that you may see.");
    };
    let last = nomination.last_move.as_ref().map(|last| {
        format!(
            " ({} by {} at {})",
            past_tense(last.command),
            actor_name(&last.actor),
            last.at.format("%Y-%m-%d %H:%M UTC")
        )
    });
    format!("`{id}` is *{}*{}", nomination.status, last.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Language;

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
        let text = pending(&[
            (Status::AwaitingVetting, vec![nomination.clone()]),
            (Status::InDiscussion, Vec::new()),
        ]);
        let country = nomination.submission.nominee.country.alpha2();
        assert!(text.starts_with("*awaiting_vetting*: 1\n"), "{text}");
        assert!(
            text.contains(&format!("• `{}` {country}, since ", nomination.id)),
            "{text}"
        );
        assert!(text.ends_with("*in_discussion*: 0"), "{text}");
    }

    #[test]
    fn a_status_the_user_may_not_see_reads_as_none() {
        let nomination = crate::test_support::nomination(Status::AwaitingVetting, 1, Language::En);
        assert_eq!(
            status(nomination.id, None),
            format!("No nomination `{}` that you may see.", nomination.id)
        );
        assert_eq!(
            status(nomination.id, Some(&nomination)),
            format!("`{}` is *awaiting_vetting*", nomination.id)
        );
    }
}
