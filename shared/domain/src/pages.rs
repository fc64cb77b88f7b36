//! Every page a nominator or nominee reads, in English and Spanish, rendered
//! from the templates in `templates/` with the catalogs in `templates/texts/`.

use minijinja::{Environment, Value, context};
use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::i18n::Language;
use crate::intake::{FieldErrors, NominationForm};
use crate::nomination::{Country, Link, Links};
use crate::person::EmailAddress;
use crate::retention::Retention;
use crate::stage::Stage;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("template failed")]
    Template(#[from] minijinja::Error),
}

/// The public address the system answers on, as links in e-mails need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicBaseUrl(url::Url);

impl PublicBaseUrl {
    pub fn parse(raw: &str) -> Result<Self, url::ParseError> {
        let url = url::Url::parse(raw.trim_end_matches('/'))?;
        match url.scheme() {
            "https" | "http" if url.host().is_some() => Ok(Self(url)),
            _ => Err(url::ParseError::RelativeUrlWithoutBase),
        }
    }

    /// An absolute link to `path` with the query pairs encoded.
    pub fn link(&self, path: &str, query: &[(&str, &str)]) -> String {
        let mut url = self.0.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url.into()
    }
}

/// What every privacy text names: whom to write to, IMI's Privacy Policy
/// and Terms of Use (`ContactAddress`, `PrivacyPolicyUrl`, `TermsOfUseUrl`),
/// and how long nominations are kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyLinks {
    pub contact: EmailAddress,
    pub privacy_policy: Link,
    pub terms_of_use: Link,
    pub retention: Retention,
}

/// The items of every privacy text, in the order they are read: `/privacy`,
/// the nominee's notice and the invitation all render this one block.
pub const PRIVACY_ITEMS: [&str; 9] = [
    "controller",
    "source",
    "legal_basis",
    "recipients",
    "retention",
    "rights",
    "objection",
    "complaint",
    "policies",
];

impl PolicyLinks {
    /// Each item's heading and text in `language`, its addresses filled in.
    pub fn privacy_items(&self, language: Language) -> Vec<(String, String)> {
        let (days, before_days) = self.retention.days();
        PRIVACY_ITEMS
            .iter()
            .map(|item| {
                let text = language
                    .text(&format!("privacy_items.{item}.text"))
                    .replace("{contact}", self.contact.as_str())
                    .replace("{privacy_policy_url}", self.privacy_policy.as_str())
                    .replace("{terms_of_use_url}", self.terms_of_use.as_str())
                    .replace("{days}", &days.to_string())
                    .replace("{before_days}", &before_days.to_string());
                (language.text(&format!("privacy_items.{item}.heading")), text)
            })
            .collect()
    }

    /// The block as templates read it.
    pub(crate) fn context(&self, language: Language) -> Value {
        let items: Vec<Value> = self
            .privacy_items(language)
            .into_iter()
            .map(|(heading, text)| context! { heading, text })
            .collect();
        context! {
            items,
            privacy_policy_url => self.privacy_policy.as_str(),
            terms_of_use_url => self.terms_of_use.as_str(),
        }
    }
}

