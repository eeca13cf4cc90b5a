//! One customer account's health page: the span form, the risk signals of its last
//! complete month, and activity, engagement and satisfaction as charts and tables. A
//! withheld figure says why, in the chart as a hatched gap and in the table in words.

use super::errors::Refusal;
use super::forms::{href, select};
use super::health::{self, decimal, optional, percent, reference_mark, signal_list};
use super::health_text::HealthWords;
use super::request::Visit;
use super::svg::{self, Bar, Chart, Point};
use super::{Console, customers};
use crate::analytics::calendar::{DAY, Granularity, month_text};
use crate::analytics::report::{CustomerHealth, Period};
use crate::analytics::{ActivityCell, RatingCell, ResponseCell, SatisfactionMonth};
use crate::clock::{date_text, parse_rfc3339};
use crate::web::i18n::Locale;
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};

/// The span the form shows: `YYYY-MM` months and the granularity.
struct Span<'a> {
    from: String,
    to: String,
    granularity: &'a str,
}

pub fn render(console: &Console, visit: &Visit, health: &CustomerHealth) -> Response {
    let locale = visit.visitor.locale;
    let words = HealthWords::of(locale);
    let min = health.min_group_size;
    // `to` is the day after the span: its last month is the one before.
    let to = parse_rfc3339(&health.to).map_or_else(String::new, |end| month_text(end - DAY));
    let span = Span {
        from: health.from.get(..7).unwrap_or(&health.from).to_string(),
        to,
        granularity: health.granularity.as_str(),
    };
    let csv = href(
        &health::csv_path(&health.customer_id),
        &[
            ("from", Some(&span.from)),
            ("to", Some(&span.to)),
            ("granularity", Some(span.granularity)),
        ],
    );
    let may_read_account = console.may(&visit.visitor, "customers.read", Some(&health.customer_id));
    let title = format!("{}: {}", words.title, health.customer_name);
    let withheld = words.fewer_people(min);
    let axis = format!("{} {}", words.weighted_use, words.use_axis);
    let use_chart = Chart {
        id: "chart-use",
        title: words.use_chart,
        axis: &axis,
        withheld: &withheld,
    };
    console.show(visit, StatusCode::OK, &title, |_| {
        html! {
            h1 { (title) }
            @if may_read_account {
                p { a href=(customers::path(&health.customer_id)) { (words.account_page) } }
            }
            p.muted { (words.account_intro.replace("{n}", &min.to_string())) }
            (span_form(words, &health.customer_id, &span))
            p { a href=(csv) download { (words.download_csv) } }
            (signals(words, health))
            h2 { (words.activity) }
            figure { (svg::bars(&use_chart, &bars(health), words.baseline)) }
            (activity_table(locale, words, health))
            h2 { (words.engagement) }
            (engagement_table(locale, words, health))
            h2 { (words.satisfaction) }
            p.muted { (words.satisfaction_note) }
            (satisfaction_charts(words, min, &health.satisfaction))
            (satisfaction_table(locale, words, min, &health.satisfaction))
        }
    })
}

/// The form again with what the service refused about it.
pub fn refused(console: &Console, visit: &Visit, customer_id: &str, refusal: Refusal) -> Response {
    let words = HealthWords::of(visit.visitor.locale);
    let (status, message) = refusal;
    let span = Span {
        from: visit.get("from").unwrap_or_default().to_string(),
        to: visit.get("to").unwrap_or_default().to_string(),
        granularity: visit.get("granularity").unwrap_or("month"),
    };
    console.show(visit, status, words.title, |_| {
        html! {
            h1 { (words.title) }
            p.error role="alert" { (message) }
            (span_form(words, customer_id, &span))
        }
    })
}

