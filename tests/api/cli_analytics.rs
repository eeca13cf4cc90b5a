//! Customer health from the command line: `analytics rebuild` recomputes exactly the
//! rollups ingest made, `demo generate` gives the reports something to show, and a broken
//! analytics policy is named by file and line.

use serde_json::{Value, json};
use trohet::clock::rfc3339;

use crate::analytics_ingest::{consenting_people, events_token, post_events};
use crate::cli::Cli;
use crate::helpers::{open_database, policies_copy, policies_dir, spawn_app_on};

const DAY: i64 = 86_400;

/// Every rollup table with its columns, each row read as one line of text.
const ROLLUPS: [(&str, &str); 7] = [
    (
        "analytics_activity_day",
        "customer_account_id, day, pseudonym, logins, feature_uses, feature_weight, social",
    ),
    (
        "analytics_activity_month",
        "customer_account_id, month, pseudonym, logins, feature_uses, feature_weight, social",
    ),
    (
        "analytics_account_day",
        "customer_account_id, day, month, logins, news_published, cases_opened, cases_closed",
    ),
    (
        "analytics_rating",
        "rating_id, customer_account_id, pseudonym, occurred_at, month, kind, scale, score, \
         touchpoint, item_id",
    ),
    (
        "analytics_rater",
        "customer_account_id, pseudonym, last_rated_at, negative_streak, last_nps",
    ),
    (
        "analytics_case",
        "client_id, case_id, customer_account_id, opened_at, first_response_at, closed_at",
    ),
    ("analytics_last_login", "customer_account_id, last_login_at"),
];

async fn snapshot(db: &sqlx::AnyPool) -> Vec<(String, Vec<String>)> {
    let mut tables = Vec::new();
    for (table, columns) in ROLLUPS {
        let line = columns
            .split(", ")
            .map(|c| format!("coalesce(cast({c} as text), '-')"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: Vec<(String,)> = sqlx::query_as(&format!("select {line} from {table}"))
            .fetch_all(db)
            .await
            .unwrap_or_else(|e| panic!("read {table}: {e}"));
        let mut rows: Vec<String> = rows.into_iter().map(|(row,)| row).collect();
        rows.sort();
        tables.push((table.to_string(), rows));
    }
    tables
}

fn event(key: &str, kind: &str, at: i64, fields: Value) -> Value {
    let mut event = json!({"idempotency_key": key, "type": kind, "occurred_at": rfc3339(at)});
    for (name, value) in fields.as_object().into_iter().flatten() {
        event[name] = value.clone();
    }
    event
}

/// Feature use, likes, ratings of every kind and cases, over two months; the second batch
/// brings ratings older than the first's, as an app catching up does.
fn batches(customer: &str, people: &[String], now: i64) -> (Vec<Value>, Vec<Value>) {
    let features = [
        "order.placed",
        "news.read",
        "invoice.viewed",
        "catalog.searched",
    ];
    let (mut first, mut second) = (Vec::new(), Vec::new());
    for (n, sub) in people.iter().enumerate() {
        let person = |extra: Value| {
            let mut fields = json!({"sub": sub, "customer_id": customer});
            for (name, value) in extra.as_object().into_iter().flatten() {
                fields[name] = value.clone();
            }
            fields
        };
        for day in 0..4 {
            let at = now - (day * 13 + n as i64) * DAY;
            let feature = features[(n + day as usize) % features.len()];
            let key = format!("f-{n}-{day}");
            first.push(event(
                &key,
                "feature_used",
                at,
                person(json!({"feature": feature})),
            ));
        }
        let like = person(json!({"action": if n % 2 == 0 { "like" } else { "comment" }}));
        first.push(event(&format!("s-{n}"), "social", now - 3 * DAY, like));
        let ratings = [
            ("csat", (n % 5 + 1) as i64, "delivery", 2),
            ("nps", (n * 3 % 11) as i64, "relationship", 9),
            ("ces", (n % 7 + 1) as i64, "support_case", 20),
            ("csat", 1, "purchase", 35),
            ("nps", 2, "relationship", 40),
        ];
        for (i, (kind, score, touchpoint, days_ago)) in ratings.into_iter().enumerate() {
            let at = now - days_ago * DAY - n as i64 * 60;
            let fields = person(json!({"kind": kind, "score": score, "touchpoint": touchpoint}));
            let rating = event(&format!("r-{n}-{i}"), "rating", at, fields);
            match days_ago < 30 {
                true => first.push(rating),
                false => second.push(rating),
            }
        }
    }
    for case in 0..6 {
        let opened = now - (case * 7 + 1) * DAY;
        let id = json!({"customer_id": customer, "case_id": format!("C-{case}")});
        first.push(event(
            &format!("co-{case}"),
            "case_opened",
            opened,
            id.clone(),
        ));
        second.push(event(
            &format!("cr-{case}"),
            "case_first_response",
            opened + (case + 1) * 3_600,
            id.clone(),
        ));
        first.push(event(
            &format!("cc-{case}"),
            "case_closed",
            opened + DAY,
            id,
        ));
    }
    let news = json!({"customer_id": customer, "item_id": "news-1"});
    first.push(event("n-1", "news_published", now - 5 * DAY, news));
    (first, second)
}

#[tokio::test]
async fn a_rebuild_from_the_raw_events_gives_the_rollups_ingest_made() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let app = spawn_app_on(data_dir.path(), cli.database_url.clone()).await;
    let purposes = ["portal-analytics", "satisfaction-surveys"];
    let (customer, people) = consenting_people(&app, 6, &purposes).await;
    let token = events_token(&app).await;
    let (first, second) = batches(&customer, &people, app.clock.now());
    for batch in [first, second] {
        let count = batch.len();
        let (status, report) = post_events(&app, &token, Value::Array(batch)).await;
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["accepted"], count, "{report}");
    }
    let db = open_database(&app).await;
    let incremental = snapshot(&db).await;
    let counted = |table: &str| {
        incremental
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, r)| r.len())
    };
    assert_eq!(counted("analytics_rating"), 30);
    assert_eq!(counted("analytics_case"), 6);
    assert_eq!(counted("analytics_rater"), 6);

    let rebuilt = cli.json(&["analytics", "rebuild", "--json"], None);
    assert!(rebuilt["events"].as_u64().unwrap_or(0) >= 60, "{rebuilt}");
    assert_eq!(snapshot(&db).await, incremental);
}

