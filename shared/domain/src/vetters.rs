//! The staff list of vetters: who may vet in Slack. Kept in the table and
//! managed by admins; the deployment's list only seeds it.

use chrono::{DateTime, Utc};

use crate::audit::{AuditEvent, Happening};
use crate::person::EmailAddress;

/// Where an address stands on the staff list of vetters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VetterListing {
    Listed,
    NotListed,
    /// No admin has changed the list yet: the deployment's initial list is
    /// the list.
    NoListYet,
}

/// The deployment's initial list of vetters (`SlackVetters`): in force only
/// until an admin first changes the staff list, which then starts from it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitialVetters(Vec<EmailAddress>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadInitialVetter {
    #[error("initial vetter {0:?} is not an e-mail address")]
    NotAnAddress(String),
    #[error("the initial list has more than {max} vetters; add the others through the staff API")]
    TooMany { max: usize },
}

impl InitialVetters {
    /// The first change of the staff list writes the initial list in one
    /// transaction (at most 100 items, with the list's marker and audit).
    pub const MAX: usize = 90;

    /// Addresses separated by commas. The earlier `SLACK_USER_ID=email`
    /// form is read too (the Slack id is ignored: Slack says who has which
    /// address), so a deployment's saved parameters keep working.
    pub fn parse(raw: &str) -> Result<Self, BadInitialVetter> {
        let mut vetters: Vec<EmailAddress> = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let address = entry.split_once('=').map_or(entry, |(_, email)| email);
            let email = EmailAddress::parse(address).map_err(|_| BadInitialVetter::NotAnAddress(entry.to_owned()))?;
            if !vetters.contains(&email) {
                vetters.push(email);
            }
        }
        if vetters.len() > Self::MAX {
            return Err(BadInitialVetter::TooMany { max: Self::MAX });
        }
        Ok(Self(vetters))
    }

    pub fn contains(&self, email: &EmailAddress) -> bool {
        self.0.contains(email)
    }

    pub fn addresses(&self) -> &[EmailAddress] {
        &self.0
    }
}

/// The staff list as the table holds it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StaffList {
    /// Whether an admin ever changed it: until then the initial list is the
    /// list.
    pub kept: bool,
    pub vetters: Vec<EmailAddress>,
}

impl StaffList {
    /// The vetters in force: the table's list once kept, else the initial one.
    pub fn in_force<'a>(&'a self, initial: &'a InitialVetters) -> &'a [EmailAddress] {
        match self.kept {
            true => &self.vetters,
            false => initial.addresses(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListChange {
    Add,
    Remove,
}

/// One write to the staff list, whole: the initial list it starts from (the
/// first time), the vetter added or removed, and the audit events, each with
/// the address it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffListWrite {
    /// Set only the first time the list is changed: it starts as the
    /// initial list, and is kept in the table from then on.
    pub start_from: Option<Vec<EmailAddress>>,
    pub change: ListChange,
    pub vetter: EmailAddress,
    /// The admin who made the change (the token's subject).
    pub by: String,
    pub audit: Vec<(AuditEvent, Option<EmailAddress>)>,
}

/// An admin (`admin`, the token's subject) adds or removes `vetter`.
/// `None` when the list in force is already so: nothing is written. The
/// first change starts the table's list from the initial one, so that a
/// vetter removed is removed for good.
pub fn change_staff_list(
    list: &StaffList,
    initial: &InitialVetters,
    change: ListChange,
    vetter: &EmailAddress,
    admin: &str,
    now: DateTime<Utc>,
) -> Option<StaffListWrite> {
    let listed = list.in_force(initial).contains(vetter);
    if listed == (change == ListChange::Add) {
        return None;
    }
    let mut audit = Vec::new();
    let start_from = (!list.kept).then(|| initial.addresses().to_vec());
    if let Some(start) = &start_from {
        let started = AuditEvent::by_admin(now, admin, Happening::StaffListStarted)
            .because(format!("from the deployment's initial list of {}", start.len()));
        audit.push((started, None));
    }
    let happening = match change {
        ListChange::Add => Happening::VetterAdded,
        ListChange::Remove => Happening::VetterRemoved,
    };
    audit.push((AuditEvent::by_admin(now, admin, happening), Some(vetter.clone())));
    Some(StaffListWrite {
        start_from,
        change,
        vetter: vetter.clone(),
        by: admin.to_owned(),
        audit,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn address(raw: &str) -> EmailAddress {
        EmailAddress::parse(raw).unwrap()
    }

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn the_first_change_starts_the_list_from_the_initial_one_and_a_change_already_made_writes_nothing() {
        let initial = InitialVetters::parse("vera@imi.org").unwrap();
        let never_kept = StaffList::default();
        let vera = address("Vera@imi.org");

        let removed = change_staff_list(&never_kept, &initial, ListChange::Remove, &vera, "ada", now()).unwrap();
        let added_again = change_staff_list(&never_kept, &initial, ListChange::Add, &vera, "ada", now());
        let kept_without_vera = StaffList {
            kept: true,
            vetters: Vec::new(),
        };
        let removed_again = change_staff_list(&kept_without_vera, &initial, ListChange::Remove, &vera, "ada", now());
        let back = change_staff_list(&kept_without_vera, &initial, ListChange::Add, &vera, "ada", now()).unwrap();

        assert_eq!(removed.start_from, Some(vec![address("vera@imi.org")]));
        let happenings: Vec<_> = removed.audit.iter().map(|(event, _)| event.happening.clone()).collect();
        assert_eq!(happenings, [Happening::StaffListStarted, Happening::VetterRemoved]);
        assert_eq!(removed.audit[1].1, Some(vera.clone()), "the audit says whom");
        assert_eq!(added_again, None, "on the initial list already");
        assert_eq!(removed_again, None, "removed already");
        assert_eq!(back.start_from, None, "the list is kept already");
        assert_eq!(back.audit.len(), 1);
    }

    #[test]
    fn the_initial_list_is_addresses_and_reads_the_earlier_id_equals_email_form() {
        let list = InitialVetters::parse(" vera@imi.org, U2=Bo@imi.org,,bo@imi.org ").unwrap();
        assert_eq!(list.addresses().len(), 2, "a repeat counts once, case aside");
        assert!(list.contains(&EmailAddress::parse("BO@imi.org").unwrap()));
        assert!(InitialVetters::parse("").unwrap().addresses().is_empty());
        assert!(InitialVetters::parse("U1").is_err());
        assert!(InitialVetters::parse("U1=not-an-address").is_err());
    }
}