/// A GET form: it changes nothing, so it needs no CSRF token, and the result can be linked.
fn span_form(words: &HealthWords, customer_id: &str, span: &Span) -> Markup {
    let options = [Granularity::Month, Granularity::Week, Granularity::Day]
        .map(|g| (g.as_str(), words.granularity(g)));
    html! {
        form.span method="get" action=(health::path(customer_id)) {
            label for="from" { (words.from) }
            input type="month" id="from" name="from" value=(span.from) placeholder="YYYY-MM";
            label for="to" { (words.to) }
            input type="month" id="to" name="to" value=(span.to) placeholder="YYYY-MM";
            label for="granularity" { (words.granularity) }
            (select("granularity", &options, Some(span.granularity)))
            " " button type="submit" { (words.show) }
        }
    }
}

fn signals(words: &HealthWords, health: &CustomerHealth) -> Markup {
    html! {
        h2 { (words.risk_signals) }
        @match &health.signals_month {
            Some(month) => {
                p {
                    (words.signals_month) ": " strong { (month) }
                    " · " (words.risk) ": " strong { (health.risk) }
                }
                (signal_list(words, &health.signals))
                p {
                    @match &health.reference_candidate {
                        Some(r) => {
                            (reference_mark(words, Some(r))) ": " (r.reasons.join("; "))
                        }
                        None => span.muted { (words.not_reference_candidate) },
                    }
                }
            }
            None => p.muted { (words.no_complete_month) },
        }
    }
}

/// Weighted use per day, so that periods of different lengths compare, with the
/// baseline its trend is measured against.
fn bars(health: &CustomerHealth) -> Vec<Bar> {
    let ticks = month_ticks(&health.periods);
    health
        .periods
        .iter()
        .zip(ticks)
        .map(|(p, tick)| {
            let label = long_label(health.granularity, p);
            match &p.activity {
                ActivityCell::Shown(f) => Bar {
                    label,
                    tick,
                    value: Some(f.feature_weight as f64 / days(p) as f64),
                    line: f.trend.as_ref().map(|t| t.baseline_per_day),
                },
                ActivityCell::Withheld { .. } => Bar {
                    label,
                    tick,
                    value: None,
                    line: None,
                },
            }
        })
        .collect()
}

/// The axis names months under their first period, at most about twelve of them.
fn month_ticks(periods: &[Period]) -> Vec<Option<String>> {
    let firsts: Vec<usize> = periods
        .iter()
        .enumerate()
        .filter(|(_, p)| p.start.ends_with("-01"))
        .map(|(i, _)| i)
        .collect();
    let every = firsts.len().div_ceil(12).max(1);
    let chosen: Vec<usize> = firsts.into_iter().step_by(every).collect();
    periods
        .iter()
        .enumerate()
        .map(|(i, p)| {
            chosen
                .contains(&i)
                .then(|| p.start.get(..7).unwrap_or(&p.start).to_string())
        })
        .collect()
}

fn days(period: &Period) -> i64 {
    match (parse_rfc3339(&period.start), parse_rfc3339(&period.end)) {
        (Some(start), Some(end)) => ((end - start) / DAY).max(1),
        _ => 1,
    }
}

/// The period as the tables name it: a month, a day, or a week's first and last day.
fn long_label(granularity: Granularity, period: &Period) -> String {
    let start = period.start.as_str();
    let last = parse_rfc3339(&period.end).map(|end| date_text(end - DAY));
    match (granularity, last) {
        (Granularity::Month, _) => start.get(..7).unwrap_or(start).to_string(),
        (Granularity::Week, Some(last)) if last != period.start => format!("{start} – {last}"),
        _ => start.to_string(),
    }
}

