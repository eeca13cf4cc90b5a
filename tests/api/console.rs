//! The administration console under `/console`, driven like a browser without JavaScript:
//! pages are fetched, forms are read for their hidden fields and posted back.

use crate::browser::{Browser, Page, html_unescape};
use crate::helpers::{PASSWORD, Person, TestApp, seed_person, spawn_app};
use trohet::admin::{NewMembership, NewPerson};
use trohet::identity::service::invitations::InviteInput;

fn suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..8].to_string()
}

/// A staff member holding the `admin` role.
async fn staff_admin(app: &TestApp) -> Person {
    add_person(app, true, vec!["admin".into()], Vec::new()).await
}

/// A customer user with these roles in one existing account.
async fn member_of(app: &TestApp, account_id: &str, roles: &[&str]) -> Person {
    let membership = NewMembership {
        customer_account_id: account_id.to_string(),
        roles: roles.iter().map(|r| r.to_string()).collect(),
    };
    add_person(app, false, Vec::new(), vec![membership]).await
}

async fn add_person(
    app: &TestApp,
    staff: bool,
    staff_roles: Vec<String>,
    memberships: Vec<NewMembership>,
) -> Person {
    let suffix = suffix();
    let email = format!("console-{suffix}@example.test");
    let display_name = format!("Grace Hopper {suffix}");
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.clone(),
            display_name: display_name.clone(),
            locale: None,
            staff,
            staff_roles,
            memberships,
            password: PASSWORD.into(),
        })
        .await
        .expect("add person");
    Person {
        id,
        email,
        display_name,
        password: PASSWORD.into(),
        accounts: Vec::new(),
    }
}

/// Opens the console, which asks for a login first and then comes back to it.
async fn sign_in(browser: &Browser, email: &str, password: &str) -> Page {
    let login = browser.visit("/console").await.page();
    assert_eq!(login.path(), "/login", "the console asks to sign in first");
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), email.into()));
    fields.push(("password".into(), password.into()));
    let page = browser.submit("/login", &fields).await.page();
    assert_eq!(page.path(), "/console", "{}:\n{}", page.status, page.body);
    page
}

/// The hidden fields of the form posting to `action`.
fn form(page: &Page, action: &str) -> Vec<(String, String)> {
    let marker = format!("method=\"post\" action=\"{action}\"");
    let start = page.body.find(&marker).unwrap_or_else(|| {
        panic!(
            "no form posting to {action} on {}:\n{}",
            page.url, page.body
        )
    });
    let end = page.body[start..].find("</form>").expect("form closes") + start;
    let inner = Page {
        url: page.url.clone(),
        status: page.status,
        headers: page.headers.clone(),
        body: page.body[start..end].to_string(),
    };
    inner.hidden_fields()
}

fn with(mut fields: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    fields.extend(more.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    fields
}

/// The invitation link shown in the page's `<code>` block.
fn invitation_link(page: &Page) -> String {
    let start = page
        .body
        .find("<code>")
        .unwrap_or_else(|| panic!("no link shown:\n{}", page.body))
        + "<code>".len();
    let end = page.body[start..].find("</code>").expect("code closes") + start;
    html_unescape(&page.body[start..end])
}

async fn status_of_post(browser: &Browser, path: &str, fields: &[(String, String)]) -> u16 {
    browser
        .http
        .post(browser.url(path))
        .form(fields)
        .send()
        .await
        .expect("POST succeeds")
        .status()
        .as_u16()
}

async fn status_of_get(browser: &Browser, path: &str) -> u16 {
    browser
        .http
        .get(browser.url(path))
        .send()
        .await
        .expect("GET succeeds")
        .status()
        .as_u16()
}

async fn roles_of(app: &TestApp, person_id: &str, account_id: &str) -> Vec<String> {
    let person = app
        .admin
        .identity()
        .person(app.admin.operator(), person_id)
        .await
        .expect("read person");
    person
        .memberships
        .into_iter()
        .find(|(id, ..)| id == account_id)
        .map(|(.., roles)| roles)
        .unwrap_or_default()
}

#[tokio::test]
async fn staff_create_a_customer_and_invite_a_person_who_accepts_and_signs_in() {
    let app = spawn_app().await;
    let admin = staff_admin(&app).await;
    let browser = Browser::new(&app.issuer);
    let dashboard = sign_in(&browser, &admin.email, &admin.password).await;
    for section in ["/console/customers", "/console/persons", "/console/clients"] {
        assert!(dashboard.body.contains(section), "{section} offered");
    }

    let list = browser.visit("/console/customers").await.page();
    let name = format!("Initech {}", suffix());
    let fields = with(form(&list, "/console/customers"), &[("name", &name)]);
    let account = browser.submit("/console/customers", &fields).await.page();
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.path().starts_with("/console/customers/"));
    assert!(account.body.contains(&name) && account.body.contains("Created."));
    let account_id = account.path().rsplit('/').next().expect("id").to_string();

    let invite_path = format!("/console/customers/{account_id}/invitations");
    let email = format!("invitee-{}@example.test", suffix());
    let fields = with(
        form(&account, &invite_path),
        &[
            ("email", &email),
            ("display_name", "Katherine Johnson"),
            ("invite.customer-admin", "on"),
            ("locale", "en"),
        ],
    );
    let invited = browser.submit(&invite_path, &fields).await.page();
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert!(invited.body.contains(&email), "the invitation is listed");
    let link = invitation_link(&invited);
    assert!(link.contains("/invitation?token="), "{link}");

    let invitee = Browser::new(&app.issuer);
    let acceptance = invitee.visit(&link).await.page();
    assert_eq!(acceptance.path(), "/invitation", "{}", acceptance.body);
    let password = "a brand new passphrase";
    let fields = with(
        acceptance.hidden_fields(),
        &[
            ("name", "Katherine Johnson"),
            ("password", password),
            ("repeat", password),
        ],
    );
    let login = invitee.submit("/invitation", &fields).await.page();
    assert_eq!(login.path(), "/login", "{}", login.body);
    let console = sign_in(&Browser::new(&app.issuer), &email, password).await;
    assert!(
        console.body.contains("/console/customers"),
        "the new customer admin administers their account"
    );

    let after = browser
        .visit(&format!("/console/customers/{account_id}"))
        .await
        .page();
    assert!(after.body.contains(&email), "the new member is listed");
}

