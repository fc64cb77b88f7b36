//! The functions of `template.yaml`, by logical id, called in-process.

use chrono::{DateTime, Utc};
use lambda_http::{Body, Request, Response};

use crate::template::Template;

/// One instance of every function's application state, built once.
pub struct Functions {
    pub submit_nomination: submit_nomination::App,
    pub vetting: vetting::App,
    pub slack_webhook: slack_webhook::App,
    pub invitations: invitations::App,
    pub outbox: outbox::App,
}

/// Logical ids of the HTTP functions this runner can serve.
const HTTP_FUNCTIONS: &[&str] = &[
    "SubmitNominationFunction",
    "VettingFunction",
    "SlackWebhookFunction",
    "InvitationsFunction",
];

impl Functions {
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
            _ => None,
        }
    }
}