const TEMPLATES: &[(&str, &str)] = &[
    ("pages/layout.html", include_str!("../templates/pages/layout.html")),
    ("emails/layout.html", include_str!("../templates/emails/layout.html")),
    (
        "pages/nomination_form.html",
        include_str!("../templates/pages/nomination_form.html"),
    ),
    (
        "pages/thank_you.html",
        include_str!("../templates/pages/thank_you.html"),
    ),
    ("pages/verified.html", include_str!("../templates/pages/verified.html")),
    ("pages/verify.html", include_str!("../templates/pages/verify.html")),
    (
        "pages/token_problem.html",
        include_str!("../templates/pages/token_problem.html"),
    ),
    ("pages/privacy.html", include_str!("../templates/pages/privacy.html")),
    ("pages/notice.html", include_str!("../templates/pages/notice.html")),
    ("pages/members.html", include_str!("../templates/pages/members.html")),
    (
        "emails/member_address_confirmation.txt",
        include_str!("../templates/emails/member_address_confirmation.txt"),
    ),
    (
        "emails/member_address_confirmation.html",
        include_str!("../templates/emails/member_address_confirmation.html"),
    ),
    (
        "emails/member_address_changed.txt",
        include_str!("../templates/emails/member_address_changed.txt"),
    ),
    (
        "emails/member_address_changed.html",
        include_str!("../templates/emails/member_address_changed.html"),
    ),
    (
        "emails/member_sign_in.txt",
        include_str!("../templates/emails/member_sign_in.txt"),
    ),
    (
        "emails/member_sign_in.html",
        include_str!("../templates/emails/member_sign_in.html"),
    ),
    (
        "emails/nominee_notice.txt",
        include_str!("../templates/emails/nominee_notice.txt"),
    ),
    (
        "emails/nominee_notice.html",
        include_str!("../templates/emails/nominee_notice.html"),
    ),
    ("pages/withdraw.html", include_str!("../templates/pages/withdraw.html")),
    (
        "pages/nomination_status.html",
        include_str!("../templates/pages/nomination_status.html"),
    ),
    (
        "emails/invitation_reminder.txt",
        include_str!("../templates/emails/invitation_reminder.txt"),
    ),
    (
        "emails/invitation_reminder.html",
        include_str!("../templates/emails/invitation_reminder.html"),
    ),
    ("pages/error.html", include_str!("../templates/pages/error.html")),
    ("console/layout.html", include_str!("../templates/console/layout.html")),
    ("console/notice.html", include_str!("../templates/console/notice.html")),
    ("console/queue.html", include_str!("../templates/console/queue.html")),
    ("console/file.html", include_str!("../templates/console/file.html")),
    (
        "console/coverage.html",
        include_str!("../templates/console/coverage.html"),
    ),
    ("console/people.html", include_str!("../templates/console/people.html")),
    ("console/roster.html", include_str!("../templates/console/roster.html")),
    (
        "console/members.html",
        include_str!("../templates/console/members.html"),
    ),
    (
        "console/messages.html",
        include_str!("../templates/console/messages.html"),
    ),
    (
        "console/invitations.html",
        include_str!("../templates/console/invitations.html"),
    ),
    (
        "pages/unavailable.html",
        include_str!("../templates/pages/unavailable.html"),
    ),
    (
        "emails/nominator_verification.txt",
        include_str!("../templates/emails/nominator_verification.txt"),
    ),
    (
        "emails/nominator_verification.html",
        include_str!("../templates/emails/nominator_verification.html"),
    ),
    (
        "emails/rejection.txt",
        include_str!("../templates/emails/rejection.txt"),
    ),
    (
        "emails/rejection.html",
        include_str!("../templates/emails/rejection.html"),
    ),
    (
        "emails/information_request.txt",
        include_str!("../templates/emails/information_request.txt"),
    ),
    (
        "emails/information_request.html",
        include_str!("../templates/emails/information_request.html"),
    ),
    (
        "pages/information_form.html",
        include_str!("../templates/pages/information_form.html"),
    ),
    (
        "pages/information_received.html",
        include_str!("../templates/pages/information_received.html"),
    ),
    (
        "emails/invitation.txt",
        include_str!("../templates/emails/invitation.txt"),
    ),
    (
        "emails/invitation.html",
        include_str!("../templates/emails/invitation.html"),
    ),
    ("emails/welcome.txt", include_str!("../templates/emails/welcome.txt")),
    (
        "emails/vetting_digest.txt",
        include_str!("../templates/emails/vetting_digest.txt"),
    ),
    (
        "emails/vetting_digest.html",
        include_str!("../templates/emails/vetting_digest.html"),
    ),
    ("emails/welcome.html", include_str!("../templates/emails/welcome.html")),
    (
        "emails/derecognition.txt",
        include_str!("../templates/emails/derecognition.txt"),
    ),
    (
        "emails/derecognition.html",
        include_str!("../templates/emails/derecognition.html"),
    ),
    (
        "emails/nomination_referral.txt",
        include_str!("../templates/emails/nomination_referral.txt"),
    ),
    (
        "emails/nomination_referral.html",
        include_str!("../templates/emails/nomination_referral.html"),
    ),
    (
        "emails/process_concluded.txt",
        include_str!("../templates/emails/process_concluded.txt"),
    ),
    (
        "emails/process_concluded.html",
        include_str!("../templates/emails/process_concluded.html"),
    ),
    (
        "emails/iac_referral.txt",
        include_str!("../templates/emails/iac_referral.txt"),
    ),
    (
        "emails/iac_referral.html",
        include_str!("../templates/emails/iac_referral.html"),
    ),
    (
        "pages/invitation.html",
        include_str!("../templates/pages/invitation.html"),
    ),
    (
        "pages/invitation_accepted.html",
        include_str!("../templates/pages/invitation_accepted.html"),
    ),
    (
        "pages/invitation_declined.html",
        include_str!("../templates/pages/invitation_declined.html"),
    ),
    (
        "pages/invitation_problem.html",
        include_str!("../templates/pages/invitation_problem.html"),
    ),
];

