//! The audit trail: who did what to a nomination, when. It carries no
//! personal data, so it survives erasure of the people it is about.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::lifecycle::{Command, Status};

/// Who acted, by role and opaque identifier (a Slack user id, a staff
/// account subject), never by name or e-mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", content = "id", rename_all = "snake_case")]
pub enum Actor {
    Nominator,
    Endorser,
    Nominee,
    Vetter(String),
    Confirmer(String),
    Admin(String),
    /// A member on their own page, by member id.
    Member(String),
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "what", rename_all = "snake_case")]
pub enum Happening {
    Submitted,
    Endorsed,
    InformationAdded,
    /// One ILN confirmation short of the quorum.
    ConfirmationRecorded,
    /// A concern raised in the ILN channel; the reason holds it.
    ConcernRaised,
    /// An ILN member declared a conflict of interest: they no longer count.
    ConflictDeclared,
    /// A vetter resolved a concern; the reason holds the note.
    ConcernResolved {
        concern: String,
    },
    /// The nomination was referred to the IAC; the reason says why.
    ReferredToIac,
    /// An administrator recorded the IAC's outcome; the reason holds its note.
    IacOutcomeRecorded {
        decision: crate::discussion::IacDecision,
    },
    /// A member derecognised by an administrator; the reason says why.
    Derecognized,
    /// The member resigned from the ILN on their own page.
    Resigned,
    /// The member chose the language IMI writes to them in.
    MemberLanguageChanged,
    /// The member changed the address IMI writes to, confirmed from the
    /// new one (neither address is kept here).
    MemberAddressChanged,
    /// An administrator invited the person directly; the reason says why.
    InvitedDirectly,
    /// An administrator asked for the invitation to be sent again.
    ResendRequested,
    /// An administrator corrected the nominee's address after mail to it
    /// could not be delivered (neither address is kept here).
    NomineeAddressCorrected,
    /// A vetter or an administrator corrected the nominee before the
    /// invitation was sent; the reason says why. Which fields, never their
    /// values: the old ones were wrong, the new ones are on the record.
    NomineeCorrected {
        fields: Vec<crate::correction::NomineeField>,
    },
    /// An administrator erased the personal data of someone this record is
    /// about, on their request.
    PersonalDataErased,
    /// The member was added to the ILN channel in Slack (the reason says
    /// when they were there already).
    JoinedIlnChannel,
    /// The derecognised member was removed from the ILN channel (the reason
    /// says when they were not in it).
    LeftIlnChannel,
    /// Slack has no user with the member's address: nothing to change; the
    /// welcome mail carries the join link.
    NotInSlack,
    /// Slack refused to change the ILN channel's membership; the reason is
    /// Slack's error code.
    IlnChannelRefused,
    /// An administrator started the staff list of vetters from the
    /// deployment's initial list.
    StaffListStarted,
    /// An administrator added a vetter to the staff list.
    VetterAdded,
    /// An administrator removed a vetter from the staff list.
    VetterRemoved,
    /// A member of staff opened the file (the console or the staff API).
    FileRead,
    /// An administrator exported everything held about someone this record
    /// is about (a subject-access request).
    PersonExported,
    /// An administrator downloaded the members directory (the reason says
    /// how many and which).
    MembersDownloaded,
    Moved {
        command: Command,
        from: Status,
        to: Status,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    pub actor: Actor,
    #[serde(flatten)]
    pub happening: Happening,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl AuditEvent {
    pub fn submitted(at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor: Actor::Nominator,
            happening: Happening::Submitted,
            reason: None,
        }
    }

    pub fn endorsed(at: DateTime<Utc>) -> Self {
        Self {
            at,
            actor: Actor::Endorser,
            happening: Happening::Endorsed,
            reason: None,
        }
    }

    pub fn information_added(at: DateTime<Utc>, actor: Actor) -> Self {
        Self {
            at,
            actor,
            happening: Happening::InformationAdded,
            reason: None,
        }
    }

    pub fn confirmation_recorded(at: DateTime<Utc>, actor: Actor) -> Self {
        Self {
            at,
            actor,
            happening: Happening::ConfirmationRecorded,
            reason: None,
        }
    }

    pub fn concern_raised(at: DateTime<Utc>, actor: Actor, concern: &str) -> Self {
        Self {
            at,
            actor,
            happening: Happening::ConcernRaised,
            reason: Some(concern.to_owned()),
        }
    }

    pub fn new(at: DateTime<Utc>, actor: Actor, happening: Happening) -> Self {
        Self {
            at,
            actor,
            happening,
            reason: None,
        }
    }

    pub fn by_admin(at: DateTime<Utc>, admin: &str, happening: Happening) -> Self {
        Self {
            at,
            actor: Actor::Admin(admin.to_owned()),
            happening,
            reason: None,
        }
    }

    pub fn derecognized(at: DateTime<Utc>, actor: Actor) -> Self {
        Self {
            at,
            actor,
            happening: Happening::Derecognized,
            reason: None,
        }
    }

    /// Something a member did on their own page.
    /// A member of staff's action, as `actor` (an admin as one, anyone
    /// else as a vetter: `Staff::actor`).
    pub fn by_staff(at: DateTime<Utc>, actor: Actor, happening: Happening) -> Self {
        Self {
            at,
            actor,
            happening,
            reason: None,
        }
    }

    pub fn by_member(at: DateTime<Utc>, member: &str, happening: Happening) -> Self {
        Self {
            at,
            actor: Actor::Member(member.to_owned()),
            happening,
            reason: None,
        }
    }

    /// Something the system did, not a person.
    pub fn by_system(at: DateTime<Utc>, happening: Happening) -> Self {
        Self {
            at,
            actor: Actor::System,
            happening,
            reason: None,
        }
    }

    pub fn moved(at: DateTime<Utc>, actor: Actor, command: Command, from: Status, to: Status) -> Self {
        Self {
            at,
            actor,
            happening: Happening::Moved { command, from, to },
            reason: None,
        }
    }

    /// The event as kept after erasure: who, what and when, without the
    /// free text that may name someone.
    pub fn without_reason(self) -> Self {
        Self { reason: None, ..self }
    }

    pub fn because(self, reason: impl Into<String>) -> Self {
        Self {
            reason: Some(reason.into()),
            ..self
        }
    }
}
