//! Sending e-mail through Amazon SES.

use aws_sdk_ses::Client;
use aws_sdk_ses::error::ProvideErrorMetadata;
use aws_sdk_ses::types::{Body, Content, Destination, Message};
use iln_domain::message::Email;

use crate::config::SenderAddress;

/// SES refused or could not be reached. SES error messages can quote the
/// addresses involved, so the message text is kept for the outbox item only
/// and never shown by `Display` (which is what logs print).
#[derive(Debug, thiserror::Error)]
#[error("SES did not accept the e-mail ({code})")]
pub struct SendError {
    pub code: String,
    pub detail: String,
}

impl SendError {
    fn from_sdk<E: ProvideErrorMetadata + std::error::Error + 'static>(error: E) -> Self {
        let code = error.code().unwrap_or("unreachable").to_owned();
        let detail = crate::telemetry::error_chain(&error);
        Self { code, detail }
    }

    fn invalid(error: impl std::error::Error) -> Self {
        Self {
            code: "invalid_request".to_owned(),
            detail: error.to_string(),
        }
    }
}

#[derive(Clone)]
pub struct SesMailer {
    client: Client,
    sender: SenderAddress,
}

impl SesMailer {
    pub fn new(client: Client, sender: SenderAddress) -> Self {
        Self { client, sender }
    }

    /// Sends one e-mail; the answer is SES's message id.
    #[tracing::instrument(skip_all)]
    pub async fn send(&self, email: &Email) -> Result<String, SendError> {
        let content = |data: &str| Content::builder().data(data).charset("UTF-8").build();
        let subject = content(&email.subject).map_err(SendError::invalid)?;
        let text = content(&email.text).map_err(SendError::invalid)?;
        let html = content(&email.html).map_err(SendError::invalid)?;
        let output = self
            .client
            .send_email()
            .source(self.sender.as_str())
            .destination(Destination::builder().to_addresses(email.to.as_str()).build())
            .message(
                Message::builder()
                    .subject(subject)
                    .body(Body::builder().text(text).html(html).build())
                    .build(),
            )
            .send()
            .await
            .map_err(SendError::from_sdk)?;
        Ok(output.message_id)
    }
}
