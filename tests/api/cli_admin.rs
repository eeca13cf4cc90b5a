//! The administrative commands of the CLI, and `audit verify`/`audit checkpoint` against a
//! log altered behind the triggers' back, as an attacker with database access would.

use crate::cli::{Cli, string};
use crate::helpers::PASSWORD;
use serde_json::Value;
use sqlx::AnyPool;

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON list")
        .iter()
        .map(|item| string(item, "id"))
        .collect()
}

fn add_person(cli: &Cli, email: &str, customer: &str, role: &str) -> String {
    let args = [
        "person",
        "add",
        "--email",
        email,
        "--name",
        "Test Person",
        "--customer",
        customer,
        "--role",
        role,
        "--password-stdin",
        "--json",
    ];
    string(&cli.json(&args, Some(PASSWORD)), "id")
}

#[tokio::test]
async fn the_cli_lists_shows_disables_and_removes_people() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    let acme = string(
        &cli.json(&["customer", "add", "--name", "Acme", "--json"], None),
        "id",
    );
    let admin = add_person(&cli, "ada@acme.test", &acme, "customer-admin");
    let buyer = add_person(&cli, "bob@acme.test", &acme, "buyer");

    let customers = cli.json(&["customer", "list", "--q", "ac", "--json"], None);
    assert_eq!(ids(&customers), vec![acme.clone()]);
    let people = cli.json(&["person", "list", "--customer", &acme, "--json"], None);
    assert_eq!(ids(&people), vec![admin.clone(), buyer.clone()], "by email");
    let found = cli.json(&["person", "list", "--q", "BOB", "--json"], None);
    assert_eq!(ids(&found), vec![buyer.clone()]);

    let shown = cli.json(&["person", "show", "--person", &buyer, "--json"], None);
    assert_eq!(shown["memberships"][0]["roles"][0], "buyer");
    let disabled = cli.json(&["person", "disable", "--person", &buyer, "--json"], None);
    assert_eq!(disabled["status"], "disabled");
    let enabled = cli.json(&["person", "enable", "--person", &buyer, "--json"], None);
    assert_eq!(enabled["status"], "active");

    let last_admin = cli.fails(
        &[
            "membership",
            "remove",
            "--person",
            &admin,
            "--customer",
            &acme,
        ],
        None,
    );
    assert!(last_admin.contains("last customer admin"), "{last_admin}");
    cli.ok(
        &[
            "membership",
            "remove",
            "--person",
            &buyer,
            "--customer",
            &acme,
        ],
        None,
    );
    let left = cli.json(&["person", "list", "--customer", &acme, "--json"], None);
    assert_eq!(ids(&left), vec![admin]);
    let unknown = cli.fails(&["person", "show", "--person", "nobody"], None);
    assert!(unknown.contains("no such person"), "{unknown}");
}

#[tokio::test]
async fn the_cli_registers_service_clients_rotates_secrets_and_invites() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    let ops = cli.json(
        &[
            "client",
            "add",
            "--name",
            "ops",
            "--grant-type",
            "client_credentials",
            "--role",
            "admin",
            "--json",
        ],
        None,
    );
    let client_id = string(&ops, "client_id");
    let rotated = cli.json(
        &["client", "rotate-secret", "--client", &client_id, "--json"],
        None,
    );
    assert_ne!(
        string(&rotated, "client_secret"),
        string(&ops, "client_secret")
    );
    let bad_role = cli.fails(
        &[
            "client",
            "add",
            "--name",
            "x",
            "--grant-type",
            "client_credentials",
            "--role",
            "finance",
        ],
        None,
    );
    assert!(bad_role.contains("finance"), "{bad_role}");
    let bad_scope = cli.fails(
        &[
            "client",
            "add",
            "--name",
            "x",
            "--redirect-uri",
            "https://x.test/cb",
            "--scope",
            "everything",
        ],
        None,
    );
    assert!(bad_scope.contains("everything"), "{bad_scope}");

    let acme = string(
        &cli.json(&["customer", "add", "--name", "Acme", "--json"], None),
        "id",
    );
    let invited = cli.json(
        &[
            "invite",
            "--customer",
            &acme,
            "--email",
            "new@acme.test",
            "--name",
            "New Person",
            "--role",
            "buyer",
            "--json",
        ],
        None,
    );
    let link = string(&invited, "accept_url");
    assert!(link.contains("/invitation?token="), "{link}");
    let text = cli.ok(
        &[
            "invite",
            "--customer",
            &acme,
            "--email",
            "new@acme.test",
            "--name",
            "New",
            "--role",
            "buyer",
        ],
        None,
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("pass on this link"));
}

