//! What a person who clicked in Slack is told privately when their click
//! changes nothing, and how moves and actors are named on the cards.

use crate::audit::Actor;
use crate::i18n::Language;
use crate::lifecycle::{Command, Status};
use crate::nomination::{LastMove, Nomination};

/// Why a click changes nothing, in words for the person who clicked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClickRefused {
    NotAllowed,
    OwnNomination,
    /// A concern about a nomination no longer (or not yet) discussed.
    NotInDiscussion {
        status: Status,
    },
    /// Someone moved the nomination first (or it is otherwise not open here).
    AlreadyMoved {
        status: Status,
        last_move: Option<LastMove>,
    },
    /// The member declared a conflict on this nomination.
    Conflicted,
    /// Referred to the IAC: nothing confirms until its outcome.
    AwaitsIac,
    /// A repeat of this user's own earlier click: nothing to say.
    Repeat,
}

impl ClickRefused {
    /// The ephemeral answer in `language`, or `None` when silence is right
    /// (a repeat). The reader's language: `ChannelLanguage::reply_in`.
    pub fn explanation(&self, language: Language) -> Option<String> {
        let status_words = |status: &Status| status_name(*status, language);
        match self {
            ClickRefused::NotAllowed => Some(language.slack_text("replies.not_allowed", &[])),
            ClickRefused::OwnNomination => Some(language.slack_text("replies.own_nomination", &[])),
            ClickRefused::NotInDiscussion { status } => {
                Some(language.slack_text("replies.not_in_discussion", &[("status", &status_words(status))]))
            }
            ClickRefused::AlreadyMoved { status, last_move } => Some(match last_move {
                Some(last) => language.slack_text(
                    "replies.already_moved",
                    &[
                        ("move", &past_tense(last.command, language)),
                        ("actor", &actor_name(&last.actor, language)),
                        ("at", &last.at.format("%Y-%m-%d %H:%M UTC").to_string()),
                    ],
                ),
                None => language.slack_text("replies.status_only", &[("status", &status_words(status))]),
            }),
            ClickRefused::Conflicted => Some(language.slack_text("replies.conflicted", &[])),
            ClickRefused::AwaitsIac => Some(language.slack_text("replies.awaits_iac", &[])),
            ClickRefused::Repeat => None,
        }
    }
}

/// A move in the past tense, as in "approved by …".
pub fn past_tense(command: Command, language: Language) -> String {
    language.slack_text(&format!("moves.{command}"), &[])
}

/// Where a nomination stands, in words: "awaiting vetting".
pub fn status_name(status: Status, language: Language) -> String {
    language.slack_text(&format!("statuses.{}", status.code()), &[])
}

/// How an actor is named in Slack: a mention for Slack users, a role else.
pub fn actor_name(actor: &Actor, language: Language) -> String {
    let role = match actor {
        Actor::Vetter(id) | Actor::Confirmer(id) if id.starts_with('U') || id.starts_with('W') => {
            return format!("<@{id}>");
        }
        Actor::Vetter(_) => "vetter",
        Actor::Confirmer(_) => "confirmer",
        Actor::Admin(_) => "admin",
        Actor::Nominator => "nominator",
        Actor::Endorser => "endorser",
        Actor::Nominee => "nominee",
        Actor::Member(_) => "member",
        Actor::System => "system",
    };
    language.slack_text(&format!("actors.{role}"), &[])
}

impl ClickRefused {
    /// The answer to a click on `nomination` that someone moved first: who
    /// did, or nothing when it was this same `actor` (a double click or
    /// Slack's retry).
    pub fn moved_first(nomination: &Nomination, actor: &Actor) -> Self {
        match nomination.last_move.as_ref().is_some_and(|last| &last.actor == actor) {
            true => ClickRefused::Repeat,
            false => ClickRefused::AlreadyMoved {
                status: nomination.status,
                last_move: nomination.last_move.clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn moved() -> ClickRefused {
        ClickRefused::AlreadyMoved {
            status: Status::Confirmed,
            last_move: Some(LastMove {
                actor: Actor::Confirmer("UA".into()),
                command: Command::Confirm,
                at: DateTime::from_timestamp(1_800_000_000, 0).unwrap(),
            }),
        }
    }

    #[test]
    fn a_refusal_is_explained_in_the_readers_language() {
        assert_eq!(
            moved().explanation(Language::En).unwrap(),
            "Already confirmed by <@UA> at 2027-01-15 08:00 UTC. Nothing changed."
        );
        assert_eq!(
            moved().explanation(Language::Es).unwrap(),
            "Ya confirmada por <@UA> el 2027-01-15 08:00 UTC. No ha cambiado nada."
        );
        assert_eq!(
            ClickRefused::NotInDiscussion {
                status: Status::AwaitingVetting
            }
            .explanation(Language::Es)
            .unwrap(),
            "Esta nominación está pendiente de evaluación; las objeciones se plantean durante la deliberación."
        );
        assert_eq!(ClickRefused::Repeat.explanation(Language::Es), None);
    }

    #[test]
    fn every_move_status_and_actor_has_words_in_both_languages() {
        let commands = [
            Command::VerifyNominatorEmail,
            Command::Approve,
            Command::RequestInformation,
            Command::Reject,
            Command::Confirm,
            Command::Decline,
            Command::SendInvitation,
            Command::ResendInvitation,
            Command::AcceptInvitation,
            Command::DeclineInvitation,
            Command::Expire,
            Command::Withdraw,
            Command::Merge,
        ];
        let actors = [
            Actor::Vetter("staff@imi.test".into()),
            Actor::Confirmer("member-7".into()),
            Actor::Admin("a".into()),
            Actor::Nominator,
            Actor::Endorser,
            Actor::Nominee,
            Actor::System,
        ];
        for language in Language::ALL {
            let words = commands
                .iter()
                .map(|command| past_tense(*command, language))
                .chain(Status::ALL.iter().map(|status| status_name(*status, language)))
                .chain(actors.iter().map(|actor| actor_name(actor, language)));
            for word in words {
                assert!(!word.contains('.') && !word.contains('_'), "{language}: {word}");
            }
        }
        assert_eq!(actor_name(&Actor::Vetter("U9".into()), Language::Es), "<@U9>");
    }
}