static TEMPLATE_ENVIRONMENT: LazyLock<Environment<'static>> = LazyLock::new(|| {
    let mut environment = Environment::new();
    environment.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
    for (name, source) in TEMPLATES {
        // A template that does not parse fails every test that renders it.
        if let Err(error) = environment.add_template(name, source) {
            eprintln!("template {name} does not parse: {error}");
        }
    }
    environment
});

pub(crate) fn render(name: &str, language: Language, extra: Value) -> Result<String, RenderError> {
    let template = TEMPLATE_ENVIRONMENT.get_template(name)?;
    Ok(template.render(context! {
        lang => language.code(),
        t => Value::from_serialize(language.catalog()),
        ..extra
    })?)
}

pub(crate) fn render_email(name: &str, language: Language, extra: &Value) -> Result<String, RenderError> {
    render(name, language, extra.clone())
}

/// The page context every page shares: how to switch language, where the
/// privacy notice is.
fn page(language: Language, path: &str, extra: Value) -> Value {
    let other = language.other();
    context! {
        other_lang => other.code(),
        other_lang_url => format!("{path}{}lang={}", if path.contains('?') { "&" } else { "?" }, other.code()),
        privacy_url => format!("/privacy?lang={}", language.code()),
        ..extra
    }
}

pub const FORM_PATH: &str = "/nominate";

/// The nomination form, empty or as sent back with its problems.
pub fn nomination_form(
    language: Language,
    sent: Option<&NominationForm>,
    errors: Option<&FieldErrors>,
) -> Result<String, RenderError> {
    let blank = NominationForm {
        language: Some(language.code().to_owned()),
        ..NominationForm::default()
    };
    let form = sent.unwrap_or(&blank);
    let mut links = form.links.clone();
    links.resize(links.len().max(Links::MAX), String::new());
    let messages: BTreeMap<&str, String> = errors
        .into_iter()
        .flat_map(FieldErrors::iter)
        .map(|error| (error.field.name(), error.problem.message(language)))
        .collect();
    let countries: Vec<Value> = Country::all()
        .into_iter()
        .map(|country| context! { code => country.alpha2(), name => country.name() })
        .collect();
    let values = context! {
        nominee_name => form.nominee_name.clone().unwrap_or_default(),
        nominee_email => form.nominee_email.clone().unwrap_or_default(),
        nominee_country => form.nominee_country.clone().unwrap_or_default().trim().to_ascii_uppercase(),
        nominee_region => form.nominee_region.clone().unwrap_or_default(),
        nominee_role => form.nominee_role.clone().unwrap_or_default(),
        nominator_name => form.nominator_name.clone().unwrap_or_default(),
        nominator_email => form.nominator_email.clone().unwrap_or_default(),
        nominator_basis => form.nominator_basis.clone().unwrap_or_default(),
        rationale => form.rationale.clone().unwrap_or_default(),
        self_identification => form.self_identification.clone().unwrap_or_default(),
        language => form.language_or(language).code(),
        nominee_language => form
            .nominee_language
            .as_deref()
            .and_then(|raw| Language::parse(raw).ok())
            .unwrap_or(form.language_or(language))
            .code(),
        privacy_consent => form.privacy_consent,
        share_name_with_iln => form.share_name_with_iln,
        links => links,
    };
    render(
        "pages/nomination_form.html",
        language,
        page(
            language,
            FORM_PATH,
            context! { action => "/nominations", values, errors => messages, countries },
        ),
    )
}

pub fn thank_you(language: Language) -> Result<String, RenderError> {
    render("pages/thank_you.html", language, page(language, FORM_PATH, context! {}))
}

pub fn verified(language: Language, already: bool) -> Result<String, RenderError> {
    render(
        "pages/verified.html",
        language,
        page(language, FORM_PATH, context! { already }),
    )
}

pub const VERIFY_PATH: &str = "/nominations/verify";

/// The nominator's verification link: a page with a button, so that a mail
/// scanner opening the link verifies nothing. It names nobody: the person
/// reading it has not yet shown that the nomination is theirs.
pub fn verify(language: Language, token: &str) -> Result<String, RenderError> {
    let path = format!("{VERIFY_PATH}?token={token}");
    render(
        "pages/verify.html",
        language,
        page(language, &path, context! { token, action => VERIFY_PATH }),
    )
}

/// Why a link from an e-mail does not work.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenProblem {
    Unknown,
    Expired,
    Closed,
}

pub fn token_problem(language: Language, problem: TokenProblem) -> Result<String, RenderError> {
    let problem = match problem {
        TokenProblem::Unknown => "unknown",
        TokenProblem::Expired => "expired",
        TokenProblem::Closed => "closed",
    };
    let form_url = format!("{FORM_PATH}?lang={}", language.code());
    render(
        "pages/token_problem.html",
        language,
        page(language, FORM_PATH, context! { problem, form_url }),
    )
}

