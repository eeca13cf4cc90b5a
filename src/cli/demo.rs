//! `trohet serve --demo`: a customer account with two people, a staff admin and a portal-app client, so a
//! new user can try a login in a minute. Safe to repeat: people are created once, and the
//! demo client gets a fresh secret (secrets are never stored in clear, so never re-shown).

use crate::App;
use crate::admin::{NewClient, NewMembership, NewPerson};

pub const DEMO_CLIENT_ID: &str = "demo-portal";
const DEMO_PASSWORD: &str = "demo-portal-2026";
/// A staff admin, so that the console can be tried at once.
const STAFF_ADMIN: &str = "admin@demo.example";
const PEOPLE: [(&str, &str, &[&str]); 2] = [
    (
        "anna@demo.example",
        "Anna Andersson",
        &["customer-admin", "finance"],
    ),
    ("bo@demo.example", "Bo Berg", &["buyer", "member"]),
];

pub async fn seed_and_explain(app: &App) -> anyhow::Result<()> {
    let admin = app.admin();
    let issuer = app.issuer();
    if !admin.person_exists(PEOPLE[0].0).await? {
        let customer = admin.add_customer_account("Demo Customer AB").await?;
        for (email, name, roles) in PEOPLE {
            admin
                .add_person(NewPerson {
                    email: email.into(),
                    display_name: name.into(),
                    locale: Some("sv-SE".into()),
                    staff: false,
                    staff_roles: Vec::new(),
                    memberships: vec![NewMembership {
                        customer_account_id: customer.clone(),
                        roles: roles.iter().map(|r| r.to_string()).collect(),
                    }],
                    password: DEMO_PASSWORD.into(),
                })
                .await?;
        }
    }
    // Admin and data protection officer, so the demo shows the register and erasure too.
    if !admin.person_exists(STAFF_ADMIN).await? {
        admin
            .add_person(NewPerson {
                email: STAFF_ADMIN.into(),
                display_name: "Ada Admin".into(),
                locale: Some("en".into()),
                staff: true,
                staff_roles: vec!["admin".into(), "dpo".into()],
                memberships: Vec::new(),
                password: DEMO_PASSWORD.into(),
            })
            .await?;
    }
    let redirect_uri = format!("{issuer}/demo/callback");
    let mut client = NewClient::new("Demo portal", vec![redirect_uri.clone()]);
    client.post_logout_redirect_uris = vec![format!("{issuer}/login")];
    let registered = admin
        .register_or_reset_client(DEMO_CLIENT_ID, client)
        .await?;
    let secret = registered.client_secret.unwrap_or_default();
    let authorize = format!(
        "{issuer}/authorize?response_type=code&client_id={DEMO_CLIENT_ID}&redirect_uri={}\
         &scope=openid%20profile%20email%20customer%20roles&state=demo-state&nonce=demo-nonce",
        url::form_urlencoded::byte_serialize(redirect_uri.as_bytes()).collect::<String>()
    );
    println!(
        "\ntrohet demo is ready.\n\n  people:        {} / {} / {STAFF_ADMIN} (password: {DEMO_PASSWORD})\n  console:       {issuer}/console\n  client_id:     {DEMO_CLIENT_ID}\n  client_secret: {secret}\n  discovery:     {issuer}/.well-known/openid-configuration\n  account page:  {issuer}/account\n\n  Open this in a browser to log in as a portal app would:\n  {authorize}\n",
        PEOPLE[0].0, PEOPLE[1].0
    );
    Ok(())
}
