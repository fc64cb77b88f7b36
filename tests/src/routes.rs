//! One representative request per route, with the state it needs made
//! first: what the round-trip test pins and what the bench times. Kept in
//! one place so that both speak of the same request.

use crate::{
    ILN_CHANNEL, SIGNING_SECRET, SLACK_VETTER, TERMS_VERSION, TestApp, TestResponse, VETTING_CHANNEL, admin_token,
    click_payload, nomination, unique_address, vetter_token,
};
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

/// A route as a client uses it, in a state where it succeeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteCase {
    FormPage,
    Submit,
    VerificationPage,
    Verify,
    StatusPage,
    Queue,
    Detail,
    Approve,
    Correction,
    RosterImport,
    SlackApprove,
    SlackConfirm,
    InvitationPage,
    Accept,
    Members,
    Export,
    Erase,
    NoticePage,
    Object,
    MemberSignIn,
    MemberPage,
    ConsoleQueue,
    ConsoleFile,
    ConsoleApprove,
    ConsoleCoverage,
    ConsoleRoster,
    ConsoleRosterImport,
    ConsoleRosterRemoval,
}

/// A request ready to send, and the status it is expected to get.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub method: &'static str,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// API Gateway's source address: the form limits submissions per network.
    pub source_ip: String,
    pub expect: u16,
}

/// Rows of the roster the import case sends (a realistic small update).
pub const ROSTER_IMPORT_ROWS: usize = 25;

impl RouteCase {
    pub const ALL: &'static [RouteCase] = &[
        RouteCase::FormPage,
        RouteCase::Submit,
        RouteCase::VerificationPage,
        RouteCase::Verify,
        RouteCase::StatusPage,
        RouteCase::Queue,
        RouteCase::Detail,
        RouteCase::Approve,
        RouteCase::Correction,
        RouteCase::RosterImport,
        RouteCase::SlackApprove,
        RouteCase::SlackConfirm,
        RouteCase::InvitationPage,
        RouteCase::Accept,
        RouteCase::Members,
        RouteCase::Export,
        RouteCase::Erase,
        RouteCase::NoticePage,
        RouteCase::Object,
        RouteCase::MemberSignIn,
        RouteCase::MemberPage,
        RouteCase::ConsoleQueue,
        RouteCase::ConsoleFile,
        RouteCase::ConsoleApprove,
        RouteCase::ConsoleCoverage,
        RouteCase::ConsoleRoster,
        RouteCase::ConsoleRosterImport,
        RouteCase::ConsoleRosterRemoval,
    ];

    /// The route as template.yaml keys it, and what the request does there.
    pub fn describe(self) -> &'static str {
        match self {
            RouteCase::FormPage => "GET /nominate",
            RouteCase::Submit => "POST /nominations (JSON)",
            RouteCase::VerificationPage => "GET /nominations/verify",
            RouteCase::Verify => "POST /nominations/verify",
            RouteCase::StatusPage => "GET /nominations/status",
            RouteCase::Queue => "GET /vetting/nominations",
            RouteCase::Detail => "GET /vetting/nominations/{id}",
            RouteCase::Approve => "POST /vetting/nominations/{id}/decision (approve)",
            RouteCase::Correction => "POST /vetting/nominations/{id}/corrections (the name)",
            RouteCase::RosterImport => "PUT /vetting/roster (25 rows)",
            RouteCase::SlackApprove => "POST /slack/interactions (approve)",
            RouteCase::SlackConfirm => "POST /slack/interactions (confirm)",
            RouteCase::InvitationPage => "GET /invitations/{token}",
            RouteCase::Accept => "POST /invitations/{token}/accept",
            RouteCase::Members => "GET /admin/members",
            RouteCase::Export => "GET /admin/people/export",
            RouteCase::Erase => "POST /admin/people/erase",
            RouteCase::NoticePage => "GET /nominations/notice",
            RouteCase::Object => "POST /nominations/notice (object)",
            RouteCase::MemberSignIn => "POST /members/sign-in (a member's address)",
            RouteCase::MemberPage => "GET /members/me (signed in)",
            RouteCase::ConsoleQueue => "GET /console/nominations (signed in)",
            RouteCase::ConsoleFile => "GET /console/nominations/{id} (signed in)",
            RouteCase::ConsoleApprove => "POST /console/nominations/{id}/decision (approve)",
            RouteCase::ConsoleCoverage => "GET /console/coverage (signed in)",
            RouteCase::ConsoleRoster => "GET /console/roster (all categories)",
            RouteCase::ConsoleRosterImport => "POST /console/roster/import (25 rows)",
            RouteCase::ConsoleRosterRemoval => "POST /console/roster/removal",
        }
    }

    /// Whether preparing it walks a nomination through several steps (and
    /// the outbox): the bench runs such cases fewer times.
    pub fn has_long_set_up(self) -> bool {
        matches!(
            self,
            RouteCase::Approve
                | RouteCase::Correction
                | RouteCase::StatusPage
                | RouteCase::Detail
                | RouteCase::SlackApprove
                | RouteCase::SlackConfirm
                | RouteCase::InvitationPage
                | RouteCase::Accept
                | RouteCase::Export
                | RouteCase::Erase
                | RouteCase::NoticePage
                | RouteCase::Object
                | RouteCase::MemberSignIn
                | RouteCase::MemberPage
                | RouteCase::ConsoleFile
                | RouteCase::ConsoleApprove
                | RouteCase::ConsoleRoster
                | RouteCase::ConsoleRosterImport
                | RouteCase::ConsoleRosterRemoval
        )
    }
}

