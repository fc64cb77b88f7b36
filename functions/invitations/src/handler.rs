//! Wiring: the routes, who reads their failures, and the admin check the
//! admin routes share.

use chrono::{DateTime, Utc};
use iln_adapters::dynamodb::NominationTable;
use iln_adapters::http::{ApiFailure, log_unavailable, route, staff, too_large, unavailable_page};
use iln_domain::Language;
use iln_domain::pages;
use iln_domain::staff::{Staff, StaffRole};
use iln_domain::vetters::ListChange;
use lambda_http::http::{Method, header};
use lambda_http::{Body, Request, RequestExt, Response};

use crate::Config;
use crate::outbox_admin;

mod answer;
mod direct;
mod member_pages;
mod members;
mod people;
mod staff;

pub struct App {
    pub table: NominationTable,
    pub config: Config,
}

/// Every body this function reads (a form, an admin's JSON) is small.
const MAX_BODY_BYTES: usize = 16 * 1024;

const ADMINS: &str = "the iln-admins group";
pub(crate) const NOT_FOUND: &str = "not found";

#[derive(Clone, Copy)]
enum Route {
    InvitationPage,
    Accept,
    Decline,
    SignInPage,
    RequestSignIn,
    ConfirmSignIn,
    SignIn,
    MemberPage,
    ChooseLanguage,
    RequestAddressChange,
    ConfirmAddressPage,
    ConfirmAddress,
    ResignationPage,
    Resign,
    SignOut,
    InviteDirectly,
    Resend,
    Revoke,
    CorrectAddress,
    Members,
    Member,
    Derecognize,
    ExportPerson,
    ErasePerson,
    Outbox,
    RetryMessage,
    CancelMessage,
    Vetters,
    AddVetter,
    RemoveVetter,
}

impl Route {
    /// Whether a nominee or a member reads the answer, a page in their
    /// language; staff read JSON.
    fn read_by_a_person(self) -> bool {
        match self {
            Route::InvitationPage
            | Route::Accept
            | Route::Decline
            | Route::SignInPage
            | Route::RequestSignIn
            | Route::ConfirmSignIn
            | Route::SignIn
            | Route::MemberPage
            | Route::ChooseLanguage
            | Route::RequestAddressChange
            | Route::ConfirmAddressPage
            | Route::ConfirmAddress
            | Route::ResignationPage
            | Route::Resign
            | Route::SignOut => true,
            Route::InviteDirectly
            | Route::Resend
            | Route::Revoke
            | Route::CorrectAddress
            | Route::Members
            | Route::Member
            | Route::Derecognize
            | Route::ExportPerson
            | Route::ErasePerson
            | Route::Outbox
            | Route::RetryMessage
            | Route::CancelMessage
            | Route::Vetters
            | Route::AddVetter
            | Route::RemoveVetter => false,
        }
    }
}

/// The routes template.yaml gives this function.
const ROUTES: &[(&str, Route)] = &[
    ("GET /invitations/{token}", Route::InvitationPage),
    ("POST /invitations/{token}/accept", Route::Accept),
    ("POST /invitations/{token}/decline", Route::Decline),
    ("GET /members/sign-in", Route::SignInPage),
    ("POST /members/sign-in", Route::RequestSignIn),
    ("GET /members/session", Route::ConfirmSignIn),
    ("POST /members/session", Route::SignIn),
    ("GET /members/me", Route::MemberPage),
    ("POST /members/me", Route::ChooseLanguage),
    ("POST /members/me/address", Route::RequestAddressChange),
    ("GET /members/address", Route::ConfirmAddressPage),
    ("POST /members/address", Route::ConfirmAddress),
    ("GET /members/me/resign", Route::ResignationPage),
    ("POST /members/me/resign", Route::Resign),
    ("POST /members/sign-out", Route::SignOut),
    ("POST /admin/invitations", Route::InviteDirectly),
    ("POST /admin/invitations/{id}/resend", Route::Resend),
    ("POST /admin/invitations/{id}/revoke", Route::Revoke),
    ("POST /admin/invitations/{id}/address", Route::CorrectAddress),
    ("GET /admin/members", Route::Members),
    ("GET /admin/members/{id}", Route::Member),
    ("POST /admin/members/{id}/derecognize", Route::Derecognize),
    ("GET /admin/people/export", Route::ExportPerson),
    ("POST /admin/people/erase", Route::ErasePerson),
    ("GET /admin/outbox", Route::Outbox),
    ("POST /admin/outbox/{id}/retry", Route::RetryMessage),
    ("POST /admin/outbox/{id}/cancel", Route::CancelMessage),
    ("GET /staff/vetters", Route::Vetters),
    ("PUT /staff/vetters/{email}", Route::AddVetter),
    ("DELETE /staff/vetters/{email}", Route::RemoveVetter),
];

