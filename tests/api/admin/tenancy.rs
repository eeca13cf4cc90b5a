//! The tenancy matrix: every admin route, called by every kind of principal, answers what
//! roles.toml says (2xx, 403 inside the caller's reach, 404 outside it), and nothing a
//! principal of customer account A receives names anything of B.

use super::support::{Answer, Api, person_token, service_token};
use crate::helpers::{PASSWORD, TestApp, register, spawn_app};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::Path;
use trohet::admin::{NewClient, NewMembership, NewPerson};
use trohet::authz::Policies;

/// What a principal holds.
struct Who {
    name: &'static str,
    staff_roles: Vec<&'static str>,
    /// Roles in account A (none elsewhere).
    roles_in_a: Vec<&'static str>,
    /// A token without the admin scope: refused before any permission is looked at.
    without_admin_scope: bool,
}

/// How a route is reached: which permission it needs and where.
#[derive(Clone, Copy)]
enum Scope {
    /// A list: allowed if any held role grants the permission anywhere.
    List,
    /// Staff-wide: only staff roles count.
    Staff,
    /// Inside account A or B: customer roles count there; outside the tenant is 404.
    InA,
    InB,
    /// A person of A or B, whom a customer role in that account may see (404 otherwise),
    /// but whom only staff may change (403 when visible).
    PersonIn(Account, bool),
}

#[derive(Clone, Copy)]
enum Account {
    A,
    B,
}

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Outcome {
    Allowed,
    Forbidden,
    NotFound,
}

struct Route {
    method: &'static str,
    path: String,
    body: Option<Value>,
    permission: &'static str,
    scope: Scope,
    if_match: Option<&'static str>,
}

fn expected(policies: &Policies, who: &Who, permission: &str, scope: Scope) -> Outcome {
    let grants = |roles: &[&str]| {
        policies
            .permissions_of(roles.iter().copied())
            .iter()
            .any(|p| p == permission)
    };
    if grants(&who.staff_roles) {
        return Outcome::Allowed;
    }
    let in_a = !who.roles_in_a.is_empty();
    let granted_in_a = grants(&who.roles_in_a);
    match scope {
        Scope::List if granted_in_a => Outcome::Allowed,
        Scope::List | Scope::Staff => Outcome::Forbidden,
        Scope::InA if granted_in_a => Outcome::Allowed,
        Scope::InA if in_a || !who.staff_roles.is_empty() => Outcome::Forbidden,
        Scope::InB if !who.staff_roles.is_empty() => Outcome::Forbidden,
        Scope::InA | Scope::InB => Outcome::NotFound,
        Scope::PersonIn(account, staff_only) => {
            let sees = policies_grant(policies, &who.staff_roles, "people.read")
                || matches!(account, Account::A)
                    && policies_grant(policies, &who.roles_in_a, "people.read");
            match (sees, staff_only) {
                (true, false) => Outcome::Allowed,
                (true, true) => Outcome::Forbidden,
                (false, _) => Outcome::NotFound,
            }
        }
    }
}

fn policies_grant(policies: &Policies, roles: &[&str], permission: &str) -> bool {
    policies
        .permissions_of(roles.iter().copied())
        .iter()
        .any(|p| p == permission)
}

fn outcome(answer: &Answer) -> Option<Outcome> {
    match answer.status {
        200..=299 => Some(Outcome::Allowed),
        403 => Some(Outcome::Forbidden),
        404 => Some(Outcome::NotFound),
        _ => None,
    }
}

/// Two accounts with an admin, a finance person and a member each, and a client.
struct World {
    a: String,
    b: String,
    a_member: String,
    b_member: String,
    b_secrets: Vec<String>,
    client: String,
}

async fn person(app: &TestApp, email: &str, name: &str, account: &str, roles: &[&str]) -> String {
    app.admin
        .add_person(NewPerson {
            email: email.into(),
            display_name: name.into(),
            locale: None,
            staff: false,
            staff_roles: vec![],
            memberships: vec![NewMembership {
                customer_account_id: account.into(),
                roles: roles.iter().map(|r| r.to_string()).collect(),
            }],
            password: PASSWORD.into(),
        })
        .await
        .expect("a person")
}