#[tokio::test]
async fn a_customer_admin_changes_a_colleagues_roles_in_their_own_account() {
    let app = spawn_app().await;
    let admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let acme = admin.accounts[0].id.clone();
    let colleague = member_of(&app, &acme, &["member"]).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;

    let account = browser
        .visit(&format!("/console/customers/{acme}"))
        .await
        .page();
    assert_eq!(account.status, 200, "{}", account.body);
    assert!(account.body.contains(&colleague.email));
    let save = format!("/console/customers/{acme}/members/{}", colleague.id);
    let fields = with(
        form(&account, &save),
        &[("role.member", "on"), ("role.buyer", "on")],
    );
    let saved = browser.submit(&save, &fields).await.page();
    assert_eq!(saved.status, 200, "{}", saved.body);
    assert!(saved.body.contains("Saved."), "{}", saved.body);
    assert_eq!(
        roles_of(&app, &colleague.id, &acme).await,
        ["buyer", "member"]
    );

    // The form carried the version it was read at: sending it again is stale.
    let again = browser.submit(&save, &fields).await.page();
    assert_eq!(again.status, 409);
    assert!(again.body.contains("Someone else changed this"));
}

#[tokio::test]
async fn the_last_customer_admin_cannot_remove_themselves() {
    let app = spawn_app().await;
    let admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let acme = admin.accounts[0].id.clone();
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;

    let account = browser
        .visit(&format!("/console/customers/{acme}"))
        .await
        .page();
    let remove = format!("/console/customers/{acme}/members/{}/remove", admin.id);
    let refused = browser
        .submit(&remove, &form(&account, &remove))
        .await
        .page();
    assert_eq!(refused.status, 409);
    assert!(
        refused.body.contains("last customer admin"),
        "{}",
        refused.body
    );
    assert_eq!(roles_of(&app, &admin.id, &acme).await, ["customer-admin"]);
}

#[tokio::test]
async fn a_customer_admin_gets_404_for_everything_of_another_account() {
    let app = spawn_app().await;
    let admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let acme = admin.accounts[0].id.clone();
    let other = seed_person(&app, &[("Globex", &["customer-admin"])]).await;
    let globex = other.accounts[0].id.clone();
    let invitation = app
        .admin
        .identity()
        .invite(
            app.admin.operator(),
            &globex,
            InviteInput {
                email: format!("someone-{}@example.test", suffix()),
                display_name: "Someone".into(),
                roles: vec!["member".into()],
                locale: None,
            },
        )
        .await
        .expect("invite")
        .invitation
        .invitation_id;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;

    let own = browser
        .visit(&format!("/console/customers/{acme}"))
        .await
        .page();
    let csrf = own
        .hidden("csrf")
        .expect("a form on the own account's page");
    let list = browser.visit("/console/customers").await.page();
    assert!(list.body.contains(&admin.accounts[0].name));
    assert!(
        !list.body.contains(&other.accounts[0].name),
        "B is not listed"
    );

    for path in [
        format!("/console/customers/{globex}"),
        format!("/console/persons/{}", other.id),
        format!("/console/persons?customer={globex}"),
    ] {
        assert_eq!(status_of_get(&browser, &path).await, 404, "GET {path}");
    }
    let member = format!("/console/customers/{globex}/members/{}", other.id);
    let posts = [
        (member.clone(), vec![("role.member", "on")]),
        (format!("{member}/remove"), vec![]),
        (
            format!("/console/customers/{globex}/invitations"),
            vec![
                ("email", "intruder@example.test"),
                ("display_name", "Intruder"),
                ("invite.customer-admin", "on"),
            ],
        ),
        (
            format!("/console/customers/{globex}/invitations/{invitation}/withdraw"),
            vec![],
        ),
    ];
    for (path, extra) in posts {
        let fields = with(vec![("csrf".into(), csrf.clone())], &extra);
        assert_eq!(
            status_of_post(&browser, &path, &fields).await,
            404,
            "POST {path}"
        );
    }
    assert_eq!(roles_of(&app, &other.id, &globex).await, ["customer-admin"]);
}

