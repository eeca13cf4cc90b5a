//! The command line refuses bad input with a one-line error.

use crate::cli::{Cli, string};
use crate::helpers::{PASSWORD, policies_copy, policies_dir};

#[tokio::test]
async fn policies_check_accepts_the_shipped_policies_and_names_the_broken_line() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut cli = Cli::new(data_dir.path()).await;
    cli.ok(&["policies", "check"], None);

    let broken = policies_copy();
    let original = std::fs::read_to_string(policies_dir().join("roles.toml")).unwrap_or_default();
    std::fs::write(
        broken.path().join("roles.toml"),
        format!("# broken on purpose\nroles = = 1\n{original}"),
    )
    .unwrap();
    cli.policies_dir = broken.path().to_path_buf();

    let error = cli.fails(&["policies", "check"], None);
    assert!(
        error.contains("roles.toml:2"),
        "error names roles.toml:LINE: {error}"
    );
}

#[tokio::test]
async fn the_cli_refuses_weak_passwords_undefined_roles_and_password_arguments() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let customer = string(
        &cli.json(&["customer", "add", "--name", "Weak Co", "--json"], None),
        "id",
    );

    let weak = "password123";
    let error = cli.fails(
        &[
            "person",
            "add",
            "--email",
            "weak@example.test",
            "--name",
            "Weak",
            "--password-stdin",
            "--json",
        ],
        Some(weak),
    );
    assert!(
        !error.contains(weak),
        "the error must not echo the password: {error}"
    );

    cli.fails(
        &[
            "person",
            "add",
            "--email",
            "role@example.test",
            "--name",
            "Role",
            "--customer",
            &customer,
            "--role",
            "overlord",
            "--password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    );
    let output = cli.run(
        &[
            "person",
            "add",
            "--email",
            "arg@example.test",
            "--name",
            "Arg",
            "--password",
            PASSWORD,
            "--json",
        ],
        None,
    );
    assert!(
        !output.status.success(),
        "a password argument must not be accepted"
    );

    // After all that, a good person still goes in.
    cli.json(
        &[
            "person",
            "add",
            "--email",
            "ok@example.test",
            "--name",
            "Okay",
            "--customer",
            &customer,
            "--role",
            "member",
            "--password-stdin",
            "--json",
        ],
        Some(PASSWORD),
    );
}

#[tokio::test]
async fn a_usage_mistake_is_one_line_on_stderr_too() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    let missing = cli.fails(&["customer", "add"], None);
    assert!(missing.contains("--name"), "{missing}");
    let bad_alg = cli.fails(
        &["client", "add", "--name", "X", "--id-token-alg", "HS256"],
        None,
    );
    assert!(bad_alg.contains("HS256"), "{bad_alg}");
}
