//! The staff console's pages, in English and Spanish: the same template
//! environment and catalogs as every other page (`t.console`, as `c`).

use minijinja::Value;
use serde::Serialize;

use crate::i18n::Language;
use crate::pages::RenderError;

/// What every console page shows around its content.
#[derive(Debug, Clone, Serialize)]
pub struct Chrome {
    /// `None` on the pages before sign-in and after sign-out.
    pub staff: Option<StaffView>,
    /// The session's form token, for the header's forms.
    pub csrf: String,
    /// This page's path and query: where a language switch returns.
    pub here: String,
    /// Which part of the navigation is current.
    pub section: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffView {
    pub name: String,
    pub admin: bool,
}

/// A console page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConsoleTemplate {
    Notice,
    Queue,
    File,
    Coverage,
    Invitations,
    Members,
    Messages,
    People,
    Roster,
}

impl ConsoleTemplate {
    fn name(self) -> &'static str {
        match self {
            Self::Notice => "console/notice.html",
            Self::Queue => "console/queue.html",
            Self::File => "console/file.html",
            Self::Coverage => "console/coverage.html",
            Self::Invitations => "console/invitations.html",
            Self::Members => "console/members.html",
            Self::Messages => "console/messages.html",
            Self::People => "console/people.html",
            Self::Roster => "console/roster.html",
        }
    }
}

/// `template` in `language`, around `content` (any serialisable view).
pub fn render(
    template: ConsoleTemplate,
    language: Language,
    chrome: &Chrome,
    content: &impl Serialize,
) -> Result<String, RenderError> {
    let catalog = language.catalog();
    crate::pages::render(
        template.name(),
        language,
        minijinja::value::merge_maps([
            minijinja::context! {
                c => Value::from_serialize(&catalog["console"]),
                other_lang => language.other().code(),
            },
            Value::from_serialize(chrome),
            Value::from_serialize(content),
        ]),
    )
}
