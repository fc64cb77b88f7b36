//! The staff console as a browser uses it: signing in through the identity
//! provider's stand-in (served over HTTP, as Cognito's managed login is),
//! then pages and forms with the session's cookie.

use chrono::{DateTime, Utc};
use iln_runner::identity_provider::IdentityProvider;
use iln_runner::local;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};

use crate::{BASE_URL, TestApp, TestResponse};

/// The identity provider's address, reserved when the system is spawned
/// (the console is configured with it) and served only once a test signs
/// in: most tests never need its RSA key.
pub(crate) struct IdentityProviderSlot {
    pub url: String,
    listener: Mutex<Option<std::net::TcpListener>>,
    started: tokio::sync::OnceCell<()>,
    /// The stand-in's clock (milliseconds since the epoch): each sign-in
    /// sets it to the time the test signs in at.
    clock: Arc<AtomicI64>,
}

impl IdentityProviderSlot {
    pub fn reserve() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let url = format!("http://{}", listener.local_addr().expect("its address"));
        Self {
            url,
            listener: Mutex::new(Some(listener)),
            started: tokio::sync::OnceCell::new(),
            clock: Arc::new(AtomicI64::new(0)),
        }
    }

    /// Serves the stand-in, its clock the test's: the tokens it mints are
    /// as old as the handlers' clock says, however long the test runs.
    async fn start_at(&self, now: DateTime<Utc>) {
        self.clock.store(now.timestamp_millis(), Ordering::SeqCst);
        self.started
            .get_or_init(|| async {
                let listener = self.listener.lock().unwrap().take().expect("reserved once");
                listener.set_nonblocking(true).unwrap();
                let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                let config = local::identity_provider_config(&self.url, BASE_URL);
                let time = Arc::clone(&self.clock);
                let clock: iln_runner::identity_provider::Clock =
                    Arc::new(move || DateTime::from_timestamp_millis(time.load(Ordering::SeqCst)).unwrap_or_default());
                let provider = tokio::task::spawn_blocking(move || IdentityProvider::with_clock(config, clock))
                    .await
                    .unwrap()
                    .expect("the stand-in starts");
                tokio::spawn(axum::serve(listener, provider.router()).into_future());
            })
            .await;
    }
}

/// A demo member of staff of the stand-in (`infra/runner/src/local.rs`).
pub const CONSOLE_VETTER: &str = "local-vetter";
pub const CONSOLE_ADMIN: &str = "local-admin";

/// A browser signed in to the console.
#[derive(Debug, Clone)]
pub struct ConsoleSession {
    /// The `Cookie` header the browser sends to `/console`.
    pub cookie: String,
    /// The form token the console's pages carry.
    pub csrf: String,
}

/// Where a redirect goes.
pub fn location(response: &TestResponse) -> String {
    response
        .headers
        .get("location")
        .unwrap_or_else(|| panic!("a redirect, not {}: {}", response.status, response.body))
        .to_str()
        .unwrap()
        .to_owned()
}

