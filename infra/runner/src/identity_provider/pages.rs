//! The stand-in's two pages: the sign-in page (a list of demo staff in
//! place of Cognito's password form) and the error page Cognito shows when
//! it cannot trust the client or its URL. English, or Spanish with `lang=es`.

use std::fmt::Write as _;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use super::{AuthorizeRequest, DemoStaff};
use crate::slack_standin::escape_html as esc;

/// The language of managed login's pages, from its `lang` parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum Lang {
    #[default]
    En,
    Es,
}

impl Lang {
    pub(super) fn from_code(code: &str) -> Self {
        if code.eq_ignore_ascii_case("es") || code.to_ascii_lowercase().starts_with("es-") {
            Self::Es
        } else {
            Self::En
        }
    }

    pub(super) fn code(self) -> &'static str {
        match self {
            Self::En => "en",
            Self::Es => "es",
        }
    }

    fn texts(self) -> &'static Texts {
        match self {
            Self::En => &EN,
            Self::Es => &ES,
        }
    }
}

struct Texts {
    sign_in_title: &'static str,
    stand_in_notice: &'static str,
    staff_legend: &'static str,
    groups: &'static str,
    no_groups: &'static str,
    submit: &'static str,
    choose_someone: &'static str,
    error_title: &'static str,
    unknown_client: &'static str,
    redirect_mismatch: &'static str,
    logout_mismatch: &'static str,
    not_a_form: &'static str,
}

const EN: Texts = Texts {
    sign_in_title: "Sign in",
    stand_in_notice: "This is the local stand-in for the Cognito user pool's sign-in page. \
                      Choose the staff member to sign in as; no password is asked here.",
    staff_legend: "Staff member",
    groups: "Groups",
    no_groups: "no groups",
    submit: "Sign in",
    choose_someone: "Choose one of the staff members listed.",
    error_title: "An error was encountered with the requested page",
    unknown_client: "The client_id is not an app client of this user pool.",
    redirect_mismatch: "The redirect_uri is not one of the app client's allowed callback URLs.",
    logout_mismatch: "The logout_uri is not one of the app client's allowed sign-out URLs.",
    not_a_form: "The sign-in form must be sent as application/x-www-form-urlencoded.",
};

const ES: Texts = Texts {
    sign_in_title: "Iniciar sesión",
    stand_in_notice: "Esta es la página local que sustituye al inicio de sesión del grupo de \
                      usuarios de Cognito. Elija con qué miembro del personal entrar; aquí no se \
                      pide contraseña.",
    staff_legend: "Miembro del personal",
    groups: "Grupos",
    no_groups: "sin grupos",
    submit: "Iniciar sesión",
    choose_someone: "Elija uno de los miembros del personal de la lista.",
    error_title: "Se ha producido un error en la página solicitada",
    unknown_client: "El client_id no es un cliente de aplicación de este grupo de usuarios.",
    redirect_mismatch: "El redirect_uri no es una de las URL de retorno permitidas del cliente de aplicación.",
    logout_mismatch: "El logout_uri no es una de las URL de cierre de sesión permitidas del cliente de aplicación.",
    not_a_form: "El formulario de inicio de sesión debe enviarse como application/x-www-form-urlencoded.",
};

/// What the error page reports; its code is the one Cognito's page names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum PageProblem {
    UnknownClient,
    RedirectMismatch,
    LogoutMismatch,
    NotAForm,
}

impl PageProblem {
    fn code(self) -> &'static str {
        match self {
            Self::UnknownClient => "invalid_client",
            Self::RedirectMismatch | Self::LogoutMismatch => "redirect_mismatch",
            Self::NotAForm => "invalid_request",
        }
    }

    fn message(self, texts: &Texts) -> &'static str {
        match self {
            Self::UnknownClient => texts.unknown_client,
            Self::RedirectMismatch => texts.redirect_mismatch,
            Self::LogoutMismatch => texts.logout_mismatch,
            Self::NotAForm => texts.not_a_form,
        }
    }
}

const CSS: &str = "body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
fieldset{border:1px solid #999;border-radius:4px}label{display:block;padding:.5rem 0}\
.email,.groups{display:block;font-size:.9em;color:#333}.notice{background:#eef;padding:.5rem 1rem}\
.error{background:#fee;padding:.5rem 1rem}button{margin-top:1rem;padding:.5rem 1.5rem;font-size:1rem}";

fn document(lang: Lang, title: &str, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{CSS}</style></head><body><main>{body}</main></body></html>\n",
        lang.code(),
        esc(title)
    )
}

/// The list of demo staff for `request`; `refused` when a choice was
/// missing or unknown, with the page's status.
pub(super) fn sign_in(request: &AuthorizeRequest, staff: &[DemoStaff], refused: Option<StatusCode>) -> Response {
    let texts = request.lang.texts();
    let mut body = format!(
        "<h1>{}</h1><p class=\"notice\">{}</p>",
        esc(texts.sign_in_title),
        esc(texts.stand_in_notice)
    );
    if refused.is_some() {
        let _ = write!(
            body,
            "<p class=\"error\" role=\"alert\">{}</p>",
            esc(texts.choose_someone)
        );
    }
    body.push_str("<form method=\"post\" action=\"/oauth2/authorize\">");
    for (name, value) in request.hidden_fields() {
        let _ = write!(
            body,
            "<input type=\"hidden\" name=\"{}\" value=\"{}\">",
            esc(name),
            esc(value)
        );
    }
    let _ = write!(body, "<fieldset><legend>{}</legend>", esc(texts.staff_legend));
    for (index, person) in staff.iter().enumerate() {
        let groups = if person.groups.is_empty() {
            texts.no_groups.to_owned()
        } else {
            person.groups.join(", ")
        };
        let _ = write!(
            body,
            "<label for=\"staff-{index}\"><input type=\"radio\" id=\"staff-{index}\" name=\"subject\" value=\"{}\" required{}> \
             <strong>{}</strong> <span class=\"email\">{}</span> <span class=\"groups\">{}: {}</span></label>",
            esc(&person.subject),
            if index == 0 { " checked" } else { "" },
            esc(&person.name),
            esc(&person.email),
            esc(texts.groups),
            esc(&groups),
        );
    }
    let _ = write!(
        body,
        "</fieldset><button type=\"submit\">{}</button></form>",
        esc(texts.submit)
    );
    let status = refused.unwrap_or(StatusCode::OK);
    (status, Html(document(request.lang, texts.sign_in_title, &body))).into_response()
}

/// Cognito's error page: a 400, never a redirect.
pub(super) fn problem(problem: PageProblem, lang: Lang) -> Response {
    let texts = lang.texts();
    let body = format!(
        "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p><p><code>error={}</code></p>",
        esc(texts.error_title),
        esc(problem.message(texts)),
        esc(problem.code()),
    );
    (StatusCode::BAD_REQUEST, Html(document(lang, texts.error_title, &body))).into_response()
}
