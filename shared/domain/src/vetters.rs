//! The staff list of vetters: who may vet in Slack. Kept in the table and
//! managed by admins; the deployment's list only seeds it.

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
#[error("initial vetter {0:?} is not an e-mail address")]
pub struct BadInitialVetter(String);

impl InitialVetters {
    /// Addresses separated by commas. The earlier `SLACK_USER_ID=email`
    /// form is read too (the Slack id is ignored: Slack says who has which
    /// address), so a deployment's saved parameters keep working.
    pub fn parse(raw: &str) -> Result<Self, BadInitialVetter> {
        let mut vetters: Vec<EmailAddress> = Vec::new();
        for entry in raw.split(',').map(str::trim).filter(|entry| !entry.is_empty()) {
            let address = entry.split_once('=').map_or(entry, |(_, email)| email);
            let email = EmailAddress::parse(address).map_err(|_| BadInitialVetter(entry.to_owned()))?;
            if !vetters.contains(&email) {
                vetters.push(email);
            }
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

#[cfg(test)]
mod tests {
    use super::*;

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
