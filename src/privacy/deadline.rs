//! When a data subject request must be answered: one month from receipt (GDPR Art. 12(3)),
//! extendable by two further months. Months are counted as Regulation 1182/71 Art. 3(2)(c)
//! counts them: the period ends on the same date of the last month, or on that month's last
//! day when it has no such date (31 January → 28 or 29 February). The deadline is a date;
//! a request is overdue from the day after it. Art. 3(4) would move a deadline falling on a
//! weekend or public holiday to the next working day; trohet does not, so its deadline is
//! never later than the law's.

use crate::clock::{self, UnixTime};

/// Months to answer in.
pub const MONTHS: i64 = 1;
/// Months to answer in once extended (Art. 12(3): "by two further months").
pub const EXTENDED_MONTHS: i64 = 3;

/// The last day to answer a request received at `received_at`, as `YYYY-MM-DD`.
pub fn deadline(received_at: UnixTime, months: i64) -> String {
    let (year, month, day) = clock::civil_date(received_at);
    let months_since_year_0 = year * 12 + (month - 1) + months;
    let (year, month) = (
        months_since_year_0.div_euclid(12),
        months_since_year_0.rem_euclid(12) + 1,
    );
    let day = day.min(clock::days_in_month(year, month));
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether a deadline has passed at `now` (the whole deadline day counts).
pub fn is_overdue(deadline: &str, now: UnixTime) -> bool {
    clock::date_text(now).as_str() > deadline
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::parse_rfc3339;

    fn at(text: &str) -> UnixTime {
        parse_rfc3339(text).unwrap()
    }

    #[test]
    fn a_month_runs_to_the_same_date_of_the_next_month() {
        assert_eq!(deadline(at("2026-11-26T09:00:00Z"), 1), "2026-12-26");
        assert_eq!(deadline(at("2026-12-15T23:59:59Z"), 1), "2027-01-15");
        assert_eq!(deadline(at("2026-03-31T00:00:00Z"), 1), "2026-04-30");
        assert_eq!(deadline(at("2026-01-30T12:00:00Z"), 1), "2026-02-28");
    }

    #[test]
    fn without_that_date_it_ends_on_the_months_last_day() {
        assert_eq!(deadline(at("2027-01-31T10:00:00Z"), 1), "2027-02-28");
        assert_eq!(deadline(at("2028-01-31T10:00:00Z"), 1), "2028-02-29");
        assert_eq!(deadline(at("2028-01-29T10:00:00Z"), 1), "2028-02-29");
        assert_eq!(deadline(at("2100-01-31T10:00:00Z"), 1), "2100-02-28");
        assert_eq!(deadline(at("2026-05-31T10:00:00Z"), 1), "2026-06-30");
    }

    #[test]
    fn an_extension_adds_two_further_months() {
        assert_eq!(deadline(at("2026-11-30T10:00:00Z"), 3), "2027-02-28");
        assert_eq!(deadline(at("2026-10-31T10:00:00Z"), 3), "2027-01-31");
        assert_eq!(deadline(at("2027-12-31T10:00:00Z"), 3), "2028-03-31");
    }

    #[test]
    fn a_request_is_overdue_from_the_day_after_its_deadline() {
        assert!(!is_overdue("2027-02-28", at("2027-02-28T23:59:59Z")));
        assert!(is_overdue("2027-02-28", at("2027-03-01T00:00:00Z")));
    }
}