#[tokio::test]
async fn a_member_without_admin_rights_sees_no_sections() {
    let app = spawn_app().await;
    let member = seed_person(&app, &[("Acme", &["member", "buyer"])]).await;
    let browser = Browser::new(&app.issuer);
    let dashboard = sign_in(&browser, &member.email, &member.password).await;
    assert!(
        dashboard
            .body
            .contains("Your roles do not include any administration.")
    );
    assert!(!dashboard.body.contains("/console/customers"));
    assert_eq!(status_of_get(&browser, "/console/customers").await, 403);
    assert_eq!(status_of_get(&browser, "/console/audit").await, 403);
}

#[tokio::test]
async fn console_pages_are_swedish_when_the_browser_prefers_it() {
    let app = spawn_app().await;
    let admin = staff_admin(&app).await;
    let browser = Browser::with_language(&app.issuer, Some("sv-SE,sv;q=0.9"));
    let dashboard = sign_in(&browser, &admin.email, &admin.password).await;
    assert!(dashboard.body.contains("<html lang=\"sv\""));
    assert!(dashboard.body.contains("Kundkonton"));
    for (path, heading) in [
        ("/console/customers", "<h1>Kundkonton</h1>"),
        ("/console/persons", "<h1>Personer</h1>"),
        ("/console/clients", "<h1>Applikationer</h1>"),
        ("/console/keys", "<h1>Signeringsnycklar</h1>"),
        ("/console/audit", "<h1>Granskningslogg</h1>"),
    ] {
        let page = browser.visit(path).await.page();
        assert_eq!(page.status, 200, "{path}: {}", page.body);
        assert!(page.body.contains(heading), "{path}:\n{}", page.body);
    }
}

