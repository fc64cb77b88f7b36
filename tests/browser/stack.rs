//! What a new user runs with `./infra/up`, started for one test: the real
//! `iln-runner` binary on free loopback ports with a table and a state
//! folder of its own (against the emulators `infra/test` started), and a
//! headless Chromium driven through `chromedriver`. Both are stopped when the
//! stack is dropped, a failing test included.

use fantoccini::{Client, ClientBuilder, Locator};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long a page, a mail or a card may take on a loaded two-core machine.
pub const PATIENCE: Duration = Duration::from_secs(90);

pub struct Stack {
    pub base_url: String,
    pub slack_url: String,
    pub ses_url: String,
    pub browser: Client,
    pub http: reqwest::Client,
    /// Where this run's logs, secrets and uploaded files live.
    pub state_dir: PathBuf,
    runner: Child,
    chromedriver: Child,
}

/// The repository's root (the runner reads template.yaml and the demo roster from it).
pub fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository")
        .to_path_buf()
}

/// The target folder this test was built in (honours CARGO_TARGET_DIR).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test's own path");
    // <target>/<profile>/deps/browser-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps")
        .to_path_buf()
}

pub fn target_dir() -> PathBuf {
    profile_dir().parent().expect("target/<profile>").to_path_buf()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Builds `iln-runner` (cargo only relinks it when something changed): a
/// stale binary would test yesterday's code.
fn runner_binary() -> PathBuf {
    let profile = profile_dir();
    let cargo_profile = match profile.file_name().and_then(|name| name.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => "dev",
    };
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "-p",
            "iln-runner",
            "--bin",
            "iln-runner",
            "--profile",
            cargo_profile,
        ])
        .env("CARGO_TARGET_DIR", target_dir())
        .current_dir(repository_root())
        .status()
        .expect("cargo runs");
    assert!(status.success(), "cargo build -p iln-runner failed");
    profile.join("iln-runner")
}

fn log_file(dir: &Path, name: &str) -> std::fs::File {
    std::fs::File::create(dir.join(name)).expect("a log file")
}

fn tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

