//! The DPO's command line: export to a file, the register, and an erasure that a crash
//! interrupts inside its transaction, completed by the next server start.

use crate::cli::{Cli, string};
use crate::helpers::{PASSWORD, spawn_app_on};
use crate::privacy_export::unzip;
use serde_json::Value;
use std::time::Duration;

fn seed(cli: &Cli, email: &str) -> String {
    let acme = string(
        &cli.json(&["customer", "add", "--name", "Acme DPO", "--json"], None),
        "id",
    );
    let args = [
        "person",
        "add",
        "--email",
        email,
        "--name",
        "Hedy Lamarr",
        "--customer",
        &acme,
        "--role",
        "buyer",
        "--password-stdin",
        "--json",
    ];
    string(&cli.json(&args, Some(PASSWORD)), "id")
}

#[tokio::test]
async fn the_dpo_exports_and_erases_from_the_command_line_and_a_crash_mid_erasure_is_resumed() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let person = seed(&cli, "hedy@cli.example.test");

    let output = data_dir.path().join("export.zip");
    let output_arg = output.display().to_string();
    cli.ok(
        &[
            "person",
            "export",
            "--person",
            &person,
            "--output",
            &output_arg,
            "--channel",
            "email",
        ],
        None,
    );
    let files = unzip(&std::fs::read(&output).unwrap());
    let data: Value = serde_json::from_str(&files["data.json"]).unwrap();
    assert_eq!(data["profile"]["email"], "hedy@cli.example.test");
    assert!(files["index.html"].contains("Hedy Lamarr"));
    let all = cli.json(&["dsr", "list", "--all", "--json"], None);
    assert_eq!(all[0]["kind"], "access");
    assert_eq!(all[0]["status"], "completed");
    assert!(
        cli.json(&["dsr", "list", "--json"], None)
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The erasure dies inside its transaction: nothing is half-erased, the person cannot
    // sign in, and the request waits.
    let crashed = cli.run_with_env(
        &["person", "erase", "--person", &person],
        None,
        &[("TROHET_CRASH_AT", "erasure.before_commit")],
    );
    assert!(!crashed.status.success(), "the process died");
    let shown = cli.json(&["person", "show", "--person", &person, "--json"], None);
    assert_eq!(shown["status"], "disabled");
    let open = cli.json(&["dsr", "list", "--json"], None);
    assert_eq!(open[0]["kind"], "erasure");
    assert_eq!(open[0]["status"], "in_progress");
    let request = string(&open[0], "id");

    // The next start carries it out.
    let _app = spawn_app_on(data_dir.path(), cli.database_url.clone()).await;
    let mut done = Value::Null;
    for _ in 0..80 {
        done = cli.json(&["dsr", "show", "--id", &request, "--json"], None);
        if done["status"] == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert_eq!(done["status"], "completed", "{done}");
    assert!(done["person_id"].is_null());
    let gone = cli.fails(&["person", "show", "--person", &person], None);
    assert!(gone.contains("no"), "{gone}");
    let again = cli.fails(&["person", "erase", "--person", &person], None);
    assert!(again.contains("person"), "{again}");
}

#[tokio::test]
async fn registered_requests_are_listed_overdue_first_and_moved_along() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let person = seed(&cli, "ada@cli.example.test");
    let added = cli.json(
        &[
            "dsr",
            "add",
            "--kind",
            "rectification",
            "--person",
            &person,
            "--channel",
            "phone",
            "--verification",
            "called back on the number on file",
            "--json",
        ],
        None,
    );
    assert_eq!(added["status"], "received");
    assert!(
        cli.json(&["dsr", "list", "--overdue", "--json"], None)
            .as_array()
            .unwrap()
            .is_empty()
    );
    let refused = cli.fails(
        &[
            "dsr",
            "status",
            "--id",
            &string(&added, "id"),
            "--status",
            "rejected",
        ],
        None,
    );
    assert!(refused.contains("reason"), "{refused}");
    let moved = cli.json(
        &[
            "dsr",
            "status",
            "--id",
            &string(&added, "id"),
            "--status",
            "in-progress",
            "--json",
        ],
        None,
    );
    assert_eq!(moved["status"], "in_progress");
    let hold = cli.json(
        &[
            "person",
            "hold",
            "--person",
            &person,
            "--reason",
            "tax audit 2026",
            "--json",
        ],
        None,
    );
    assert_eq!(hold["legal_hold"], "tax audit 2026");
    let refused = cli.fails(&["person", "erase", "--person", &person], None);
    assert!(refused.contains("tax audit 2026"), "{refused}");

    let restricted = cli.json(&["person", "restrict", "--person", &person, "--json"], None);
    assert_eq!(restricted["kind"], "restriction");
    assert_eq!(restricted["status"], "completed");
    cli.ok(&["person", "unrestrict", "--person", &person], None);
    let objected = cli.json(
        &[
            "person",
            "object",
            "--person",
            &person,
            "--purpose",
            "targeted-news",
            "--json",
        ],
        None,
    );
    assert_eq!(objected["kind"], "objection");
    let contract = cli.fails(
        &[
            "person",
            "object",
            "--person",
            &person,
            "--purpose",
            "portal-account",
        ],
        None,
    );
    assert!(contract.contains("no right to object"), "{contract}");
}