pub const WITHDRAW_PATH: &str = "/nominations/withdraw";

/// Where a nominator's withdraw link stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WithdrawPage<'a> {
    /// Asks before withdrawing the nomination of `nominee_name`.
    Confirm {
        nominee_name: &'a str,
        token: &'a str,
    },
    Done,
    AlreadyClosed,
}

pub fn withdraw(language: Language, state: WithdrawPage<'_>) -> Result<String, RenderError> {
    let (path, extra) = match state {
        WithdrawPage::Confirm { nominee_name, token } => (
            format!("{WITHDRAW_PATH}?token={token}"),
            context! { state => "confirm", nominee_name, token, action => WITHDRAW_PATH },
        ),
        WithdrawPage::Done => (FORM_PATH.to_owned(), context! { state => "done" }),
        WithdrawPage::AlreadyClosed => (FORM_PATH.to_owned(), context! { state => "closed" }),
    };
    render("pages/withdraw.html", language, page(language, &path, extra))
}

pub const STATUS_PATH: &str = "/nominations/status";

/// The nominator's status page: the stage reached, the ones before it
/// marked done, and, while the nomination is open, the way to withdraw it
/// (the withdraw page, which asks first). It names nobody and says nothing
/// of what was found, said or decided.
pub fn nomination_status(language: Language, stage: Stage, token: &str, open: bool) -> Result<String, RenderError> {
    let stages: Vec<Value> = Stage::ALL
        .into_iter()
        .map(|shown| context! { code => shown.code(), current => shown == stage, done => shown < stage })
        .collect();
    let withdraw_url = open.then(|| format!("{WITHDRAW_PATH}?token={token}&lang={}", language.code()));
    let path = format!("{STATUS_PATH}?token={token}");
    render(
        "pages/nomination_status.html",
        language,
        page(
            language,
            &path,
            context! { stages, current => stage.code(), withdraw_url },
        ),
    )
}

pub const INFORMATION_PATH: &str = "/nominations/information";

/// The page where a nominator answers a vetter's question.
pub fn information_form(
    language: Language,
    question: &str,
    token: &str,
    value: &str,
    problem: Option<crate::intake::Problem>,
) -> Result<String, RenderError> {
    let errors: BTreeMap<&str, String> = problem
        .map(|problem| ("information", problem.message(language)))
        .into_iter()
        .collect();
    let path = format!("{INFORMATION_PATH}?token={token}");
    render(
        "pages/information_form.html",
        language,
        page(
            language,
            &path,
            context! { question, token, value, errors, action => INFORMATION_PATH },
        ),
    )
}

pub fn information_received(language: Language) -> Result<String, RenderError> {
    render(
        "pages/information_received.html",
        language,
        page(language, FORM_PATH, context! {}),
    )
}

/// The invitation page: the terms, Accept and Decline.
pub fn invitation(
    language: Language,
    invitee_name: &str,
    token: &str,
    terms_version: &str,
) -> Result<String, RenderError> {
    let path = crate::membership::invitation_path(token);
    let context = context! {
        invitee_name,
        token,
        terms_version,
        accept_action => format!("{path}/accept"),
        decline_action => format!("{path}/decline"),
    };
    render("pages/invitation.html", language, page(language, &path, context))
}

pub fn invitation_accepted(language: Language, slack_join_url: &str) -> Result<String, RenderError> {
    render(
        "pages/invitation_accepted.html",
        language,
        page(language, FORM_PATH, context! { slack_join_url }),
    )
}

pub fn invitation_declined(language: Language) -> Result<String, RenderError> {
    render(
        "pages/invitation_declined.html",
        language,
        page(language, FORM_PATH, context! {}),
    )
}

/// Why an invitation link does not work: `unknown`, `used`, `revoked`,
/// `expired` (with IMI's address to ask for a new one).
pub fn invitation_problem(language: Language, problem: &str, contact_email: &str) -> Result<String, RenderError> {
    render(
        "pages/invitation_problem.html",
        language,
        page(language, FORM_PATH, context! { problem, contact_email }),
    )
}

pub fn privacy(language: Language, policies: &PolicyLinks) -> Result<String, RenderError> {
    let privacy = policies.context(language);
    render(
        "pages/privacy.html",
        language,
        page(language, "/privacy", context! { privacy }),
    )
}

pub const NOTICE_PATH: &str = "/nominations/notice";

/// The nominee's page behind the notice's link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticePage<'a> {
    /// Asks first (so that a mail scanner following the link does nothing):
    /// object, or also agree when `may_agree`.
    Ask {
        token: &'a str,
        may_agree: bool,
        /// The form came back without a choice.
        missing_answer: bool,
    },
    Objected,
    Agreed,
    Expired,
    Closed,
}