#[tokio::test]
async fn signed_out_visitors_are_sent_to_login_and_forms_need_their_csrf_token() {
    let app = spawn_app().await;
    let response = app
        .http
        .get(app.url("/console/customers?q=a"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 303);
    assert_eq!(
        response.headers()["location"],
        "/login?return_to=%2Fconsole%2Fcustomers%3Fq%3Da"
    );

    let admin = staff_admin(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;
    let name = format!("Forged {}", suffix());
    let forged = [("name".to_string(), name.clone())];
    assert_eq!(
        status_of_post(&browser, "/console/customers", &forged).await,
        400
    );
    let list = browser.visit("/console/customers").await.page();
    assert!(!list.body.contains(&name), "nothing was created");
}

#[tokio::test]
async fn staff_register_a_client_and_see_its_secret_only_once() {
    let app = spawn_app().await;
    let admin = staff_admin(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;

    let list = browser.visit("/console/clients").await.page();
    let name = format!("Portal {}", suffix());
    let fields = with(
        form(&list, "/console/clients"),
        &[
            ("name", &name),
            ("redirect_uris", "https://portal.example.test/callback\r\n"),
            ("grant.authorization_code", "on"),
            ("grant.refresh_token", "on"),
            ("id_token_alg", "ES256"),
        ],
    );
    let created = browser.submit("/console/clients", &fields).await.page();
    assert_eq!(created.status, 201, "{}", created.body);
    let secret = invitation_link(&created);
    assert!(secret.len() >= 32, "a secret is shown: {secret}");
    assert_eq!(created.header("cache-control"), Some("no-store"));
    let client_path = form_action_starting(&created, "/console/clients/");
    let again = browser.visit(&client_path).await.page();
    assert!(again.body.contains(&name) && !again.body.contains(&secret));

    let invalid = with(
        form(&again, &client_path),
        &[("name", &name), ("grant.authorization_code", "on")],
    );
    let refused = browser.submit(&client_path, &invalid).await.page();
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("at least one redirect URI"),
        "{}",
        refused.body
    );

    let confirm = browser.visit(&format!("{client_path}/delete")).await.page();
    let delete = format!("{client_path}/delete");
    let deleted = browser
        .submit(&delete, &form(&confirm, &delete))
        .await
        .page();
    assert_eq!(deleted.path(), "/console/clients");
    assert!(!deleted.body.contains(&name), "the client is gone");
}

/// The first form action under `prefix`: the created client's page.
fn form_action_starting(page: &Page, prefix: &str) -> String {
    let marker = format!("action=\"{prefix}");
    let start = page.body.find(&marker).expect("a form for the client") + "action=\"".len();
    let end = page.body[start..].find('"').expect("action ends") + start;
    let action = &page.body[start..end];
    action.trim_end_matches("/secret").to_string()
}

#[tokio::test]
async fn staff_see_rotate_keys_and_verify_and_export_the_audit_log() {
    let app = spawn_app().await;
    let admin = staff_admin(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;

    let keys = browser.visit("/console/keys").await.page();
    assert!(keys.body.contains("RS256"), "{}", keys.body);
    let rotated = browser
        .submit("/console/keys/rotate", &form(&keys, "/console/keys/rotate"))
        .await
        .page();
    assert!(rotated.body.contains("Rotated."), "{}", rotated.body);

    let audit = browser
        .visit("/console/audit?action=key.rotated")
        .await
        .page();
    assert!(audit.body.contains("key.rotated") && audit.body.contains(&admin.id));
    let verified = browser
        .submit(
            "/console/audit/verify",
            &form(&audit, "/console/audit/verify"),
        )
        .await
        .page();
    assert!(
        verified.body.contains("The chain is intact."),
        "{}",
        verified.body
    );
    let bad_time = browser.visit("/console/audit?from=yesterday").await.page();
    assert_eq!(bad_time.status, 400);

    let csv = browser
        .http
        .get(browser.url("/console/audit/export?action=key.rotated"))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    assert!(text.starts_with("seq,time,") && text.contains("key.rotated"));
}

#[tokio::test]
async fn a_customer_admin_sees_only_their_own_accounts_of_a_person_and_staff_edit_and_disable_them()
{
    let app = spawn_app().await;
    let admin = seed_person(&app, &[("Acme", &["customer-admin"])]).await;
    let acme = admin.accounts[0].id.clone();
    let colleague = member_of(&app, &acme, &["member"]).await;
    let globex_name = format!("Globex {}", suffix());
    let globex = app.admin.add_customer_account(&globex_name).await.unwrap();
    app.admin
        .add_membership(&colleague.id, &globex, vec!["buyer".into()])
        .await
        .unwrap();
    let outsider = member_of(&app, &globex, &["member"]).await;

    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &admin.email, &admin.password).await;
    let person_path = format!("/console/persons/{}", colleague.id);
    let seen = browser.visit(&person_path).await.page();
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert!(seen.body.contains(&admin.accounts[0].name));
    assert!(
        !seen.body.contains(&globex_name),
        "B's membership stays hidden"
    );
    assert!(
        !seen.body.contains(&format!("action=\"{person_path}\"")),
        "no edit form"
    );
    let search = browser.visit("/console/persons?q=console-").await.page();
    assert!(search.body.contains(&colleague.email));
    assert!(
        !search.body.contains(&outsider.email),
        "only the own account's people"
    );

    let staff = staff_admin(&app).await;
    let browser = Browser::new(&app.issuer);
    sign_in(&browser, &staff.email, &staff.password).await;
    let page = browser.visit(&person_path).await.page();
    assert!(
        page.body.contains(&globex_name),
        "staff see every membership"
    );
    let fields = with(
        form(&page, &person_path),
        &[
            ("email", &colleague.email),
            ("name", "Dorothy Vaughan"),
            ("locale", "sv"),
        ],
    );
    let saved = browser.submit(&person_path, &fields).await.page();
    assert!(saved.body.contains("Saved.") && saved.body.contains("Dorothy Vaughan"));
    let invalid = with(
        form(&saved, &person_path),
        &[("email", "not an address"), ("name", "Dorothy Vaughan")],
    );
    let refused = browser.submit(&person_path, &invalid).await.page();
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("the email address is not valid"));

    let disable = format!("{person_path}/disable");
    let disabled = browser
        .submit(&disable, &form(&saved, &disable))
        .await
        .page();
    assert!(disabled.body.contains("Disabled:"), "{}", disabled.body);
    let enable = format!("{person_path}/enable");
    let enabled = browser
        .submit(&enable, &form(&disabled, &enable))
        .await
        .page();
    assert!(enabled.body.contains("Enabled."), "{}", enabled.body);
}
