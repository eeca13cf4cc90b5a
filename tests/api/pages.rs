//! The HTML pages: login, account, sign-out.

use openidconnect::LanguageTag;
use openidconnect::core::CoreAuthPrompt;

use crate::browser::{Answers, Browser, Page, dance, query_param};
use crate::helpers::{Account, Person, TestApp, seed_person, spawn_app};
use crate::rp::app_person_and_rp;
use crate::rp::standard_rp;

pub fn assert_security_headers(page: &Page) {
    let csp = page
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("{} has no CSP", page.url));
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{}: CSP {csp:?}",
        page.url
    );
    assert_eq!(
        page.header("referrer-policy"),
        Some("no-referrer"),
        "{}",
        page.url
    );
    assert_eq!(
        page.header("x-content-type-options"),
        Some("nosniff"),
        "{}",
        page.url
    );
}

fn html_lang(page: &Page) -> Option<String> {
    let start = page.body.find("<html lang=\"")? + "<html lang=\"".len();
    let end = page.body[start..].find('"')? + start;
    Some(page.body[start..end].to_string())
}

/// Signs in directly (no relying party) and returns the /account page.
async fn sign_in_to_account(app: &TestApp, browser: &Browser, person: &Person) -> Page {
    let login = browser.visit("/login").await.page();
    assert_eq!(login.path(), "/login");
    let mut fields = login.hidden_fields();
    fields.push(("email".into(), person.email.clone()));
    fields.push(("password".into(), person.password.clone()));
    let page = browser.submit("/login", &fields).await.page();
    assert_eq!(
        page.path(),
        "/account",
        "{} led to {} ({}):\n{}",
        app.issuer,
        page.url,
        page.status,
        page.body
    );
    page
}

#[tokio::test]
async fn login_page_has_security_headers_and_a_plain_html_form() {
    let app = spawn_app().await;
    let rp = standard_rp(&app).await;
    let page = Browser::new(&app.issuer)
        .visit(rp.authorize(&["openid"]).url.as_str())
        .await
        .page();

    assert_eq!(page.path(), "/login");
    assert_eq!(page.status, 200);
    assert_security_headers(&page);
    let body = page.body.to_ascii_lowercase();
    assert!(
        body.contains("method=\"post\""),
        "form posts:\n{}",
        page.body
    );
    assert!(
        body.contains("action=\"/login\""),
        "form action is /login:\n{}",
        page.body
    );
    assert!(page.body.contains("name=\"email\"") && page.body.contains("name=\"password\""));
    assert!(
        page.hidden("csrf").is_some_and(|v| !v.is_empty()),
        "hidden csrf input"
    );
    assert!(
        page.hidden("auth").is_some_and(|v| !v.is_empty()),
        "hidden auth input"
    );

    // Error pages carry the headers too.
    let response = app
        .http
        .get(app.url("/authorize?client_id=nobody&response_type=code"))
        .send()
        .await
        .unwrap();
    let headers = response.headers().clone();
    let error_page = Page {
        url: response.url().clone(),
        status: response.status(),
        headers,
        body: String::new(),
    };
    assert_security_headers(&error_page);
}

#[tokio::test]
async fn login_page_is_swedish_when_ui_locales_asks_for_it() {
    let app = spawn_app().await;
    let rp = standard_rp(&app).await;
    let browser = Browser::new(&app.issuer);

    let plain = browser
        .visit(rp.authorize(&["openid"]).url.as_str())
        .await
        .page();
    assert_ne!(
        html_lang(&plain).as_deref(),
        Some("sv"),
        "Swedish without being asked"
    );
    let request = rp.authorize_with(&["openid"], |r| {
        r.add_ui_locale(LanguageTag::new("sv".into()))
    });
    let swedish = browser.visit(request.url.as_str()).await.page();
    assert_eq!(swedish.path(), "/login");
    assert_eq!(html_lang(&swedish).as_deref(), Some("sv"));
}

#[tokio::test]
async fn login_page_is_swedish_when_the_browser_prefers_it() {
    let app = spawn_app().await;
    let rp = standard_rp(&app).await;
    let browser = Browser::with_language(&app.issuer, Some("sv-SE,sv;q=0.9,en;q=0.5"));

    let page = browser
        .visit(rp.authorize(&["openid"]).url.as_str())
        .await
        .page();
    assert_eq!(page.path(), "/login");
    assert_eq!(html_lang(&page).as_deref(), Some("sv"));
    let standalone = browser.visit("/login").await.page();
    assert_eq!(html_lang(&standalone).as_deref(), Some("sv"));
}

#[tokio::test]
async fn account_page_shows_the_person_their_accounts_and_roles() {
    let app = spawn_app().await;
    let person = seed_person(
        &app,
        &[
            ("Acme", &["buyer"]),
            ("Globex", &["finance", "customer-admin"]),
        ],
    )
    .await;
    // A membership added after the person exists shows up as well.
    let mut person = person;
    let initech = format!("Initech {}", person.id);
    let initech_id = app
        .admin
        .add_customer_account(&initech)
        .await
        .expect("add account");
    app.admin
        .add_membership(&person.id, &initech_id, vec!["member".into()])
        .await
        .expect("add membership");
    person.accounts.push(Account {
        id: initech_id,
        name: initech,
        roles: vec!["member".into()],
    });
    let browser = Browser::new(&app.issuer);

    let page = sign_in_to_account(&app, &browser, &person).await;
    assert_security_headers(&page);
    assert!(
        page.body.contains(&person.display_name),
        "display name shown"
    );
    assert!(page.body.contains(&person.email), "email shown");
    for account in &person.accounts {
        assert!(
            page.body.contains(&account.name),
            "account {} shown",
            account.name
        );
        for role in &account.roles {
            assert!(page.body.contains(role.as_str()), "role {role} shown");
        }
    }
    assert!(
        page.hidden("csrf").is_some(),
        "sign-out form has a CSRF token"
    );
    assert!(
        page.body.contains("action=\"/logout\""),
        "sign-out form posts to /logout"
    );
}

#[tokio::test]
async fn sign_out_ends_the_session() {
    let (app, person, rp) = app_person_and_rp().await;
    let browser = Browser::new(&app.issuer);
    let account = sign_in_to_account(&app, &browser, &person).await;

    let sso = dance(
        &browser,
        rp.authorize(&["openid"]).url.as_str(),
        &person,
        &Answers::default(),
    )
    .await;
    // No login: only the app's consent and the undecided purposes are asked.
    assert_eq!(
        sso.pages,
        ["/consent", "/privacy-choices"],
        "the session serves authorization requests"
    );

    let csrf = account.hidden("csrf").expect("csrf on the account page");
    let after = browser.submit("/logout", &[("csrf".into(), csrf)]).await;
    if let crate::browser::Landing::Page(page) = &after {
        assert!(
            page.status.is_success(),
            "sign-out answered {}",
            page.status
        );
        assert!(
            !page.body.contains(&person.email),
            "still signed in after sign-out"
        );
    }
    let again = browser.visit("/account").await.page();
    assert!(
        !again.body.contains(&person.email),
        "account page still shows the person"
    );

    let silent = rp.authorize_with(&["openid"], |r| r.add_prompt(CoreAuthPrompt::None));
    let landed = browser.visit(silent.url.as_str()).await.left();
    assert_eq!(
        query_param(&landed, "error").as_deref(),
        Some("login_required")
    );
}
