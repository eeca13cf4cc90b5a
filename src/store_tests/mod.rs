//! The stores' story, told on both backends: every test here runs once on SQLite and once
//! on PostgreSQL (`TROHET_TEST_POSTGRES_URL`, default the local `test` database). Under
//! `CI=true` an unreachable PostgreSQL fails the run instead of skipping it.

use crate::clock::Clock;
use crate::crypto::{self, MasterKey};
use crate::db::{self, Db};
use crate::identity::store::{self, NewPersonRow};
use crate::identity::{IdentityError, PersonKind, session};
use crate::oidc::client::{NewClient, RegisteredClient};
use crate::oidc::client_store;
use crate::oidc::keys;
use crate::oidc::store::{self as grants, CodeRedemption, Grant, NewCode, RefreshUse};

const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

pub(crate) struct TestDb {
    pub db: Db,
    _dir: Option<tempfile::TempDir>,
}

pub(crate) async fn sqlite() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    let url = format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("store.db").display()
    );
    let db = db::connect(&url, 4).await.unwrap();
    db::migrate(&db, &url).await.unwrap();
    TestDb {
        db,
        _dir: Some(dir),
    }
}

pub(crate) async fn postgres() -> Option<TestDb> {
    let base =
        std::env::var("TROHET_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_POSTGRES_URL.into());
    let admin = match sqlx::PgPool::connect(&base).await {
        Ok(pool) => pool,
        Err(error) if std::env::var("CI").as_deref() == Ok("true") => {
            panic!("CI=true but PostgreSQL at {base} is unreachable: {error}")
        }
        Err(error) => {
            eprintln!("skipping the PostgreSQL half: {base} is unreachable ({error})");
            return None;
        }
    };
    let schema = format!("store_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("create schema {schema}"))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-c%20search_path%3D{schema}");
    let db = db::connect(&url, 4).await.unwrap();
    db::migrate(&db, &url).await.unwrap();
    Some(TestDb { db, _dir: None })
}

/// Generates `sqlite_backend::<story>` and `postgres_backend::<story>` tests for async
/// stories taking `&Db`.
macro_rules! on_both_backends {
    ($($story:ident),* $(,)?) => {
        mod sqlite_backend { $( #[tokio::test] async fn $story() {
            super::$story(&crate::store_tests::sqlite().await.db).await
        } )* }
        mod postgres_backend { $( #[tokio::test] async fn $story() {
            if let Some(test_db) = crate::store_tests::postgres().await { super::$story(&test_db.db).await }
        } )* }
    };
}

mod chain;
mod consent;

on_both_backends!(
    a_person_is_found_by_email_whatever_its_case,
    a_second_person_with_the_same_email_in_other_case_is_refused,
    memberships_list_each_account_with_its_roles,
    a_session_expires_when_idle,
    a_code_is_redeemed_once_and_a_replay_is_recognised,
    a_rotated_refresh_token_is_recognised_when_reused,
    signing_keys_survive_a_restart_and_rotation_keeps_the_old_key,
    a_client_is_stored_with_a_digest_of_its_secret,
);

fn person_row<'a>(email: &'a str, kind: PersonKind) -> NewPersonRow<'a> {
    NewPersonRow {
        email,
        display_name: "Test Person",
        locale: Some("sv"),
        kind,
        password_hash: "$argon2id$x",
    }
}

