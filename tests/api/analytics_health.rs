//! `GET /api/v1/customers/{id}/health` and `GET /api/v1/health`: every figure against a
//! fixture computed by hand, the small-group rule (no figure of fewer than five people,
//! shown or derivable by subtracting shown figures), the churn-risk signals with their
//! reasons and rule versions, CSV, and who may read it.

use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;
use trohet::clock::date_text;

use crate::admin::support::{Api, person_token, service_token};
use crate::analytics_ingest::{consenting_people, events_token};
use crate::analytics_support::{
    DAY, HOUR, account, assert_withheld, day_text, days_in, feature, health, month_start,
    month_text, on, period, portfolio, post_all, rating, ratings, reader, satisfaction, social,
    staff_event, touchpoint,
};
use crate::consent_api::{decide, portal_token};
use crate::helpers::{TestApp, seed_person, seed_simple_person, spawn_app};

const SURVEYS: [&str; 1] = ["satisfaction-surveys"];
const ACTIVITY: [&str; 1] = ["portal-analytics"];
const BOTH: [&str; 2] = ["portal-analytics", "satisfaction-surveys"];

fn number(value: &Value) -> f64 {
    value
        .as_f64()
        .unwrap_or_else(|| panic!("a number: {value}"))
}

fn assert_close(actual: &Value, expected: f64, what: &str) {
    let actual = number(actual);
    assert!(
        (actual - expected).abs() < 1e-6,
        "{what}: {actual}, by hand {expected}"
    );
}

fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `from` and `to` as months counted back from now.
fn months(app: &TestApp, from: i64, to: i64) -> String {
    format!("from={}&to={}", month_text(app, from), month_text(app, to))
}

fn scored<'a>(people: &'a [String], scores: &[i64]) -> Vec<(&'a String, i64)> {
    people.iter().zip(scores.iter().copied()).collect()
}

/// Six raters over three months (the scores below); returns the account.
async fn six_raters(app: &TestApp) -> String {
    let (customer, people) = consenting_people(app, 6, &SURVEYS).await;
    let token = events_token(app).await;
    let mut events = Vec::new();
    // NPS, two months back: 9 9 8 8 0 0 → 2 promoters − 2 detractors of 6 = 0.
    // NPS, last month but one: 10 10 10 10 9 9 → 6 promoters of 6 = 100.
    // NPS, last month: 10 9 9 7 6 3 → (3 promoters − 2 detractors) / 6 = 16.67.
    for (back, scores) in [
        (3, [9, 9, 8, 8, 0, 0]),
        (2, [10, 10, 10, 10, 9, 9]),
        (1, [10, 9, 9, 7, 6, 3]),
    ] {
        let at = on(app, back, 12);
        events.extend(ratings(
            &customer,
            at,
            "nps",
            "relationship",
            &scored(&people, &scores),
        ));
    }
    // CSAT on 5 points, last month: 5 4 4 3 2 5 → 4 of 6 in the top two points = 66.67.
    let at = on(app, 1, 14);
    events.extend(ratings(
        &customer,
        at,
        "csat",
        "delivery",
        &scored(&people, &[5, 4, 4, 3, 2, 5]),
    ));
    // CES, last month: 7 6 5 5 2 1 → 26 / 6 = 4.33.
    let at = on(app, 1, 20);
    events.extend(ratings(
        &customer,
        at,
        "ces",
        "support_case",
        &scored(&people, &[7, 6, 5, 5, 2, 1]),
    ));
    post_all(app, &token, events).await;
    customer
}

#[tokio::test]
async fn nps_csat_and_ces_are_computed_as_by_hand() {
    let app = spawn_app().await;
    let customer = six_raters(&app).await;
    let staff = reader(&app).await;
    let report = health(&staff, &customer, &months(&app, 3, 1)).await;
    let last = satisfaction(&report, &month_text(&app, 1));
    let nps = &last["nps"];
    assert_eq!(nps["status"], "shown", "{last}");
    assert_close(&nps["score"], 16.67, "NPS");
    assert_eq!(nps["people"], 6);
    assert_eq!(nps["ratings"], 6);
    assert_eq!(nps["scale"], 10);
    assert_eq!(
        nps["distribution"],
        json!({"10": 1, "9": 2, "7": 1, "6": 1, "3": 1})
    );
    // The baseline pools the shown months before (three back had none): 12 ratings,
    // 8 promoters, 2 detractors = 50; 16.67 − 50 = −33.33.
    assert_close(&nps["trend"]["baseline_score"], 50.0, "NPS baseline");
    assert_close(&nps["trend"]["change_points"], -33.33, "NPS change");

    let csat = &last["csat"];
    assert_eq!(csat["status"], "shown", "{last}");
    assert_close(&csat["score"], 66.67, "CSAT");
    assert_eq!(csat["scale"], 5);
    assert_eq!(
        csat["distribution"],
        json!({"2": 1, "3": 1, "4": 2, "5": 2}),
        "the distribution is kept"
    );
    assert!(csat.get("trend").is_none(), "no CSAT before: {csat}");
    let ces = &last["ces"];
    assert_eq!(ces["status"], "shown", "{last}");
    assert_close(&ces["score"], 4.33, "CES");
    assert_eq!(ces["scale"], 7);
    assert_eq!(ces["ratings"], 6);

    // Per touchpoint: each kind was rated at one touchpoint only, by all six.
    let relationship = touchpoint(last, "relationship");
    assert_close(&relationship["nps"]["score"], 16.67, "NPS at relationship");
    assert_eq!(relationship["csat"]["status"], "no_ratings");
    assert_close(
        &touchpoint(last, "delivery")["csat"]["score"],
        66.67,
        "CSAT at delivery",
    );
    assert_close(
        &touchpoint(last, "support_case")["ces"]["score"],
        4.33,
        "CES at cases",
    );
    assert_eq!(last["by_touchpoint"].as_array().unwrap().len(), 3, "{last}");

    let before = satisfaction(&report, &month_text(&app, 2));
    assert_close(&before["nps"]["score"], 100.0, "NPS a month before");
    assert_close(
        &before["nps"]["trend"]["baseline_score"],
        0.0,
        "its baseline",
    );
    assert_close(
        &before["nps"]["trend"]["change_points"],
        100.0,
        "its change",
    );
    assert_eq!(before["csat"]["status"], "no_ratings");
    let first = satisfaction(&report, &month_text(&app, 3));
    assert_close(&first["nps"]["score"], 0.0, "NPS two months before");
    assert!(first["nps"].get("trend").is_none(), "nothing before it");
    assert_eq!(
        report["satisfaction"].as_array().unwrap().len(),
        3,
        "one entry per month of the span"
    );
}