pub fn notice(language: Language, state: NoticePage<'_>) -> Result<String, RenderError> {
    let (path, extra) = match state {
        NoticePage::Ask {
            token,
            may_agree,
            missing_answer,
        } => (
            format!("{NOTICE_PATH}?token={token}"),
            context! { state => "ask", token, may_agree, missing_answer, action => NOTICE_PATH },
        ),
        NoticePage::Objected => (NOTICE_PATH.to_owned(), context! { state => "objected" }),
        NoticePage::Agreed => (NOTICE_PATH.to_owned(), context! { state => "agreed" }),
        NoticePage::Expired => (NOTICE_PATH.to_owned(), context! { state => "expired" }),
        NoticePage::Closed => (NOTICE_PATH.to_owned(), context! { state => "closed" }),
    };
    render("pages/notice.html", language, page(language, &path, extra))
}

/// The pages of a member's own corner, each in the reader's language.
#[derive(Debug, Clone, Copy)]
pub enum MemberPage<'a> {
    /// The address form; `entered` comes back with `invalid` when refused.
    SignIn {
        entered: &'a str,
        invalid: bool,
    },
    /// The same answer whether or not the address is a member's.
    LinkSent,
    /// Behind the mailed link: a button, so that a mail scanner following
    /// the link spends nothing.
    ConfirmSignIn {
        token: &'a str,
    },
    LinkRefused(crate::member_access::LinkProblem),
    SignedOut,
    Record {
        member: &'a crate::membership::Member,
        form_token: &'a str,
        saved: bool,
        stale_form: bool,
        address: AddressField<'a>,
    },
    ConfirmResignation {
        form_token: &'a str,
    },
    Resigned,
    /// Behind the link mailed to the new address: a button, as for sign-in.
    ConfirmAddress {
        token: &'a str,
        address: &'a str,
    },
    AddressChanged {
        address: &'a str,
    },
    /// Someone else's record holds the address.
    AddressTaken {
        contact: &'a str,
    },
    /// The address changed, or the membership ended, since the link was sent.
    AddressSuperseded,
}

/// The member page's address form: empty, after a confirmation was sent,
/// or back with what was typed and why it was refused.
#[derive(Debug, Clone, Copy)]
pub enum AddressField<'a> {
    Empty,
    Sent(&'a str),
    Refused { entered: &'a str, unchanged: bool },
}

pub fn member_page(language: Language, shown: MemberPage<'_>) -> Result<String, RenderError> {
    use crate::member_access::{
        ADDRESS_PATH, LinkProblem, NEW_ADDRESS_PATH, PAGE_PATH, RESIGN_PATH, SESSION_PATH, SIGN_IN_PATH, SIGN_OUT_PATH,
    };
    let (path, extra) = match shown {
        MemberPage::SignIn { entered, invalid } => (
            SIGN_IN_PATH.to_owned(),
            context! { state => "sign_in", email => entered, email_invalid => invalid },
        ),
        MemberPage::LinkSent => (SIGN_IN_PATH.to_owned(), context! { state => "sent" }),
        MemberPage::ConfirmSignIn { token } => (
            format!("{SESSION_PATH}?token={token}"),
            context! { state => "session", token },
        ),
        MemberPage::LinkRefused(problem) => {
            let state = match problem {
                LinkProblem::Unknown => "link_unknown",
                LinkProblem::Used => "link_used",
                LinkProblem::Expired => "link_expired",
            };
            (SIGN_IN_PATH.to_owned(), context! { state })
        }
        MemberPage::SignedOut => (SIGN_IN_PATH.to_owned(), context! { state => "signed_out" }),
        MemberPage::Record {
            member,
            form_token,
            saved,
            stale_form,
            address,
        } => (
            PAGE_PATH.to_owned(),
            context! {
                state => "page",
                csrf => form_token,
                saved,
                stale => stale_form,
                address_sent => match address {
                    AddressField::Sent(sent) => Some(sent),
                    _ => None,
                },
                address_entered => match address {
                    AddressField::Refused { entered, .. } => entered,
                    _ => "",
                },
                address_problem => match address {
                    AddressField::Refused { unchanged: true, .. } => Some("address_unchanged"),
                    AddressField::Refused { unchanged: false, .. } => Some("email_invalid"),
                    _ => None,
                },
                member => context! {
                    name => member.name.as_str(),
                    title => member.title.as_str(),
                    country => member.country.name(),
                    role => member.role.code(),
                    since => member.since.format("%Y-%m-%d").to_string(),
                    email => member.email.as_str(),
                    status => member.status.code(),
                    language => member.language().code(),
                },
            },
        ),
        MemberPage::ConfirmResignation { form_token } => (
            RESIGN_PATH.to_owned(),
            context! { state => "resign", csrf => form_token },
        ),
        MemberPage::Resigned => (PAGE_PATH.to_owned(), context! { state => "resigned" }),
        MemberPage::ConfirmAddress { token, address } => (
            format!("{ADDRESS_PATH}?token={token}"),
            context! { state => "address_confirm", token, address },
        ),
        // The language switch of a page that answered a POST opens the
        // member's page, not the link's path without its token.
        MemberPage::AddressChanged { address } => {
            (PAGE_PATH.to_owned(), context! { state => "address_changed", address })
        }
        MemberPage::AddressTaken { contact } => (PAGE_PATH.to_owned(), context! { state => "address_taken", contact }),
        MemberPage::AddressSuperseded => (PAGE_PATH.to_owned(), context! { state => "address_superseded" }),
    };
    let paths = context! {
        sign_in_path => SIGN_IN_PATH,
        session_path => SESSION_PATH,
        page_path => PAGE_PATH,
        resign_path => RESIGN_PATH,
        sign_out_path => SIGN_OUT_PATH,
        new_address_path => NEW_ADDRESS_PATH,
        address_path => ADDRESS_PATH,
    };
    render(
        "pages/members.html",
        language,
        page(language, &path, context! { ..extra, ..paths }),
    )
}

/// The error page. It never fails: should its template not render, the
/// plain fallback page says the same, escaped. (The `Result` stays for the
/// callers that match on it.)
pub fn error(language: Language, status: u16, message: &str) -> Result<String, RenderError> {
    Ok(render(
        "pages/error.html",
        language,
        page(language, FORM_PATH, context! { status, message }),
    )
    .unwrap_or_else(|_| fallback_page(language, status, message)))
}

/// A page that needs no template, for when a template cannot render. The
/// message may quote a request: everything in it is escaped.
pub fn fallback_page(language: Language, status: u16, message: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{status}</title></head>\
         <body><p>{}</p></body></html>\n",
        language.code(),
        escape_html(message)
    )
}

