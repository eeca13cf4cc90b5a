//! Charts drawn on the server as inline SVG, so the console needs no script: bars per
//! period with a line over them, and points per month joined by lines. A withheld period
//! is drawn as a hatched gap that says why, never as zero. Every chart is an image with a
//! `<title>` for screen readers; the tables beside it carry the same figures.

use maud::{Markup, html};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 250.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
/// Room for the period labels and the legend.
const BOTTOM: f64 = 56.0;
/// At most this many period labels along the bottom; the rest are skipped evenly.
const MAX_LABELS: usize = 12;
const BAR: &str = "#4a6fa5";
const LINE: &str = "#c2571a";
const GRID: &str = "#d9dde3";
const INK: &str = "#333a45";

/// What a chart says about itself.
pub struct Chart<'a> {
    /// Unique on the page: names the chart's hatch pattern and title.
    pub id: &'a str,
    pub title: &'a str,
    /// What the vertical axis counts.
    pub axis: &'a str,
    /// Why a gap is empty ("fewer than 5 people").
    pub withheld: &'a str,
}

/// One period of a bar chart: its label, what the axis says under it (if anything), its
/// bar (`None`: withheld) and its line point.
pub struct Bar {
    pub label: String,
    pub tick: Option<String>,
    pub value: Option<f64>,
    pub line: Option<f64>,
}

/// One month of a line chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Point {
    Value(f64),
    Withheld,
    /// Nothing to show and nothing hidden (no ratings).
    Empty,
}

/// The plot area's scales: `n` slots across, `min..max` up.
struct Frame {
    n: usize,
    min: f64,
    max: f64,
    step: f64,
}

impl Frame {
    fn slot(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.n.max(1) as f64
    }

    fn x(&self, index: usize) -> f64 {
        LEFT + self.slot() * index as f64
    }

    fn center(&self, index: usize) -> f64 {
        self.x(index) + self.slot() / 2.0
    }

    fn y(&self, value: f64) -> f64 {
        let share = ((value - self.min) / (self.max - self.min)).clamp(0.0, 1.0);
        HEIGHT - BOTTOM - share * (HEIGHT - BOTTOM - TOP)
    }

    fn ticks(&self) -> Vec<f64> {
        let count = ((self.max - self.min) / self.step).round() as usize;
        (0..=count)
            .map(|i| self.min + self.step * i as f64)
            .collect()
    }
}

/// Bars per period with a line (the baseline) over them; withheld periods are gaps.
pub fn bars(chart: &Chart, bars: &[Bar], line_name: &str) -> Markup {
    let highest = bars
        .iter()
        .flat_map(|b| [b.value, b.line])
        .flatten()
        .fold(0.0, f64::max);
    let step = nice_step(highest / 4.0);
    let frame = Frame {
        n: bars.len(),
        min: 0.0,
        max: ((highest / step).ceil() * step).max(step),
        step,
    };
    let ticks: Vec<Option<&str>> = bars.iter().map(|b| b.tick.as_deref()).collect();
    let width = frame.slot() * 0.7;
    let lines: Vec<Option<f64>> = bars.iter().map(|b| b.line).collect();
    html! {
        (open(chart, &frame, &ticks, html! {
            @for (i, bar) in bars.iter().enumerate() {
                @match bar.value {
                    Some(value) => {
                        @let y = frame.y(value);
                        rect x=(n(frame.center(i) - width / 2.0)) y=(n(y)) width=(n(width))
                            height=(n(frame.y(0.0) - y)) fill=(BAR) {
                            title { (bar.label) ": " (number(value)) }
                        }
                    }
                    None => (gap(chart, &frame, i, &bar.label)),
                }
            }
            (steps(&frame, &lines, LINE))
        }, html! {
            (swatch(0.0, BAR, chart.axis))
            (line_swatch(240.0, LINE, line_name))
            (hatch_swatch(chart, 480.0))
        }))
    }
}

/// Points per month joined where months follow each other; withheld months are gaps.
pub fn points(
    chart: &Chart,
    labels: &[String],
    points: &[Point],
    range: (f64, f64, f64),
) -> Markup {
    let (min, max, step) = range;
    let frame = Frame {
        n: points.len(),
        min,
        max,
        step,
    };
    let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
    let ticks = every_kth(&labels);
    let values: Vec<Option<f64>> = points
        .iter()
        .map(|p| match p {
            Point::Value(v) => Some(*v),
            _ => None,
        })
        .collect();
    html! {
        (open(chart, &frame, &ticks, html! {
            @for (i, point) in points.iter().enumerate() {
                @if *point == Point::Withheld {
                    (gap(chart, &frame, i, labels.get(i).copied().unwrap_or_default()))
                }
            }
            (lines(&frame, &values, BAR))
            @for (i, value) in values.iter().enumerate() {
                @if let Some(value) = value {
                    circle cx=(n(frame.center(i))) cy=(n(frame.y(*value))) r="4" fill=(BAR) {
                        title { (labels.get(i).copied().unwrap_or_default()) ": " (number(*value)) }
                    }
                }
            }
        }, html! {
            (line_swatch(0.0, BAR, chart.axis))
            (hatch_swatch(chart, 240.0))
        }))
    }
}