#[tokio::test]
async fn a_score_trend_counts_only_the_months_with_ratings_as_its_baseline() {
    let app = spawn_app().await;
    let customer = six_raters(&app).await;
    let staff = reader(&app).await;
    let report = health(&staff, &customer, &months(&app, 3, 1)).await;
    // Last month's baseline window holds two months with NPS and one without any.
    let last = satisfaction(&report, &month_text(&app, 1));
    assert_eq!(
        last["nps"]["trend"]["baseline_months"], 2,
        "{}",
        last["nps"]
    );
    let before = satisfaction(&report, &month_text(&app, 2));
    assert_eq!(
        before["nps"]["trend"]["baseline_months"], 1,
        "{}",
        before["nps"]
    );
}

#[tokio::test]
async fn activity_engagement_and_trend_are_computed_as_by_hand() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 5, &ACTIVITY).await;
    let token = events_token(&app).await;
    let mut events = Vec::new();
    for p in &people {
        // Four months back: order.placed (10) each → 50.
        events.push(feature(p, &customer, on(&app, 4, 3), "order.placed"));
        // Three back: order.placed twice each → 100.
        for _ in 0..2 {
            events.push(feature(p, &customer, on(&app, 3, 3), "order.placed"));
        }
        // Two back: order.placed and invoice.viewed (2) each → 60.
        events.push(feature(p, &customer, on(&app, 2, 3), "order.placed"));
        events.push(feature(p, &customer, on(&app, 2, 3), "invoice.viewed"));
        // Last month, on the 10th: news.read (1) and order.tracked (3) each → 20.
        events.push(feature(p, &customer, on(&app, 1, 10), "news.read"));
        events.push(feature(p, &customer, on(&app, 1, 10), "order.tracked"));
    }
    events.push(social(&people[0], &customer, on(&app, 1, 10)));
    events.push(social(&people[1], &customer, on(&app, 1, 10)));
    // Last month: six cases opened on the 5th, answered after 1, 2, 3, 4, 10 and 30 hours:
    // median (3 + 4) / 2 = 3.5; p90 at position 0.9 × 5 = 4.5, between 10 and 30: 20.
    let opened = on(&app, 1, 5);
    for (i, hours) in [1, 2, 3, 4, 10, 30].into_iter().enumerate() {
        let case = format!("C-{i}");
        events.push(staff_event("case_opened", &customer, opened, &case));
        events.push(staff_event(
            "case_first_response",
            &customer,
            opened + hours * HOUR,
            &case,
        ));
        if i < 4 {
            events.push(staff_event(
                "case_closed",
                &customer,
                on(&app, 1, 20),
                &case,
            ));
        }
    }
    for n in 0..3 {
        events.push(staff_event(
            "news_published",
            &customer,
            on(&app, 1, 6),
            &format!("N-{n}"),
        ));
    }
    // Two back: two cases, too few for a response time.
    for i in 0..2 {
        let case = format!("D-{i}");
        events.push(staff_event("case_opened", &customer, on(&app, 2, 5), &case));
        events.push(staff_event(
            "case_first_response",
            &customer,
            on(&app, 2, 6),
            &case,
        ));
    }
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    let by_month = health(&staff, &customer, &months(&app, 4, 1)).await;
    assert_eq!(by_month["granularity"], "month");
    assert_eq!(by_month["min_group_size"], 5);
    assert_eq!(by_month["from"], date_text(month_start(&app, 4)));
    assert_eq!(by_month["to"], date_text(month_start(&app, 0)));
    assert_eq!(by_month["periods"].as_array().unwrap().len(), 4);
    let last = period(&by_month, &date_text(month_start(&app, 1)));
    let activity = &last["activity"];
    assert_eq!(activity["status"], "shown", "{last}");
    assert_eq!(activity["people"], 5);
    assert_eq!(activity["logins"], 0);
    assert_eq!(activity["feature_uses"], 10);
    assert_eq!(activity["feature_weight"], 20, "weighed by the policy");
    assert_eq!(activity["social"], 2);
    for (back, weight) in [(4, 50), (3, 100), (2, 60)] {
        let cell = &period(&by_month, &date_text(month_start(&app, back)))["activity"];
        assert_eq!(cell["feature_weight"], weight, "{back} months back: {cell}");
    }

    // The trend: weighted use per day against the three calendar months before last
    // month (the signals' baseline), each as use per day; the sample standard deviation.
    let baseline: Vec<f64> = [(2, 60.0), (3, 100.0), (4, 50.0)]
        .into_iter()
        .map(|(back, weight)| weight / days_in(&app, back) as f64)
        .collect();
    let per_day = 20.0 / days_in(&app, 1) as f64;
    let n = baseline.len() as f64;
    let mean = baseline.iter().sum::<f64>() / n;
    let sd = (baseline.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let trend = &activity["trend"];
    assert_close(&trend["per_day"], round2(per_day), "per day");
    assert_close(&trend["baseline_per_day"], round2(mean), "baseline per day");
    assert_eq!(trend["baseline_periods"], baseline.len(), "{trend}");
    assert_close(
        &trend["change_percent"],
        round2(100.0 * (per_day - mean) / mean),
        "change in percent",
    );
    assert_close(&trend["z_score"], round2((per_day - mean) / sd), "z-score");

    let engagement = &last["engagement"];
    assert_eq!(engagement["cases_opened"], 6, "{engagement}");
    assert_eq!(engagement["cases_closed"], 4);
    assert_eq!(engagement["news_published"], 3);
    let response = &engagement["first_response"];
    assert_eq!(response["status"], "shown", "{response}");
    assert_eq!(response["cases"], 6);
    assert_close(&response["median_hours"], 3.5, "median first response");
    assert_close(&response["p90_hours"], 20.0, "p90 first response");
    let before = &period(&by_month, &date_text(month_start(&app, 2)))["engagement"];
    assert_eq!(before["cases_opened"], 2);
    assert_eq!(before["first_response"]["status"], "withheld", "{before}");
    assert_eq!(before["first_response"]["reason"], "fewer than 5 cases");
    let quiet = &period(&by_month, &date_text(month_start(&app, 4)))["engagement"];
    assert_eq!(quiet["first_response"]["status"], "no_cases", "{quiet}");

    // By week (parts of the month) and by day, the same events.
    let by_week = health(
        &staff,
        &customer,
        &format!("{}&granularity=week", months(&app, 1, 1)),
    )
    .await;
    let weeks = if days_in(&app, 1) > 28 { 5 } else { 4 };
    assert_eq!(by_week["periods"].as_array().unwrap().len(), weeks);
    let second = period(&by_week, &day_text(&app, 1, 8));
    assert_eq!(second["end"], day_text(&app, 1, 15));
    assert_eq!(second["activity"]["people"], 5, "{second}");
    assert_eq!(second["activity"]["feature_weight"], 20);
    let first = period(&by_week, &day_text(&app, 1, 1));
    assert_eq!(first["activity"]["status"], "shown", "nobody: a zero");
    assert_eq!(first["activity"]["people"], 0);
    assert_eq!(first["engagement"]["cases_opened"], 6);
    assert_eq!(first["engagement"]["news_published"], 3);
    let last_week = by_week["periods"].as_array().unwrap().last().unwrap();
    assert_eq!(
        last_week["end"],
        date_text(month_start(&app, 0)),
        "the last week runs to the month's end"
    );
    let by_day = health(
        &staff,
        &customer,
        &format!("{}&granularity=day", months(&app, 1, 1)),
    )
    .await;
    assert_eq!(
        by_day["periods"].as_array().unwrap().len() as i64,
        days_in(&app, 1)
    );
    let tenth = &period(&by_day, &day_text(&app, 1, 10))["activity"];
    assert_eq!(tenth["people"], 5, "{tenth}");
    assert_eq!(tenth["feature_uses"], 10);
    assert_eq!(tenth["social"], 2);
    assert_eq!(
        period(&by_day, &day_text(&app, 1, 20))["engagement"]["cases_closed"],
        4
    );
}