pub async fn handle(app: &App, request: Request, now: DateTime<Utc>) -> Response<Body> {
    if request.body().len() > MAX_BODY_BYTES {
        return too_large(MAX_BODY_BYTES);
    }
    let route = match route(&request, ROUTES) {
        Ok(route) => route,
        Err(unrouted) => return ApiFailure::unrouted(unrouted, NOT_FOUND).respond(&request),
    };
    let result = match route {
        Route::InvitationPage => answer::invitation_page(app, &request, now).await,
        Route::Accept => answer::answer(app, &request, answer::Answer::Accept, now).await,
        Route::Decline => answer::answer(app, &request, answer::Answer::Decline, now).await,
        Route::SignInPage => member_pages::sign_in_page(&request).await,
        Route::RequestSignIn => member_pages::request_sign_in(app, &request, now).await,
        Route::ConfirmSignIn => member_pages::confirm_sign_in(app, &request, now).await,
        Route::SignIn => member_pages::sign_in(app, &request, now).await,
        Route::MemberPage => member_pages::member_page(app, &request, now).await,
        Route::ChooseLanguage => member_pages::choose_language(app, &request, now).await,
        Route::RequestAddressChange => member_pages::request_address_change(app, &request, now).await,
        Route::ConfirmAddressPage => member_pages::confirm_address_page(app, &request, now).await,
        Route::ConfirmAddress => member_pages::confirm_address(app, &request, now).await,
        Route::ResignationPage => member_pages::resignation_page(app, &request, now).await,
        Route::Resign => member_pages::resign(app, &request, now).await,
        Route::SignOut => member_pages::sign_out(app, &request, now).await,
        Route::InviteDirectly => direct::invite_directly(app, &request, now).await,
        Route::Resend => direct::resend(app, &request, now).await,
        Route::Revoke => direct::revoke(app, &request, now).await,
        Route::CorrectAddress => direct::correct_address(app, &request, now).await,
        Route::Members => members::members(app, &request).await,
        Route::Member => members::member(app, &request).await,
        Route::Derecognize => members::derecognize(app, &request, now).await,
        Route::ExportPerson => people::export_person(app, &request, now).await,
        Route::ErasePerson => people::erase_person(app, &request, now).await,
        Route::Outbox => outbox_admin::list(app, &request).await,
        Route::RetryMessage => outbox_admin::retry(app, &request, now).await,
        Route::CancelMessage => outbox_admin::cancel(app, &request).await,
        Route::Vetters => staff::vetters(app, &request).await,
        Route::AddVetter => staff::change(app, &request, ListChange::Add, now).await,
        Route::RemoveVetter => staff::change(app, &request, ListChange::Remove, now).await,
    };
    match result {
        Ok(response) => response,
        // A nominee or member reads a page in their language; admins read JSON.
        Err(ApiFailure::Unavailable(cause)) if route.read_by_a_person() => {
            log_unavailable(&cause);
            person_unavailable(&request)
        }
        Err(failure) => failure.respond(&request),
    }
}

/// The nominee's or member's page when the table did not answer. Without
/// the table their language is unknown: the link's `?lang=` or the browser's
/// choice stands in.
fn person_unavailable(request: &Request) -> Response<Body> {
    let language = Language::negotiate(
        request.query_string_parameters().first("lang"),
        request
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    let interrupted = match *request.method() {
        Method::GET => pages::Interrupted::Page,
        _ => pages::Interrupted::Answer,
    };
    unavailable_page(language, interrupted)
}

pub(crate) fn require_admin(request: &Request) -> Result<Staff, ApiFailure> {
    let refused = |refused| ApiFailure::Access { refused, needs: ADMINS };
    let staff = staff(request).map_err(refused)?;
    staff.require(StaffRole::Admin).map_err(refused)?;
    Ok(staff)
}

/// The route's `{id}`, whatever it names.
pub(crate) fn path_id(request: &Request) -> Result<&str, ApiFailure> {
    iln_adapters::http::path_parameter(request, "id").ok_or(ApiFailure::NotFound(NOT_FOUND))
}