/// Escapes text for HTML content and attribute values alike.
fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            '/' => escaped.push_str("&#x2F;"),
            other => escaped.push(other),
        }
    }
    escaped
}

/// What a reader was doing when our records did not answer in time. The
/// page says what may or may not have happened and that doing it again is
/// safe: every one of these is recorded at most once however often it is
/// sent (a nomination by nominee and nominator, the others by their link).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupted {
    /// Sending the nomination form (or the API's `POST /nominations`).
    Nomination,
    /// Opening the link that confirms the nominator's address.
    Verification,
    /// Answering a question or an invitation.
    Answer,
    /// Withdrawing a nomination by its link.
    Withdrawal,
    /// Opening a page that only reads.
    Page,
}

impl Interrupted {
    fn key(self) -> &'static str {
        match self {
            Interrupted::Nomination => "unavailable.nomination",
            Interrupted::Verification => "unavailable.verification",
            Interrupted::Answer => "unavailable.answer",
            Interrupted::Withdrawal => "unavailable.withdrawal",
            Interrupted::Page => "unavailable.page",
        }
    }

    /// The whole explanation as one text, for an answer in JSON.
    pub fn message(self, language: Language) -> String {
        format!("{} {}", language.text(self.key()), language.text("unavailable.retry"))
    }
}