/// Whether any cell of a report shows a figure drawn from people.
fn shown_figures(report: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for p in report["periods"].as_array().unwrap() {
        let a = &p["activity"];
        let empty = a["status"] == "shown"
            && [
                "people",
                "logins",
                "feature_uses",
                "feature_weight",
                "social",
            ]
            .iter()
            .all(|k| a[k] == 0);
        if a["status"] != "withheld" && !empty {
            found.push(format!("activity {}: {a}", p["start"]));
        }
    }
    for m in report["satisfaction"].as_array().unwrap() {
        let mut cells = vec![("all".to_string(), m)];
        for t in m["by_touchpoint"].as_array().unwrap() {
            cells.push((t["touchpoint"].to_string(), t));
        }
        for (where_, cells) in cells {
            for kind in ["csat", "nps", "ces"] {
                let status = &cells[kind]["status"];
                if status != "withheld" && status != "no_ratings" {
                    found.push(format!("{kind} {} {where_}: {}", m["month"], cells[kind]));
                }
            }
        }
    }
    found
}

#[tokio::test]
async fn a_three_person_customer_never_shows_a_figure() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 3, &BOTH).await;
    let token = events_token(&app).await;
    let mut events = Vec::new();
    for back in 1..=3 {
        for (i, p) in people.iter().enumerate() {
            for day in [3, 17] {
                events.push(feature(p, &customer, on(&app, back, day), "order.placed"));
                events.push(social(p, &customer, on(&app, back, day)));
            }
            let at = on(&app, back, 9);
            events.push(rating(
                p,
                &customer,
                at,
                "nps",
                10 - i as i64,
                "relationship",
            ));
            events.push(rating(p, &customer, at, "csat", 5, "delivery"));
            events.push(rating(p, &customer, at, "ces", 2, "support_case"));
            events.push(rating(p, &customer, at, "csat", 1, "purchase"));
        }
    }
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    for granularity in ["day", "week", "month"] {
        let report = health(
            &staff,
            &customer,
            &format!("{}&granularity={granularity}", months(&app, 4, 0)),
        )
        .await;
        let shown = shown_figures(&report);
        assert!(shown.is_empty(), "by {granularity}: {shown:#?}");
        let withheld = report["periods"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["activity"]["status"] == "withheld")
            .count();
        assert!(
            withheld >= 3,
            "by {granularity}: every period with activity is withheld"
        );
        let last = satisfaction(&report, &month_text(&app, 1));
        assert_withheld(&last["nps"], "NPS");
        assert_withheld(&last["csat"], "CSAT");
        assert_withheld(&last["ces"], "CES");
        assert_withheld(&touchpoint(last, "delivery")["csat"], "CSAT at delivery");
        let busy = if granularity == "day" { 3 } else { 1 };
        assert_withheld(
            &period(&report, &day_text(&app, 1, busy))["activity"],
            "activity",
        );
        assert!(
            report["signals"].as_array().unwrap().is_empty(),
            "{}",
            report["signals"]
        );
        assert!(report.get("reference_candidate").is_none());

        let csv = staff
            .get(&format!(
                "/api/v1/customers/{customer}/health?{}&granularity={granularity}&format=csv",
                months(&app, 4, 0)
            ))
            .await;
        assert_eq!(csv.status, 200, "{}", csv.text);
        let mut lines = csv.text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        for line in lines {
            let fields: Vec<&str> = line.split(',').collect();
            for (name, value) in header.iter().zip(&fields) {
                let from_people = [
                    "people",
                    "logins",
                    "feature_uses",
                    "feature_weight",
                    "social",
                    "feature_weight_change_percent",
                    "feature_weight_z_score",
                    "csat_percent",
                    "nps",
                    "ces",
                ];
                if from_people.contains(name) {
                    assert!(
                        ["", "0", "withheld"].contains(value),
                        "by {granularity}, {name} = {value} in {line}"
                    );
                }
            }
        }
        assert!(csv.text.contains("withheld"), "{}", csv.text);
    }
    for back in 0..=2 {
        let judged = portfolio(&staff, &format!("before={}", month_text(&app, back))).await;
        let row = account(&judged, &customer);
        assert_withheld(&row["activity"], "the portfolio's activity");
        assert!(
            row.get("nps").is_none() && row.get("csat").is_none(),
            "{row}"
        );
        assert!(row.get("reference_candidate").is_none(), "{row}");
    }
}

