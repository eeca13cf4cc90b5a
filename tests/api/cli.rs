//! The `trohet` command line, end to end with the server it seeds.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use openidconnect::core::CoreJwsSigningAlgorithm;
use serde_json::Value;
use trohet::admin::RegisteredClient;

use crate::browser::{Answers, Browser};
use crate::helpers::{
    Account, PASSWORD, POST_LOGOUT_URI, Person, REDIRECT_URI, fresh_database_url, policies_dir,
    spawn_app_on,
};
use crate::rp::{CustomerClaim, Rp};

/// Runs the real binary against one data dir / database.
pub struct Cli {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub policies_dir: PathBuf,
}

impl Cli {
    pub async fn new(data_dir: &Path) -> Cli {
        Cli {
            data_dir: data_dir.to_path_buf(),
            database_url: fresh_database_url().await,
            policies_dir: policies_dir(),
        }
    }

    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> Output {
        self.run_with_env(args, stdin, &[])
    }

    /// The same with environment variables set (a crash point, say).
    pub fn run_with_env(&self, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_trohet"));
        command.envs(env.iter().copied());
        command
            .args(args)
            .arg("--data-dir")
            .arg(&self.data_dir)
            .arg("--policies-dir")
            .arg(&self.policies_dir);
        if let Some(url) = &self.database_url {
            command.arg("--database-url").arg(url);
        }
        command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn().expect("spawn the trohet binary");
        let mut pipe = child.stdin.take().expect("stdin pipe");
        if let Some(input) = stdin {
            pipe.write_all(input.as_bytes()).expect("write stdin");
            pipe.write_all(b"\n").expect("write stdin");
        }
        drop(pipe);
        child.wait_with_output().expect("wait for trohet")
    }

    pub fn ok(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let output = self.run(args, stdin);
        assert!(
            output.status.success(),
            "trohet {args:?} failed ({}):\nstdout: {}\nstderr: {}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    pub fn json(&self, args: &[&str], stdin: Option<&str>) -> Value {
        let output = self.ok(args, stdin);
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "trohet {args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
    }

    /// Runs a command that must fail with a one-line error; returns that line.
    pub fn fails(&self, args: &[&str], stdin: Option<&str>) -> String {
        let output = self.run(args, stdin);
        let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
        assert!(
            !output.status.success(),
            "trohet {args:?} should fail; stdout: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "trohet {args:?}: expected a one-line error, got:\n{stderr}"
        );
        stderr
    }
}

pub fn string(value: &Value, field: &str) -> String {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("`{field}` missing in {value}"))
        .to_string()
}

#[tokio::test]
async fn customers_people_and_clients_made_by_the_cli_can_log_in() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);

    let acme = string(
        &cli.json(&["customer", "add", "--name", "Acme CLI", "--json"], None),
        "id",
    );
    let globex = string(
        &cli.json(&["customer", "add", "--name", "Globex CLI", "--json"], None),
        "id",
    );
    let email = "grace@cli.example.test";
    let person_args = [
        "person",
        "add",
        "--email",
        email,
        "--name",
        "Grace Hopper",
        "--customer",
        &acme,
        "--role",
        "buyer",
        "--password-stdin",
        "--json",
    ];
    let person_id = string(&cli.json(&person_args, Some(PASSWORD)), "id");
    cli.json(
        &[
            "membership",
            "add",
            "--person",
            &person_id,
            "--customer",
            &globex,
            "--role",
            "finance",
            "--role",
            "member",
            "--json",
        ],
        None,
    );
    let client = cli.json(
        &[
            "client",
            "add",
            "--name",
            "CLI Portal",
            "--redirect-uri",
            REDIRECT_URI,
            "--post-logout-redirect-uri",
            POST_LOGOUT_URI,
            "--grant-type",
            "authorization_code",
            "--grant-type",
            "refresh_token",
            "--id-token-alg",
            "ES256",
            "--json",
        ],
        None,
    );
    let registered = RegisteredClient {
        client_id: string(&client, "client_id"),
        client_secret: Some(string(&client, "client_secret")),
    };
    cli.ok(&["keys", "rotate"], None);

    // The server starts on the same data and accepts what the CLI created.
    let app = spawn_app_on(data_dir.path(), cli.database_url.clone()).await;
    let person = Person {
        id: person_id,
        email: email.into(),
        display_name: "Grace Hopper".into(),
        password: PASSWORD.into(),
        accounts: vec![
            Account {
                id: acme,
                name: "Acme CLI".into(),
                roles: vec!["buyer".into()],
            },
            Account {
                id: globex.clone(),
                name: "Globex CLI".into(),
                roles: vec!["finance".into(), "member".into()],
            },
        ],
    };
    let rp = Rp::new(&app, &registered, REDIRECT_URI).await;
    let answers = Answers {
        account_id: Some(globex.clone()),
        ..Answers::default()
    };
    let login = rp
        .log_in(
            &Browser::new(&app.issuer),
            &person,
            &["openid", "email", "customer", "roles"],
            &answers,
        )
        .await;

    assert_eq!(
        login.id_token().signing_alg().unwrap(),
        &CoreJwsSigningAlgorithm::EcdsaP256Sha256
    );
    assert_eq!(login.claims.email().map(|e| e.as_str()), Some(email));
    let extra = login.claims.additional_claims();
    assert_eq!(
        extra.customer,
        Some(CustomerClaim {
            id: globex,
            name: "Globex CLI".into()
        })
    );
    assert!(
        extra
            .roles
            .as_ref()
            .is_some_and(|r| r.contains(&"finance".to_string())),
        "{:?}",
        extra.roles
    );
}
