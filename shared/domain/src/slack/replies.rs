//! What a person who clicked in Slack is told privately when their click
//! changes nothing, and how moves and actors are named on the cards.

use crate::audit::Actor;
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
    /// The ephemeral answer, or `None` when silence is right (a repeat).
    pub fn explanation(&self) -> Option<String> {
        match self {
            ClickRefused::NotAllowed => {
                Some("You are not on the list of people who may do this. Nothing changed.".into())
            }
            ClickRefused::OwnNomination => Some(
                "You nominated this person or endorsed the nomination, so you may not decide on it. Nothing changed."
                    .into(),
            ),
            ClickRefused::NotInDiscussion { status } => Some(format!(
                "This nomination is {status}; concerns are raised while it is discussed."
            )),
            ClickRefused::AlreadyMoved { status, last_move } => Some(match last_move {
                Some(last) => format!(
                    "Already {} by {} at {}. Nothing changed.",
                    past_tense(last.command),
                    actor_name(&last.actor),
                    last.at.format("%Y-%m-%d %H:%M UTC")
                ),
                None => format!("This nomination is {status}. Nothing changed."),
            }),
            ClickRefused::Conflicted => Some(
                "You declared a conflict on this nomination, so you no longer confirm, raise concerns or count for it. \
                 Nothing changed."
                    .into(),
            ),
            ClickRefused::AwaitsIac => Some(
                "This nomination was referred to the IAC; confirmations wait for its outcome. Nothing changed.".into(),
            ),
            ClickRefused::Repeat => None,
        }
    }
}

pub fn past_tense(command: Command) -> &'static str {
    match command {
        Command::VerifyNominatorEmail => "verified",
        Command::Approve => "approved",
        Command::RequestInformation => "sent back with a question",
        Command::Reject => "rejected",
        Command::Confirm => "confirmed",
        Command::Decline => "closed without going ahead",
        Command::SendInvitation => "invited",
        Command::ResendInvitation => "invited again",
        Command::AcceptInvitation => "accepted",
        Command::DeclineInvitation => "declined by the nominee",
        Command::Expire => "expired",
        Command::Withdraw => "withdrawn",
        Command::Merge => "merged into another nomination",
    }
}

/// How an actor is named in Slack: a mention for Slack users, a role else.
pub fn actor_name(actor: &Actor) -> String {
    match actor {
        Actor::Vetter(id) | Actor::Confirmer(id) if id.starts_with('U') || id.starts_with('W') => format!("<@{id}>"),
        Actor::Vetter(_) => "IMI staff".into(),
        Actor::Confirmer(_) => "an ILN member".into(),
        Actor::Admin(_) => "an IMI administrator".into(),
        Actor::Nominator => "the nominator".into(),
        Actor::Endorser => "an endorser".into(),
        Actor::Nominee => "the nominee".into(),
        Actor::System => "the system".into(),
    }
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