#[tokio::test]
async fn a_touchpoint_that_would_give_another_away_by_subtraction_is_withheld_with_it() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 6, &SURVEYS).await;
    let token = events_token(&app).await;
    let at = on(&app, 1, 8);
    let mut events = ratings(
        &customer,
        at,
        "csat",
        "delivery",
        &scored(&people[..5], &[5, 5, 4, 4, 3]),
    );
    events.push(rating(&people[5], &customer, at, "csat", 1, "purchase"));
    // NPS: all six at one touchpoint, so the touchpoint equals the total: shown.
    events.extend(ratings(
        &customer,
        at,
        "nps",
        "relationship",
        &scored(&people, &[9, 9, 9, 9, 9, 0]),
    ));
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    let report = health(&staff, &customer, &months(&app, 1, 1)).await;
    let month = satisfaction(&report, &month_text(&app, 1));
    assert_eq!(month["csat"]["status"], "shown", "six raters: {month}");
    assert_eq!(month["csat"]["people"], 6);
    // (2 + 2) of 6 in the top two points.
    assert_close(&month["csat"]["score"], 66.67, "CSAT");
    assert_withheld(
        &touchpoint(month, "purchase")["csat"],
        "one rater at purchase",
    );
    assert_withheld(
        &touchpoint(month, "delivery")["csat"],
        "five at delivery, which the total minus would give the one at purchase away",
    );
    assert_eq!(touchpoint(month, "relationship")["nps"]["status"], "shown");
    assert_close(
        &touchpoint(month, "relationship")["nps"]["score"],
        66.67,
        "NPS (5 − 1) / 6",
    );
    assert_eq!(touchpoint(month, "purchase")["nps"]["status"], "no_ratings");
}

/// The shown figures of every report, keyed by what they cover.
#[derive(Default)]
struct Shown {
    /// (start, end) → [people, logins, feature_uses, feature_weight, social].
    activity: BTreeMap<(String, String), Vec<i64>>,
    /// (kind, month, touchpoint or `all`) → (people, distribution).
    ratings: BTreeMap<(String, String, String), (i64, Value)>,
}

impl Shown {
    fn activity(&mut self, start: &str, end: &str, cell: &Value, source: &str) {
        if cell["status"] != "shown" {
            return;
        }
        let figures: Vec<i64> = [
            "people",
            "logins",
            "feature_uses",
            "feature_weight",
            "social",
        ]
        .iter()
        .map(|k| cell[k].as_i64().unwrap())
        .collect();
        let key = (start.to_string(), end.to_string());
        if let Some(before) = self.activity.insert(key, figures.clone()) {
            assert_eq!(before, figures, "{start}–{end} differs in {source}");
        }
    }

    fn rating(&mut self, kind: &str, month: &str, at: &str, cell: &Value, source: &str) {
        if cell["status"] != "shown" {
            return;
        }
        let figures = (
            cell["people"].as_i64().unwrap(),
            cell["distribution"].clone(),
        );
        let key = (kind.to_string(), month.to_string(), at.to_string());
        if let Some(before) = self.ratings.insert(key, figures.clone()) {
            assert_eq!(before, figures, "{kind} {month} {at} differs in {source}");
        }
    }

    fn report(&mut self, report: &Value, source: &str) {
        for p in report["periods"].as_array().unwrap() {
            let (start, end) = (p["start"].as_str().unwrap(), p["end"].as_str().unwrap());
            self.activity(start, end, &p["activity"], source);
        }
        for m in report["satisfaction"].as_array().unwrap() {
            let month = m["month"].as_str().unwrap();
            for kind in ["csat", "nps", "ces"] {
                self.rating(kind, month, "all", &m[kind], source);
                for t in m["by_touchpoint"].as_array().unwrap() {
                    let at = t["touchpoint"].as_str().unwrap();
                    self.rating(kind, month, at, &t[kind], source);
                }
            }
        }
    }
}

