//! The process as a test drives it: a nomination submitted, verified,
//! decided, confirmed and answered, and the outbox delivering as Lambda
//! would.

use crate::{ILN_CHANNEL, TestApp, TestResponse, unique_address, vetter_token};
use chrono::{DateTime, Utc};
use iln_runner::stream::{PumpResult, StreamReader};
use serde_json::{Value, json};

/// A nomination whose nominator verified their address.
#[derive(Debug, Clone)]
pub struct Verified {
    pub id: String,
    pub nominator: String,
}

/// A nominee with an invitation in their mailbox.
#[derive(Debug, Clone)]
pub struct Invited {
    pub id: String,
    pub nominee: String,
    /// `/invitations/<token>`
    pub link: String,
}

/// A valid nomination as an API client sends it.
pub fn nomination(language: &str, nominee_email: &str, nominator_email: &str) -> Value {
    json!({
        "language": language,
        "nominee_name": "Amara Okafor",
        "nominee_email": nominee_email,
        "nominee_country": "NG",
        "nominee_role": "mediator",
        "nominator_name": "Lucía Fernández",
        "nominator_email": nominator_email,
        "nominator_basis": "iln_member",
        "rationale": "Amara built the first court-annexed mediation scheme in Lagos and trains new mediators.",
        "links": ["https://example.org/amara"],
        "privacy_consent": true
    })
}

impl TestApp {
    /// A nomination submitted by API, its nominator's address verified by the
    /// mailed link and its vetting card posted: the start of vetting.
    pub async fn verified_nomination(&self, language: &str) -> Verified {
        self.verified_nomination_from(nomination(language, &unique_address("amara"), &unique_address("lucia")))
            .await
    }

    pub async fn verified_nomination_from(&self, body: Value) -> Verified {
        let nominator = body["nominator_email"].as_str().unwrap_or_default().to_owned();
        let nominator = if nominator.is_empty() {
            body["nominee_email"].as_str().unwrap().to_owned()
        } else {
            nominator
        };
        let response = self.post_json(&body).await;
        assert_eq!(response.status, 202, "{}", response.body);
        let id = response.json()["id"].as_str().expect("id").to_owned();
        self.deliver_outbox().await;
        let mails = self.mails_to(&nominator).await;
        let link = mails.last().expect("verification mail").link_to("/nominations/verify");
        assert_eq!(self.verify(&link).await.status, 200);
        self.deliver_outbox().await;
        Verified { id, nominator }
    }

    /// The nominator opens the verification link (`/nominations/verify?token=…`)
    /// and presses the page's button, as a person does.
    pub async fn verify(&self, link: &str) -> TestResponse {
        self.verify_at(self.now, link).await
    }

    pub async fn verify_at(&self, now: DateTime<Utc>, link: &str) -> TestResponse {
        let page = self.request_at(now, "GET", link, &[], b"").await;
        if page.status != 200 || !page.body.contains("<form") {
            return page;
        }
        let token = link.split("token=").nth(1).unwrap_or_default();
        self.post_form_to(now, "/nominations/verify", &[("token", token)]).await
    }

    /// A decision as the test vetter.
    pub async fn decide(&self, id: &str, decision: Value) -> TestResponse {
        let token = vetter_token();
        self.staff_request(
            "POST",
            &format!("/vetting/nominations/{id}/decision"),
            Some(&token),
            Some(&decision),
        )
        .await
    }

    /// The nomination's file as the staff API shows it.
    pub async fn file(&self, id: &str) -> Value {
        let token = vetter_token();
        let response = self
            .staff_request("GET", &format!("/vetting/nominations/{id}"), Some(&token), None)
            .await;
        assert_eq!(response.status, 200, "{}", response.body);
        response.json()
    }

    /// A verified nomination approved by a vetter, its ILN card posted.
    pub async fn in_discussion(&self) -> Verified {
        self.in_discussion_in("en").await
    }