/// The page for a request our records did not answer in time.
pub fn unavailable(language: Language, interrupted: Interrupted) -> Result<String, RenderError> {
    let message = language.text(interrupted.key());
    render(
        "pages/unavailable.html",
        language,
        page(language, FORM_PATH, context! { message }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intake::Field;

    fn policies() -> PolicyLinks {
        PolicyLinks {
            contact: EmailAddress::parse("privacy@example.org").unwrap(),
            privacy_policy: Link::parse("https://imi.example.org/privacy-policy").unwrap(),
            terms_of_use: Link::parse("https://imi.example.org/terms-of-use").unwrap(),
            retention: Retention::default(),
        }
    }

    /// Every item of the privacy block, in both languages, on `/privacy`,
    /// in the nominee's notice and in the invitation.
    #[test]
    fn every_privacy_item_is_on_the_privacy_page_the_notice_and_the_invitation_in_both_languages() {
        use crate::message::Message;
        let escape = |text: &str| minijinja::HtmlEscape(text).to_string();
        let links = crate::message::MailLinks {
            base_url: PublicBaseUrl::parse("https://iln.example.org").unwrap(),
            key: crate::token::LinkKey::parse("a test key that is long enough for HMAC-SHA256").unwrap(),
            validity: crate::token::LinkValidity::default(),
            policies: policies(),
        };
        for language in Language::ALL {
            let mut nomination = crate::test_support::nomination(crate::Status::Confirmed, 3, language.other());
            nomination.submission.nominee.language = Some(language);
            let page = privacy(language, &links.policies).unwrap();
            let notice = crate::nominee_notice::notice(&nomination, false)
                .render_email(&links)
                .unwrap()
                .unwrap();
            let token = Message::Invitation {
                nomination_id: nomination.id,
                round: 0,
            }
            .link(&links.key, crate::token::TokenPurpose::AnswerInvitation);
            let invitation = crate::membership::invitation_email(&nomination, &links, &token).unwrap();

            let items = links.policies.privacy_items(language);
            assert_eq!(items.len(), PRIVACY_ITEMS.len());
            for (heading, text) in items {
                assert!(!text.contains('{'), "{language:?}: a placeholder left in {text}");
                let escaped = escape(&text);
                for (what, html) in [
                    ("/privacy", &page),
                    ("notice", &notice.html),
                    ("invitation", &invitation.html),
                ] {
                    assert!(html.contains(&escape(&heading)), "{language:?} {what}: {heading}");
                    assert!(html.contains(&escaped), "{language:?} {what}: {text}");
                }
                for (what, plain) in [("notice", &notice.text), ("invitation", &invitation.text)] {
                    assert!(plain.contains(&text), "{language:?} {what} (text): {text}");
                }
            }
            for html in [&page, &notice.html, &invitation.html] {
                assert!(html.contains(&escape("https://imi.example.org/privacy-policy")));
                assert!(html.contains(&escape("https://imi.example.org/terms-of-use")));
                assert!(html.contains("privacy@example.org"));
            }
        }
    }

    #[test]
    fn every_page_renders_in_both_languages() {
        for language in Language::ALL {
            let pages = [
                nomination_form(language, None, None),
                thank_you(language),
                verified(language, false),
                verified(language, true),
                verify(language, "tok"),
                token_problem(language, TokenProblem::Unknown),
                token_problem(language, TokenProblem::Expired),
                token_problem(language, TokenProblem::Closed),
                privacy(language, &policies()),
                notice(
                    language,
                    NoticePage::Ask {
                        token: "tok",
                        may_agree: true,
                        missing_answer: true,
                    },
                ),
                notice(
                    language,
                    NoticePage::Ask {
                        token: "tok",
                        may_agree: false,
                        missing_answer: false,
                    },
                ),
                notice(language, NoticePage::Objected),
                notice(language, NoticePage::Agreed),
                notice(language, NoticePage::Expired),
                notice(language, NoticePage::Closed),
                error(language, 404, "x"),
                unavailable(language, Interrupted::Nomination),
                unavailable(language, Interrupted::Page),
                information_form(language, "Which cases?", "tok", "", None),
                information_form(
                    language,
                    "Which cases?",
                    "tok",
                    "",
                    Some(crate::intake::Problem::Missing),
                ),
                information_received(language),
                invitation(language, "Amara", "tok", "2026-01"),
                invitation_accepted(language, "https://join.slack.com/x"),
                invitation_declined(language),
                invitation_problem(language, "expired", "iln@imi.org"),
                invitation_problem(language, "used", "iln@imi.org"),
            ];
            for page in pages {
                let html = page.expect("renders");
                assert!(html.contains(&format!("lang=\"{}\"", language.code())), "{html}");
            }
        }
    }

    #[test]
    fn the_form_explains_who_may_nominate_and_welcomes_self_nominations() {
        let english = nomination_form(Language::En, None, None).unwrap();
        let spanish = nomination_form(Language::Es, None, None).unwrap();
        assert!(english.contains("name=\"nominee_name\"") && english.contains("for=\"nominee_name\""));
        assert!(english.to_lowercase().contains("women"));
        assert!(spanish.to_lowercase().contains("mujeres"));
        assert!(spanish.contains("name=\"privacy_consent\""));
    }

    #[test]
    fn the_form_asks_whether_the_ilns_card_may_name_the_nominator_unticked_by_default() {
        for language in Language::ALL {
            let blank = nomination_form(language, None, None).unwrap();
            let ticked = NominationForm {
                share_name_with_iln: true,
                ..NominationForm::default()
            };
            let again = nomination_form(language, Some(&ticked), None).unwrap();
            let checkbox = r#"<input type="checkbox" id="share_name_with_iln" name="share_name_with_iln" value="yes" aria-describedby="share_name_with_iln-hint""#;

            assert!(blank.contains(&format!("{checkbox}>")), "{blank}");
            assert!(blank.contains(r#"<label for="share_name_with_iln">"#));
            assert!(blank.contains(r#"id="share_name_with_iln-hint""#));
            assert!(blank.contains(&language.text("form.fields.share_name_with_iln.label")));
            assert!(
                again.contains(&format!("{checkbox} checked>")),
                "kept when the form comes back"
            );
        }
    }

    #[test]
    fn what_a_user_typed_is_escaped_and_kept() {
        let sent = NominationForm {
            nominee_name: Some("<script>alert('x')</script>".into()),
            ..NominationForm::default()
        };
        let errors = sent.parse(Language::En).unwrap_err();
        let html = nomination_form(Language::En, Some(&sent), Some(&errors)).unwrap();
        assert!(!html.contains("<script>alert"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.contains(&crate::intake::Problem::Missing.message(Language::En)));
        assert!(errors.get(Field::NomineeEmail).is_some());
    }

    #[test]
    fn a_reader_whose_request_went_unanswered_is_told_it_may_have_been_recorded_and_may_be_sent_again() {
        let english = unavailable(Language::En, Interrupted::Nomination).unwrap();
        let spanish = unavailable(Language::Es, Interrupted::Nomination).unwrap();
        assert!(english.contains("may or may not have been") && english.contains("again is safe"));
        assert!(spanish.contains("puede que sí o puede que no") && spanish.contains("es seguro"));
        let read_only = Interrupted::Page.message(Language::En);
        assert!(read_only.contains("Nothing was changed"), "{read_only}");
    }

    #[test]
    fn the_fallback_page_escapes_everything_it_quotes() {
        let message = r#"malformed: "</p><script>alert('x')</script><a href="javascript:x">"#;
        let html = fallback_page(Language::Es, 400, message);
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<a "), "{html}");
        assert!(!html.contains("'x'"), "{html}");
        assert!(html.contains("&lt;&#x2F;p&gt;&lt;script&gt;"), "{html}");
        assert!(html.starts_with("<!doctype html>") && html.contains("lang=\"es\""));
        let page = error(Language::En, 400, message).unwrap();
        assert!(!page.contains("<script"), "{page}");
    }

    #[test]
    fn the_status_page_marks_the_stages_passed_and_offers_withdrawal_only_while_open() {
        let token = "t".repeat(43);
        let open = nomination_status(Language::En, Stage::BeingReviewed, &token, true).unwrap();
        assert!(
            open.contains("<strong>Being reviewed by IMI</strong> (current stage)"),
            "{open}"
        );
        assert!(open.contains("Received (done)") && open.contains("Your e-mail address confirmed (done)"));
        assert!(open.contains(&format!("withdraw?token={token}&amp;lang=en")), "{open}");
        let concluded = nomination_status(Language::Es, Stage::Concluded, &token, false).unwrap();
        assert!(concluded.contains("<strong>Concluida</strong>") && concluded.contains("lang=\"es\""));
        assert!(!concluded.contains("withdraw?token"), "{concluded}");
    }

    #[test]
    fn links_in_emails_are_absolute_and_encoded() {
        let base = PublicBaseUrl::parse("https://iln.example.org/prod/").unwrap();
        assert_eq!(
            base.link("/nominations/verify", &[("token", "a b")]),
            "https://iln.example.org/prod/nominations/verify?token=a+b"
        );
    }
}

#[cfg(test)]
mod member_page_tests {
    use super::*;

    /// Switching the language of a page behind a mailed link keeps the
    /// link; a page that answered a form opens the member's page instead.
    #[test]
    fn the_language_switch_keeps_the_link_it_was_opened_with() {
        let confirm = member_page(Language::En, MemberPage::ConfirmSignIn { token: "abc" }).unwrap();
        let address = member_page(
            Language::Es,
            MemberPage::ConfirmAddress {
                token: "xyz",
                address: "amara@example.org",
            },
        )
        .unwrap();
        let changed = member_page(
            Language::En,
            MemberPage::AddressChanged {
                address: "amara@example.org",
            },
        )
        .unwrap();

        // minijinja escapes `/` in attributes as `&#x2f;`.
        let switch = |path: &str| format!(r#"href="{}""#, path.replace('&', "&amp;").replace('/', "&#x2f;"));
        assert!(
            confirm.contains(&switch("/members/session?token=abc&lang=es")),
            "{confirm}"
        );
        assert!(
            address.contains(&switch("/members/address?token=xyz&lang=en")),
            "{address}"
        );
        assert!(changed.contains(&switch("/members/me?lang=es")), "{changed}");
    }
}