impl TestApp {
    async fn import_roster_from_console(&self, session: &crate::ConsoleSession, csv: &str) {
        let imported = self
            .console_upload(self.now, session, "/console/roster/import", "roster", csv)
            .await;
        assert_eq!(imported.status, 200, "{}", imported.body);
    }

    /// `user` has used `/iln` once: the webhook has looked them up in Slack.
    async fn seen_in_slack(&self, user: &str) {
        let command = format!("command=%2Filn&text=help&user_id={user}");
        let answered = self
            .from_slack(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                command.as_bytes(),
                &[],
            )
            .await;
        assert_eq!(answered.status, 200, "{}", answered.body);
    }
}

fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    crate::form_body(pairs).into_bytes()
}

/// A Slack user id no other call uses: each prepared member is someone new.
fn slack_id() -> String {
    format!("U{}", ulid::Ulid::new().to_string().to_uppercase())
}

/// A distinct /24 for each call: the form counts submissions per network.
fn fresh_source_ip() -> String {
    let n = ulid::Ulid::new().random();
    format!("10.{}.{}.7", (n >> 8) as u8, n as u8)
}

impl TestApp {
    /// Makes the state `case` needs and returns its request.
    pub async fn prepare(&self, case: RouteCase) -> Prepared {
        let plain = |method, path: String, headers: Vec<(String, String)>, body: Vec<u8>, expect| Prepared {
            method,
            path,
            headers,
            body,
            source_ip: iln_runner::gateway::LOOPBACK.to_owned(),
            expect,
        };
        let vetter = vetter_token();
        let admin = admin_token();
        match case {
            RouteCase::FormPage => plain("GET", "/nominate".to_owned(), Vec::new(), Vec::new(), 200),
            RouteCase::Submit => Prepared {
                source_ip: fresh_source_ip(),
                ..plain(
                    "POST",
                    "/nominations".to_owned(),
                    owned(&[("content-type", "application/json")]),
                    nomination("en", &unique_address("amara"), &unique_address("lucia"))
                        .to_string()
                        .into_bytes(),
                    202,
                )
            },
            RouteCase::VerificationPage | RouteCase::Verify => {
                let nominator = unique_address("lucia");
                let submitted = self
                    .post_json(&nomination("en", &unique_address("amara"), &nominator))
                    .await;
                assert_eq!(submitted.status, 202, "{}", submitted.body);
                self.deliver_outbox().await;
                let link = self
                    .mails_to(&nominator)
                    .await
                    .last()
                    .expect("verification mail")
                    .link_to("/nominations/verify");
                match case {
                    RouteCase::VerificationPage => plain("GET", link, Vec::new(), Vec::new(), 200),
                    _ => {
                        let token = link.split("token=").nth(1).unwrap_or_default().to_owned();
                        plain(
                            "POST",
                            "/nominations/verify".to_owned(),
                            owned(&[("content-type", "application/x-www-form-urlencoded")]),
                            form(&[("token", &token)]),
                            200,
                        )
                    }
                }
            }
            RouteCase::StatusPage => {
                let verified = self.verified_nomination("en").await;
                let mails = self.mails_to(&verified.nominator).await;
                let link = mails.first().expect("verification mail").link_to("/nominations/status");
                plain("GET", link, Vec::new(), Vec::new(), 200)
            }
            RouteCase::Correction => {
                let verified = self.verified_nomination("en").await;
                plain(
                    "POST",
                    format!("/vetting/nominations/{}/corrections", verified.id),
                    owned(&[("authorization", &vetter), ("content-type", "application/json")]),
                    json!({ "nominee": { "name": "Amara N. Okafor" }, "reason": "Spelling.", "expected_version": 2 })
                        .to_string()
                        .into_bytes(),
                    200,
                )
            }
            RouteCase::Queue => plain(
                "GET",
                "/vetting/nominations?status=awaiting_vetting".to_owned(),
                owned(&[("authorization", &vetter)]),
                Vec::new(),
                200,
            ),
            RouteCase::Detail => {
                let verified = self.verified_nomination("en").await;
                plain(
                    "GET",
                    format!("/vetting/nominations/{}", verified.id),
                    owned(&[("authorization", &vetter)]),
                    Vec::new(),
                    200,
                )
            }
            RouteCase::Approve => {
                let verified = self.verified_nomination("en").await;
                plain(
                    "POST",
                    format!("/vetting/nominations/{}/decision", verified.id),
                    owned(&[("authorization", &vetter), ("content-type", "application/json")]),
                    json!({ "decision": "approve", "expected_version": 2 })
                        .to_string()
                        .into_bytes(),
                    200,
                )
            }
            RouteCase::RosterImport => {
                let mut csv = String::from("email,name,category,country\n");
                for _ in 0..ROSTER_IMPORT_ROWS {
                    csv.push_str(&format!(
                        "{},Roster Person,imi_certified_mediator,KE\n",
                        unique_address("roster")
                    ));
                }
                plain(
                    "PUT",
                    "/vetting/roster".to_owned(),
                    owned(&[("authorization", &admin), ("content-type", "text/csv")]),
                    csv.into_bytes(),
                    200,
                )
            }
            RouteCase::SlackApprove | RouteCase::SlackConfirm => {
                // Clicks by people the webhook has seen before (their `/iln
                // help`), as most clicks are: the first asks Slack who they are.
                let payload = match case {
                    RouteCase::SlackApprove => {
                        let verified = self.verified_nomination("en").await;
                        self.seen_in_slack(SLACK_VETTER).await;
                        click_payload(SLACK_VETTER, "vetting.approve", &verified.id, 2, VETTING_CHANNEL)
                    }
                    _ => {
                        self.iln_members(&["UC01"]).await;
                        let discussed = self.in_discussion().await;
                        self.seen_in_slack("UC01").await;
                        click_payload("UC01", "iln.confirm", &discussed.id, 3, ILN_CHANNEL)
                    }
                };
                let body = TestApp::interaction_body(&payload);
                let timestamp = self.now.timestamp().to_string();
                let signature = iln_domain::slack::signature::sign(SIGNING_SECRET, &timestamp, &body);
                plain(
                    "POST",
                    "/slack/interactions".to_owned(),
                    owned(&[
                        ("content-type", "application/x-www-form-urlencoded"),
                        ("x-slack-request-timestamp", &timestamp),
                        ("x-slack-signature", &signature),
                    ]),
                    body,
                    200,
                )
            }
            RouteCase::InvitationPage => {
                let invited = self.invited("en").await;
                plain("GET", invited.link, Vec::new(), Vec::new(), 200)
            }
            RouteCase::Accept => {
                let invited = self.invited("en").await;
                plain(
                    "POST",
                    format!("{}/accept", invited.link),
                    owned(&[("content-type", "application/x-www-form-urlencoded")]),
                    form(&[("terms_version", TERMS_VERSION)]),
                    200,
                )
            }
            RouteCase::MemberSignIn => {
                let member = self.member(&slack_id()).await;
                plain(
                    "POST",
                    "/members/sign-in".to_owned(),
                    owned(&[("content-type", "application/x-www-form-urlencoded")]),
                    form(&[("email", &member.email), ("lang", "en")]),
                    200,
                )
            }
            RouteCase::MemberPage => {
                let member = self.member(&slack_id()).await;
                let cookie = self.signed_in_as(&member).await;
                plain(
                    "GET",
                    "/members/me".to_owned(),
                    owned(&[("cookie", &cookie)]),
                    Vec::new(),
                    200,
                )
            }
            RouteCase::ConsoleCoverage => {
                let session = self.console_sign_in(crate::CONSOLE_VETTER).await;
                plain(
                    "GET",
                    "/console/coverage".to_owned(),
                    owned(&[("cookie", &session.cookie)]),
                    Vec::new(),
                    200,
                )
            }
            RouteCase::ConsoleQueue => {
                let session = self.console_sign_in(crate::CONSOLE_VETTER).await;
                plain(
                    "GET",
                    "/console/nominations?status=awaiting_vetting".to_owned(),
                    owned(&[("cookie", &session.cookie)]),
                    Vec::new(),
                    200,
                )
            }
            RouteCase::ConsoleFile | RouteCase::ConsoleApprove => {
                let verified = self.verified_nomination("en").await;
                let session = self.console_sign_in(crate::CONSOLE_VETTER).await;
                let path = format!("/console/nominations/{}", verified.id);
                match case {
                    RouteCase::ConsoleFile => {
                        plain("GET", path, owned(&[("cookie", &session.cookie)]), Vec::new(), 200)
                    }
                    _ => plain(
                        "POST",
                        format!("{path}/decision"),
                        owned(&[
                            ("cookie", &session.cookie),
                            ("content-type", "application/x-www-form-urlencoded"),
                        ]),
                        form(&[
                            ("decision", "approve"),
                            ("reason", ""),
                            ("expected_version", "2"),
                            ("csrf", &session.csrf),
                        ]),
                        303,
                    ),
                }
            }
            RouteCase::ConsoleRoster | RouteCase::ConsoleRosterImport | RouteCase::ConsoleRosterRemoval => {
                let session = self.console_sign_in(crate::CONSOLE_ADMIN).await;
                let mut csv = String::from("email,name,category,country\n");
                let first = unique_address("roster");
                csv.push_str(&format!("{first},Roster Person,iln_member,KE\n"));
                for _ in 1..ROSTER_IMPORT_ROWS {
                    csv.push_str(&format!(
                        "{},Roster Person,imi_certified_mediator,KE\n",
                        unique_address("roster")
                    ));
                }
                let cookie = ("cookie", session.cookie.as_str());
                match case {
                    RouteCase::ConsoleRoster => {
                        self.import_roster_from_console(&session, &csv).await;
                        plain("GET", "/console/roster".to_owned(), owned(&[cookie]), Vec::new(), 200)
                    }
                    RouteCase::ConsoleRosterImport => {
                        let (content_type, body) = crate::console::multipart(&session.csrf, "roster", csv.as_bytes());
                        plain(
                            "POST",
                            "/console/roster/import".to_owned(),
                            owned(&[cookie, ("content-type", &content_type)]),
                            body,
                            200,
                        )
                    }
                    _ => {
                        self.import_roster_from_console(&session, &csv).await;
                        plain(
                            "POST",
                            "/console/roster/removal".to_owned(),
                            owned(&[cookie, ("content-type", "application/x-www-form-urlencoded")]),
                            form(&[("email", &first), ("csrf", &session.csrf)]),
                            303,
                        )
                    }
                }
            }
            RouteCase::Members => plain(
                "GET",
                "/admin/members".to_owned(),
                owned(&[("authorization", &admin)]),
                Vec::new(),
                200,
            ),
            RouteCase::NoticePage | RouteCase::Object => {
                let nominee = unique_address("amara");
                self.in_discussion_from(nomination("en", &nominee, &unique_address("lucia")))
                    .await;
                let mails = self.mails_to(&nominee).await;
                let link = mails
                    .last()
                    .expect("the nominee's notice")
                    .link_to("/nominations/notice");
                match case {
                    RouteCase::NoticePage => plain("GET", link, Vec::new(), Vec::new(), 200),
                    _ => {
                        let token = link.split("token=").nth(1).unwrap_or_default();
                        let token = token.split('&').next().unwrap_or_default().to_owned();
                        plain(
                            "POST",
                            "/nominations/notice".to_owned(),
                            owned(&[("content-type", "application/x-www-form-urlencoded")]),
                            form(&[("token", &token), ("answer", "object")]),
                            200,
                        )
                    }
                }
            }
            RouteCase::Export | RouteCase::Erase => {
                let verified = self.verified_nomination("en").await;
                match case {
                    RouteCase::Export => plain(
                        "GET",
                        format!(
                            "/admin/people/export?email={}",
                            url::form_urlencoded::byte_serialize(verified.nominator.as_bytes()).collect::<String>()
                        ),
                        owned(&[("authorization", &admin)]),
                        Vec::new(),
                        200,
                    ),
                    _ => plain(
                        "POST",
                        "/admin/people/erase".to_owned(),
                        owned(&[("authorization", &admin), ("content-type", "application/json")]),
                        json!({ "email": verified.nominator }).to_string().into_bytes(),
                        200,
                    ),
                }
            }
        }
    }

    /// Sends a prepared request through the gateway, at `self.now`.
    pub async fn send(&self, prepared: &Prepared) -> TestResponse {
        let mut headers = HeaderMap::new();
        for (name, value) in &prepared.headers {
            headers.append(
                HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                HeaderValue::from_str(value).expect("header value"),
            );
        }
        let response = Box::pin(self.gateway.handle_from(
            &prepared.source_ip,
            prepared.method,
            &prepared.path,
            &headers,
            &prepared.body,
            self.now,
        ))
        .await;
        crate::into_test_response(response)
    }
}
