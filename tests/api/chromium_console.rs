//! The console in a real headless Chromium: a staff admin creates a customer account and
//! invites a person, who accepts through the link in the e-mail a real SMTP server
//! received and signs in; a customer admin of A grants a role in A and reaches nothing of
//! B, not even through typed URLs.

use crate::chromium::{click, in_chromium, page_text, sign_in, wait_for, wait_for_url};
use crate::helpers::{PASSWORD, Person, TestApp, spawn_app_with};
use crate::smtp::{SmtpServer, link_to, parse};
use fantoccini::Client;
use trohet::admin::{NewMembership, NewPerson};
use trohet::config::Secret;

async fn add(
    app: &TestApp,
    email: &str,
    staff: bool,
    roles: &[&str],
    account: Option<&str>,
) -> Person {
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.into(),
            display_name: format!("Person {email}"),
            locale: None,
            staff,
            staff_roles: if staff { roles.clone() } else { vec![] },
            memberships: account
                .map(|a| NewMembership {
                    customer_account_id: a.into(),
                    roles,
                })
                .into_iter()
                .collect(),
            password: PASSWORD.into(),
        })
        .await
        .expect("a person");
    Person {
        id,
        email: email.into(),
        display_name: format!("Person {email}"),
        password: PASSWORD.into(),
        accounts: vec![],
    }
}

async fn type_into(client: &Client, css: &str, text: &str) {
    wait_for(client, css)
        .await
        .send_keys(text)
        .await
        .expect("type");
}

#[tokio::test]
async fn a_staff_admin_invites_a_person_who_accepts_the_mailed_link_and_signs_in() {
    let Some(smtp) = SmtpServer::start(0) else {
        return;
    };
    let url = smtp.url();
    let app = spawn_app_with(|config| config.smtp.url = Some(Secret::new(url))).await;
    let admin = add(&app, "boss@owner.test", true, &["admin"], None).await;
    in_chromium("console_invitation", move |client| async move {
        client
            .goto(&app.url("/console"))
            .await
            .expect("open the console");
        sign_in(&client, &admin).await;
        wait_for_url(&client, "the console", |u| u.path() == "/console").await;
        click(&client, r#"a[href="/console/customers"]"#).await;
        type_into(
            &client,
            r#"form[method=post][action="/console/customers"] input[name=name]"#,
            "Nordic Parts AB",
        )
        .await;
        click(
            &client,
            r#"form[method=post][action="/console/customers"] button[type=submit]"#,
        )
        .await;
        wait_for_url(&client, "the new account", |u| {
            u.path().starts_with("/console/customers/")
        })
        .await;
        type_into(
            &client,
            r#"form[action$="/invitations"] input[name=email]"#,
            "nils@nordic.test",
        )
        .await;
        type_into(
            &client,
            r#"form[action$="/invitations"] input[name=display_name]"#,
            "Nils Nord",
        )
        .await;
        click(
            &client,
            r#"form[action$="/invitations"] input[name="invite.buyer"]"#,
        )
        .await;
        click(
            &client,
            r#"form[action$="/invitations"] button[type=submit]"#,
        )
        .await;
        wait_for(&client, "p.notice, .notice").await;

        let mail = parse(&smtp.wait_for(1).await[0]);
        assert!(mail.to.contains("nils@nordic.test"));
        let link = link_to(&mail.text, "/invitation?token=");
        client
            .delete_all_cookies()
            .await
            .expect("a fresh browser for Nils");
        client.goto(&link).await.expect("follow the mailed link");
        type_into(&client, "input[name=password]", "nils has a long password").await;
        type_into(&client, "input[name=repeat]", "nils has a long password").await;
        click(&client, r#"form[action="/invitation"] button[type=submit]"#).await;
        wait_for_url(&client, "the login page", |u| u.path() == "/login").await;
        // The address is filled in from the invitation; only the password is typed.
        type_into(
            &client,
            r#"form[action="/login"] input[name=password]"#,
            "nils has a long password",
        )
        .await;
        click(&client, r#"form[action="/login"] button[type=submit]"#).await;
        wait_for_url(&client, "the account page", |u| u.path() == "/account").await;
        let text = page_text(&client).await;
        assert!(
            text.contains("Nordic Parts AB") && text.contains("buyer"),
            "{text}"
        );
    })
    .await;
}

#[tokio::test]
async fn a_customer_admin_grants_a_role_in_their_account_and_reaches_nothing_of_another() {
    let app = crate::helpers::spawn_app().await;
    let alpha = app
        .admin
        .add_customer_account("Alpha Chromium AB")
        .await
        .unwrap();
    let bravo = app
        .admin
        .add_customer_account("Bravo Chromium AB")
        .await
        .unwrap();
    let admin = add(
        &app,
        "ada@alpha.test",
        false,
        &["customer-admin"],
        Some(&alpha),
    )
    .await;
    let colleague = add(&app, "cai@alpha.test", false, &["member"], Some(&alpha)).await;
    let stranger = add(
        &app,
        "bea@bravo.test",
        false,
        &["customer-admin"],
        Some(&bravo),
    )
    .await;
    let check = app.admin.clone();
    in_chromium("console_tenancy", move |client| async move {
        client
            .goto(&app.url(&format!("/console/customers/{alpha}")))
            .await
            .unwrap();
        sign_in(&client, &admin).await;
        wait_for_url(&client, "Alpha's page", |u| u.path().ends_with(&alpha)).await;
        let form = format!(r#"form[action$="/members/{}"]"#, colleague.id);
        click(&client, &format!(r#"{form} input[name="role.finance"]"#)).await;
        click(&client, &format!("{form} button[type=submit]")).await;
        wait_for(&client, ".notice").await;
        let detail = check
            .identity()
            .person(check.operator(), &colleague.id)
            .await
            .unwrap();
        assert!(detail.memberships[0].3.contains(&"finance".to_string()));

        for path in [
            format!("/console/customers/{bravo}"),
            format!("/console/persons/{}", stranger.id),
            format!("/console/persons?customer={bravo}"),
        ] {
            client.goto(&app.url(&path)).await.unwrap();
            let text = page_text(&client).await;
            assert!(
                !text.contains("Bravo") && !text.contains("bea@bravo.test"),
                "{path}: {text}"
            );
            assert!(text.contains("nothing here"), "{path}: {text}");
        }
        client.goto(&app.url("/console/customers")).await.unwrap();
        let text = page_text(&client).await;
        assert!(
            text.contains("Alpha Chromium AB") && !text.contains("Bravo"),
            "{text}"
        );
    })
    .await;
}
