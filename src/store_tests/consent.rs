//! The consent ledger on both backends: append-only in the database, current state
//! derived from it, material and editorial text changes, and the audit chain covering it.

use super::person_row;
use crate::audit::{self, Actor};
use crate::authz::Policies;
use crate::clock::Clock;
use crate::consent::{
    Consent, ConsentError, Decision, Interests, Method, Purposes, Recording, State, verify_ledger,
};
use crate::db::{self, Backend, Db};
use crate::identity::PersonKind;
use crate::identity::store;
use std::path::Path;
use std::sync::Arc;

on_both_backends!(
    a_thousand_toggles_leave_a_thousand_rows_and_the_last_decision_stands,
    the_database_refuses_to_update_or_delete_a_ledger_row,
    a_material_change_asks_again_and_an_editorial_one_does_not,
    withdrawing_needs_a_grant_and_a_stale_version_is_refused,
    audit_verify_names_a_ledger_row_edited_behind_the_triggers_back,
    the_current_state_cache_agrees_with_the_ledger_and_withdrawal_empties_the_audience,
);

const ANALYTICS: &str = "portal-analytics";

async fn consent_on(db: &Db, purposes: Purposes) -> Consent {
    let policies = Arc::new(Policies::load(Path::new("policies")).unwrap());
    let interests = Arc::new(Interests::load(Path::new("policies"), &purposes).unwrap());
    Consent::start(
        db.clone(),
        Clock::system(),
        policies,
        Arc::new(purposes),
        interests,
    )
    .await
    .unwrap()
}

async fn shipped(db: &Db) -> Consent {
    consent_on(db, Purposes::load(Path::new("policies")).unwrap()).await
}

async fn person(db: &Db, email: &str) -> String {
    store::insert_person(db, person_row(email, PersonKind::Customer), &[], &[], 1)
        .await
        .unwrap()
}

fn recording(purpose: &str, decision: Decision) -> Recording {
    Recording {
        purpose_id: purpose.to_string(),
        version: None,
        decision,
        method: Method::AccountPage,
        client_id: None,
        note: None,
        language: "sv".to_string(),
    }
}

async fn state_of(consent: &Consent, person_id: &str, purpose: &str) -> Option<State> {
    let states = consent.states(person_id).await.unwrap();
    states.into_iter().find(|s| s.purpose_id == purpose)?.state
}

async fn a_thousand_toggles_leave_a_thousand_rows_and_the_last_decision_stands(db: &Db) {
    let consent = shipped(db).await;
    let person_id = person(db, "toggler@example.com").await;
    for i in 0..1000 {
        let decision = if i % 2 == 0 {
            Decision::Granted
        } else {
            Decision::Withdrawn
        };
        let actor = Actor::Person(person_id.clone());
        consent
            .record(actor, &person_id, recording(ANALYTICS, decision))
            .await
            .unwrap();
    }
    let (rows,): (i64,) = sqlx::query_as("select count(*) from consent_event")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(rows, 1000);
    assert_eq!(
        state_of(&consent, &person_id, ANALYTICS).await,
        Some(State::Withdrawn)
    );
    let history = consent.history(&person_id).await.unwrap();
    assert_eq!(history.len(), 1000);
    assert_eq!(history[0].decision, "withdrawn");
    assert_eq!(history[999].decision, "granted");
    // The ledger names the person by a keyed digest, never by id.
    assert!(history.iter().all(|e| !e.subject.contains(&person_id)));
    assert_eq!(verify_ledger(db).await.unwrap(), None);
}

async fn the_database_refuses_to_update_or_delete_a_ledger_row(db: &Db) {
    let consent = shipped(db).await;
    let person_id = person(db, "fixed@example.com").await;
    let actor = Actor::Person(person_id.clone());
    consent
        .record(actor, &person_id, recording(ANALYTICS, Decision::Granted))
        .await
        .unwrap();
    let update = sqlx::query("update consent_event set decision = 'refused'")
        .execute(db)
        .await;
    assert!(update.is_err(), "an update of the ledger must fail");
    let delete = sqlx::query("delete from consent_event").execute(db).await;
    assert!(delete.is_err(), "a delete from the ledger must fail");
    assert_eq!(
        state_of(&consent, &person_id, ANALYTICS).await,
        Some(State::Granted)
    );
}

async fn a_material_change_asks_again_and_an_editorial_one_does_not(db: &Db) {
    let text = std::fs::read_to_string("policies/purposes.toml").unwrap();
    let person_id = person(db, "reader@example.com").await;
    let first = shipped(db).await;
    for purpose in [ANALYTICS, "targeted-news"] {
        let actor = Actor::Person(person_id.clone());
        first
            .record(actor, &person_id, recording(purpose, Decision::Granted))
            .await
            .unwrap();
    }
    // Reworded: analytics editorially, targeted news materially.
    let reworded = text
        .replace(
            "to see how \\\nwell the portal",
            "to see how \\\nwell this portal",
        )
        .replace(
            "so that messages reach the right group",
            "so that news reach the right group",
        )
        .replace(
            "retention_days = 395\nchange = \"material\"\n\n[purpose.portal-analytics.text.en]",
            "retention_days = 395\nchange = \"editorial\"\n\n[purpose.portal-analytics.text.en]",
        );
    let purposes = Purposes::parse("purposes.toml", &reworded).unwrap();
    let analytics = purposes.get(ANALYTICS).unwrap().version.clone();
    assert_ne!(analytics, first.purposes().get(ANALYTICS).unwrap().version);
    let second = consent_on(db, purposes).await;
    assert_eq!(
        state_of(&second, &person_id, ANALYTICS).await,
        Some(State::Granted),
        "an editorial change keeps the grant"
    );
    assert_eq!(
        state_of(&second, &person_id, "targeted-news").await,
        Some(State::Outdated),
        "a material change asks again"
    );
    // Every version served is kept, with its texts.
    let (versions,): (i64,) = sqlx::query_as("select count(*) from purpose_version")
        .fetch_one(db)
        .await
        .unwrap();
    let purposes = second.purposes().iter().count() as i64;
    assert_eq!(versions, purposes + 2);
}