/// The frame every chart shares: title, hatch pattern, grid, axes, labels and legend.
fn open(
    chart: &Chart,
    frame: &Frame,
    ticks: &[Option<&str>],
    plot: Markup,
    legend: Markup,
) -> Markup {
    let title_id = format!("{}-title", chart.id);
    let bottom = HEIGHT - BOTTOM;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby=(title_id)
            viewBox=(format!("0 0 {WIDTH} {HEIGHT}")) width="100%" font-size="11"
            font-family="sans-serif" fill=(INK) {
            title id=(title_id) { (chart.title) }
            defs {
                pattern id=(hatch_id(chart)) width="6" height="6" patternUnits="userSpaceOnUse"
                    patternTransform="rotate(45)" {
                    rect width="6" height="6" fill="#eef0f3" {}
                    line x1="0" y1="0" x2="0" y2="6" stroke="#9aa1ad" stroke-width="2" {}
                }
            }
            @for tick in frame.ticks() {
                @let y = n(frame.y(tick));
                line x1=(n(LEFT)) x2=(n(WIDTH - RIGHT)) y1=(y) y2=(y) stroke=(GRID) {}
                text x=(n(LEFT - 6.0)) y=(y) text-anchor="end" dominant-baseline="middle" {
                    (number(tick))
                }
            }
            text transform=(format!("translate(14 {}) rotate(-90)", n((TOP + bottom) / 2.0)))
                text-anchor="middle" { (chart.axis) }
            (plot)
            line x1=(n(LEFT)) x2=(n(WIDTH - RIGHT)) y1=(n(bottom)) y2=(n(bottom)) stroke=(INK) {}
            line x1=(n(LEFT)) x2=(n(LEFT)) y1=(n(TOP)) y2=(n(bottom)) stroke=(INK) {}
            @for (i, tick) in ticks.iter().enumerate() {
                @if let Some(label) = tick {
                    text x=(n(frame.center(i))) y=(n(bottom + 16.0)) text-anchor="middle" {
                        (label)
                    }
                }
            }
            g transform=(format!("translate({} {})", n(LEFT), n(HEIGHT - 14.0))) { (legend) }
        }
    }
}

/// A withheld slot: hatched from top to bottom, saying why when there is room.
fn gap(chart: &Chart, frame: &Frame, index: usize, label: &str) -> Markup {
    let bottom = HEIGHT - BOTTOM;
    let x = frame.x(index) + 1.0;
    let width = (frame.slot() - 2.0).max(0.5);
    let middle = frame.center(index);
    html! {
        g.withheld {
            rect x=(n(x)) y=(n(TOP)) width=(n(width)) height=(n(bottom - TOP))
                fill=(format!("url(#{})", hatch_id(chart))) {
                title { (label) ": " (chart.withheld) }
            }
            @if frame.slot() >= 14.0 {
                text transform=(format!("translate({} {}) rotate(-90)", n(middle + 4.0), n((TOP + bottom) / 2.0)))
                    text-anchor="middle" font-size="10" { (chart.withheld) }
            }
        }
    }
}

/// Every `k`th label, so that at most [`MAX_LABELS`] are shown.
pub fn every_kth<'a>(labels: &[&'a str]) -> Vec<Option<&'a str>> {
    let every = labels.len().div_ceil(MAX_LABELS).max(1);
    labels
        .iter()
        .enumerate()
        .map(|(i, label)| (i % every == 0).then_some(*label))
        .collect()
}

/// The runs of neighbouring values, with their slots.
fn runs(values: &[Option<f64>]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut run: Vec<(usize, f64)> = Vec::new();
    for (i, value) in values.iter().enumerate() {
        match value {
            Some(v) => run.push((i, *v)),
            None if !run.is_empty() => runs.push(std::mem::take(&mut run)),
            None => {}
        }
    }
    if !run.is_empty() {
        runs.push(run);
    }
    runs
}

/// A value per period as a step across each period's slot: a baseline belongs to its
/// period, so it is not interpolated between periods.
fn steps(frame: &Frame, values: &[Option<f64>], colour: &str) -> Markup {
    html! {
        @for run in runs(values) {
            @let points: Vec<String> = run
                .iter()
                .flat_map(|(i, v)| {
                    let y = n(frame.y(*v));
                    [format!("{},{y}", n(frame.x(*i))), format!("{},{y}", n(frame.x(*i + 1)))]
                })
                .collect();
            polyline points=(points.join(" ")) fill="none" stroke=(colour) stroke-width="2" {}
        }
    }
}

