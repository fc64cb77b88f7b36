//! The messages a change of state causes. Each is stored in the outbox in the
//! same write as the change, and rendered only when it is delivered.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::i18n::Language;
use crate::nomination::NominationId;
use crate::pages::{self, PublicBaseUrl, RenderError};
use crate::person::{EmailAddress, PersonName};
use crate::token::{Token, TokenPurpose};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// Asks the nominator to confirm their address before anyone vets.
    NominatorVerification {
        nomination_id: NominationId,
        to: EmailAddress,
        language: Language,
        nominator_name: PersonName,
        nominee_name: PersonName,
    },
}

/// Identifies a message so that causing it twice stores it once: the
/// nomination and what the message is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(String);

impl MessageId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An e-mail ready to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: EmailAddress,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Message {
    pub fn id(&self) -> MessageId {
        match self {
            Message::NominatorVerification { nomination_id, .. } => {
                MessageId(format!("{nomination_id}.nominator_verification"))
            }
        }
    }

    pub fn nomination_id(&self) -> NominationId {
        match self {
            Message::NominatorVerification { nomination_id, .. } => *nomination_id,
        }
    }

    /// The kind of token the message carries, created when it is sent.
    pub fn token_purpose(&self) -> Option<TokenPurpose> {
        match self {
            Message::NominatorVerification { .. } => Some(TokenPurpose::VerifyNominatorEmail),
        }
    }

    /// The e-mail, in its reader's language, with the token's link.
    pub fn render(&self, base_url: &PublicBaseUrl, token: Option<&Token>) -> Result<Email, RenderError> {
        match self {
            Message::NominatorVerification {
                to,
                language,
                nominator_name,
                nominee_name,
                ..
            } => {
                let token = token.ok_or(RenderError::MissingToken)?;
                let verify_url = base_url.link("/nominations/verify", &[("token", token.as_str())]);
                let context = minijinja::context! {
                    nominator_name => nominator_name.as_str(),
                    nominee_name => nominee_name.as_str(),
                    verify_url => verify_url,
                    valid_hours => TokenPurpose::VerifyNominatorEmail.validity().num_hours(),
                };
                let subject = language
                    .text("emails.nominator_verification.subject")
                    .replace("{nominee_name}", nominee_name.as_str());
                Ok(Email {
                    to: to.clone(),
                    subject,
                    text: pages::render_email("emails/nominator_verification.txt", *language, &context)?,
                    html: pages::render_email("emails/nominator_verification.html", *language, &context)?,
                })
            }
        }
    }
}
