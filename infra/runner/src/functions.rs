//! The functions of `template.yaml`, by logical id, called in-process.

use chrono::{DateTime, Utc};
use iln_adapters::config::ConfigError;
use iln_adapters::slack::{BotToken, SlackError};
use iln_domain::slack::signature::{SigningSecret, WeakSigningSecret};
use iln_domain::token::{LinkKey, WeakLinkKey};
use lambda_http::{Body, Request, Response};

use crate::template::{Bindings, Template, TemplateError};

/// One instance of every function's application state, built once.
pub struct Functions {
    pub submit_nomination: submit_nomination::App,
    pub vetting: vetting::App,
    pub slack_webhook: slack_webhook::App,
    pub invitations: invitations::App,
    pub outbox: outbox::App,
    pub reminders: reminders::App,
    pub staff_console: staff_console::App,
}

/// What Lambda's functions get from AWS, here: clients of the local
/// services, and the secrets SSM holds on AWS.
pub struct LocalServices {
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub ses: aws_sdk_ses::Client,
    pub slack_bot_token: String,
    pub slack_signing_secret: String,
    pub link_key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Template(#[from] TemplateError),
    #[error("the configuration of {function}")]
    Config {
        function: &'static str,
        #[source]
        source: ConfigError,
    },
    #[error("the local Slack signing secret")]
    SigningSecret(#[from] WeakSigningSecret),
    #[error("the local link key")]
    LinkKey(#[from] WeakLinkKey),
    #[error("the Slack client")]
    Slack(#[from] SlackError),
    #[error("the staff identity provider")]
    IdentityProvider(#[from] iln_adapters::identity_provider::SignInError),
}

/// The function the reminder schedule starts.
pub const REMINDERS_FUNCTION: &str = "RemindersFunction";

/// Logical ids of the HTTP functions this runner can serve.
const HTTP_FUNCTIONS: &[&str] = &[
    "SubmitNominationFunction",
    "VettingFunction",
    "SlackWebhookFunction",
    "InvitationsFunction",
    crate::local::STAFF_CONSOLE_FUNCTION,
];

impl Functions {
    /// Every function as Lambda would start it: its `Config` read from the
    /// environment template.yaml declares for it (parameters resolved by
    /// `bindings`, else their defaults), its state built by the same
    /// `App::from_config` as its `main`.
    pub fn from_template(
        template: &Template,
        bindings: &Bindings,
        services: LocalServices,
    ) -> Result<Self, BuildError> {
        let environment = |function: &'static str| template.environment(function, bindings);
        let config = |function: &'static str, source: ConfigError| BuildError::Config { function, source };
        let submit_nomination =
            submit_nomination::Config::from_lookup(environment("SubmitNominationFunction")?.lookup())
                .map_err(|source| config("SubmitNominationFunction", source))?;
        let vetting = vetting::Config::from_lookup(environment("VettingFunction")?.lookup())
            .map_err(|source| config("VettingFunction", source))?;
        let slack_webhook = slack_webhook::Config::from_lookup(environment("SlackWebhookFunction")?.lookup())
            .map_err(|source| config("SlackWebhookFunction", source))?;
        let invitations = invitations::Config::from_lookup(environment("InvitationsFunction")?.lookup())
            .map_err(|source| config("InvitationsFunction", source))?;
        let outbox = outbox::Config::from_lookup(environment(crate::template::OUTBOX_FUNCTION)?.lookup())
            .map_err(|source| config(crate::template::OUTBOX_FUNCTION, source))?;
        let reminders = reminders::Config::from_lookup(environment(REMINDERS_FUNCTION)?.lookup())
            .map_err(|source| config(REMINDERS_FUNCTION, source))?;
        let console = crate::local::STAFF_CONSOLE_FUNCTION;
        let staff_console = staff_console::Config::from_lookup(environment(console)?.lookup())
            .map_err(|source| config(console, source))?;
        Ok(Self {
            submit_nomination: submit_nomination::App::from_config(&submit_nomination, services.dynamodb.clone()),
            vetting: vetting::App::from_config(&vetting, services.dynamodb.clone()),
            slack_webhook: slack_webhook::App::from_config(
                &slack_webhook,
                services.dynamodb.clone(),
                BotToken::new(services.slack_bot_token.clone()),
                SigningSecret::parse(&services.slack_signing_secret)?,
            )?,
            invitations: invitations::App::from_config(invitations, services.dynamodb.clone()),
            outbox: outbox::App::from_config(
                &outbox,
                services.dynamodb.clone(),
                services.ses,
                BotToken::new(services.slack_bot_token),
                LinkKey::parse(&services.link_key)?,
            )?,
            staff_console: staff_console::App::from_config(&staff_console, services.dynamodb.clone())?,
            reminders: reminders::App::from_config(&reminders, services.dynamodb),
        })
    }

    /// Fails when the template routes to a function the runner cannot call,
    /// so a new route is never silently missing locally.
    pub fn check_routes(template: &Template) -> Result<(), String> {
        let unknown: Vec<&str> = template
            .routes
            .iter()
            .map(|route| route.function.as_str())
            .filter(|function| !HTTP_FUNCTIONS.contains(function))
            .collect();
        match unknown.is_empty() {
            true => Ok(()),
            false => Err(format!(
                "template.yaml routes to functions the local runner does not know: {unknown:?}"
            )),
        }
    }

    pub async fn call_http(&self, function: &str, request: Request, now: DateTime<Utc>) -> Option<Response<Body>> {
        match function {
            "SubmitNominationFunction" => Some(submit_nomination::handle(&self.submit_nomination, request, now).await),
            "VettingFunction" => Some(vetting::handle(&self.vetting, request, now).await),
            "SlackWebhookFunction" => Some(slack_webhook::handle(&self.slack_webhook, request, now).await),
            "InvitationsFunction" => Some(invitations::handle(&self.invitations, request, now).await),
            crate::local::STAFF_CONSOLE_FUNCTION => {
                Some(staff_console::handle(&self.staff_console, request, now).await)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local;

    fn local_bindings() -> Bindings {
        local::with_identity_provider(
            local::bindings(
                "iln-test",
                &local::loopback_url(3000),
                &local::loopback_url(local::DEFAULT_SLACK_PORT),
            ),
            &local::loopback_url(local::DEFAULT_IDENTITY_PROVIDER_PORT),
        )
    }

    #[test]
    fn every_function_reads_its_configuration_from_the_template_with_the_local_values() {
        let template = Template::load().unwrap();
        let bindings = local_bindings();
        let lookup = |function: &str| template.environment(function, &bindings).unwrap();

        let vetting = vetting::Config::from_lookup(lookup("VettingFunction").lookup()).unwrap();
        let webhook = slack_webhook::Config::from_lookup(lookup("SlackWebhookFunction").lookup()).unwrap();
        let reminders = reminders::Config::from_lookup(lookup(REMINDERS_FUNCTION).lookup()).unwrap();
        let outbox = outbox::Config::from_lookup(lookup(crate::template::OUTBOX_FUNCTION).lookup()).unwrap();
        submit_nomination::Config::from_lookup(lookup("SubmitNominationFunction").lookup()).unwrap();
        let invitations = invitations::Config::from_lookup(lookup("InvitationsFunction").lookup()).unwrap();

        assert_eq!(vetting.table_name, "iln-test");
        assert_eq!(
            Some(vetting.thin_rationale_below),
            template.default_of("ThinRationaleBelow")
        );
        assert_eq!(
            Some(vetting.retention.days()),
            template
                .default_of("RetentionDays")
                .zip(template.default_of("ClosedBeforeDiscussionRetentionDays"))
        );
        assert_eq!(
            Some(reminders.rules.needed()),
            template.default_of("ConfirmationQuorum"),
            "quorum mode by default"
        );
        assert_eq!(
            Some(reminders.rules.window.num_days()),
            template.default_of("DiscussionDays")
        );
        assert_eq!(webhook.slack_api_url, "http://127.0.0.1:3001/api");
        assert_eq!(outbox.configuration_set, None, "no configuration set locally");
        assert_eq!(template.default_of("TermsVersion"), Some(invitations.terms_version));
        let console = staff_console::Config::from_lookup(lookup(local::STAFF_CONSOLE_FUNCTION).lookup()).unwrap();
        assert_eq!(console.identity_provider.issuer, "http://127.0.0.1:3002");
        assert_eq!(console.identity_provider.sign_in_url, "http://127.0.0.1:3002");
        assert_eq!(console.identity_provider.client_id, local::CONSOLE_CLIENT_ID);
        assert_eq!(
            console.public_base_url.link("/console/callback", &[]),
            "http://127.0.0.1:3000/console/callback",
            "the callback the stand-in registers"
        );
    }

    #[test]
    fn a_default_changed_in_the_template_changes_the_local_configuration() {
        let yaml = crate::template::TEMPLATE_YAML.replacen("Default: 200\n", "Default: 120\n", 1);
        assert_ne!(
            yaml,
            crate::template::TEMPLATE_YAML,
            "ThinRationaleBelow's default is 200"
        );
        let template = Template::parse(&yaml).unwrap();

        let environment = template.environment("VettingFunction", &local_bindings()).unwrap();

        let vetting = vetting::Config::from_lookup(environment.lookup()).unwrap();
        assert_eq!(vetting.thin_rationale_below, 120);
    }
}