/// Whether `target` is a linear combination of `rows` (Gaussian elimination; the
/// entries are 0 and 1 and the matrices small).
fn in_span(rows: &[Vec<f64>], target: &[f64]) -> bool {
    fn rank(mut m: Vec<Vec<f64>>) -> usize {
        let columns = m.first().map_or(0, Vec::len);
        let mut rank = 0;
        for c in 0..columns {
            let Some(pivot) = (rank..m.len()).find(|&r| m[r][c].abs() > 1e-9) else {
                continue;
            };
            m.swap(rank, pivot);
            let lead = m[rank].clone();
            for (r, row) in m.iter_mut().enumerate() {
                if r != rank && row[c].abs() > 1e-9 {
                    let factor = row[c] / lead[c];
                    for (x, l) in row.iter_mut().zip(&lead) {
                        *x -= factor * l;
                    }
                }
            }
            rank += 1;
        }
        rank
    }
    let mut with = rows.to_vec();
    with.push(target.to_vec());
    rank(rows.to_vec()) == rank(with)
}

#[test]
fn the_span_check_finds_a_person_left_over_by_subtraction() {
    // Atoms: five people's day, a sixth person's day. A week of both and the five's day
    // give the sixth away; the week alone, or the week with the month, do not.
    let week = vec![1.0, 1.0];
    let five = vec![1.0, 0.0];
    let sixth = [0.0, 1.0];
    assert!(in_span(&[week.clone(), five], &sixth));
    assert!(!in_span(&[week.clone(), week], &sixth));
    assert!(!in_span(&[], &sixth));
}

#[tokio::test]
async fn no_combination_of_filters_reveals_one_persons_score_or_activity() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 6, &BOTH).await;
    let token = events_token(&app).await;
    let sixth = &people[5];
    // Activity atoms: (person, day start, feature_uses, feature_weight).
    let mut atoms: Vec<(usize, i64, i64, i64)> = Vec::new();
    // Ratings: (person, kind, month text, touchpoint, score).
    let mut rated: Vec<(usize, &str, String, &str, i64)> = Vec::new();
    let mut events = Vec::new();
    for back in 1..=3 {
        for (i, p) in people[..5].iter().enumerate() {
            events.push(feature(p, &customer, on(&app, back, 3), "order.placed"));
            atoms.push((i, on(&app, back, 3) - 12 * HOUR, 1, 10));
            events.push(feature(p, &customer, on(&app, back, 10), "news.read"));
            atoms.push((i, on(&app, back, 10) - 12 * HOUR, 1, 1));
            let nps = (10 - i as i64 + back) % 11;
            events.push(rating(
                p,
                &customer,
                on(&app, back, 3),
                "nps",
                nps,
                "relationship",
            ));
            rated.push((i, "nps", month_text(&app, back), "relationship", nps));
            let csat = 5 - (i as i64 + back) % 5;
            events.push(rating(
                p,
                &customer,
                on(&app, back, 10),
                "csat",
                csat,
                "delivery",
            ));
            rated.push((i, "csat", month_text(&app, back), "delivery", csat));
        }
    }
    // The sixth person, once, two months back: activity on the 12th (in the week of the
    // 8th, beside the others' 10th), an NPS at a touchpoint nobody else rated, a CSAT at
    // the others' touchpoint.
    let at = on(&app, 2, 12);
    events.push(feature(sixth, &customer, at, "order.placed"));
    events.push(feature(sixth, &customer, at, "order.tracked"));
    atoms.push((5, at - 12 * HOUR, 2, 13));
    events.push(rating(sixth, &customer, at, "nps", 2, "delivery"));
    rated.push((5, "nps", month_text(&app, 2), "delivery", 2));
    events.push(rating(sixth, &customer, at, "csat", 1, "delivery"));
    rated.push((5, "csat", month_text(&app, 2), "delivery", 1));
    post_all(&app, &token, events).await;

    // Every granularity, every span of whole months, JSON and CSV; the portfolio judging
    // each month.
    let staff = reader(&app).await;
    let mut shown = Shown::default();
    for granularity in ["day", "week", "month"] {
        for from in 0..=4 {
            for to in 0..=from {
                let query = format!("{}&granularity={granularity}", months(&app, from, to));
                let report = health(&staff, &customer, &query).await;
                shown.report(&report, &query);
                let csv = staff
                    .get(&format!(
                        "/api/v1/customers/{customer}/health?{query}&format=csv"
                    ))
                    .await;
                let rows: Vec<&str> = csv.text.lines().skip(1).collect();
                let periods = report["periods"].as_array().unwrap();
                assert_eq!(rows.len(), periods.len(), "{query}");
                for (row, p) in rows.iter().zip(periods) {
                    let people = row.split(',').nth(2).unwrap();
                    let expected = match p["activity"]["status"].as_str() {
                        Some("shown") => p["activity"]["people"].to_string(),
                        _ => "withheld".to_string(),
                    };
                    assert_eq!(people, expected, "{query}: {row}");
                }
            }
        }
    }
    for back in 0..=3 {
        let judged = portfolio(&staff, &format!("before={}", month_text(&app, back))).await;
        let row = account(&judged, &customer);
        let month = month_start(&app, back + 1);
        let end = month_start(&app, back);
        shown.activity(
            &date_text(month),
            &date_text(end),
            &row["activity"],
            "portfolio",
        );
    }

    // Not vacuous: the sixth person is inside shown figures.
    let two_back = (
        date_text(month_start(&app, 2)),
        date_text(month_start(&app, 1)),
    );
    assert_eq!(
        shown.activity[&two_back][0], 6,
        "the month shows six people"
    );
    let nps_key = ("nps".to_string(), month_text(&app, 2), "all".to_string());
    assert_eq!(
        shown.ratings[&nps_key].0, 6,
        "the month's NPS shows six people"
    );

    // Each shown activity figure is a sum over (person, day) atoms: check the sums, then
    // that the sixth person's atom is no combination of shown figures.
    let day_of = |text: &str| trohet::clock::parse_rfc3339(text).unwrap();
    let mut rows = Vec::new();
    for ((start, end), figures) in &shown.activity {
        let (start, end) = (day_of(start), day_of(end));
        let inside: Vec<bool> = atoms
            .iter()
            .map(|(_, day, _, _)| (start..end).contains(day))
            .collect();
        let people: BTreeSet<usize> = atoms
            .iter()
            .zip(&inside)
            .filter(|(_, i)| **i)
            .map(|(a, _)| a.0)
            .collect();
        let uses: i64 = atoms
            .iter()
            .zip(&inside)
            .filter(|(_, i)| **i)
            .map(|(a, _)| a.2)
            .sum();
        let weight: i64 = atoms
            .iter()
            .zip(&inside)
            .filter(|(_, i)| **i)
            .map(|(a, _)| a.3)
            .sum();
        assert_eq!(
            (figures[0], figures[2], figures[3]),
            (people.len() as i64, uses, weight),
            "{} – {}",
            date_text(start),
            date_text(end)
        );
        assert!(
            people.is_empty() || people.len() >= 5,
            "a shown figure of {} people",
            people.len()
        );
        rows.push(inside.iter().map(|&i| f64::from(u8::from(i))).collect());
    }
    let target: Vec<f64> = atoms
        .iter()
        .map(|a| f64::from(u8::from(a.0 == 5)))
        .collect();
    assert!(
        !in_span(&rows, &target),
        "the sixth person's activity follows from the shown figures: {:#?}",
        shown.activity
    );

    // Each shown rating cell is a distribution over ratings: check it, then that none of
    // the sixth person's ratings is a combination of shown cells of its kind.
    for kind in ["nps", "csat", "ces"] {
        let of_kind: Vec<&(usize, &str, String, &str, i64)> =
            rated.iter().filter(|r| r.1 == kind).collect();
        let mut rows = Vec::new();
        for ((k, month, at), (people, distribution)) in &shown.ratings {
            if k != kind {
                continue;
            }
            let inside: Vec<bool> = of_kind
                .iter()
                .map(|r| &r.2 == month && (at == "all" || r.3 == at))
                .collect();
            let mut expected = BTreeMap::new();
            let mut raters = BTreeSet::new();
            for (r, _) in of_kind.iter().zip(&inside).filter(|(_, i)| **i) {
                *expected.entry(r.4.to_string()).or_insert(0) += 1;
                raters.insert(r.0);
            }
            assert_eq!(distribution, &json!(expected), "{kind} {month} {at}");
            assert_eq!(*people, raters.len() as i64, "{kind} {month} {at}");
            assert!(
                raters.len() >= 5,
                "{kind} {month} {at}: {} raters",
                raters.len()
            );
            rows.push(inside.iter().map(|&i| f64::from(u8::from(i))).collect());
        }
        for (index, r) in of_kind.iter().enumerate() {
            if r.0 != 5 {
                continue;
            }
            let target: Vec<f64> = (0..of_kind.len())
                .map(|i| f64::from(u8::from(i == index)))
                .collect();
            assert!(
                rows.is_empty() || !in_span(&rows, &target),
                "the sixth person's {kind} at {} follows from the shown cells: {:#?}",
                r.3,
                shown.ratings
            );
        }
    }
}

