//! The console's consent pages: the DPO reads a person's ledger and records a paper
//! decision with a note; staff see per-purpose counts under the small-group rule; a
//! customer admin reaches none of it.

use crate::admin::support::{Api, service_token};
use crate::browser::Browser;
use crate::helpers::{PASSWORD, Person, TestApp, seed_person, seed_simple_person, spawn_app};
use serde_json::json;
use trohet::admin::NewPerson;

/// A member of staff with one role.
pub async fn staff(app: &TestApp, role: &str) -> Person {
    let suffix = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let email = format!("{role}-{suffix}@owner.test");
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: format!("Staff {suffix}"),
            locale: None,
            staff: true,
            staff_roles: vec![role.to_string()],
            memberships: vec![],
            password: PASSWORD.into(),
        })
        .await
        .expect("add staff");
    Person {
        id,
        email,
        display_name: String::new(),
        password: PASSWORD.into(),
        accounts: vec![],
    }
}

/// Signs `browser` in to the console as `person`.
pub async fn console_sign_in(browser: &Browser, person: &Person) {
    let login = browser.visit("/console").await.page();
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let page = browser.submit("/login", &fields).await.page();
    assert_eq!(page.path(), "/console", "{}", page.body);
}

#[tokio::test]
async fn the_dpo_reads_a_ledger_and_records_a_paper_decision_with_a_note() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let dpo = staff(&app, "dpo").await;
    let browser = Browser::new(&app.issuer);
    console_sign_in(&browser, &dpo).await;
    let profile = browser
        .visit(&format!("/console/persons/{}", person.id))
        .await
        .page();
    let path = format!("/console/persons/{}/consents", person.id);
    assert!(
        profile.body.contains(&path),
        "the person page links the ledger"
    );

    let page = browser.visit(&path).await.page();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Usage statistics"));
    let without_note = page.form_with(&[
        ("purpose", "portal-analytics"),
        ("decision", "granted"),
        ("language", "sv"),
        ("note", ""),
    ]);
    let refused = browser.submit(&path, &without_note).await.page();
    assert_eq!(refused.status, 422, "{}", refused.body);
    let paper = page.form_with(&[
        ("purpose", "portal-analytics"),
        ("decision", "granted"),
        ("language", "sv"),
        ("note", "Signed form, HR binder 4"),
    ]);
    let after = browser.submit(&path, &paper).await.page();
    assert!(
        after.body.contains("The decision was recorded."),
        "{}",
        after.body
    );
    assert!(after.body.contains("Signed form, HR binder 4"));
    assert!(after.body.contains("Granted"));

    let customer_admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let theirs = Browser::new(&app.issuer);
    console_sign_in(&theirs, &customer_admin).await;
    let denied = theirs.visit(&path).await.page();
    assert!(
        matches!(denied.status.as_u16(), 403 | 404),
        "{}",
        denied.status
    );
    let counts = theirs.visit("/console/consents").await.page();
    assert!(
        matches!(counts.status.as_u16(), 403 | 404),
        "{}",
        counts.status
    );
}

#[tokio::test]
async fn staff_see_counts_per_purpose_and_small_groups_are_withheld() {
    let app = spawn_app().await;
    let recorder = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    for n in 0..6 {
        let person = seed_simple_person(&app).await;
        let decision = if n < 5 { "granted" } else { "refused" };
        let body = json!({"purpose": "portal-analytics", "decision": decision,
                          "note": "survey form", "language": "en"});
        let path = format!("/api/v1/persons/{}/consents", person.id);
        assert_eq!(recorder.post(&path, body).await.status, 201);
    }
    let admin = staff(&app, "admin").await;
    let browser = Browser::with_language(&app.issuer, Some("sv"));
    console_sign_in(&browser, &admin).await;
    let console = browser.visit("/console").await.page();
    assert!(
        console.body.contains("/console/consents"),
        "the console links the counts"
    );
    let page = browser.visit("/console/consents").await.page();
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Samtycken"), "{}", page.body);
    let row = page
        .body
        .split("<tr>")
        .find(|row| row.contains("Användningsstatistik"))
        .expect("a row for portal analytics");
    assert!(row.contains("<td>5</td>"), "five granted are shown: {row}");
    assert!(row.contains("färre än 5"), "one refusal is withheld: {row}");
    assert!(!row.contains("<td>1</td>"));
}
