//! The register in a real headless Chromium, in Swedish: a DPO opens the queue, opens a
//! request and rejects it with a reason.

use crate::admin::support::{Api, service_token};
use crate::chromium::{in_chromium, page_text, sign_in, wait_for, wait_for_url};
use crate::helpers::{PASSWORD, Person, seed_simple_person, spawn_app};
use serde_json::json;
use trohet::admin::NewPerson;

#[tokio::test]
async fn a_swedish_dpo_rejects_a_request_from_the_queue_in_chromium() {
    let app = spawn_app().await;
    let email = "dpo@owner.test".to_string();
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: "Dagny Dataskydd".into(),
            locale: Some("sv".into()),
            staff: true,
            staff_roles: vec!["dpo".into()],
            memberships: vec![],
            password: PASSWORD.into(),
        })
        .await
        .expect("add the DPO");
    let dpo = Person {
        id,
        email,
        display_name: "Dagny Dataskydd".into(),
        password: PASSWORD.into(),
        accounts: vec![],
    };
    let person = seed_simple_person(&app).await;
    let api = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
    let received = json!({"kind": "rectification", "person_id": person.id, "channel": "phone",
                          "verification": "called back on the number on file"});
    let registered = api.post("/api/v1/dsr", received).await;
    assert_eq!(registered.status, 201, "{}", registered.text);

    in_chromium(
        "a_swedish_dpo_rejects_a_request_from_the_queue_in_chromium",
        move |client| async move {
            client
                .goto(&app.url("/console"))
                .await
                .expect("open the console");
            sign_in(&client, &dpo).await;
            wait_for_url(&client, "the console", |u| u.path() == "/console").await;
            wait_for(&client, r#"a[href="/console/requests"]"#)
                .await
                .click()
                .await
                .expect("open the queue");
            let request =
                wait_for(&client, r#"table.requests a[href^="/console/requests/"]"#).await;
            let queue = page_text(&client).await;
            assert!(queue.contains("Begäranden från registrerade"), "{queue}");
            assert!(
                queue.contains("Telefon") && queue.contains("Mottagen"),
                "{queue}"
            );
            request.click().await.expect("open the request");
            wait_for_url(&client, "the request", |u| {
                u.path().starts_with("/console/requests/")
            })
            .await;

            wait_for(&client, "select[name=status]")
                .await
                .select_by_value("rejected")
                .await
                .expect("choose Avslagen");
            wait_for(&client, "input[name=reason]")
                .await
                .send_keys("Personen har inga uppgifter hos oss att rätta")
                .await
                .expect("type the reason");
            wait_for(&client, r#"form[action$="/status"] button[type=submit]"#)
                .await
                .click()
                .await
                .expect("change the status");
            wait_for_url(&client, "the changed request", |u| {
                u.query().is_some_and(|q| q.contains("done=moved"))
            })
            .await;
            let text = page_text(&client).await;
            assert!(text.contains("Begärans status är ändrad."), "{text}");
            assert!(
                text.contains("Avslagen: Personen har inga uppgifter hos oss att rätta"),
                "{text}"
            );
        },
    )
    .await;
}