async fn withdrawing_needs_a_grant_and_a_stale_version_is_refused(db: &Db) {
    let consent = shipped(db).await;
    let person_id = person(db, "careful@example.com").await;
    let actor = || Actor::Person(person_id.clone());
    let withdrawn = consent
        .record(
            actor(),
            &person_id,
            recording(ANALYTICS, Decision::Withdrawn),
        )
        .await;
    assert!(matches!(withdrawn, Err(ConsentError::NothingToWithdraw(_))));
    let mut stale = recording(ANALYTICS, Decision::Granted);
    stale.version = Some("0".repeat(64));
    let refused = consent.record(actor(), &person_id, stale).await;
    assert!(matches!(refused, Err(ConsentError::StaleVersion { .. })));
    let contract = consent
        .record(
            actor(),
            &person_id,
            recording("portal-account", Decision::Refused),
        )
        .await;
    assert!(matches!(contract, Err(ConsentError::NotAskable { .. })));
    let (rows,): (i64,) = sqlx::query_as("select count(*) from consent_event")
        .fetch_one(db)
        .await
        .unwrap();
    assert_eq!(rows, 0, "refused decisions leave no row");
}

async fn audit_verify_names_a_ledger_row_edited_behind_the_triggers_back(db: &Db) {
    let consent = shipped(db).await;
    let person_id = person(db, "edited@example.com").await;
    for decision in [Decision::Granted, Decision::Withdrawn, Decision::Granted] {
        let actor = Actor::Person(person_id.clone());
        consent
            .record(actor, &person_id, recording(ANALYTICS, decision))
            .await
            .unwrap();
    }
    let checks = [crate::consent::ledger_check as audit::CoveredCheck];
    assert!(audit::verify_all(db, &[], &checks).await.unwrap().ok);
    let drop = match db::backend(db) {
        Backend::Sqlite => "drop trigger consent_event_refuses_update",
        Backend::Postgres => "drop trigger consent_event_refuses_change on consent_event",
    };
    sqlx::query(drop).execute(db).await.unwrap();
    let second = consent.history(&person_id).await.unwrap()[1].clone();
    sqlx::query("update consent_event set decision = 'granted' where receipt_id = $1")
        .bind(&second.receipt_id)
        .execute(db)
        .await
        .unwrap();
    let verification = audit::verify_all(db, &[], &checks).await.unwrap();
    assert!(!verification.ok);
    let problem = verification.problem.unwrap();
    assert_eq!(problem.seq(), second.audit_seq);
    assert!(problem.to_string().contains("was changed"), "{problem}");
}

async fn the_current_state_cache_agrees_with_the_ledger_and_withdrawal_empties_the_audience(
    db: &Db,
) {
    use crate::consent::AudienceQuery;
    let consent = shipped(db).await;
    let customer = store::insert_customer_account(db, "Audience AB", 1)
        .await
        .unwrap();
    let mut people = Vec::new();
    for n in 0..3 {
        let id = person(db, &format!("reader{n}@example.com")).await;
        store::add_membership(db, &id, &customer, &["buyer".to_string()], 1)
            .await
            .unwrap();
        let actor = Actor::Person(id.clone());
        consent
            .record(actor, &id, recording("targeted-news", Decision::Granted))
            .await
            .unwrap();
        people.push(id);
    }
    consent
        .set_interests(&people[0], &["deliveries".to_string()])
        .await
        .unwrap();
    let query = |interest: Option<&str>| AudienceQuery {
        purpose_id: "targeted-news".into(),
        customer: Some(customer.clone()),
        role: Some("buyer".into()),
        interest: interest.map(str::to_string),
    };
    let mut everyone = people.clone();
    everyone.sort();
    assert_eq!(
        consent.audience(&query(None), None, 10).await.unwrap(),
        everyone
    );
    let interested = consent.audience(&query(Some("deliveries")), None, 10).await;
    assert_eq!(interested.unwrap(), vec![people[0].clone()]);

    let actor = Actor::Person(people[0].clone());
    consent
        .record(
            actor,
            &people[0],
            recording("targeted-news", Decision::Withdrawn),
        )
        .await
        .unwrap();
    let after = consent.audience(&query(None), None, 10).await.unwrap();
    assert!(!after.contains(&people[0]), "withdrawn at once");
    assert_eq!(after.len(), 2);
    assert!(consent.interests_of(&people[0]).await.unwrap().is_empty());
    let refused = consent
        .set_interests(&people[0], &["events".to_string()])
        .await;
    assert!(matches!(refused, Err(ConsentError::NotGranted(_))));
    assert!(consent.current_agrees_with_ledger().await.unwrap());
}
