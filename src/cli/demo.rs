//! `trohet serve --demo`: a customer account with two people, a staff admin and a portal-app client, so a
//! new user can try a login in a minute, and a year of synthetic customer health for the
//! console's health pages. Safe to repeat: people and health data are created once, and the
//! demo client gets a fresh secret (secrets are never stored in clear, so never re-shown).
//! `trohet demo generate` makes health data of any size, for trying reports and benchmarks.

use super::report;
use crate::App;
use crate::admin::{Admin, NewClient, NewMembership, NewPerson};
use crate::analytics::demo::{self, Plan};
use crate::config::Config;
use clap::Subcommand;
use serde_json::json;

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

/// The health data `serve --demo` adds when there is none: 12 accounts of about 12 people
/// over 12 months.
const DEMO_HEALTH: Plan = Plan {
    people: 12,
    months: 12,
    seed: 2026,
};
const DEMO_HEALTH_CUSTOMERS: usize = 12;

#[derive(Subcommand, Debug)]
pub enum DemoCommand {
    /// Add customer accounts with a synthetic history of customer health (pseudonymous
    /// activity, ratings and staff engagement; no person rows)
    Generate {
        #[arg(long, value_name = "N")]
        customers: usize,
        /// People per account, on average (each account has between half and one and a
        /// half times as many; a few have fewer than five)
        #[arg(long, value_name = "N")]
        people: usize,
        /// Months of history (at most as far back as raw events are kept)
        #[arg(long, value_name = "N")]
        months: i64,
        #[arg(long, value_name = "S", default_value_t = 1)]
        seed: u64,
    },
}

pub async fn demo(config: &Config, command: DemoCommand, json: bool) -> anyhow::Result<()> {
    let DemoCommand::Generate {
        customers,
        people,
        months,
        seed,
    } = command;
    if customers == 0 || people == 0 || !(1..=36).contains(&months) {
        anyhow::bail!("--customers and --people must be at least 1, --months 1 to 36");
    }
    let started = std::time::Instant::now();
    let (admin, _) = crate::app::open_admin(config).await?;
    let plan = Plan {
        people,
        months,
        seed,
    };
    let (ids, summary) = generate(&admin, config, customers, &plan).await?;
    let seconds = started.elapsed().as_secs_f64();
    let rate = summary.events as f64 / seconds.max(0.001);
    let text = format!(
        "generated {} customer accounts, {} people and {} events in {seconds:.1} s ({rate:.0} events/s)",
        ids.len(),
        summary.people,
        summary.events
    );
    let value = json!({"customers": ids.len(), "people": summary.people, "events": summary.events,
        "seconds": seconds, "events_per_second": rate, "customer_ids": ids});
    report(json, value, &text)
}

/// Adds the accounts and their history: (the accounts' ids, what was generated).
async fn generate(
    admin: &Admin,
    config: &Config,
    customers: usize,
    plan: &Plan,
) -> anyhow::Result<(Vec<String>, demo::Summary)> {
    let mut ids = Vec::with_capacity(customers);
    for index in 0..customers {
        ids.push(
            admin
                .add_customer_account(&demo::customer_name(index))
                .await?,
        );
    }
    let analytics = crate::app::open_analytics(config).await?;
    let now = analytics.clock.now();
    let summary = demo::generate(&analytics, &ids, plan, now).await?;
    Ok((ids, summary))
}

/// Seeds the demo and prints how to try it; `config` is the server's, for the health data.
pub async fn seed_and_explain(app: &App, config: &Config) -> anyhow::Result<()> {
    let admin = app.admin();
    let health = seed_health(&admin, config).await?;
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
        "\ntrohet demo is ready.\n\n  people:        {} / {} / {STAFF_ADMIN} (password: {DEMO_PASSWORD})\n  console:       {issuer}/console\n  client_id:     {DEMO_CLIENT_ID}\n  client_secret: {secret}\n  discovery:     {issuer}/.well-known/openid-configuration\n  account page:  {issuer}/account\n  health:        {issuer}/console/health ({health})\n\n  Open this in a browser to log in as a portal app would:\n  {authorize}\n",
        PEOPLE[0].0, PEOPLE[1].0
    );
    Ok(())
}

/// A year of customer health for 12 demo accounts, unless there is some already.
async fn seed_health(admin: &Admin, config: &Config) -> anyhow::Result<String> {
    let analytics = crate::app::open_analytics(config).await?;
    let any: Option<(String,)> = sqlx::query_as("select event_id from analytics_event limit 1")
        .fetch_optional(&analytics.db)
        .await?;
    if any.is_some() {
        return Ok("existing health data".into());
    }
    let (ids, summary) = generate(admin, config, DEMO_HEALTH_CUSTOMERS, &DEMO_HEALTH).await?;
    Ok(format!(
        "{} synthetic accounts, {} events over {} months",
        ids.len(),
        summary.events,
        DEMO_HEALTH.months
    ))
}