/// Points joined where they follow each other (the caller draws the points).
fn lines(frame: &Frame, values: &[Option<f64>], colour: &str) -> Markup {
    html! {
        @for run in runs(values).iter().filter(|run| run.len() > 1) {
            @let points: Vec<String> = run
                .iter()
                .map(|(i, v)| format!("{},{}", n(frame.center(*i)), n(frame.y(*v))))
                .collect();
            polyline points=(points.join(" ")) fill="none" stroke=(colour) stroke-width="2" {}
        }
    }
}

fn swatch(x: f64, colour: &str, label: &str) -> Markup {
    html! {
        rect x=(n(x)) y="-9" width="12" height="10" fill=(colour) {}
        text x=(n(x + 18.0)) y="0" { (label) }
    }
}

fn line_swatch(x: f64, colour: &str, label: &str) -> Markup {
    html! {
        line x1=(n(x)) x2=(n(x + 12.0)) y1="-4" y2="-4" stroke=(colour) stroke-width="2" {}
        text x=(n(x + 18.0)) y="0" { (label) }
    }
}

fn hatch_swatch(chart: &Chart, x: f64) -> Markup {
    html! {
        rect x=(n(x)) y="-9" width="12" height="10" fill=(format!("url(#{})", hatch_id(chart)))
            stroke="#9aa1ad" {}
        text x=(n(x + 18.0)) y="0" { (chart.withheld) }
    }
}

fn hatch_id(chart: &Chart) -> String {
    format!("{}-hatch", chart.id)
}

/// A coordinate, short.
fn n(value: f64) -> String {
    format!("{value:.1}")
}

/// A value as an axis or a tooltip shows it: whole numbers without decimals.
fn number(value: f64) -> String {
    if (value - value.round()).abs() < 1e-9 {
        format!("{value:.0}")
    } else {
        format!("{value:.2}")
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string()
    }
}

/// 1, 2 or 5 times a power of ten, at least `raw` (and something above zero).
fn nice_step(raw: f64) -> f64 {
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let base = 10f64.powf(raw.log10().floor());
    let fraction = raw / base;
    let nice = match fraction {
        f if f <= 1.0 => 1.0,
        f if f <= 2.0 => 2.0,
        f if f <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * base
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart() -> Chart<'static> {
        Chart {
            id: "use",
            title: "Use <per day>",
            axis: "per day",
            withheld: "fewer than 5 people",
        }
    }

    #[test]
    fn steps_are_round_numbers() {
        assert_eq!(nice_step(0.0), 1.0);
        assert_eq!(nice_step(0.3), 0.5);
        assert_eq!(nice_step(7.0), 10.0);
        assert_eq!(nice_step(180.0), 200.0);
        assert_eq!(number(2.50), "2.5");
        assert_eq!(number(-50.0), "-50");
    }

    #[test]
    fn a_withheld_period_is_a_hatched_gap_that_says_why_and_titles_are_escaped() {
        let bars = [
            Bar {
                label: "2026-09".into(),
                tick: Some("2026-09".into()),
                value: Some(12.0),
                line: None,
            },
            Bar {
                label: "2026-10".into(),
                tick: None,
                value: None,
                line: Some(10.0),
            },
        ];
        let svg = super::bars(&chart(), &bars, "Baseline").into_string();
        assert!(svg.contains(r#"role="img""#), "{svg}");
        assert!(
            svg.contains("<title id=\"use-title\">Use &lt;per day&gt;</title>"),
            "{svg}"
        );
        assert!(svg.contains("fill=\"url(#use-hatch)\""), "{svg}");
        assert!(svg.contains("2026-10: fewer than 5 people"), "{svg}");
        // Inline SVG is parsed as foreign content: an unclosed `<rect>` would swallow what
        // follows it.
        assert_eq!(svg.matches("<rect").count(), svg.matches("</rect>").count());
        assert_eq!(svg.matches("<line").count(), svg.matches("</line>").count());
        assert_eq!(
            svg.matches("<rect x=").count(),
            4,
            "a bar, a gap and two legend swatches"
        );
    }

    #[test]
    fn points_are_joined_only_across_neighbouring_months() {
        let labels: Vec<String> = (1..=4).map(|m| format!("2026-0{m}")).collect();
        let values = [
            Point::Value(10.0),
            Point::Value(20.0),
            Point::Withheld,
            Point::Value(-40.0),
        ];
        let svg = points(&chart(), &labels, &values, (-100.0, 100.0, 50.0)).into_string();
        assert_eq!(svg.matches("<polyline").count(), 1, "{svg}");
        assert_eq!(svg.matches("<circle").count(), 3, "{svg}");
        assert!(svg.contains("2026-04: -40"), "{svg}");
    }
}
