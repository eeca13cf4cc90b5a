//! The calendar buckets figures are reported in: UTC days, weeks and months. A week here
//! is a part of its month (days 1–7, 8–14, 15–21, 22–28 and 29 to the end), so that days
//! nest in weeks and weeks in months: no day belongs to two buckets of a coarser kind,
//! and one report's figures can never be subtracted from another's to isolate a few days
//! (see `disclosure.rs`).

use crate::clock::{self, UnixTime};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub const DAY: i64 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Granularity {
    Day,
    Week,
    #[default]
    Month,
}

impl Granularity {
    pub fn as_str(self) -> &'static str {
        match self {
            Granularity::Day => "day",
            Granularity::Week => "week",
            Granularity::Month => "month",
        }
    }
}

/// A half-open span of time `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: UnixTime,
    pub end: UnixTime,
}

impl Span {
    pub fn days(&self) -> i64 {
        (self.end - self.start) / DAY
    }

    pub fn contains(&self, time: UnixTime) -> bool {
        (self.start..self.end).contains(&time)
    }
}

pub fn day_start(time: UnixTime) -> UnixTime {
    time.div_euclid(DAY) * DAY
}

pub fn month_start(time: UnixTime) -> UnixTime {
    let (year, month, _) = clock::civil_date(time);
    clock::days_from_civil(year, month, 1) * DAY
}

/// The start of the month `months` after the one `time` is in (before, if negative).
pub fn add_months(time: UnixTime, months: i64) -> UnixTime {
    let (year, month, _) = clock::civil_date(time);
    let index = year * 12 + (month - 1) + months;
    clock::days_from_civil(index.div_euclid(12), index.rem_euclid(12) + 1, 1) * DAY
}

/// The month-bound week `time` is in.
pub fn week_of(time: UnixTime) -> Span {
    let (year, month, day) = clock::civil_date(time);
    let first_day = ((day - 1) / 7).min(4) * 7 + 1;
    let start = clock::days_from_civil(year, month, first_day) * DAY;
    let end = match first_day {
        29 => add_months(time, 1),
        _ => (start + 7 * DAY).min(add_months(time, 1)),
    };
    Span { start, end }
}

/// The bucket of a kind that `time` is in.
pub fn bucket_of(granularity: Granularity, time: UnixTime) -> Span {
    match granularity {
        Granularity::Day => Span {
            start: day_start(time),
            end: day_start(time) + DAY,
        },
        Granularity::Week => week_of(time),
        Granularity::Month => Span {
            start: month_start(time),
            end: add_months(time, 1),
        },
    }
}

/// The buckets of a kind covering `span`, in order (the span is expected to be whole
/// months, as reports widen it).
pub fn buckets(granularity: Granularity, span: Span) -> Vec<Span> {
    let mut out = Vec::new();
    let mut at = span.start;
    while at < span.end {
        let bucket = bucket_of(granularity, at);
        out.push(bucket);
        at = bucket.end;
    }
    out
}

/// `from` and `to` widened to whole months: `[start of from's month, end of to's month)`.
pub fn whole_months(from: UnixTime, to: UnixTime) -> Span {
    Span {
        start: month_start(from),
        end: add_months(to, 1),
    }
}

/// `YYYY-MM`.
pub fn month_text(time: UnixTime) -> String {
    clock::date_text(time)[..7].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_rfc3339;

    fn at(text: &str) -> UnixTime {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn weeks_are_parts_of_their_month_and_the_last_runs_to_its_end() {
        let weeks = buckets(
            Granularity::Week,
            whole_months(at("2028-02-10"), at("2028-02-10")),
        );
        let starts: Vec<String> = weeks.iter().map(|w| clock::date_text(w.start)).collect();
        assert_eq!(
            starts,
            [
                "2028-02-01",
                "2028-02-08",
                "2028-02-15",
                "2028-02-22",
                "2028-02-29"
            ]
        );
        assert_eq!(weeks[4].days(), 1);
        assert_eq!(weeks[3].days(), 7);
        let january = buckets(
            Granularity::Week,
            whole_months(at("2027-01-31"), at("2027-01-31")),
        );
        assert_eq!(january.last().unwrap().days(), 3);
    }

    #[test]
    fn months_cross_years() {
        assert_eq!(add_months(at("2026-12-15"), 1), at("2027-01-01"));
        assert_eq!(add_months(at("2026-01-31"), -1), at("2025-12-01"));
        let months = buckets(
            Granularity::Month,
            whole_months(at("2026-11-20"), at("2027-02-03")),
        );
        assert_eq!(months.len(), 4);
        assert_eq!(month_text(months[3].start), "2027-02");
    }
}
