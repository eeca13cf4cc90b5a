//! `/console/health`: customer health for staff with `analytics.read`. The portfolio
//! ranks every active customer account by churn risk on its last complete month; one
//! account's page (`health_page.rs`) shows its activity, engagement and satisfaction over
//! a span, as charts and tables. Both download as CSV. The pages call the same analytics
//! service as `/api/v1/health`, so a figure the API withholds (drawn from fewer than
//! `min_group_size` people, GDPR Art. 89) is withheld here too, and said so.

use super::Console;
use super::errors::{self, Refusal};
use super::health_page;
use super::health_text::HealthWords;
use super::request::Visit;
use crate::analytics::calendar::Granularity;
use crate::analytics::portfolio::{Portfolio, PortfolioQuery};
use crate::analytics::report::HealthQuery;
use crate::analytics::signals::Signal;
use crate::analytics::{ActivityCell, csv};
use crate::web::i18n::Locale;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use std::sync::Arc;

pub fn router() -> Router<Arc<Console>> {
    Router::new()
        .route("/console/health", get(show_portfolio))
        .route("/console/health.csv", get(portfolio_csv))
        .route("/console/customers/{customer_id}/health", get(show_health))
        .route(
            "/console/customers/{customer_id}/health.csv",
            get(health_csv),
        )
}

pub fn path(customer_id: &str) -> String {
    format!("/console/customers/{customer_id}/health")
}

pub fn csv_path(customer_id: &str) -> String {
    format!("/console/customers/{customer_id}/health.csv")
}

/// A query parameter, with an empty form field taken as not given.
fn param(visit: &Visit, name: &str) -> Option<String> {
    visit
        .get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_string)
}

async fn portfolio(console: &Console, visit: &Visit) -> Result<Portfolio, Response> {
    let locale = visit.visitor.locale;
    let query = PortfolioQuery {
        before: param(visit, "before"),
        format: None,
    };
    console
        .analytics
        .portfolio(&visit.visitor.principal, &query)
        .await
        .map_err(|error| {
            errors::page(
                locale,
                errors::analytics(locale, "rank customer accounts", error),
            )
        })
}

async fn show_portfolio(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    let portfolio = match portfolio(&console, &visit).await {
        Ok(portfolio) => portfolio,
        Err(page) => return page,
    };
    let locale = visit.visitor.locale;
    let words = HealthWords::of(locale);
    console.show(&visit, StatusCode::OK, words.title, |_| {
        portfolio_body(locale, &portfolio)
    })
}

async fn portfolio_csv(State(console): State<Arc<Console>>, visit: Visit) -> Response {
    match portfolio(&console, &visit).await {
        Ok(portfolio) => download(csv::portfolio(&portfolio), "customer-health.csv"),
        Err(page) => page,
    }
}

/// The account's query from the form; a granularity we do not know is the visitor's to
/// correct.
pub fn health_query(visit: &Visit) -> Result<HealthQuery, Refusal> {
    let granularity = match param(visit, "granularity").as_deref() {
        None => None,
        Some("day") => Some(Granularity::Day),
        Some("week") => Some(Granularity::Week),
        Some("month") => Some(Granularity::Month),
        Some(_) => {
            return Err((
                StatusCode::UNPROCESSABLE_ENTITY,
                "granularity must be day, week or month".into(),
            ));
        }
    };
    Ok(HealthQuery {
        from: param(visit, "from"),
        to: param(visit, "to"),
        granularity,
        format: None,
    })
}

async fn show_health(
    State(console): State<Arc<Console>>,
    visit: Visit,
    Path(customer_id): Path<String>,
) -> Response {
    let locale = visit.visitor.locale;
    let by = &visit.visitor.principal;
    let result = match health_query(&visit) {
        Ok(query) => console
            .analytics
            .customer_health(by, &customer_id, &query)
            .await
            .map_err(|e| errors::analytics(locale, "read a customer account's health", e)),
        Err(refusal) => Err(Ok(refusal)),
    };
    match result {
        Ok(health) => health_page::render(&console, &visit, &health),
        Err(Ok(refusal)) => health_page::refused(&console, &visit, &customer_id, refusal),
        Err(Err(page)) => page,
    }
}