fn activity_table(locale: Locale, words: &HealthWords, health: &CustomerHealth) -> Markup {
    let min = health.min_group_size;
    html! {
        table.activity {
            thead { tr {
                th { (words.period) } th { (words.people) } th { (words.logins) }
                th { (words.feature_uses) } th { (words.weighted_use) } th { (words.social) }
                th { (words.change) } th { (words.z_score) }
            } }
            tbody {
                @for p in &health.periods {
                    tr {
                        td { (long_label(health.granularity, p)) }
                        @match &p.activity {
                            ActivityCell::Shown(f) => {
                                @let trend = f.trend.as_ref();
                                td { (f.people) } td { (f.logins) } td { (f.feature_uses) }
                                td { (f.feature_weight) } td { (f.social) }
                                td { (optional(trend.and_then(|t| t.change_percent).map(|v| percent(locale, v, true)))) }
                                td { (optional(trend.and_then(|t| t.z_score).map(|v| decimal(locale, v)))) }
                            }
                            ActivityCell::Withheld { .. } => {
                                td.withheld colspan="5" { em { (words.fewer_people(min)) } }
                                td { (optional(None)) } td { (optional(None)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn engagement_table(locale: Locale, words: &HealthWords, health: &CustomerHealth) -> Markup {
    let min = health.min_group_size;
    html! {
        table.engagement {
            thead { tr {
                th { (words.period) } th { (words.cases_opened) } th { (words.cases_closed) }
                th { (words.news_published) } th { (words.median_response) }
                th { (words.p90_response) }
            } }
            tbody {
                @for p in &health.periods {
                    @let e = &p.engagement;
                    tr {
                        td { (long_label(health.granularity, p)) }
                        td { (e.cases_opened) } td { (e.cases_closed) } td { (e.news_published) }
                        @match &e.first_response {
                            ResponseCell::Shown { median_hours, p90_hours, .. } => {
                                td { (decimal(locale, *median_hours)) }
                                td { (decimal(locale, *p90_hours)) }
                            }
                            ResponseCell::Withheld { .. } => {
                                td.withheld colspan="2" { em { (words.fewer_cases(min)) } }
                            }
                            ResponseCell::NoCases => {
                                td.muted colspan="2" { (words.no_cases) }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn satisfaction_charts(words: &HealthWords, min: usize, months: &[SatisfactionMonth]) -> Markup {
    let labels: Vec<String> = months.iter().map(|m| m.month.clone()).collect();
    let withheld = words.fewer_people(min);
    let point = |cell: &RatingCell| match cell {
        RatingCell::Shown(f) => Point::Value(f.score),
        RatingCell::Withheld { .. } => Point::Withheld,
        RatingCell::NoRatings => Point::Empty,
    };
    let nps: Vec<Point> = months.iter().map(|m| point(&m.nps)).collect();
    let csat: Vec<Point> = months.iter().map(|m| point(&m.csat)).collect();
    let nps_chart = Chart {
        id: "chart-nps",
        title: words.nps_chart,
        axis: "NPS",
        withheld: &withheld,
    };
    let csat_chart = Chart {
        id: "chart-csat",
        title: words.csat_chart,
        axis: "CSAT %",
        withheld: &withheld,
    };
    html! {
        figure { (svg::points(&nps_chart, &labels, &nps, (-100.0, 100.0, 50.0))) }
        figure { (svg::points(&csat_chart, &labels, &csat, (0.0, 100.0, 25.0))) }
    }
}

fn satisfaction_table(
    locale: Locale,
    words: &HealthWords,
    min: usize,
    months: &[SatisfactionMonth],
) -> Markup {
    let cell = |cell: &RatingCell, unit: bool| match cell {
        RatingCell::Shown(f) if unit => html! { (percent(locale, f.score, false)) },
        RatingCell::Shown(f) => html! { (decimal(locale, f.score)) },
        RatingCell::Withheld { .. } => html! { em { (words.fewer_people(min)) } },
        RatingCell::NoRatings => html! { span.muted { (words.no_ratings) } },
    };
    html! {
        table.satisfaction {
            thead { tr {
                th { (words.month) } th { (words.touchpoint) }
                th { "NPS" } th { "CSAT" } th { "CES" }
            } }
            tbody {
                @for m in months {
                    tr.month {
                        td { strong { (m.month) } } td { (words.all_touchpoints) }
                        td { (cell(&m.nps, false)) } td { (cell(&m.csat, true)) }
                        td { (cell(&m.ces, false)) }
                    }
                    @for t in &m.by_touchpoint {
                        tr.touchpoint {
                            td {} td { (words.touchpoint(t.touchpoint)) }
                            td { (cell(&t.nps, false)) } td { (cell(&t.csat, true)) }
                            td { (cell(&t.ces, false)) }
                        }
                    }
                }
            }
        }
    }
}