async fn a_person_is_found_by_email_whatever_its_case(db: &Db) {
    let id = store::insert_person(
        db,
        person_row("Anna@Example.com", PersonKind::Customer),
        &[],
        &[],
        1,
    )
    .await
    .unwrap();
    let (person, hash) = store::find_login(db, "anna@EXAMPLE.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(person.person_id, id);
    assert_eq!(person.email, "Anna@Example.com");
    assert_eq!(hash, "$argon2id$x");
}

async fn a_second_person_with_the_same_email_in_other_case_is_refused(db: &Db) {
    store::insert_person(
        db,
        person_row("bo@example.com", PersonKind::Customer),
        &[],
        &[],
        1,
    )
    .await
    .unwrap();
    let error = store::insert_person(
        db,
        person_row("BO@example.com", PersonKind::Customer),
        &[],
        &[],
        1,
    )
    .await
    .unwrap_err();
    assert!(matches!(error, IdentityError::EmailTaken), "{error:?}");
}

async fn memberships_list_each_account_with_its_roles(db: &Db) {
    let acme = store::insert_customer_account(db, "Acme AB", 1)
        .await
        .unwrap();
    let bolt = store::insert_customer_account(db, "Bolt AB", 1)
        .await
        .unwrap();
    let memberships = vec![
        (
            acme.clone(),
            vec!["finance".to_string(), "member".to_string()],
        ),
        (bolt.clone(), vec!["buyer".to_string()]),
    ];
    let id = store::insert_person(
        db,
        person_row("c@example.com", PersonKind::Customer),
        &[],
        &memberships,
        1,
    )
    .await
    .unwrap();
    let found = store::memberships_of(db, &id).await.unwrap();
    assert_eq!(found.len(), 2);
    assert_eq!(
        (found[0].customer_name.as_str(), found[0].roles.clone()),
        ("Acme AB", vec!["finance".into(), "member".into()])
    );
    assert_eq!(
        (found[1].customer_name.as_str(), found[1].roles.clone()),
        ("Bolt AB", vec!["buyer".into()])
    );
    let missing = store::add_membership(db, &id, "no-such-account", &["member".into()], 2)
        .await
        .unwrap_err();
    assert!(
        matches!(missing, IdentityError::UnknownCustomerAccount(_)),
        "{missing:?}"
    );
}

async fn a_session_expires_when_idle(db: &Db) {
    let person = store::insert_person(
        db,
        person_row("d@example.com", PersonKind::Staff),
        &["admin".into()],
        &[],
        1,
    )
    .await
    .unwrap();
    let config = crate::config::SessionConfig {
        idle_timeout_secs: 100,
        absolute_timeout_secs: 1000,
    };
    let (cookie, created) = session::create(db, &person, &config, 10, &Default::default())
        .await
        .unwrap();
    let live = session::find_live(db, &cookie, &config, 50)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(live.sid, created.sid);
    assert!(
        session::find_live(db, "not-a-session", &config, 50)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        session::find_live(db, &cookie, &config, 200)
            .await
            .unwrap()
            .is_none()
    );
    // Expired sessions are deleted, not just hidden.
    assert!(
        session::find_live(db, &cookie, &config, 60)
            .await
            .unwrap()
            .is_none()
    );
}

async fn register_client(db: &Db, new: NewClient) -> RegisteredClient {
    let mut tx = db::begin_write(db).await.unwrap();
    let registered = client_store::insert(&mut tx, &crypto::random_id(), &new, 1)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    registered
}

async fn grant_with_code(db: &Db, code: &str) -> Grant {
    let registered = register_client(
        db,
        NewClient::new("App", vec!["https://app.example/cb".into()]),
    )
    .await;
    let person = store::insert_person(
        db,
        person_row(&format!("{code}@example.com"), PersonKind::Customer),
        &[],
        &[],
        1,
    )
    .await
    .unwrap();
    let grant = Grant {
        grant_id: crypto::random_id(),
        client_id: registered.client_id,
        person_id: Some(person),
        customer_account_id: None,
        sid: Some("sid".into()),
        scope: "openid offline_access".into(),
        auth_time: Some(1),
        revoked_at: None,
    };
    let new_code = NewCode {
        code_digest: code,
        redirect_uri: "https://app.example/cb",
        code_challenge: None,
        nonce: Some("n"),
        expires_at: 60,
    };
    grants::insert_grant_with_code(db, &grant, true, new_code, None, 1)
        .await
        .unwrap();
    grant
}

async fn a_code_is_redeemed_once_and_a_replay_is_recognised(db: &Db) {
    let grant = grant_with_code(db, "code1").await;
    let other_client = grants::redeem_code(db, "code1", "someone-else", 2)
        .await
        .unwrap();
    assert!(matches!(other_client, CodeRedemption::Unknown));
    match grants::redeem_code(db, "code1", &grant.client_id, 2)
        .await
        .unwrap()
    {
        CodeRedemption::Redeemed(code) => assert_eq!(code.nonce.as_deref(), Some("n")),
        _ => panic!("the first redemption must succeed"),
    }
    assert!(matches!(
        grants::redeem_code(db, "code1", &grant.client_id, 3)
            .await
            .unwrap(),
        CodeRedemption::Replayed { .. }
    ));
    let mut tx = db::begin_write(db).await.unwrap();
    assert!(
        grants::revoke_grant(&mut tx, &grant.grant_id, 3)
            .await
            .unwrap()
    );
    assert!(
        !grants::revoke_grant(&mut tx, &grant.grant_id, 3)
            .await
            .unwrap(),
        "once"
    );
    tx.commit().await.unwrap();
    assert!(
        grants::find_grant(db, &grant.grant_id)
            .await
            .unwrap()
            .unwrap()
            .revoked_at
            .is_some()
    );
}

async fn a_rotated_refresh_token_is_recognised_when_reused(db: &Db) {
    let grant = grant_with_code(db, "code2").await;
    grants::insert_refresh_token(db, "rt1", &grant.grant_id, 1, 100)
        .await
        .unwrap();
    assert!(matches!(
        grants::peek_refresh_token(db, "rt1", 2).await.unwrap(),
        RefreshUse::Live { .. }
    ));
    let id = &grant.grant_id;
    assert!(
        grants::rotate_refresh_token(db, "rt1", "rt1b", id, 2, 100)
            .await
            .unwrap()
    );
    assert!(
        !grants::rotate_refresh_token(db, "rt1", "rt1c", id, 3, 100)
            .await
            .unwrap(),
        "a token rotates once"
    );
    assert!(matches!(
        grants::peek_refresh_token(db, "rt1", 3).await.unwrap(),
        RefreshUse::Reused { .. }
    ));
    assert!(matches!(
        grants::peek_refresh_token(db, "rt1b", 3).await.unwrap(),
        RefreshUse::Live { .. }
    ));
    assert!(matches!(
        grants::peek_refresh_token(db, "unknown", 3).await.unwrap(),
        RefreshUse::Unknown
    ));
    assert!(
        matches!(
            grants::peek_refresh_token(db, "rt1b", 100).await.unwrap(),
            RefreshUse::Unknown
        ),
        "expired"
    );
}

async fn signing_keys_survive_a_restart_and_rotation_keeps_the_old_key(db: &Db) {
    use crate::oidc::SigningAlg::EdDsa;
    use keys::ACTIVATION_DELAY_SECS as DELAY;
    let master = MasterKey::parse(&"11".repeat(32)).unwrap();
    let t0 = Clock::system().now();
    let first = keys::load(db, &master, t0, 600).await.unwrap();
    let old_kid = first.active(EdDsa, t0).unwrap().kid.clone();
    let again = keys::load(db, &master, t0, 600).await.unwrap();
    assert_eq!(
        again.active(EdDsa, t0).unwrap().kid,
        old_kid,
        "no new key on restart"
    );

    let t1 = t0 + 1000;
    let mut tx = db::begin_write(db).await.unwrap();
    keys::rotate(&mut tx, &master, t1).await.unwrap();
    tx.commit().await.unwrap();
    let rotated = keys::load(db, &master, t1, 600).await.unwrap();
    let new_kid = rotated.keys_of(EdDsa).next().unwrap().kid.clone();
    assert_ne!(new_kid, old_kid);
    assert_eq!(
        rotated.active(EdDsa, t1).unwrap().kid,
        old_kid,
        "published before it signs"
    );
    assert_eq!(rotated.active(EdDsa, t1 + DELAY).unwrap().kid, new_kid);
    let later = keys::load(db, &master, t1 + DELAY + 599, 600)
        .await
        .unwrap();
    assert!(
        later.find(&old_kid).is_some(),
        "the retired key verifies while its tokens live"
    );
    let gone = keys::load(db, &master, t1 + DELAY + 601, 600)
        .await
        .unwrap();
    assert!(
        gone.find(&old_kid).is_none(),
        "gone once its tokens expired"
    );

    let wrong = MasterKey::parse(&"22".repeat(32)).unwrap();
    assert!(
        keys::load(db, &wrong, t1, 600).await.is_err(),
        "a wrong master key cannot unseal"
    );
}

async fn a_client_is_stored_with_a_digest_of_its_secret(db: &Db) {
    let mut new = NewClient::new("Portal", vec!["https://portal.example/cb".into()]);
    new.pairwise = true;
    let registered = register_client(db, new).await;
    let secret = registered.client_secret.unwrap();
    assert!(secret.len() >= 43, "at least 256 bits");
    let stored = client_store::find(db, &registered.client_id)
        .await
        .unwrap()
        .unwrap();
    assert!(stored.secret_matches(&secret));
    assert!(!stored.secret_matches("wrong"));
    assert!(stored.pairwise);
    assert_eq!(stored.sector_identifier, "portal.example");
    let (digest,): (String,) =
        sqlx::query_as("select secret_digest from client where client_id = $1")
            .bind(&registered.client_id)
            .fetch_one(db)
            .await
            .unwrap();
    assert_ne!(digest, secret);
}
