//! A Slack user as the process knows them at the moment they act: their
//! address and what they may do, read from the data (members, the roster,
//! the staff list) at each click, never from the deployment.

use crate::confirmation::Button;
use crate::i18n::Language;
use crate::lifecycle::Status;
use crate::membership::MemberStatus;
use crate::person::EmailAddress;
use crate::roster::RosterCategory;
use crate::slack::interaction::SlackUserId;
use crate::vetters::{InitialVetters, VetterListing};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub user: SlackUserId,
    /// The address Slack holds for the user: how they are matched to a
    /// member, a roster entry or the staff list, and recognised as a
    /// nominator or endorser.
    pub email: EmailAddress,
    /// On the staff list of vetters.
    pub vetter: bool,
    /// An active member or an ILN member on the roster: may confirm, raise
    /// concerns and declare conflicts. A derecognised member is neither.
    pub confirmer: bool,
    /// The user's language as Slack reports it, for private replies.
    pub language: Option<Language>,
}

/// What the table holds about one address, read at each click.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// The member record's status, if the address is a member's.
    pub member: Option<MemberStatus>,
    /// The roster entry's category, if the address is on the roster.
    pub roster: Option<RosterCategory>,
    pub staff_list: VetterListing,
}

impl Participant {
    /// `user`, known to Slack by `email` (and `locale`, such as `es-ES`),
    /// with the rights `standing` gives. A derecognised member has none,
    /// whatever else the data says.
    pub fn new(
        user: SlackUserId,
        email: EmailAddress,
        locale: Option<&str>,
        standing: &Standing,
        initial_vetters: &InitialVetters,
    ) -> Self {
        let derecognised = standing.member == Some(MemberStatus::Derecognized);
        // Whoever left the ILN, by derecognition or resignation, confirms
        // nothing, even if a roster still lists them.
        let left_the_iln = derecognised || standing.member == Some(MemberStatus::Resigned);
        let member = standing.member == Some(MemberStatus::Active);
        let iln_on_roster = standing.roster == Some(RosterCategory::IlnMember);
        let vetter = match standing.staff_list {
            VetterListing::Listed => true,
            VetterListing::NotListed => false,
            VetterListing::NoListYet => initial_vetters.contains(&email),
        };
        Self {
            user,
            vetter: vetter && !derecognised,
            confirmer: (member || iln_on_roster) && !left_the_iln,
            language: locale.and_then(language_of_locale),
            email,
        }
    }

    /// May use `/iln`: vetters and confirmers.
    pub fn may_use_commands(&self) -> bool {
        self.vetter || self.confirmer
    }

    /// Vetters vet and steer the discussion (resolve a concern, refer to the
    /// IAC, close); confirmers confirm, decline and declare conflicts;
    /// either may raise a concern.
    pub fn may_press(&self, button: Button) -> bool {
        match button {
            Button::Approve
            | Button::Reject
            | Button::RequestInformation
            | Button::ResolveConcern
            | Button::ReferToIac
            | Button::Close => self.vetter,
            Button::Confirm | Button::Decline | Button::DeclareConflict => self.confirmer,
            Button::RaiseConcern => self.vetter || self.confirmer,
        }
    }

    /// The statuses whose nominations the participant may see in `/iln`:
    /// vetters the vetting queue, confirmers the nominations in discussion.
    pub fn visible_statuses(&self) -> Vec<Status> {
        let mut statuses = Vec::new();
        if self.vetter {
            statuses.push(Status::AwaitingVetting);
        }
        if self.confirmer {
            statuses.push(Status::InDiscussion);
        }
        statuses
    }
}

/// The working language of a Slack locale (`es-ES`, `es-LA`, `en-GB`);
/// `None` for any other.
pub fn language_of_locale(locale: &str) -> Option<Language> {
    let primary = locale.split(['-', '_']).next().unwrap_or_default();
    Language::parse(primary).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap()
    }

    fn standing(member: Option<MemberStatus>, roster: Option<RosterCategory>, staff: VetterListing) -> Standing {
        Standing {
            member,
            roster,
            staff_list: staff,
        }
    }

    fn participant(standing: &Standing) -> Participant {
        let initial = InitialVetters::parse("vera@imi.org").unwrap();
        Participant::new(
            SlackUserId::new("U1"),
            email("Vera@imi.org"),
            Some("en-US"),
            standing,
            &initial,
        )
    }

    #[test]
    fn members_and_the_rosters_iln_members_confirm_and_the_staff_list_vets() {
        use MemberStatus::{Active, Derecognized, Resigned};
        use RosterCategory::{IlnMember, ImiCertifiedMediator};
        use VetterListing::{Listed, NoListYet, NotListed};
        for (standing, vetter, confirmer, why) in [
            (standing(Some(Active), None, NotListed), false, true, "an active member"),
            (
                standing(None, Some(IlnMember), NotListed),
                false,
                true,
                "an ILN member on the roster",
            ),
            (
                standing(None, Some(ImiCertifiedMediator), NotListed),
                false,
                false,
                "a mediator on the roster",
            ),
            (standing(None, None, Listed), true, false, "a vetter on the staff list"),
            (
                standing(None, None, NoListYet),
                true,
                false,
                "on the initial list, no staff list yet",
            ),
            (
                standing(None, None, NotListed),
                false,
                false,
                "removed from the staff list",
            ),
            (
                standing(Some(Derecognized), Some(IlnMember), Listed),
                false,
                false,
                "derecognised: nothing",
            ),
            (
                standing(Some(Resigned), Some(IlnMember), Listed),
                true,
                false,
                "resigned: confirms no more, still IMI staff",
            ),
        ] {
            let participant = participant(&standing);
            assert_eq!(
                (participant.vetter, participant.confirmer),
                (vetter, confirmer),
                "{why}"
            );
        }
    }

    #[test]
    fn each_role_presses_its_own_buttons_and_either_may_raise_a_concern() {
        let vetter = participant(&standing(None, None, VetterListing::Listed));
        let confirmer = participant(&standing(
            None,
            Some(RosterCategory::IlnMember),
            VetterListing::NotListed,
        ));
        let nobody = participant(&standing(None, None, VetterListing::NotListed));
        use Button as B;
        for (button, allowed) in [
            (B::Approve, [true, false, false]),
            (B::Reject, [true, false, false]),
            (B::RequestInformation, [true, false, false]),
            (B::ResolveConcern, [true, false, false]),
            (B::ReferToIac, [true, false, false]),
            (B::Close, [true, false, false]),
            (B::Confirm, [false, true, false]),
            (B::Decline, [false, true, false]),
            (B::DeclareConflict, [false, true, false]),
            (B::RaiseConcern, [true, true, false]),
        ] {
            let pressed = [&vetter, &confirmer, &nobody].map(|p| p.may_press(button));
            assert_eq!(pressed, allowed, "{button:?}");
        }
        assert_eq!(vetter.visible_statuses(), [Status::AwaitingVetting]);
        assert_eq!(confirmer.visible_statuses(), [Status::InDiscussion]);
        assert!(nobody.visible_statuses().is_empty() && !nobody.may_use_commands());
    }

    #[test]
    fn a_slack_locale_gives_a_working_language_or_none() {
        assert_eq!(language_of_locale("es-ES"), Some(Language::Es));
        assert_eq!(language_of_locale("es-LA"), Some(Language::Es));
        assert_eq!(language_of_locale("en-GB"), Some(Language::En));
        assert_eq!(language_of_locale("fr-FR"), None);
        assert_eq!(language_of_locale(""), None);
    }
}