async fn staff(app: &TestApp, email: &str, role: &str) -> crate::helpers::Person {
    let id = app
        .admin
        .add_person(NewPerson {
            email: email.into(),
            display_name: format!("Staff {role}"),
            locale: None,
            staff: true,
            staff_roles: vec![role.into()],
            memberships: vec![],
            password: PASSWORD.into(),
        })
        .await
        .expect("a staff person");
    as_person(id, email)
}

fn as_person(id: String, email: &str) -> crate::helpers::Person {
    crate::helpers::Person {
        id,
        email: email.into(),
        display_name: String::new(),
        password: PASSWORD.into(),
        accounts: vec![],
    }
}

async fn world(app: &TestApp) -> World {
    let a = app
        .admin
        .add_customer_account("Alpha Tenant AB")
        .await
        .unwrap();
    let b = app
        .admin
        .add_customer_account("Bravo Tenant AB")
        .await
        .unwrap();
    person(
        app,
        "admin@alpha.test",
        "Alpha Admin",
        &a,
        &["customer-admin"],
    )
    .await;
    let a_member = person(app, "member@alpha.test", "Alpha Member", &a, &["member"]).await;
    person(
        app,
        "admin@bravo.test",
        "Bravo Admin",
        &b,
        &["customer-admin"],
    )
    .await;
    let b_member = person(app, "member@bravo.test", "Bravo Member", &b, &["member"]).await;
    let client = register(
        app,
        NewClient::new("Tenancy app", vec!["https://app.test/cb".into()]),
    )
    .await
    .client_id;
    World {
        b_secrets: vec![
            b.clone(),
            "Bravo Tenant".into(),
            b_member.clone(),
            "member@bravo.test".into(),
            "Bravo Member".into(),
            "admin@bravo.test".into(),
            "Bravo Admin".into(),
        ],
        a,
        b,
        a_member,
        b_member,
        client,
    }
}

/// The DPO's routes: staff-wide, on a person made for this round (an erasure succeeds once).
async fn privacy_routes(app: &TestApp, w: &World, n: usize) -> Vec<Route> {
    let erasable = person(
        app,
        &format!("erasable{n}@bravo.test"),
        "Erasable",
        &w.b,
        &["member"],
    )
    .await;
    let dpo = Api::new(app, Some(service_token(app, &["dpo"]).await));
    let export = dpo
        .post(
            &format!("/api/v1/persons/{}/exports", w.b_member),
            json!({}),
        )
        .await;
    let export = export.body["id"]
        .as_str()
        .expect("an export request")
        .to_string();
    let received = json!({"kind": "restriction", "person_id": w.b_member, "channel": "letter",
                          "verification": "signed letter"});
    let request = dpo.post("/api/v1/dsr", received.clone()).await;
    let request = request.body["id"].as_str().expect("a request").to_string();
    let r = |method, path: String, body: Option<Value>, permission| Route {
        method,
        path,
        body,
        permission,
        scope: Scope::Staff,
        if_match: None,
    };
    let member = &w.b_member;
    vec![
        r(
            "POST",
            format!("/api/v1/persons/{member}/exports"),
            Some(json!({})),
            "persons.export",
        ),
        r(
            "GET",
            format!("/api/v1/exports/{export}"),
            None,
            "persons.export",
        ),
        r(
            "PUT",
            format!("/api/v1/persons/{member}/legal-hold"),
            Some(json!({"reason": "audit"})),
            "persons.erase",
        ),
        r(
            "DELETE",
            format!("/api/v1/persons/{member}/legal-hold"),
            None,
            "persons.erase",
        ),
        r(
            "POST",
            format!("/api/v1/persons/{erasable}/erasure"),
            Some(json!({})),
            "persons.erase",
        ),
        r("GET", "/api/v1/dsr".into(), None, "dsr.read"),
        r("POST", "/api/v1/dsr".into(), Some(received), "dsr.manage"),
        r("GET", format!("/api/v1/dsr/{request}"), None, "dsr.read"),
        r(
            "POST",
            format!("/api/v1/dsr/{request}/status"),
            Some(json!({"status": "verified"})),
            "dsr.manage",
        ),
        r(
            "POST",
            "/api/v1/retention/run?dry_run=true".into(),
            None,
            "retention.run",
        ),
        r(
            "PUT",
            format!("/api/v1/persons/{member}/restriction"),
            Some(json!({})),
            "dsr.manage",
        ),
        r(
            "DELETE",
            format!("/api/v1/persons/{member}/restriction"),
            None,
            "dsr.manage",
        ),
        r(
            "POST",
            format!("/api/v1/persons/{member}/objections"),
            Some(json!({"purpose": "targeted-news"})),
            "dsr.manage",
        ),
    ]
}

