//! The page a person uses instead of Slack's client: what it shows to
//! each user, and the form bodies it posts back.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};

use super::state::{Ephemeral, Modal, Notice};
use super::{SlackStandIn, StandInUser, StoredMessage, render};

/// What the page shows to one user.
pub(super) struct PageData {
    pub(super) users: Vec<StandInUser>,
    pub(super) current: Option<StandInUser>,
    pub(super) channels: Vec<ChannelView>,
    pub(super) notices: Vec<Notice>,
    pub(super) modal: Option<Modal>,
}

pub(super) struct ChannelView {
    pub(super) id: String,
    pub(super) title: &'static str,
    pub(super) messages: Vec<StoredMessage>,
    pub(super) ephemerals: Vec<Ephemeral>,
}

impl SlackStandIn {
    fn page_data(&self, requested: Option<&str>) -> PageData {
        let config = self.config();
        let current = requested
            .and_then(|id| self.user(id))
            .or_else(|| config.users.first().cloned());
        let state = self.lock();
        let user_id = current.as_ref().map(|user| user.id.as_str()).unwrap_or_default();
        let ephemerals = state.ephemerals.get(user_id);
        let channels = [
            (&config.vetting_channel, "#iln-vetting (private)"),
            (&config.iln_channel, "#iln (private)"),
        ]
        .into_iter()
        .map(|(id, title)| ChannelView {
            id: id.clone(),
            title,
            messages: state.channels.get(id).cloned().unwrap_or_default(),
            ephemerals: ephemerals
                .map(|ephemerals| ephemerals.iter().filter(|e| &e.channel == id).cloned().collect())
                .unwrap_or_default(),
        })
        .collect();
        PageData {
            users: config.users.clone(),
            channels,
            notices: state.notices.get(user_id).cloned().unwrap_or_default(),
            modal: state.modals.get(user_id).cloned(),
            current,
        }
    }
}

pub(super) async fn page(State(standin): State<SlackStandIn>, RawQuery(query): RawQuery) -> Response {
    let query = Form::parse(query.unwrap_or_default().as_bytes());
    let requested = Some(query.get("as")).filter(|id| !id.is_empty());
    let html = render::page(&standin.page_data(requested));
    let mut response = Html(html).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// A message's permalink, as Slack's workspace address answers one: the
/// page, at the message.
pub(super) async fn permalink(
    State(standin): State<SlackStandIn>,
    axum::extract::Path((channel, message)): axum::extract::Path<(String, String)>,
) -> Response {
    let known = standin.messages(&channel).iter().any(|posted| {
        render::permalink_anchor(&posted.ts) == message
            || posted
                .replies
                .iter()
                .any(|reply| render::permalink_anchor(&reply.ts) == message)
    });
    match known {
        true => Redirect::to(&format!("/#{message}")).into_response(),
        false => (StatusCode::NOT_FOUND, "No such message in this channel.").into_response(),
    }
}

pub(super) async fn clear_notices(State(standin): State<SlackStandIn>, body: Bytes) -> Response {
    let form = Form::parse(&body);
    let Some(user) = standin.user(form.get("as")) else {
        return (StatusCode::BAD_REQUEST, "Unknown user: pick one on the page.").into_response();
    };
    standin.lock().notices.remove(&user.id);
    back_to(&user.id)
}

pub(super) fn back_to(user: &str) -> Response {
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("as", user)
        .finish();
    Redirect::to(&format!("/?{query}")).into_response()
}

/// The host the page was reached at, for `response_url`s; only plain host characters.
pub(super) fn host(headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("127.0.0.1")
        .to_owned()
}

/// A parsed `application/x-www-form-urlencoded` body or query.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(body: &[u8]) -> Self {
        Self(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(super) fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .unwrap_or_default()
    }

    pub(super) fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }

    pub(super) fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(key, _)| key == name)
    }
}