/// The `name=value` of the cookie `name` that `response` sets.
pub fn set_cookie(response: &TestResponse, name: &str) -> Option<String> {
    response
        .headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .filter_map(|value| value.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")))
        .map(str::to_owned)
}

/// The value of the hidden field `name` on a page.
pub fn hidden_field(page: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = page.find(&marker)? + marker.len();
    let end = page[start..].find('"')?;
    Some(page[start..start + end].to_owned())
}

/// A console form's `multipart/form-data` body, as a browser sends it (the
/// token first), and its content type.
pub fn multipart(csrf: &str, file_field: &str, file: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----iln-console-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"{file_field}\"; filename=\"{file_field}.csv\"\r\n\
         Content-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A browser's visit to the identity provider: the sign-in page, then the
/// staff member picked on it; the answer is its redirect to the callback.
pub struct ProviderVisit {
    /// The callback the provider sends the browser to, path and query.
    pub callback: String,
    /// The sign-in cookie the console set when it sent the browser away.
    pub sign_in_cookie: String,
}

impl TestApp {
    /// Starts the console's sign-in at `now` and picks `subject` on the
    /// provider's page; the browser has not come back yet.
    pub async fn console_provider_visit(&self, now: DateTime<Utc>, subject: &str) -> ProviderVisit {
        self.identity_provider.start_at(now).await;
        let begun = self.request_at(now, "GET", "/console/sign-in", &[], b"").await;
        assert_eq!(begun.status, 303, "{}", begun.body);
        let sign_in_cookie =
            set_cookie(&begun, iln_domain::console_access::SIGN_IN_COOKIE).expect("the sign-in cookie");
        let authorize = location(&begun);
        assert!(authorize.starts_with(&self.identity_provider.url), "{authorize}");
        let page = self.http.get(&authorize).send().await.unwrap();
        assert_eq!(page.status(), 200, "the provider's sign-in page");
        let mut form: Vec<(String, String)> = reqwest::Url::parse(&authorize)
            .unwrap()
            .query_pairs()
            .into_owned()
            .collect();
        form.push(("subject".to_owned(), subject.to_owned()));
        let picked = self
            .http
            .post(format!("{}/oauth2/authorize", self.identity_provider.url))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(picked.status(), 302, "{}", picked.text().await.unwrap_or_default());
        let to = picked.headers()["location"].to_str().unwrap().to_owned();
        let callback = to
            .strip_prefix(BASE_URL)
            .unwrap_or_else(|| panic!("back to the console: {to}"))
            .to_owned();
        ProviderVisit {
            callback,
            sign_in_cookie,
        }
    }

    /// Signs `subject` in to the console, as a browser does it.
    pub async fn console_sign_in(&self, subject: &str) -> ConsoleSession {
        self.console_sign_in_at(self.now, subject).await
    }

    pub async fn console_sign_in_at(&self, now: DateTime<Utc>, subject: &str) -> ConsoleSession {
        let visit = self.console_provider_visit(now, subject).await;
        let back = self.get_with_cookie(now, &visit.callback, &visit.sign_in_cookie).await;
        assert_eq!(back.status, 303, "{}", back.body);
        let cookie = set_cookie(&back, iln_domain::console_access::SESSION_COOKIE).expect("a session");
        let home = self.get_with_cookie(now, "/console", &cookie).await;
        assert_eq!(home.status, 200, "{}", home.body);
        let csrf = hidden_field(&home.body, "csrf").expect("the form token");
        ConsoleSession { cookie, csrf }
    }

    /// A console page opened at `now`.
    pub async fn console_get(&self, now: DateTime<Utc>, session: &ConsoleSession, path: &str) -> TestResponse {
        self.get_with_cookie(now, path, &session.cookie).await
    }

    /// A console form posted at `now`, with the session's form token.
    pub async fn console_post(
        &self,
        now: DateTime<Utc>,
        session: &ConsoleSession,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> TestResponse {
        let mut pairs = pairs.to_vec();
        pairs.push(("csrf", &session.csrf));
        self.post_page_form(now, path, Some(&session.cookie), &pairs).await
    }

    /// A file uploaded from a console form (`multipart/form-data`).
    pub async fn console_upload(
        &self,
        now: DateTime<Utc>,
        session: &ConsoleSession,
        path: &str,
        file_field: &str,
        file: &str,
    ) -> TestResponse {
        self.console_upload_bytes(now, session, path, file_field, file.as_bytes())
            .await
    }

    /// A file of any bytes (not necessarily text) uploaded from a console
    /// form, with the session's form token.
    pub async fn console_upload_bytes(
        &self,
        now: DateTime<Utc>,
        session: &ConsoleSession,
        path: &str,
        file_field: &str,
        file: &[u8],
    ) -> TestResponse {
        self.console_upload_with_token(now, session, &session.csrf, path, file_field, file)
            .await
    }

    /// A file uploaded with `csrf` as the form's token (a forged form's, if
    /// it is not the session's).
    pub async fn console_upload_with_token(
        &self,
        now: DateTime<Utc>,
        session: &ConsoleSession,
        csrf: &str,
        path: &str,
        file_field: &str,
        file: &[u8],
    ) -> TestResponse {
        let (content_type, body) = multipart(csrf, file_field, file);
        self.request_at(
            now,
            "POST",
            path,
            &[("content-type", &content_type), ("cookie", &session.cookie)],
            &body,
        )
        .await
    }
}