#[tokio::test]
async fn generated_demo_history_fills_the_portfolio_and_the_health_report() {
    let data_dir = tempfile::tempdir().unwrap();
    let cli = Cli::new(data_dir.path()).await;
    cli.ok(&["migrate"], None);
    let args = [
        "demo",
        "generate",
        "--customers",
        "6",
        "--people",
        "8",
        "--months",
        "4",
        "--json",
    ];
    let generated = cli.json(&args, None);
    assert_eq!(generated["customers"], 6, "{generated}");
    assert!(
        generated["events"].as_u64().unwrap_or(0) > 1_000,
        "{generated}"
    );

    let portfolio = cli.json(&["analytics", "portfolio", "--json"], None);
    let accounts = portfolio["accounts"].as_array().expect("accounts");
    assert!(accounts.len() >= 6, "{portfolio}");
    assert!(
        accounts
            .iter()
            .any(|a| !a["signals"].as_array().is_none_or(Vec::is_empty)),
        "some account raises a signal: {portfolio}"
    );
    let table = String::from_utf8(cli.ok(&["analytics", "portfolio"], None).stdout).unwrap();
    assert!(table.contains("Nordic Steel"), "{table}");

    let ids = generated["customer_ids"].as_array().expect("customer_ids");
    let healthy = ids[0].as_str().unwrap();
    let csv = cli
        .ok(&["analytics", "health", healthy, "--csv"], None)
        .stdout;
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.starts_with("start,end,people,logins"), "{csv}");
    assert!(csv.lines().count() >= 12, "a header and 12 months: {csv}");
    // The fifth account is one of the small ones: its figures are withheld, not shown.
    let small = ids[4].as_str().unwrap();
    let csv = String::from_utf8(
        cli.ok(&["analytics", "health", small, "--csv"], None)
            .stdout,
    )
    .unwrap();
    assert!(csv.contains("withheld"), "{csv}");
    let json = cli.json(
        &[
            "analytics",
            "health",
            healthy,
            "--granularity",
            "week",
            "--json",
        ],
        None,
    );
    assert_eq!(json["granularity"], "week", "{json}");
}

#[tokio::test]
async fn policies_check_names_the_line_of_a_broken_analytics_policy() {
    let data_dir = tempfile::tempdir().unwrap();
    let mut cli = Cli::new(data_dir.path()).await;
    cli.ok(&["policies", "check"], None);

    let broken = policies_copy();
    let original = std::fs::read_to_string(policies_dir().join("analytics.toml")).unwrap();
    let line = 1 + original
        .lines()
        .position(|l| l.starts_with("csat_scale"))
        .expect("csat_scale in analytics.toml");
    let text = original.replace("csat_scale = 5", "csat_scale = 4");
    std::fs::write(broken.path().join("analytics.toml"), text).unwrap();
    cli.policies_dir = broken.path().to_path_buf();

    let error = cli.fails(&["policies", "check"], None);
    assert!(error.contains(&format!("analytics.toml:{line}")), "{error}");
    assert!(error.contains("3, 5 or 7"), "{error}");
}