async fn health_csv(
    State(console): State<Arc<Console>>,
    visit: Visit,
    Path(customer_id): Path<String>,
) -> Response {
    let locale = visit.visitor.locale;
    let query = match health_query(&visit) {
        Ok(query) => query,
        Err(refusal) => return errors::page(locale, Ok(refusal)),
    };
    match console
        .analytics
        .customer_health(&visit.visitor.principal, &customer_id, &query)
        .await
    {
        Ok(health) => download(csv::health(&health), "account-health.csv"),
        Err(error) => errors::page(
            locale,
            errors::analytics(locale, "read a customer account's health", error),
        ),
    }
}

/// A CSV of people's figures: like the pages, no browser or proxy keeps a copy.
fn download(text: String, filename: &'static str) -> Response {
    let mut response = crate::web::csv::download(text, filename);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn portfolio_body(locale: Locale, portfolio: &Portfolio) -> Markup {
    let words = HealthWords::of(locale);
    let min = portfolio.min_group_size;
    html! {
        h1 { (words.title) }
        p.muted { (words.portfolio_intro.replace("{n}", &min.to_string())) }
        p {
            (words.judged_month) ": " strong { (portfolio.month) }
            " · " a href="/console/health.csv" download { (words.download_csv) }
        }
        @if portfolio.accounts.is_empty() {
            p.muted { (words.no_accounts) }
        } @else {
            table.health {
                thead { tr {
                    th { (words.account) } th { (words.risk) } th { (words.signals) }
                    th { (words.reference_candidate) } th { (words.people) }
                    th { (words.weighted_use) } th { (words.change) } th { "NPS" } th { "CSAT" }
                } }
                tbody {
                    @for a in &portfolio.accounts {
                        tr {
                            td { a href=(path(&a.customer_id)) { (a.customer_name) } }
                            td { (a.risk) }
                            td { (signal_list(words, &a.signals)) }
                            td { (reference_mark(words, a.reference_candidate.as_ref())) }
                            @match &a.activity {
                                ActivityCell::Shown(f) => {
                                    td { (f.people) } td { (f.feature_weight) }
                                }
                                ActivityCell::Withheld { .. } => {
                                    td.withheld colspan="2" { em { (words.fewer_people(min)) } }
                                }
                            }
                            td { (optional(a.activity_change_percent.map(|v| percent(locale, v, true)))) }
                            td { (optional(a.nps.map(|v| decimal(locale, v)))) }
                            td { (optional(a.csat.map(|v| percent(locale, v, false)))) }
                        }
                    }
                }
            }
        }
    }
}

/// Signals with their rule in words, the rule's version and the reasons behind them.
pub fn signal_list(words: &HealthWords, signals: &[Signal]) -> Markup {
    html! {
        @if signals.is_empty() {
            span.muted { (words.no_signals) }
        } @else {
            ul.signals {
                @for s in signals {
                    li {
                        strong { (words.rule(&s.rule)) }
                        " (" (words.version(s.version)) ")"
                        @if !s.reasons.is_empty() { ": " (s.reasons.join("; ")) }
                    }
                }
            }
        }
    }
}

pub fn reference_mark(words: &HealthWords, reference: Option<&Signal>) -> Markup {
    html! {
        @if let Some(r) = reference {
            span.reference title=(r.reasons.join("; ")) {
                "★ " (words.reference_candidate) " (" (words.version(r.version)) ")"
            }
        }
    }
}

/// A number as the visitor's language writes it: at most two decimals, a decimal comma in
/// Swedish.
pub fn decimal(locale: Locale, value: f64) -> String {
    let text = format!("{:.2}", (value * 100.0).round() / 100.0);
    let text = match text.contains('.') {
        true => text.trim_end_matches('0').trim_end_matches('.').to_string(),
        false => text,
    };
    let text = if text == "-0" { "0".to_string() } else { text };
    match locale {
        Locale::Sv => text.replace('.', ","),
        Locale::En => text,
    }
}

/// A percentage; a change is signed.
pub fn percent(locale: Locale, value: f64, signed: bool) -> String {
    let number = decimal(locale, value);
    let number = match signed && value > 0.0 && number != "0" {
        true => format!("+{number}"),
        false => number,
    };
    HealthWords::of(locale).percent.replace("{n}", &number)
}

/// A figure, or a dash where there is none.
pub fn optional(text: Option<String>) -> Markup {
    html! {
        @match text {
            Some(text) => (text),
            None => span.muted { "—" },
        }
    }
}