#[tokio::test]
async fn reports_come_as_csv_with_withheld_figures_as_words() {
    let app = spawn_app().await;
    let (customer, people) = consenting_people(&app, 5, &BOTH).await;
    let (small, few) = consenting_people(&app, 2, &BOTH).await;
    let token = events_token(&app).await;
    let at = on(&app, 1, 4);
    let mut events: Vec<Value> = people
        .iter()
        .map(|p| feature(p, &customer, at, "order.placed"))
        .collect();
    events.extend(ratings(
        &customer,
        at,
        "nps",
        "relationship",
        &scored(&people, &[10, 10, 9, 8, 3]),
    ));
    events.push(feature(&few[0], &small, at, "order.placed"));
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    let csv = staff
        .get(&format!(
            "/api/v1/customers/{customer}/health?{}&format=csv",
            months(&app, 2, 1)
        ))
        .await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let content_type = csv.headers["content-type"].to_str().unwrap();
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let lines: Vec<&str> = csv.text.lines().collect();
    assert_eq!(
        lines[0],
        "start,end,people,logins,feature_uses,feature_weight,social,\
         feature_weight_change_percent,feature_weight_z_score,cases_opened,cases_closed,\
         news_published,first_response_median_hours,first_response_p90_hours,csat_percent,\
         nps,ces"
    );
    assert_eq!(lines.len(), 3, "{}", csv.text);
    let last: Vec<&str> = lines[2].split(',').collect();
    assert_eq!(last[0], date_text(month_start(&app, 1)));
    assert_eq!(&last[2..6], ["5", "0", "5", "50"], "{}", lines[2]);
    // (3 promoters − 1 detractor) / 5 = 40; no CSAT that month.
    assert_eq!((last[14], last[15]), ("", "40"), "{}", lines[2]);

    let small_csv = staff
        .get(&format!(
            "/api/v1/customers/{small}/health?{}&format=csv",
            months(&app, 1, 1)
        ))
        .await;
    let row: Vec<&str> = small_csv.text.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(&row[2..7], ["withheld"; 5], "{}", small_csv.text);

    let all = staff.get("/api/v1/health?format=csv").await;
    assert_eq!(all.status, 200, "{}", all.text);
    assert!(
        all.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let lines: Vec<&str> = all.text.lines().collect();
    assert_eq!(
        lines[0],
        "customer_id,customer_name,month,risk,signals,reference_candidate,people,\
         feature_weight,feature_weight_change_percent,nps,csat_percent"
    );
    let row = lines
        .iter()
        .find(|l| l.starts_with(&small))
        .expect("the small account");
    assert!(row.contains(",withheld,withheld,"), "{row}");
    let row = lines
        .iter()
        .find(|l| l.starts_with(&customer))
        .expect("the account");
    assert!(row.contains(&format!(",{},", month_text(&app, 1))), "{row}");
    assert!(row.contains(",5,50,"), "{row}");
    let bad = staff.get("/api/v1/health?format=xml").await;
    assert_eq!(bad.status, 400, "{}", bad.text);
}

#[tokio::test]
async fn the_portfolio_ranks_a_drifting_account_above_a_healthy_one_with_its_reasons() {
    let app = spawn_app().await;
    let (drifting, drifters) = consenting_people(&app, 5, &BOTH).await;
    let (healthy, happy) = consenting_people(&app, 5, &BOTH).await;
    let token = events_token(&app).await;
    let mut events = Vec::new();
    for back in 1..=4 {
        let at = on(&app, back, 5);
        for p in &drifters {
            // Two orders a person a month for three months, then one news item read.
            match back {
                1 => events.push(feature(p, &drifting, at, "news.read")),
                _ => {
                    events.push(feature(p, &drifting, at, "order.placed"));
                    events.push(feature(p, &drifting, at, "order.placed"));
                }
            }
            let score = if back == 1 { 5 } else { 10 };
            events.push(rating(p, &drifting, at, "nps", score, "relationship"));
        }
        for p in &happy {
            events.push(feature(p, &healthy, at, "order.placed"));
            events.push(rating(p, &healthy, at, "nps", 10, "relationship"));
            events.push(rating(p, &healthy, at, "csat", 5, "delivery"));
        }
    }
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    let judged = portfolio(&staff, "").await;
    assert_eq!(
        judged["month"],
        month_text(&app, 1),
        "the last complete month"
    );
    assert_eq!(judged["min_group_size"], 5);
    let ranked: Vec<&str> = judged["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["customer_id"].as_str().unwrap())
        .collect();
    let place = |id: &str| ranked.iter().position(|r| *r == id).unwrap();
    assert!(place(&drifting) < place(&healthy), "{ranked:?}");
    let row = account(&judged, &drifting);
    assert_eq!(row["risk"], 40, "{row}");
    let signal = &row["signals"][0];
    assert_eq!(signal["rule"], "declining", "{row}");
    assert_eq!(signal["version"], 1);
    let reasons: Vec<&str> = signal["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("weighted feature use per day fell"),
        "{reasons:?}"
    );
    assert!(
        reasons.iter().any(|r| r.contains("NPS fell 200 points")),
        "{reasons:?}"
    );
    assert_close(&row["nps"], -100.0, "the drifting account's NPS");
    assert!(number(&row["activity_change_percent"]) <= -90.0, "{row}");
    assert!(row.get("reference_candidate").is_none(), "{row}");

    let row = account(&judged, &healthy);
    assert_eq!(row["risk"], 0, "{row}");
    assert!(row["signals"].as_array().unwrap().is_empty(), "{row}");
    assert_eq!(
        row["reference_candidate"]["rule"], "reference_candidate",
        "{row}"
    );
    assert_eq!(row["reference_candidate"]["version"], 1);
    assert_close(&row["nps"], 100.0, "the healthy account's NPS");
    assert_close(&row["csat"], 100.0, "its CSAT");
    assert_eq!(row["activity"]["people"], 5);
    assert_eq!(row["activity"]["feature_weight"], 50);

    // The account's own report agrees.
    let report = health(&staff, &drifting, "").await;
    assert_eq!(report["signals_month"], month_text(&app, 1));
    assert_eq!(report["risk"], 40);
    assert_eq!(report["signals"][0]["rule"], "declining");
    assert_eq!(report["signals"][0]["version"], 1);
    let report = health(&staff, &healthy, "").await;
    assert_eq!(
        report["reference_candidate"]["version"], 1,
        "{}",
        report["reference_candidate"]
    );
    assert!(report["signals"].as_array().unwrap().is_empty());

    // Judging two months back, before the drift, the drifting account is no risk.
    let earlier = portfolio(&staff, &format!("before={}", month_text(&app, 1))).await;
    assert_eq!(earlier["month"], month_text(&app, 2));
    assert_eq!(account(&earlier, &drifting)["risk"], 0);
}

#[tokio::test]
async fn an_unhappy_person_among_five_raters_and_slow_responses_raise_their_signals() {
    let app = spawn_app().await;
    let (unhappy, raters) = consenting_people(&app, 5, &SURVEYS).await;
    let (too_few, four) = consenting_people(&app, 4, &SURVEYS).await;
    let slow = app
        .admin
        .add_customer_account("Slow Responses AB")
        .await
        .unwrap();
    let fast = app
        .admin
        .add_customer_account("Fast Responses AB")
        .await
        .unwrap();
    let token = events_token(&app).await;
    let mut events = Vec::new();
    for (customer, people) in [(&unhappy, &raters), (&too_few, &four)] {
        // One person: CSAT 1, CES 2, NPS 3 in a row; the others a promoter's NPS.
        events.push(rating(
            &people[0],
            customer,
            on(&app, 1, 3),
            "csat",
            1,
            "delivery",
        ));
        events.push(rating(
            &people[0],
            customer,
            on(&app, 1, 4),
            "ces",
            2,
            "support_case",
        ));
        events.push(rating(
            &people[0],
            customer,
            on(&app, 1, 5),
            "nps",
            3,
            "relationship",
        ));
        for p in &people[1..] {
            events.push(rating(
                p,
                customer,
                on(&app, 1, 5),
                "nps",
                9,
                "relationship",
            ));
        }
    }
    // Five cases each, answered after 25, 30, 30, 40, 50 hours (median 30) and 1–5 hours.
    for (i, hours) in [25, 30, 30, 40, 50].into_iter().enumerate() {
        let opened = on(&app, 1, 2);
        for (customer, after) in [(&slow, hours), (&fast, i as i64 + 1)] {
            let case = format!("{customer}-{i}");
            events.push(staff_event("case_opened", customer, opened, &case));
            events.push(staff_event(
                "case_first_response",
                customer,
                opened + after * HOUR,
                &case,
            ));
        }
    }
    post_all(&app, &token, events).await;

    let staff = reader(&app).await;
    let judged = portfolio(&staff, "").await;
    let row = account(&judged, &unhappy);
    assert_eq!(row["risk"], 30, "{row}");
    assert_eq!(row["signals"][0]["rule"], "unhappy_person", "{row}");
    assert_eq!(row["signals"][0]["version"], 1);
    assert!(
        row["signals"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("5 people"),
        "{row}"
    );
    let row = account(&judged, &too_few);
    assert!(
        row["signals"].as_array().unwrap().is_empty(),
        "four raters: {row}"
    );
    let row = account(&judged, &slow);
    assert_eq!(row["risk"], 10, "{row}");
    assert_eq!(row["signals"][0]["rule"], "slow_response", "{row}");
    assert_eq!(row["signals"][0]["version"], 1);
    assert!(
        row["signals"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("30.0 h"),
        "{row}"
    );
    assert!(
        account(&judged, &fast)["signals"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let ranked: Vec<&str> = judged["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["customer_id"].as_str().unwrap())
        .collect();
    assert_eq!(&ranked[..2], [unhappy.as_str(), slow.as_str()], "by risk");

    let report = health(&staff, &slow, "").await;
    assert_eq!(report["signals"][0]["rule"], "slow_response", "{report}");
    let report = health(&staff, &unhappy, "").await;
    assert_eq!(
        report["signals"][0]["rule"], "unhappy_person",
        "{}",
        report["signals"]
    );
    assert_eq!(report["risk"], 30);
}

#[tokio::test]
async fn an_account_nobody_signed_in_to_for_thirty_days_is_dormant() {
    let app = spawn_app().await;
    let person = seed_simple_person(&app).await;
    let customer = person.accounts[0].id.clone();
    let me = Api::new(&app, Some(portal_token(&app, &person, &["consent"]).await));
    decide(&me, "portal-analytics", "granted").await;
    portal_token(&app, &person, &["consent"]).await;
    let judged = portfolio(&reader(&app).await, "").await;
    assert!(
        account(&judged, &customer)["signals"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    app.clock.advance(Duration::from_secs(31 * DAY as u64));
    let staff = reader(&app).await;
    let judged = portfolio(&staff, "").await;
    let row = account(&judged, &customer);
    assert_eq!(row["signals"][0]["rule"], "dormant", "{row}");
    assert_eq!(row["signals"][0]["version"], 1);
    assert!(
        row["signals"][0]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("30 days"),
        "{row}"
    );
    assert_eq!(row["risk"], 20);
    let report = health(&staff, &customer, "").await;
    assert_eq!(
        report["signals"][0]["rule"], "dormant",
        "{}",
        report["signals"]
    );
}

#[tokio::test]
async fn health_needs_analytics_read_and_a_valid_query() {
    let app = spawn_app().await;
    let admin = seed_person(&app, &[("Customer", &["customer-admin", "member"])]).await;
    let customer = admin.accounts[0].id.clone();
    let path = format!("/api/v1/customers/{customer}/health");
    let own = Api::new(
        &app,
        Some(person_token(&app, &admin, &["openid", "admin"]).await),
    );
    for path in [path.as_str(), "/api/v1/health"] {
        let answer = own.get(path).await;
        assert!(
            [403, 404].contains(&answer.status),
            "a customer's admin reads no health: {path} {} {}",
            answer.status,
            answer.text
        );
        let dpo = Api::new(&app, Some(service_token(&app, &["dpo"]).await));
        assert_eq!(dpo.get(path).await.status, 403, "{path}");
        assert_eq!(Api::new(&app, None).get(path).await.status, 401, "{path}");
        for role in ["customer-success", "admin"] {
            let staff = Api::new(&app, Some(service_token(&app, &[role]).await));
            let answer = staff.get(path).await;
            assert_eq!(answer.status, 200, "{role} {path}: {}", answer.text);
        }
    }
    let staff = reader(&app).await;
    let unknown = staff.get("/api/v1/customers/no-such-account/health").await;
    assert_eq!(unknown.status, 404, "{}", unknown.text);
    let backwards = format!("from={}&to={}", month_text(&app, 1), month_text(&app, 2));
    let too_long = format!("from={}&to={}", month_text(&app, 40), month_text(&app, 0));
    for query in [
        "granularity=year",
        "granularity=",
        "from=last-year",
        "to=2026-13",
        "format=xml",
        &backwards,
        &too_long,
    ] {
        let answer = staff.get(&format!("{path}?{query}")).await;
        assert!(
            [400, 422].contains(&answer.status),
            "{query}: {} {}",
            answer.status,
            answer.text
        );
    }
    let bad = staff.get("/api/v1/health?before=someday").await;
    assert!([400, 422].contains(&bad.status), "{}", bad.text);
    // A date inside a month names that month.
    let report = health(
        &staff,
        &customer,
        &format!("from={}&to={}", day_text(&app, 2, 17), day_text(&app, 1, 3)),
    )
    .await;
    assert_eq!(report["from"], date_text(month_start(&app, 2)));
    assert_eq!(report["to"], date_text(month_start(&app, 0)));
}
