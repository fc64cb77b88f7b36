//! The staff console: IMI staff vet nominations and administer the ILN in a
//! browser, signed in through the staff identity provider. Pages rendered
//! on the server, in English and Spanish, working without JavaScript; every
//! change is one of the staff API's commands.

mod config;
mod handler;

pub use config::Config;
pub use handler::{App, handle};

impl App {
    /// The function's state from its settings: built the same way on Lambda,
    /// in the local runner and in the tests.
    pub fn from_config(
        config: &Config,
        dynamodb: aws_sdk_dynamodb::Client,
    ) -> Result<Self, iln_adapters::identity_provider::SignInError> {
        Ok(Self {
            table: iln_adapters::dynamodb::NominationTable::new(dynamodb, &config.table_name)
                .with_retention(config.retention),
            identity_provider: iln_adapters::identity_provider::IdentityProvider::new(
                config.identity_provider.clone(),
            )?,
            base_url: config.public_base_url.clone(),
            thin_rationale_below: config.thin_rationale_below,
            rules: config.rules,
            contact_address: config.contact_address.clone(),
            iac_address: config.iac_address.clone(),
            slack_workspace: config.slack_workspace.clone(),
        })
    }
}
