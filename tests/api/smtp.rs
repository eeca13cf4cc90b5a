//! A real SMTP server (Python's aiosmtpd) started by the tests on a free loopback port.
//! `.ci/run` installs aiosmtpd; elsewhere the first test that needs it installs it with
//! pip, or skips with a note when it cannot (never in CI).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/smtp_server.py");

pub struct SmtpServer {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether aiosmtpd can be imported, installing it once if not.
fn aiosmtpd_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| {
        let importable = || {
            Command::new("python3")
                .args(["-c", "import aiosmtpd"])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if importable() {
            return true;
        }
        let _ = Command::new("python3")
            .args(["-m", "pip", "install", "--quiet", "aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        importable()
    })
}

impl SmtpServer {
    /// Starts a server that answers the first `fail_first` messages with a 451; `None`
    /// when aiosmtpd cannot be had outside CI (the caller skips).
    pub fn start(fail_first: usize) -> Option<SmtpServer> {
        if !aiosmtpd_available() {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("CI=true but aiosmtpd is missing: .ci/run installs it");
            }
            eprintln!("SKIPPED: python3 with aiosmtpd is not available");
            return None;
        }
        let dir = tempfile::tempdir().expect("a mail directory");
        let mut child = Command::new("python3")
            .arg(SCRIPT)
            .arg("--dir")
            .arg(dir.path())
            .arg("--fail-first")
            .arg(fail_first.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the SMTP server");
        let stdout = child.stdout.take().expect("the server's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the server prints its port");
        let port = line.trim().parse().expect("a port number");
        Some(SmtpServer { child, port, dir })
    }

    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// The messages received so far, oldest first, as raw RFC 5322 text.
    pub fn messages(&self) -> Vec<String> {
        read_messages(self.dir.path())
    }

    /// Waits (up to 20 s) until `count` messages have arrived, and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            assert!(
                Instant::now() < deadline,
                "expected {count} messages, got {}",
                messages.len()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

fn read_messages(dir: &Path) -> Vec<String> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("the mail directory")
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "eml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|path| std::fs::read_to_string(path).expect("a message"))
        .collect()
}

/// A received message, decoded.
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
}

pub fn parse(raw: &str) -> Mail {
    let parsed = mailparse::parse_mail(raw.as_bytes()).expect("a MIME message");
    let header = |name: &str| {
        parsed
            .headers
            .iter()
            .find(|h| h.get_key().eq_ignore_ascii_case(name))
            .map(|h| h.get_value())
            .unwrap_or_default()
    };
    let text = parsed
        .subparts
        .iter()
        .find(|part| part.ctype.mimetype == "text/plain")
        .map(|part| part.get_body().expect("a text body"))
        .unwrap_or_else(|| parsed.get_body().expect("a body"));
    Mail {
        to: header("To"),
        subject: header("Subject"),
        text,
    }
}

/// The first link in the text that goes to `path` on the server.
pub fn link_to(text: &str, path: &str) -> String {
    text.split_whitespace()
        .find(|word| word.starts_with("http") && word.contains(path))
        .unwrap_or_else(|| panic!("no link to {path} in:\n{text}"))
        .to_string()
}
