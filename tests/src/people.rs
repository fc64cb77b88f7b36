//! The people a test needs, set up through the system's own doors: Slack
//! users in the test workspace, people on the roster (imported as staff
//! import it), vetters on the staff list.

use crate::{TestApp, admin_token};

/// The address a test gives the person it knows as Slack user `id`:
/// `UC01` is `uc01@iln.test`.
pub fn iln_address(id: &str) -> String {
    format!("{}@iln.test", id.to_lowercase())
}

impl TestApp {
    /// Slack users `ids`, each an ILN member on the roster with
    /// `iln_address(id)`: they may confirm, decline and raise concerns.
    pub async fn iln_members(&self, ids: &[&str]) {
        let people: Vec<(&str, &str)> = ids.iter().map(|id| (*id, "iln_member")).collect();
        self.on_roster(&people).await;
    }

    /// One ILN member on the roster, in Slack as `id`; their address.
    pub async fn iln_member(&self, id: &str) -> String {
        self.iln_members(&[id]).await;
        iln_address(id)
    }

    /// Slack users, each on the roster in a category (`iln_member`,
    /// `imi_certified_mediator`, `imi_certified_advocate`) with
    /// `iln_address(id)`, imported by an admin in one `PUT /vetting/roster`.
    pub async fn on_roster(&self, people: &[(&str, &str)]) {
        let mut csv = String::from("email,name,category,country\n");
        for (id, category) in people {
            self.slack_user(id, &iln_address(id), "en-US");
            csv.push_str(&format!("{},Person {id},{category},\n", iln_address(id)));
        }
        let token = admin_token();
        let imported = self
            .request(
                "PUT",
                "/vetting/roster",
                &[("authorization", &token), ("content-type", "text/csv")],
                csv.as_bytes(),
            )
            .await;
        assert_eq!(imported.status, 200, "{}", imported.body);
    }
}

/// A member as the process made them: invited, accepted, in Slack.
#[derive(Debug, Clone)]
pub struct Member {
    pub id: String,
    pub email: String,
    pub nomination: String,
}

impl TestApp {
    /// Someone in Slack as `slack_id` (locale `es-ES`), nominated,
    /// confirmed, invited and accepting: a member, added to the ILN channel
    /// by the outbox. Their address is unique to the test, as the mailbox
    /// is shared.
    pub async fn member(&self, slack_id: &str) -> Member {
        let email = crate::unique_address(&slack_id.to_lowercase());
        self.slack_user(slack_id, &email, "es-ES");
        let invited = self
            .invited_from(crate::nomination("en", &email, &crate::unique_address("lucia")))
            .await;
        let accepted = self
            .answer_invitation(&invited.link, "accept", &[("terms_version", crate::TERMS_VERSION)])
            .await;
        assert_eq!(accepted.status, 200, "{}", accepted.body);
        self.deliver_outbox().await;
        let members = self
            .staff_request("GET", "/admin/members", Some(&admin_token()), None)
            .await
            .json();
        let id = members["items"]
            .as_array()
            .expect("a list of members")
            .iter()
            .find(|member| member["email"] == email.as_str())
            .expect("the new member is listed")["id"]
            .as_str()
            .expect("an id")
            .to_owned();
        Member {
            id,
            email,
            nomination: invited.id,
        }
    }

    /// `member` asks for a sign-in link, and follows it: the browser's
    /// cookie for the site, `name=value`.
    pub async fn signed_in_as(&self, member: &Member) -> String {
        let asked = self
            .post_page_form(
                self.now,
                "/members/sign-in",
                None,
                &[("email", &member.email), ("lang", "en")],
            )
            .await;
        assert_eq!(asked.status, 200, "{}", asked.body);
        self.deliver_outbox().await;
        let link = self
            .mails_to(&member.email)
            .await
            .iter()
            .rev()
            .find(|mail| mail.text.contains("/members/session"))
            .expect("a sign-in mail")
            .link_to("/members/session");
        let token = link
            .split_once("token=")
            .and_then(|(_, rest)| rest.split('&').next())
            .expect("a token")
            .to_owned();
        let opened = self
            .post_page_form(self.now, "/members/session", None, &[("token", &token), ("lang", "en")])
            .await;
        assert_eq!(opened.status, 303, "{}", opened.body);
        let set_cookie = opened.headers["set-cookie"].to_str().expect("a cookie");
        set_cookie.split(';').next().expect("name=value").to_owned()
    }

    /// An admin derecognises `member` for `reason`.
    pub async fn derecognize(&self, member: &Member, reason: &str) -> crate::TestResponse {
        let path = format!("/admin/members/{}/derecognize", member.id);
        self.staff_request(
            "POST",
            &path,
            Some(&admin_token()),
            Some(&serde_json::json!({ "reason": reason })),
        )
        .await
    }
}

impl TestApp {
    /// An admin adds `email` to the staff list of vetters
    /// (`PUT /staff/vetters/{email}`).
    pub async fn add_vetter(&self, email: &str) -> crate::TestResponse {
        let path = format!("/staff/vetters/{email}");
        self.staff_request("PUT", &path, Some(&admin_token()), None).await
    }

    /// An admin removes `email` from the staff list of vetters.
    pub async fn remove_vetter(&self, email: &str) -> crate::TestResponse {
        let path = format!("/staff/vetters/{email}");
        self.staff_request("DELETE", &path, Some(&admin_token()), None).await
    }

    /// Slack user `slack_id` with `iln_address(slack_id)`, put on the staff
    /// list of vetters by an admin; their address.
    pub async fn vetter(&self, slack_id: &str) -> String {
        let email = iln_address(slack_id);
        self.slack_user(slack_id, &email, "en-GB");
        let added = self.add_vetter(&email).await;
        assert_eq!(added.status, 200, "{}", added.body);
        email
    }
}
