//! The current time, passed in rather than read deep inside domain code, so that
//! expiry, idle timeouts and retention can be tested without sleeping.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, the unit of every timestamp trohet stores.
pub type UnixTime = i64;

/// The system clock plus an offset that only tests move.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_secs: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that tests can move forward with [`Clock::advance`]. It still follows the
    /// system time, so tokens it stamps verify in relying parties that read the real clock.
    pub fn adjustable() -> Self {
        Self::default()
    }

    pub fn advance(&self, by: Duration) {
        let secs = i64::try_from(by.as_secs()).unwrap_or(i64::MAX);
        self.offset_secs.fetch_add(secs, Ordering::Relaxed);
    }

    pub fn now(&self) -> UnixTime {
        let system = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        system + self.offset_secs.load(Ordering::Relaxed)
    }
}

/// RFC 3339 in UTC (`2026-11-25T08:30:00Z`), the form times take in the API, the console
/// and exports.
pub fn rfc3339(time: UnixTime) -> String {
    let days = time.div_euclid(86_400);
    let secs = time.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Parses `2026-11-25T08:30:00Z` (or with an offset such as `+01:00`, or a bare date
/// `2026-11-25`, read as midnight UTC).
pub fn parse_rfc3339(text: &str) -> Option<UnixTime> {
    let text = text.trim();
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    if text.get(4..5)? != "-" || text.get(7..8)? != "-" || !(1..=12).contains(&month) {
        return None;
    }
    if !(1..=days_in_month(year, month)).contains(&day) {
        return None;
    }
    let date = days_from_civil(year, month, day) * 86_400;
    if text.len() == 10 {
        return Some(date);
    }
    if !matches!(text.get(10..11)?, "T" | "t" | " ") || text.get(13..14)? != ":" {
        return None;
    }
    let (hour, minute) = (number(11..13)?, number(14..16)?);
    let second = if text.get(16..17) == Some(":") {
        number(17..19)?
    } else {
        0
    };
    let mut rest = text.get(
        if text.get(16..17) == Some(":") {
            19
        } else {
            16
        }..,
    )?;
    if let Some(fraction) = rest.strip_prefix('.') {
        rest = fraction.trim_start_matches(|c: char| c.is_ascii_digit());
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let hours: i64 = rest.get(1..3)?.parse().ok()?;
            let minutes: i64 = rest.get(4..6)?.parse().ok()?;
            if rest.len() != 6 || rest.get(3..4)? != ":" {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    if hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(date + hour * 3600 + minute * 60 + second - offset)
}

/// The UTC calendar date of a time: (year, month, day).
pub fn civil_date(time: UnixTime) -> (i64, i64, i64) {
    civil_from_days(time.div_euclid(86_400))
}

/// `YYYY-MM-DD`, the UTC date of a time.
pub fn date_text(time: UnixTime) -> String {
    let (year, month, day) = civil_date(time);
    format!("{year:04}-{month:02}-{day:02}")
}

pub fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`: days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((month + 9) % 12) + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_and_read_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_000_000), "2026-11-18T11:06:40Z");
        assert_eq!(parse_rfc3339("2026-11-18T11:06:40Z"), Some(1_795_000_000));
        assert_eq!(
            parse_rfc3339("2026-11-18T12:06:40+01:00"),
            Some(1_795_000_000)
        );
        assert_eq!(parse_rfc3339("2024-02-29"), Some(1_709_164_800));
        assert_eq!(
            parse_rfc3339("2026-11-18T11:06:40.123Z"),
            Some(1_795_000_000)
        );
    }

    #[test]
    fn malformed_times_are_refused() {
        for text in [
            "",
            "2026-13-01",
            "2023-02-29",
            "2026-11-18T25:00:00Z",
            "yesterday",
            "2026-11-18T08:26:40",
        ] {
            assert_eq!(parse_rfc3339(text), None, "{text}");
        }
    }
}