impl Stack {
    pub async fn start(name: &str) -> Self {
        let run = format!("{name}-{}", ulid::Ulid::new().to_string().to_lowercase());
        let state_dir = target_dir().join("browser-runs").join(&run);
        std::fs::create_dir_all(&state_dir).expect("the run's folder");
        let ses_url = iln_tests::ses_emulator_url();
        let http = iln_adapters::tls::client_builder().build().expect("an HTTP client");

        let (http_port, slack_port, provider_port) = (free_port(), free_port(), free_port());
        let mut runner = Command::new(runner_binary())
            .current_dir(repository_root())
            .env("ILN_HTTP_PORT", http_port.to_string())
            .env("ILN_SLACK_PORT", slack_port.to_string())
            .env("ILN_IDENTITY_PROVIDER_PORT", provider_port.to_string())
            .env("ILN_TABLE_NAME", format!("iln-browser-{run}"))
            .env("ILN_STATE_DIR", &state_dir)
            .env("ILN_MAILBOX_URL", &ses_url)
            .stdin(Stdio::null())
            .stdout(log_file(&state_dir, "runner.out"))
            .stderr(log_file(&state_dir, "runner.log"))
            .spawn()
            .expect("iln-runner starts");
        let base_url = format!("http://127.0.0.1:{http_port}");
        let slack_url = format!("http://127.0.0.1:{slack_port}");

        let driver_port = free_port();
        let mut chromedriver = Command::new("chromedriver")
            .arg(format!("--port={driver_port}"))
            // Its own process group, so that stopping it stops its Chromium too.
            .process_group(0)
            .stdin(Stdio::null())
            .stdout(log_file(&state_dir, "chromedriver.log"))
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is installed (infra/test installs Debian's chromium-driver)");

        let answers = |url: String| {
            let http = http.clone();
            async move {
                http.get(url)
                    .timeout(Duration::from_secs(5))
                    .send()
                    .await
                    .is_ok_and(|response| response.status().is_success())
            }
        };
        let started = Instant::now();
        loop {
            if let Some(status) = runner.try_wait().expect("the runner's state") {
                panic!(
                    "iln-runner exited ({status}); its log:\n{}",
                    tail(&state_dir.join("runner.log"))
                );
            }
            if answers(format!("{base_url}/privacy")).await && answers(format!("{slack_url}/")).await {
                break;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "iln-runner did not answer within {PATIENCE:?}; its log:\n{}",
                tail(&state_dir.join("runner.log"))
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        let driver_url = format!("http://127.0.0.1:{driver_port}");
        while !answers(format!("{driver_url}/status")).await {
            if let Some(status) = chromedriver.try_wait().expect("chromedriver's state") {
                panic!("chromedriver exited ({status})");
            }
            assert!(started.elapsed() < PATIENCE * 2, "chromedriver did not answer");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }

        let profile = state_dir.join("chromium-profile");
        let mut options = serde_json::json!({
            "args": [
                "--headless=new",
                // CI runs as root, where Chromium's sandbox cannot start.
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1280,900",
                "--lang=en-GB",
                format!("--user-data-dir={}", profile.display()),
            ],
            "prefs": { "intl.accept_languages": "en-GB,en" },
        });
        if let Ok(binary) = which("chromium") {
            options["binary"] = serde_json::Value::String(binary);
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("goog:chromeOptions".to_owned(), options);
        let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver_url)
            .await
            .expect("a Chromium session");
        browser
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(Duration::from_secs(120)),
                Some(PATIENCE),
                Some(Duration::ZERO),
            ))
            .await
            .expect("timeouts set");

        Self {
            base_url,
            slack_url,
            ses_url,
            browser,
            http,
            state_dir,
            runner,
            chromedriver,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn goto(&self, path: &str) {
        self.browser.goto(&self.url(path)).await.expect("the page loads");
    }

    /// Waits until an element matching `css` shows `text` (pages load, and
    /// forms post, at the machine's pace).
    pub async fn wait_for_text(&self, css: &str, text: &str) -> fantoccini::elements::Element {
        let started = Instant::now();
        loop {
            if let Ok(elements) = self.browser.find_all(Locator::Css(css)).await {
                for element in elements {
                    if element.text().await.is_ok_and(|shown| shown.contains(text)) {
                        return element;
                    }
                }
            }
            if started.elapsed() > PATIENCE {
                let url = self
                    .browser
                    .current_url()
                    .await
                    .map(|url| url.to_string())
                    .unwrap_or_default();
                let source = self.browser.source().await.unwrap_or_default();
                panic!("no `{css}` showing “{text}” on {url} after {PATIENCE:?}:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.browser
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|error| panic!("no `{css}`: {error}"))
    }

    /// Clicks and waits for the page it leads to: one that is no longer this one.
    pub async fn click_and_wait(&self, css: &str) {
        let before = self.find("html").await;
        self.find(css).await.click().await.expect("the click");
        let started = Instant::now();
        // The old page's root goes stale once the browser has left it.
        while before.tag_name().await.is_ok() {
            assert!(started.elapsed() < PATIENCE, "clicking `{css}` led nowhere");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.find("body").await;
    }

    /// Mail the SES emulator holds for `address`, once at least `count` arrived.
    pub async fn mails_for(&self, address: &str, count: usize) -> Vec<iln_tests::Mail> {
        let started = Instant::now();
        loop {
            let mails = iln_tests::mails_at(&self.http, &self.ses_url, address).await;
            if mails.len() >= count {
                return mails;
            }
            assert!(
                started.elapsed() < PATIENCE,
                "{} of {count} mails for {address} after {PATIENCE:?}",
                mails.len()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The path and query of the first link to `path` of this system in `mail`.
    pub fn link_in(&self, mail: &iln_tests::Mail, path: &str) -> String {
        let start = self.url(path);
        mail.text
            .split_whitespace()
            .find(|word| word.starts_with(&start))
            .unwrap_or_else(|| panic!("no link to {path} in: {}", mail.text))
            .trim_start_matches(&self.base_url)
            .to_owned()
    }

    /// Signs in to the console on the identity provider's page, as `who` (the
    /// label of a demo member of staff).
    pub async fn sign_in(&self, who: &str) {
        self.goto("/console").await;
        let label = self.wait_for_text("label", who).await;
        let id = label
            .attr("for")
            .await
            .expect("its for")
            .expect("a label for its radio");
        self.find(&format!("input[id='{id}']"))
            .await
            .click()
            .await
            .expect("picked");
        self.click_and_wait("button[type=submit]").await;
        self.wait_for_text("header", "Signed in as").await;
    }
}

fn which(program: &str) -> Result<String, std::env::VarError> {
    let path = std::env::var("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
        .map(|found| found.display().to_string())
        .ok_or(std::env::VarError::NotPresent)
}

impl Drop for Stack {
    fn drop(&mut self) {
        // By process id: the runner, then chromedriver's group (its Chromium).
        let _ = self.runner.kill();
        let _ = self.runner.wait();
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.chromedriver.id())])
            .status();
        let _ = self.chromedriver.wait();
        // A failed run's logs stay for reading; a passed one's go.
        // Chromium, told to stop, still writes its profile for a moment.
        if !std::thread::panicking() {
            for _ in 0..50 {
                if std::fs::remove_dir_all(&self.state_dir).is_ok() || !self.state_dir.exists() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
}
