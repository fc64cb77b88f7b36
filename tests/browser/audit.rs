//! Each page as a person sees it: axe-core's accessibility rules run in the
//! browser on the rendered page, and a full-page screenshot to look at.

use crate::stack::{Stack, repository_root, target_dir};
use serde::Deserialize;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize)]
pub struct Violation {
    pub id: String,
    pub impact: Option<String>,
    pub help: String,
    pub nodes: Vec<serde_json::Value>,
}

impl Violation {
    /// What the tests refuse: axe's `serious` and `critical`.
    pub fn blocks(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let targets: Vec<String> = self
            .nodes
            .iter()
            .take(3)
            .map(|node| node["target"].to_string())
            .collect();
        write!(
            f,
            "{} ({}, {} element(s), e.g. {}): {}",
            self.id,
            self.impact.as_deref().unwrap_or("no impact"),
            self.nodes.len(),
            targets.join(" "),
            self.help
        )
    }
}

/// The pages audited by one test, and what axe found on each.
#[derive(Default)]
pub struct Audit {
    pub pages: Vec<(String, Vec<Violation>)>,
}

pub fn screenshot_dir() -> PathBuf {
    target_dir().join("browser-screenshots")
}

fn axe_source() -> String {
    let path = repository_root().join("tests/browser/node_modules/axe-core/axe.min.js");
    std::fs::read_to_string(&path).unwrap_or_else(|error| {
        panic!(
            "{} ({error}): run `npm ci` in tests/browser (infra/test does)",
            path.display()
        )
    })
}

/// axe-core's violations on the page the browser shows, and how many of its
/// rules the page passed (none would mean axe saw no page).
pub async fn run_axe(stack: &Stack) -> (Vec<Violation>, usize) {
    let browser = &stack.browser;
    browser.execute(&axe_source(), vec![]).await.expect("axe-core loads");
    let found = browser
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] })
                .then(results => done(JSON.stringify(
                    { violations: results.violations, passed: results.passes.length })))
                .catch(error => done(JSON.stringify({ error: String(error) })));",
            vec![],
        )
        .await
        .expect("axe runs");
    let found = found.as_str().expect("axe's results as JSON text");
    #[derive(Deserialize)]
    struct Results {
        violations: Vec<Violation>,
        passed: usize,
    }
    let results: Results = serde_json::from_str(found).unwrap_or_else(|error| panic!("axe: {error}: {found}"));
    (results.violations, results.passed)
}

impl Audit {
    /// Runs axe on the page the browser shows and saves its screenshot as
    /// `<name>-<lang>.png`, checking first that the page says it is in `lang`.
    pub async fn page(&mut self, stack: &Stack, name: &str, lang: &str) {
        let browser = &stack.browser;
        let declared = browser
            .execute("return document.documentElement.lang", vec![])
            .await
            .expect("the page's language");
        assert_eq!(declared, lang, "{name}: <html lang> is {declared}");

        let (violations, passed) = run_axe(stack).await;
        assert!(passed > 0, "{name}-{lang}: axe checked nothing");
        self.screenshot(stack, &format!("{name}-{lang}")).await;
        self.pages.push((format!("{name}-{lang}"), violations));
    }

    /// A full-page PNG: the window is made as tall as the page for the shot.
    async fn screenshot(&self, stack: &Stack, file: &str) {
        let browser = &stack.browser;
        let size = browser
            .execute(
                "return [document.documentElement.scrollHeight, window.outerHeight - window.innerHeight]",
                vec![],
            )
            .await
            .expect("the page's height");
        let height = size[0].as_u64().unwrap_or(900) + size[1].as_u64().unwrap_or(0);
        browser
            .set_window_size(1280, u32::try_from(height.clamp(900, 16_000)).unwrap())
            .await
            .expect("resized");
        let png = browser.screenshot().await.expect("a screenshot");
        browser.set_window_size(1280, 900).await.expect("resized back");
        std::fs::create_dir_all(screenshot_dir()).unwrap();
        std::fs::write(screenshot_dir().join(format!("{file}.png")), png).unwrap();
    }

    /// Prints every violation of any impact, page by page, and fails on any
    /// serious or critical one.
    pub fn assert_no_serious_violations(&self) {
        let mut blocking = Vec::new();
        for (page, violations) in &self.pages {
            println!("axe {page}: {} violation(s)", violations.len());
            for violation in violations {
                println!("    {violation}");
                if violation.blocks() {
                    blocking.push(format!("{page}: {violation}"));
                }
            }
        }
        println!("screenshots in {}", screenshot_dir().display());
        assert!(
            blocking.is_empty(),
            "serious or critical accessibility violations:\n{}",
            blocking.join("\n")
        );
    }
}
