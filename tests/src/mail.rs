//! Mail as the SES emulator received it, and SES emulators of a test's own.

use crate::{BASE_URL, TestApp};
use serde_json::Value;

/// The SES emulator started by `infra/test` (or `ILN_SES_EMULATOR_URL`).
pub fn ses_emulator_url() -> String {
    std::env::var("ILN_SES_EMULATOR_URL").unwrap_or_else(|_| "http://127.0.0.1:8105".to_owned())
}

/// An address no other test uses, so each test reads only its own mail.
pub fn unique_address(name: &str) -> String {
    format!("{name}.{}@example.org", ulid::Ulid::new().to_string().to_lowercase())
}

/// One e-mail as the SES emulator received it.
#[derive(Debug, Clone)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mail {
    /// The path and query of the first link to this system in the mail.
    pub fn link_to(&self, path: &str) -> String {
        let start = format!("{BASE_URL}{path}");
        let found = self
            .text
            .split_whitespace()
            .find(|word| word.starts_with(&start))
            .unwrap_or_else(|| panic!("no link to {path} in mail: {}", self.text));
        found.trim_start_matches(BASE_URL).to_owned()
    }
}

/// Mail held by the SES emulator at `url` for `address`.
pub async fn mails_at(http: &reqwest::Client, url: &str, address: &str) -> Vec<Mail> {
    let store: Value = http
        .get(format!("{url}/store"))
        .send()
        .await
        .expect("SES emulator answers")
        .json()
        .await
        .expect("store is JSON");
    let text = |value: &Value| value.as_str().unwrap_or_default().to_owned();
    store["emails"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|email| Mail {
            to: email["destination"]["to"]
                .as_array()
                .into_iter()
                .flatten()
                .map(text)
                .collect(),
            subject: text(&email["subject"]),
            text: text(&email["body"]["text"]),
            html: text(&email["body"]["html"]),
        })
        .filter(|mail| mail.to.iter().any(|to| to.eq_ignore_ascii_case(address)))
        .collect()
}

/// A private SES emulator that a test can stop and start again.
pub struct SesEmulator {
    port: u16,
    process: Option<std::process::Child>,
}

impl SesEmulator {
    pub fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    pub async fn start(port: u16) -> Self {
        let cli = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../infra/emulators/node_modules/aws-ses-v2-local/dist/cli.js"
        );
        let process = std::process::Command::new("node")
            .args([cli, "--host", "127.0.0.1", "--port", &port.to_string()])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node runs the SES emulator");
        // Owned from here on: dropping the emulator kills and reaps it.
        let emulator = Self {
            port,
            process: Some(process),
        };
        assert!(
            listening(port, 100, std::time::Duration::from_millis(50)).await,
            "SES emulator did not start on {port}"
        );
        emulator
    }

    pub fn url(&self) -> String {
        iln_runner::local::loopback_url(self.port)
    }

    pub fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

/// Whether a process listens on `port` within `tries` checks `every` apart.
pub(crate) async fn listening(port: u16, tries: u32, every: std::time::Duration) -> bool {
    for _ in 0..tries {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(every).await;
    }
    false
}

impl Drop for SesEmulator {
    fn drop(&mut self) {
        self.stop();
    }
}

impl TestApp {
    /// Every e-mail this system's SES emulator holds for `address`.
    pub async fn mails_to(&self, address: &str) -> Vec<Mail> {
        mails_at(&self.http, &self.ses_url, address).await
    }
}
