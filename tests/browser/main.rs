//! The browser tests: headless Chromium, driven over WebDriver, against the
//! real `iln-runner` (what `./infra/up` runs), with DynamoDB Local and the SES
//! emulator that `infra/test` started. Each test starts a stack of its own
//! (own ports, table and state folder), so they run beside the e2e tests.
//!
//! Every page these tests open in both languages is checked with axe-core;
//! its screenshot lands in `<target>/browser-screenshots/<page>-<lang>.png`.

// Test code only: clippy's allow-*-in-tests covers #[test] functions, not
// the helpers beside them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod people;
mod stack;

use audit::Audit;
use people::{Nomination, cohort_file, roster_file, text};
use stack::Stack;

const VERA: &str = "Vera (IMI vetter)";
const ADA: &str = "Ada (IMI administrator)";

/// The `#iln` channel's column on the Slack stand-in's page.
const ILN_COLUMN: &str = "section.channel";

#[tokio::test]
async fn a_vetter_approves_a_nomination_in_the_console_and_its_card_reaches_the_iln() {
    let stack = Stack::start("vetter").await;
    let nomination = Nomination::new("en");
    stack.goto("/nominate").await;
    nomination.submit_in_browser(&stack).await;
    nomination.verify_in_browser(&stack).await;

    stack.sign_in(VERA).await;
    let listed = stack.wait_for_text("main a", &nomination.nominee_name).await;
    assert!(
        stack
            .browser
            .find(fantoccini::Locator::Css("a[href='/console/invitations']"))
            .await
            .is_err(),
        "a vetter is not offered the admin's pages"
    );
    listed.click().await.expect("the file opens");
    stack.wait_for_text("h1", &nomination.nominee_name).await;
    stack
        .find("input#decision-approve")
        .await
        .click()
        .await
        .expect("Approve chosen");
    stack
        .click_and_wait("form[action$='/decision'] button[type=submit]")
        .await;
    stack
        .wait_for_text("[role=status], .notice", &text("en", "console.said.decided"))
        .await;

    // The ILN is asked to discuss it: its card reaches #iln on the stand-in.
    stack
        .browser
        .goto(&format!("{}/", stack.slack_url))
        .await
        .expect("the stand-in's page");
    let started = std::time::Instant::now();
    loop {
        let columns = stack
            .browser
            .find_all(fantoccini::Locator::Css(ILN_COLUMN))
            .await
            .unwrap();
        let mut iln = String::new();
        for column in columns {
            let shown = column.text().await.unwrap_or_default();
            if shown.starts_with("#iln (") {
                iln = shown;
            }
        }
        if iln.contains(&nomination.nominee_name) {
            break;
        }
        assert!(
            started.elapsed() < stack::PATIENCE,
            "no card for {} in #iln:\n{iln}",
            nomination.nominee_name
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        stack.browser.refresh().await.unwrap();
    }
}

#[tokio::test]
async fn an_admin_invites_a_cohort_of_twenty_from_a_csv_file() {
    let stack = Stack::start("admin").await;
    stack.sign_in(ADA).await;
    stack
        .find("a[href='/console/invitations']")
        .await
        .click()
        .await
        .expect("Direct invitations");
    stack.wait_for_text("h1", &text("en", "console.cohort.heading")).await;

    let (path, people) = cohort_file(&stack, "cohort", 20);
    stack
        .find("input#cohort")
        .await
        .send_keys(&path.display().to_string())
        .await
        .expect("the file chosen");
    stack
        .click_and_wait("form[action='/console/invitations/review'] button")
        .await;
    stack.wait_for_text("[role=status]", "20 of 20 lines can be sent").await;
    stack
        .click_and_wait("form[action='/console/invitations/send'] button")
        .await;
    stack.wait_for_text("[role=status]", "20 invitations sent").await;

    for (address, _) in &people {
        let mails = stack.mails_for(address, 1).await;
        assert_eq!(mails.len(), 1, "one invitation to {address}");
        stack.link_in(&mails[0], "/invitations/");
    }

    // One of them accepts, and is later derecognised from the console.
    let (address, _) = &people[3];
    let invitation = stack.mails_for(address, 1).await.remove(0);
    stack.goto(&stack.link_in(&invitation, "/invitations/")).await;
    stack.click_and_wait("form[action$='/accept'] button").await;
    stack
        .wait_for_text("h1", &text("en", "invitation_accepted.heading"))
        .await;

    stack.goto("/console/members").await;
    stack.wait_for_text("main a", "Persona 3").await.click().await.unwrap();
    stack.wait_for_text("h1", "Persona 3").await;
    stack
        .find("textarea#reason")
        .await
        .send_keys("Shared a nominee's file outside the ILN.")
        .await
        .unwrap();
    stack.find("input#refer_to_iac").await.click().await.unwrap();
    stack.click_and_wait("form[action$='/derecognition'] button").await;
    stack
        .wait_for_text(".notice[role=status]", &text("en", "console.members.derecognized_now"))
        .await;
    stack
        .wait_for_text("dd", &text("en", "console.members.statuses.derecognized"))
        .await;
    let told = text("en", "emails.derecognition.subject");
    let started = std::time::Instant::now();
    while !stack
        .mails_for(address, 1)
        .await
        .iter()
        .any(|mail| mail.subject == told)
    {
        assert!(
            started.elapsed() < stack::PATIENCE,
            "no “{told}” mail to the derecognised member"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

#[tokio::test]
async fn every_page_in_both_languages_passes_axe_without_serious_violations() {
    let stack = Stack::start("accessibility").await;
    let mut audit = Audit::default();

    // The check itself: a picture without a text alternative is refused.
    stack
        .browser
        .goto("data:text/html,<!DOCTYPE html><html lang=en><title>t</title><main><img src=x.png></main></html>")
        .await
        .unwrap();
    let (violations, _) = audit::run_axe(&stack).await;
    assert!(
        violations
            .iter()
            .any(|violation| violation.id == "image-alt" && violation.blocks()),
        "{violations:?}"
    );

    // The public pages, as a nominator meets them.
    let mut nominations = Vec::new();
    for lang in ["en", "es"] {
        stack.goto(&format!("/privacy?lang={lang}")).await;
        audit.page(&stack, "privacy", lang).await;
        let nomination = Nomination::new(lang);
        stack.goto(&format!("/nominate?lang={lang}")).await;
        audit.page(&stack, "nomination-form", lang).await;
        nomination.submit_in_browser(&stack).await;
        audit.page(&stack, "thank-you", lang).await;
        nominations.push(nomination);
    }
    for nomination in &nominations {
        let lang = nomination.lang;
        let mail = &stack.mails_for(&nomination.nominator_email, 1).await[0];
        stack.goto(&stack.link_in(mail, "/nominations/withdraw")).await;
        audit.page(&stack, "withdraw", lang).await;
        stack.goto(&stack.link_in(mail, "/nominations/verify")).await;
        audit.page(&stack, "verify", lang).await;
        stack.click_and_wait("form button[type=submit]").await;
        stack.wait_for_text("h1", &text(lang, "verified.heading")).await;
        audit.page(&stack, "verified", lang).await;
    }

    // The console, in English and then, switched in its header, in Spanish.
    stack.sign_in(ADA).await;
    let mut invited = Vec::new();
    for (nomination, lang) in nominations.iter().zip(["en", "es"]) {
        stack.goto("/console").await;
        if lang == "es" {
            stack.click_and_wait("form[action='/console/language'] button").await;
        }
        stack.wait_for_text("main a", &nomination.nominee_name).await;
        audit.page(&stack, "console-queue", lang).await;

        stack
            .wait_for_text("main a", &nomination.nominee_name)
            .await
            .click()
            .await
            .unwrap();
        stack.wait_for_text("h1", &nomination.nominee_name).await;
        audit.page(&stack, "console-file", lang).await;
        // Asking the nominator for more leads to the information form.
        stack.find("input#decision-request_info").await.click().await.unwrap();
        stack
            .find("textarea#reason")
            .await
            .send_keys("How do you know the nominee's work?")
            .await
            .unwrap();
        stack
            .click_and_wait("form[action$='/decision'] button[type=submit]")
            .await;
        stack
            .wait_for_text("[role=status], .notice", &text(lang, "console.said.decided"))
            .await;

        stack.goto("/console/invitations").await;
        audit.page(&stack, "console-invitations-upload", lang).await;
        let (path, people) = cohort_file(&stack, &format!("invited-{lang}"), 2);
        invited.extend(people);
        stack
            .find("input#cohort")
            .await
            .send_keys(&path.display().to_string())
            .await
            .unwrap();
        stack
            .click_and_wait("form[action='/console/invitations/review'] button")
            .await;
        stack.find("form[action='/console/invitations/send']").await;
        audit.page(&stack, "console-invitations-review", lang).await;
        stack
            .click_and_wait("form[action='/console/invitations/send'] button")
            .await;
        stack.find(".notice[role=status]").await;
        audit.page(&stack, "console-invitations-sent", lang).await;

        // The other admin pages: coverage, the members directory, the
        // roster, messages, data protection.
        for (path, name) in [
            ("/console/coverage", "console-coverage"),
            ("/console/members", "console-members"),
            ("/console/roster", "console-roster"),
            ("/console/messages", "console-messages"),
            ("/console/people", "console-people"),
        ] {
            stack.goto(path).await;
            stack.find("main h1").await;
            audit.page(&stack, name, lang).await;
        }

        // A roster file uploaded: what was stored, and the line refused and why.
        stack.goto("/console/roster").await;
        let roster = roster_file(&stack, &format!("roster-{lang}"));
        stack
            .find("input#roster")
            .await
            .send_keys(&roster.display().to_string())
            .await
            .unwrap();
        stack
            .click_and_wait("form[action='/console/roster/import'] button")
            .await;
        stack
            .wait_for_text(
                ".notice[role=status]",
                &text(lang, "console.roster.stored")
                    .replace("{accepted}", "1")
                    .replace("{refused}", "1"),
            )
            .await;
        stack.find("main table caption").await;
        audit.page(&stack, "console-roster-imported", lang).await;

        // The not-found notice does not follow the session's language (it
        // follows ?lang and the browser's): asked for here.
        stack
            .goto(&format!("/console/nominations/01ARZ3NDEKTSV4RRFFQ69G5FAV?lang={lang}"))
            .await;
        stack
            .wait_for_text("h1", &text(lang, "console.notices.not_found.title"))
            .await;
        audit.page(&stack, "console-not-found", lang).await;
    }
    for lang in ["en", "es"] {
        stack.goto(&format!("/console/signed-out?lang={lang}")).await;
        stack
            .wait_for_text("h1", &text(lang, "console.notices.signed_out.title"))
            .await;
        audit.page(&stack, "console-signed-out", lang).await;
    }

    // What the mail leads to: the information form and an invitation.
    for nomination in &nominations {
        let lang = nomination.lang;
        let mails = stack.mails_for(&nomination.nominator_email, 2).await;
        let asked = mails
            .iter()
            .find(|mail| mail.text.contains("/nominations/information"))
            .expect("the request for information");
        stack.goto(&stack.link_in(asked, "/nominations/information")).await;
        audit.page(&stack, "information-form", lang).await;
    }
    for lang in ["en", "es"] {
        let (address, _) = invited.iter().find(|(_, language)| *language == lang).unwrap();
        let mail = &stack.mails_for(address, 1).await[0];
        stack.goto(&stack.link_in(mail, "/invitations/")).await;
        audit.page(&stack, "invitation", lang).await;
    }

    audit.assert_no_serious_violations();
}

#[tokio::test]
async fn signing_out_in_the_browser_ends_at_the_signed_out_notice() {
    let stack = Stack::start("sign-out").await;
    stack.sign_in(VERA).await;
    // What the browser refuses, as the page hears it.
    stack
        .browser
        .execute(
            "window.refused = [];
             document.addEventListener('securitypolicyviolation',
                 event => window.refused.push(event.violatedDirective + ' ' + event.blockedURI));",
            vec![],
        )
        .await
        .unwrap();
    stack
        .find("form[action='/console/sign-out'] button")
        .await
        .click()
        .await
        .unwrap();
    let started = std::time::Instant::now();
    while !stack
        .browser
        .current_url()
        .await
        .unwrap()
        .path()
        .ends_with("/console/signed-out")
    {
        if started.elapsed() > std::time::Duration::from_secs(20) {
            let refused = stack.browser.execute("return window.refused", vec![]).await;
            panic!(
                "still on {} after signing out; refused by the page's policy: {refused:?}",
                stack.browser.current_url().await.unwrap()
            );
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    stack
        .wait_for_text("h1", &text("en", "console.notices.signed_out.title"))
        .await;
    stack.goto("/console").await;
    stack.wait_for_text("label", VERA).await;
}