/// Every admin route, with a body that would succeed for an allowed caller.
async fn routes(app: &TestApp, w: &World, n: usize) -> Vec<Route> {
    let victim_a = person(
        app,
        &format!("leaver{n}@alpha.test"),
        "Leaver",
        &w.a,
        &["member"],
    )
    .await;
    let victim_b = person(
        app,
        &format!("leaver{n}@bravo.test"),
        "Leaver B",
        &w.b,
        &["member"],
    )
    .await;
    let doomed = register(
        app,
        NewClient::new("Doomed", vec!["https://d.test/cb".into()]),
    )
    .await
    .client_id;
    let invitation = |account: &str| {
        let account = account.to_string();
        async move {
            let api = Api::new(app, Some(service_token(app, &["admin"]).await));
            let body =
                json!({"email": format!("inv{n}@x.test"), "name": "Invitee", "roles": ["member"]});
            api.post(&format!("/api/v1/customers/{account}/invitations"), body)
                .await
                .body["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let (inv_a, inv_b) = (invitation(&w.a).await, invitation(&w.b).await);
    let (a, b, c) = (&w.a, &w.b, &w.client);
    let r = |method, path: String, body: Option<Value>, permission, scope| Route {
        method,
        path,
        body,
        permission,
        scope,
        if_match: None,
    };
    let invite = json!({"email": format!("new{n}@x.test"), "name": "New", "roles": ["member"]});
    let mut routes = vec![
        r(
            "GET",
            "/api/v1/customers".into(),
            None,
            "customers.read",
            Scope::List,
        ),
        r(
            "POST",
            "/api/v1/customers".into(),
            Some(json!({"name": format!("Made {n}")})),
            "customers.manage",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{a}"),
            None,
            "customers.read",
            Scope::InA,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{b}"),
            None,
            "customers.read",
            Scope::InB,
        ),
        r(
            "PATCH",
            format!("/api/v1/customers/{a}"),
            Some(json!({"status": "active"})),
            "customers.manage",
            Scope::InA,
        ),
        r(
            "PATCH",
            format!("/api/v1/customers/{b}"),
            Some(json!({"status": "active"})),
            "customers.manage",
            Scope::InB,
        ),
        r(
            "GET",
            "/api/v1/persons".into(),
            None,
            "people.read",
            Scope::List,
        ),
        r(
            "POST",
            "/api/v1/persons".into(),
            Some(json!({"email": format!("p{n}@x.test"), "name": "P"})),
            "people.manage",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/persons/{}", w.a_member),
            None,
            "people.read",
            Scope::PersonIn(Account::A, false),
        ),
        r(
            "GET",
            format!("/api/v1/persons/{}", w.b_member),
            None,
            "people.read",
            Scope::PersonIn(Account::B, false),
        ),
        r(
            "PATCH",
            format!("/api/v1/persons/{}", w.a_member),
            Some(json!({"locale": "sv"})),
            "people.manage",
            Scope::PersonIn(Account::A, true),
        ),
        r(
            "PATCH",
            format!("/api/v1/persons/{}", w.b_member),
            Some(json!({"locale": "sv"})),
            "people.manage",
            Scope::PersonIn(Account::B, true),
        ),
        r(
            "POST",
            format!("/api/v1/persons/{}/disable", w.b_member),
            Some(json!({})),
            "people.manage",
            Scope::PersonIn(Account::B, true),
        ),
        r(
            "POST",
            format!("/api/v1/persons/{}/enable", w.a_member),
            Some(json!({})),
            "people.manage",
            Scope::PersonIn(Account::A, true),
        ),
        r(
            "GET",
            format!("/api/v1/customers/{a}/members"),
            None,
            "people.read",
            Scope::InA,
        ),
        r(
            "GET",
            format!("/api/v1/persons/{}/consents", w.a_member),
            None,
            "consents.read",
            Scope::Staff,
        ),
        r(
            "POST",
            format!("/api/v1/persons/{}/consents", w.b_member),
            Some(
                json!({"purpose": "satisfaction-surveys", "decision": "granted",
                        "note": "by phone", "language": "en"}),
            ),
            "consents.record",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{b}/members"),
            None,
            "people.read",
            Scope::InB,
        ),
        r(
            "PUT",
            format!("/api/v1/customers/{a}/members/{}", w.a_member),
            Some(json!({"roles": ["member"]})),
            "roles.grant",
            Scope::InA,
        ),
        r(
            "PUT",
            format!("/api/v1/customers/{b}/members/{}", w.b_member),
            Some(json!({"roles": ["member"]})),
            "roles.grant",
            Scope::InB,
        ),
        r(
            "DELETE",
            format!("/api/v1/customers/{a}/members/{victim_a}"),
            None,
            "people.manage",
            Scope::InA,
        ),
        r(
            "DELETE",
            format!("/api/v1/customers/{b}/members/{victim_b}"),
            None,
            "people.manage",
            Scope::InB,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{a}/invitations"),
            None,
            "people.read",
            Scope::InA,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{b}/invitations"),
            None,
            "people.read",
            Scope::InB,
        ),
        r(
            "POST",
            format!("/api/v1/customers/{a}/invitations"),
            Some(invite.clone()),
            "people.manage",
            Scope::InA,
        ),
        r(
            "POST",
            format!("/api/v1/customers/{b}/invitations"),
            Some(invite),
            "people.manage",
            Scope::InB,
        ),
        r(
            "DELETE",
            format!("/api/v1/customers/{a}/invitations/{inv_a}"),
            None,
            "people.manage",
            Scope::InA,
        ),
        r(
            "DELETE",
            format!("/api/v1/customers/{b}/invitations/{inv_b}"),
            None,
            "people.manage",
            Scope::InB,
        ),
        r(
            "GET",
            "/api/v1/clients".into(),
            None,
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "POST",
            "/api/v1/clients".into(),
            Some(json!({"name": "C", "redirect_uris": ["https://c.test/cb"]})),
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/clients/{c}"),
            None,
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "PATCH",
            format!("/api/v1/clients/{c}"),
            Some(json!({"name": "Renamed"})),
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "POST",
            format!("/api/v1/clients/{c}/secret"),
            Some(json!({})),
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "DELETE",
            format!("/api/v1/clients/{doomed}"),
            None,
            "clients.manage",
            Scope::Staff,
        ),
        r(
            "GET",
            "/api/v1/keys".into(),
            None,
            "keys.manage",
            Scope::Staff,
        ),
        r(
            "POST",
            "/api/v1/keys/rotate".into(),
            Some(json!({})),
            "keys.manage",
            Scope::Staff,
        ),
        r(
            "GET",
            "/api/v1/audit/events".into(),
            None,
            "audit.read",
            Scope::Staff,
        ),
        r(
            "GET",
            "/api/v1/audit/verify".into(),
            None,
            "audit.read",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{a}/health"),
            None,
            "analytics.read",
            Scope::Staff,
        ),
        r(
            "GET",
            format!("/api/v1/customers/{b}/health?granularity=week&format=csv"),
            None,
            "analytics.read",
            Scope::Staff,
        ),
        r(
            "GET",
            "/api/v1/health".into(),
            None,
            "analytics.read",
            Scope::Staff,
        ),
    ];
    routes.extend(privacy_routes(app, w, n).await);
    for route in &mut routes {
        if route.method == "PATCH" {
            route.if_match = Some("*");
        }
    }
    routes
}

/// Every documented admin route except those reached without a principal: by clients
/// with their own credentials or scopes, by a person's `consent` token, or by anyone
/// (consent_api.rs, analytics_ingest.rs and analytics_surveys.rs test those).
fn documented(document: &Value) -> BTreeSet<(String, String)> {
    const NOT_ADMIN: [&str; 7] = [
        "/api/v1/permissions/check",
        "/api/v1/purposes",
        "/api/v1/me/consents",
        "/api/v1/consents/{sub}",
        "/api/v1/audiences/{purpose}",
        "/api/v1/events",
        "/api/v1/surveys/due",
    ];
    let mut all = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if !NOT_ADMIN.contains(&path.as_str()) {
                all.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    all
}

/// The documented template of a concrete path (`/api/v1/customers/{customer_id}`, …).
fn template(route_path: &str) -> String {
    let mut out = Vec::new();
    let route_path = route_path.split('?').next().unwrap_or(route_path);
    for (i, part) in route_path.split('/').enumerate() {
        let known = [
            "",
            "api",
            "v1",
            "customers",
            "persons",
            "members",
            "invitations",
            "clients",
            "secret",
            "keys",
            "rotate",
            "audit",
            "events",
            "verify",
            "disable",
            "consents",
            "enable",
            "exports",
            "erasure",
            "legal-hold",
            "restriction",
            "objections",
            "retention",
            "run",
            "dsr",
            "status",
            "health",
        ];
        out.push(if known.contains(&part) || i < 3 {
            part.to_string()
        } else {
            format!("{{{}}}", placeholder(&out))
        });
    }
    out.join("/")
}

fn placeholder(before: &[String]) -> &'static str {
    match before.last().map(String::as_str) {
        Some("customers") => "customer_id",
        Some("persons") | Some("members") => "person_id",
        Some("invitations") => "invitation_id",
        Some("clients") => "client_id",
        Some("exports") | Some("dsr") => "request_id",
        _ => "id",
    }
}

#[tokio::test]
async fn every_route_answers_every_principal_as_roles_toml_says() {
    let app = spawn_app().await;
    let policies = Policies::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap();
    let w = world(&app).await;
    let alpha_admin = as_person(
        person(
            &app,
            "ca@alpha.test",
            "CA",
            &w.a,
            &["customer-admin", "member"],
        )
        .await,
        "ca@alpha.test",
    );
    let alpha_finance = as_person(
        person(&app, "fin@alpha.test", "Fin", &w.a, &["finance"]).await,
        "fin@alpha.test",
    );
    let admin = staff(&app, "admin@owner.test", "admin").await;
    let dpo = staff(&app, "dpo@owner.test", "dpo").await;
    let support = staff(&app, "support@owner.test", "support").await;
    let success = staff(&app, "success@owner.test", "customer-success").await;
    let who = |name, staff_roles: &[&'static str], roles_in_a: &[&'static str], without| Who {
        name,
        staff_roles: staff_roles.to_vec(),
        roles_in_a: roles_in_a.to_vec(),
        without_admin_scope: without,
    };
    let principals = [
        (
            who("staff admin", &["admin"], &[], false),
            person_token(&app, &admin, &["openid", "admin"]).await,
        ),
        (
            who("dpo", &["dpo"], &[], false),
            person_token(&app, &dpo, &["openid", "admin"]).await,
        ),
        (
            who("support", &["support"], &[], false),
            person_token(&app, &support, &["openid", "admin"]).await,
        ),
        (
            who("customer success", &["customer-success"], &[], false),
            person_token(&app, &success, &["openid", "admin"]).await,
        ),
        (
            who(
                "customer admin of A",
                &[],
                &["customer-admin", "member"],
                false,
            ),
            person_token(&app, &alpha_admin, &["openid", "admin"]).await,
        ),
        (
            who("finance of A", &[], &["finance"], false),
            person_token(&app, &alpha_finance, &["openid", "admin"]).await,
        ),
        (
            who("service client", &["admin"], &[], false),
            service_token(&app, &["admin"]).await,
        ),
        (
            who("token without admin", &["admin"], &[], true),
            person_token(&app, &admin, &["openid"]).await,
        ),
    ];
    let document = Api::new(&app, None).get("/api/openapi.json").await.body;
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    for (n, (who, token)) in principals.iter().enumerate() {
        let api = Api::new(&app, Some(token.clone()));
        for route in routes(&app, &w, n).await {
            covered.insert((route.method.to_string(), template(&route.path)));
            let answer = api
                .call(
                    route.method,
                    &route.path,
                    route.body.clone(),
                    route.if_match,
                )
                .await;
            let want = match who.without_admin_scope {
                true => Outcome::Forbidden,
                false => expected(&policies, who, route.permission, route.scope),
            };
            if outcome(&answer) != Some(want) {
                failures.push(format!(
                    "{} {} as {}: want {want:?}, got {} {}",
                    route.method, route.path, who.name, answer.status, answer.text
                ));
            }
            if who.roles_in_a.len() + who.staff_roles.len() > 0 && who.staff_roles.is_empty() {
                for secret in &w.b_secrets {
                    if answer.text.contains(secret.as_str()) {
                        failures.push(format!(
                            "{} {} as {} leaks {secret}",
                            route.method, route.path, who.name
                        ));
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    let missing: Vec<_> = documented(&document)
        .difference(&covered)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "routes the matrix does not cover: {missing:?}"
    );
}
