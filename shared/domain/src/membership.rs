//! From confirmation to IMI International Leader: the invitation and what
//! answering it does.

use crate::message::{Email, email};
use crate::nomination::Nomination;
use crate::pages::{PublicBaseUrl, RenderError};
use crate::token::{Token, TokenPurpose};

/// The page where a nominee answers, as a path with its token.
pub fn invitation_path(token: &str) -> String {
    format!("/invitations/{token}")
}

/// The invitation e-mail to a confirmed nominee, in the nomination's language.
pub fn invitation_email(
    nomination: &Nomination,
    base_url: &PublicBaseUrl,
    token: &Token,
) -> Result<Email, RenderError> {
    let nominee = &nomination.submission.nominee;
    let context = minijinja::context! {
        nominee_name => nominee.name.as_str(),
        invitation_url => base_url.link(&invitation_path(token.as_str()), &[]),
        valid_days => TokenPurpose::AnswerInvitation.validity().num_days(),
    };
    email(
        &nominee.email,
        nomination.submission.language,
        "invitation",
        &[("{nominee_name}", nominee.name.as_str())],
        &context,
    )
}
