//! The people these tests play, and the texts they read, in either language.

use crate::stack::{Stack, repository_root};
use std::path::PathBuf;

/// A text of `shared/domain/templates/texts/<lang>.json` by its dotted key,
/// so that the tests read what a person reads, in their language.
pub fn text(lang: &str, key: &str) -> String {
    let path = repository_root().join(format!("shared/domain/templates/texts/{lang}.json"));
    let texts: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    key.split('.')
        .fold(&texts, |found, part| &found[part])
        .as_str()
        .unwrap_or_else(|| panic!("no text {key} in {lang}.json"))
        .to_owned()
}

/// A nomination made through the public form, by a nominator writing in `lang`.
pub struct Nomination {
    pub lang: &'static str,
    pub nominee_name: String,
    pub nominee_email: String,
    pub nominator_email: String,
}

impl Nomination {
    pub fn new(lang: &'static str) -> Self {
        let nominee_name = if lang == "es" { "Beatriz Solís" } else { "Amara Okafor" };
        Self {
            lang,
            nominee_name: nominee_name.to_owned(),
            nominee_email: iln_tests::unique_address("nominee"),
            nominator_email: iln_tests::unique_address("nominator"),
        }
    }

    /// Fills in the form the browser shows (`/nominate?lang=…`) and sends it.
    pub async fn submit_in_browser(&self, stack: &Stack) {
        let lang = self.lang;
        let typed = |id: &'static str, value: String| async move {
            stack
                .find(&format!("#{id}"))
                .await
                .send_keys(&value)
                .await
                .unwrap_or_else(|error| panic!("typing into {id}: {error}"));
        };
        let chosen = |css: &'static str| async move {
            stack
                .find(css)
                .await
                .click()
                .await
                .unwrap_or_else(|error| panic!("{css}: {error}"));
        };
        typed("nominee_name", self.nominee_name.clone()).await;
        typed("nominee_email", self.nominee_email.clone()).await;
        stack
            .find("#nominee_country")
            .await
            .select_by_value("NG")
            .await
            .unwrap();
        chosen("#nominee_role_mediator").await;
        typed("nominator_name", "Lucía Fernández".to_owned()).await;
        typed("nominator_email", self.nominator_email.clone()).await;
        chosen("#nominator_basis_iln_member").await;
        typed(
            "rationale",
            format!(
                "{} built the first court-annexed mediation scheme in Lagos and trains new mediators.",
                self.nominee_name
            ),
        )
        .await;
        typed("links_1", "https://example.org/work".to_owned()).await;
        stack.find("#language").await.select_by_value(lang).await.unwrap();
        stack
            .find("#nominee_language")
            .await
            .select_by_value(lang)
            .await
            .unwrap();
        chosen("#privacy_consent").await;
        stack.click_and_wait("form[method=post] button[type=submit]").await;
        stack.wait_for_text("h1", &text(lang, "thank_you.heading")).await;
    }

    /// Opens the verification link mailed to the nominator and confirms.
    pub async fn verify_in_browser(&self, stack: &Stack) {
        let mail = &stack.mails_for(&self.nominator_email, 1).await[0];
        stack.goto(&stack.link_in(mail, "/nominations/verify")).await;
        stack.click_and_wait("form button[type=submit]").await;
        stack.wait_for_text("h1", &text(self.lang, "verified.heading")).await;
    }
}

/// A cohort file of `count` people to invite directly, written to the run's
/// folder for the browser's file input; their addresses and languages.
pub fn cohort_file(stack: &Stack, name: &str, count: usize) -> (PathBuf, Vec<(String, &'static str)>) {
    let people: Vec<(String, &'static str)> = (0..count)
        .map(|index| {
            let language = if index % 2 == 0 { "es" } else { "en" };
            (iln_tests::unique_address(&format!("{name}{index}")), language)
        })
        .collect();
    let mut file = String::from("name,email,country,language,role,reason\n");
    for (index, (email, language)) in people.iter().enumerate() {
        file.push_str(&format!(
            "Persona {index},{email},ES,{language},board_emeritus,IMI Board Emeritus (first round)\n"
        ));
    }
    let path = stack.state_dir.join(format!("{name}.csv"));
    std::fs::write(&path, file).unwrap();
    (path, people)
}

/// A roster file for the console's upload, written to the run's folder: one
/// ILN member it stores and one line it refuses (an unknown category).
pub fn roster_file(stack: &Stack, name: &str) -> PathBuf {
    let file = format!(
        "email,name,category,country\n\
         {},Ngozi Adeyemi,iln_member,NG\n\
         {},Someone Unknown,certified_friend,ES\n",
        iln_tests::unique_address(&format!("{name}-leader")),
        iln_tests::unique_address(&format!("{name}-refused")),
    );
    let path = stack.state_dir.join(format!("{name}.csv"));
    std::fs::write(&path, file).unwrap();
    path
}