    /// The same, nominated in `language`.
    pub async fn in_discussion_in(&self, language: &str) -> Verified {
        self.approved(self.verified_nomination(language).await).await
    }

    /// The same, for the nomination the form's JSON `body` makes.
    pub async fn in_discussion_from(&self, body: Value) -> Verified {
        self.approved(self.verified_nomination_from(body).await).await
    }

    /// The vetter approves a just-verified nomination; its ILN card is posted.
    async fn approved(&self, nomination: Verified) -> Verified {
        let approved = self
            .decide(&nomination.id, json!({ "decision": "approve", "expected_version": 2 }))
            .await;
        assert_eq!(approved.status, 200, "{}", approved.body);
        self.deliver_outbox().await;
        nomination
    }

    /// A nomination confirmed in Slack (by `UC01`, an ILN member on the
    /// roster) whose invitation reached the nominee: returns it with the
    /// path of the invitation link.
    pub async fn invited_from(&self, body: Value) -> Invited {
        let nominee = body["nominee_email"].as_str().expect("nominee").to_owned();
        let nomination = self.approved(self.verified_nomination_from(body).await).await;
        self.iln_members(&["UC01"]).await;
        let confirmed = self.click("UC01", "iln.confirm", &nomination.id, 3, ILN_CHANNEL).await;
        assert_eq!(confirmed.status, 200);
        self.deliver_outbox().await;
        let mails = self.mails_to(&nominee).await;
        let link = mails.last().expect("an invitation").link_to("/invitations/");
        Invited {
            id: nomination.id,
            nominee,
            link,
        }
    }

    pub async fn invited(&self, language: &str) -> Invited {
        self.invited_from(nomination(language, &unique_address("amara"), &unique_address("lucia")))
            .await
    }

    /// The nominee's answer to an invitation through its page's form.
    pub async fn answer_invitation(&self, link: &str, answer: &str, form: &[(&str, &str)]) -> TestResponse {
        self.post_form_to(self.now, &format!("{link}/{answer}"), form).await
    }

    /// The reminder run as its schedules would make it for the event of
    /// `at`: the daily invocation, then continuations until it is complete.
    pub async fn run_reminders(&self, at: DateTime<Utc>) -> reminders::Summary {
        iln_runner::schedules::daily_run(&self.gateway.functions.reminders, at)
            .await
            .expect("reminder run")
    }

    /// Hands every new stream record to the outbox function, as Lambda would.
    pub async fn deliver_outbox(&self) -> PumpResult {
        let mut feed = self.feed.lock().await;
        Box::pin(feed.pump(&self.gateway.functions.outbox, self.now))
            .await
            .expect("stream readable")
    }

    /// The outbox's sweeper as its schedule would start it at `at`.
    pub async fn sweep_outbox(&self, at: DateTime<Utc>) -> outbox::SweepSummary {
        let deadline = outbox::Deadline::after(iln_runner::stream::OUTBOX_TIMEOUT);
        Box::pin(outbox::sweep(&self.gateway.functions.outbox, at, deadline))
            .await
            .expect("sweep")
    }

    /// Hands the SES events that mail to the mailbox simulator's addresses
    /// caused to the outbox, as SNS would; `None` when there were none.
    pub async fn deliver_mail_events(&self) -> Option<outbox::MailEventsSummary> {
        let event = self.mailbox.take_event()?;
        Some(
            Box::pin(outbox::handle_mail_events(
                &self.gateway.functions.outbox,
                event,
                self.now,
            ))
            .await
            .expect("SES events applied"),
        )
    }

    /// A reader of this table's stream from its start, apart from the one
    /// feeding the outbox: what the stream holds, not what was delivered.
    pub async fn stream_from_start(&self) -> StreamReader {
        let aws = iln_adapters::config::aws().await;
        StreamReader::open(
            &self.dynamodb,
            aws_sdk_dynamodbstreams::Client::new(&aws),
            &self.table_name,
        )
        .await
        .expect("the table has a stream")
        .with_ttl_deletes(self.ttl.deletes.clone())
    }
}