/// The database the CLI writes to, opened directly.
async fn open_directly(cli: &Cli) -> AnyPool {
    sqlx::any::install_default_drivers();
    let url = cli
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", cli.data_dir.join("trohet.db").display()));
    AnyPool::connect(&url).await.expect("open the database")
}

async fn drop_triggers(db: &AnyPool, sqlite: bool) {
    let statements: &[&str] = if sqlite {
        &[
            "drop trigger audit_event_refuses_update",
            "drop trigger audit_event_refuses_delete",
        ]
    } else {
        &["drop trigger audit_event_refuses_change on audit_event"]
    };
    for statement in statements {
        sqlx::query(statement)
            .execute(db)
            .await
            .expect("drop a trigger");
    }
}

#[tokio::test]
async fn audit_verify_names_an_event_altered_behind_the_triggers_back() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    for name in ["One AB", "Two AB", "Three AB"] {
        cli.ok(&["customer", "add", "--name", name], None);
    }
    let verified = cli.json(&["audit", "verify", "--json"], None);
    assert_eq!(verified["ok"], true);
    assert_eq!(verified["events"], 3);

    let db = open_directly(&cli).await;
    let refused = sqlx::query("update audit_event set action = 'customer.deleted' where seq = 2")
        .execute(&db)
        .await;
    assert!(refused.is_err(), "the trigger refuses updates");
    assert!(
        sqlx::query("delete from audit_event where seq = 3")
            .execute(&db)
            .await
            .is_err()
    );

    drop_triggers(&db, cli.database_url.is_none()).await;
    sqlx::query("update audit_event set action = 'customer.deleted' where seq = 2")
        .execute(&db)
        .await
        .expect("update without the trigger");
    let error = cli.fails(&["audit", "verify"], None);
    assert!(error.contains("audit event 2 was altered"), "{error}");
}

#[tokio::test]
async fn a_checkpoint_kept_outside_proves_a_wholesale_rewrite() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    for name in ["One AB", "Two AB"] {
        cli.ok(&["customer", "add", "--name", name], None);
    }
    let checkpoint = cli.ok(&["audit", "checkpoint"], None);
    let kept = data_dir.path().join("checkpoint.jws");
    std::fs::write(&kept, &checkpoint.stdout).unwrap();
    cli.ok(&["customer", "add", "--name", "Three AB"], None);
    let kept_arg = kept.display().to_string();
    cli.ok(&["audit", "verify", "--checkpoint", &kept_arg], None);

    // Rewrite event 1 and recompute every hash after it, the head and the saved
    // checkpoints: the table is consistent again, but not with the copy kept outside.
    let db = open_directly(&cli).await;
    drop_triggers(&db, cli.database_url.is_none()).await;
    let columns = "seq, occurred_at, actor_kind, actor_id, action, target_kind, target_id, \
                   customer_account_id, outcome, details, prev_hash, hash";
    let mut events: Vec<trohet::audit::StoredEvent> =
        sqlx::query_as(&format!("select {columns} from audit_event order by seq"))
            .fetch_all(&db)
            .await
            .unwrap();
    events[0].target_id = Some("someone-else".into());
    let mut previous = trohet::audit::chain::GENESIS.to_string();
    for event in &mut events {
        event.prev_hash = previous.clone();
        event.hash = trohet::audit::chain::hash(event);
        previous = event.hash.clone();
        sqlx::query(
            "update audit_event set target_id = $1, prev_hash = $2, hash = $3 where seq = $4",
        )
        .bind(&event.target_id)
        .bind(&event.prev_hash)
        .bind(&event.hash)
        .bind(event.seq)
        .execute(&db)
        .await
        .unwrap();
    }
    sqlx::query("update chain_head set hash = $1 where chain = 'audit'")
        .bind(&previous)
        .execute(&db)
        .await
        .unwrap();
    sqlx::query("delete from audit_checkpoint")
        .execute(&db)
        .await
        .unwrap();
    cli.ok(&["audit", "verify"], None);
    let error = cli.fails(&["audit", "verify", "--checkpoint", &kept_arg], None);
    assert!(error.contains("checkpoint at audit event 2"), "{error}");
}
