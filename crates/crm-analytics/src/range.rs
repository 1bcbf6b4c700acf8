//! The date ranges the dashboard is asked about, and the calendar buckets of its charts
//! (quarters, months, days).
//!
//! A range is a half-open interval of UTC calendar days: `from` is the first day in it, `to`
//! the first day after it. A timestamp `t` is in the range when `from 00:00 UTC <= t <
//! to 00:00 UTC`. Charts that are anchored at the end of a range ("the quarter that contains
//! `to`", "13 months ending with `to`'s month") use the range's **last day** (`to` − 1 day):
//! with an exclusive `to`, a range such as the calendar year 2026 (`to` = 2027-01-01) ends in
//! 2026 Q4, not in an empty 2027 Q1.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};
use crm_domain::{DomainError, Result};
use serde::Serialize;
use utoipa::ToSchema;

/// The longest range the dashboard answers, in days (two years and a leap day).
pub const MAX_RANGE_DAYS: i64 = 731;

/// A half-open range of UTC days, `from <= day < to`, at most [`MAX_RANGE_DAYS`] long.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
pub struct DateRange {
    /// First day in the range.
    from: NaiveDate,
    /// First day after the range (exclusive).
    to: NaiveDate,
}

impl DateRange {
    /// Checks and builds a range.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `to` when it is not after `from`, on `from` when the
    /// range is longer than [`MAX_RANGE_DAYS`].
    pub fn new(from: NaiveDate, to: NaiveDate) -> Result<Self> {
        if from >= to {
            return Err(DomainError::field("to", "must be after from"));
        }
        if (to - from).num_days() > MAX_RANGE_DAYS {
            return Err(DomainError::field(
                "from",
                format!("the range must be at most {MAX_RANGE_DAYS} days long"),
            ));
        }
        Ok(Self { from, to })
    }

    /// The default range: the 30 days ending with `today` (today included).
    pub fn last_30_days(today: NaiveDate) -> Self {
        let to = today.checked_add_days(Days::new(1)).unwrap_or(today);
        let from = to.checked_sub_days(Days::new(30)).unwrap_or(NaiveDate::MIN);
        Self { from, to }
    }

    /// The range of the same length just before this one (the comparison period).
    pub fn previous(&self) -> Self {
        let from = self
            .from
            .checked_sub_days(Days::new(self.days()))
            .unwrap_or(NaiveDate::MIN);
        Self {
            from,
            to: self.from,
        }
    }

    /// First day in the range.
    pub fn from(&self) -> NaiveDate {
        self.from
    }

    /// First day after the range.
    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// Number of days in the range.
    pub fn days(&self) -> u64 {
        u64::try_from((self.to - self.from).num_days()).unwrap_or(0)
    }

    /// The last day in the range (`to` − 1 day), which anchors the quarter and month charts.
    pub fn last_day(&self) -> NaiveDate {
        self.to.pred_opt().unwrap_or(self.from)
    }

    /// `from` at 00:00 UTC.
    pub fn start(&self) -> DateTime<Utc> {
        midnight(self.from)
    }

    /// `to` at 00:00 UTC (exclusive).
    pub fn end(&self) -> DateTime<Utc> {
        midnight(self.to)
    }
}

/// The window of the active-engagement chart: 7, 15 or 30 days (15 by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(transparent)]
pub struct ActiveDays(u8);

impl ActiveDays {
    /// The allowed windows.
    pub const ALLOWED: [u8; 3] = [7, 15, 30];

    /// Checks the window.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `days` unless it is 7, 15 or 30.
    pub fn new(days: i64) -> Result<Self> {
        u8::try_from(days)
            .ok()
            .filter(|d| Self::ALLOWED.contains(d))
            .map(Self)
            .ok_or_else(|| DomainError::field("days", "must be 7, 15 or 30"))
    }

    /// The number of days.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Default for ActiveDays {
    /// 15 days.
    fn default() -> Self {
        Self(15)
    }
}

/// A calendar bucket of a chart: its label and its days `start <= day < end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    /// `"2026 Q4"`, `"2026-11"` or `"2026-11-26"`.
    pub label: String,
    /// First day.
    pub start: NaiveDate,
    /// First day after.
    pub end: NaiveDate,
}

/// `date` at 00:00 UTC.
pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
    date.and_time(NaiveTime::MIN).and_utc()
}

/// The quarter (1..=4) of `date`.
pub fn quarter_of(date: NaiveDate) -> u32 {
    date.month0() / 3 + 1
}

/// The label of `date`'s quarter: `"YYYY Qn"`.
pub fn quarter_label(date: NaiveDate) -> String {
    format!("{} Q{}", date.year(), quarter_of(date))
}

/// The first day of `date`'s quarter.
pub fn quarter_start(date: NaiveDate) -> NaiveDate {
    first_of_month(date)
        .checked_sub_months(Months::new(date.month0() % 3))
        .unwrap_or(NaiveDate::MIN)
}

/// The `n` calendar quarters ending with the one that contains `last`, oldest first.
pub fn quarters_ending(last: NaiveDate, n: u32) -> Vec<Bucket> {
    let last_start = quarter_start(last);
    (0..n)
        .rev()
        .filter_map(|back| {
            let start = last_start.checked_sub_months(Months::new(3 * back))?;
            let end = start.checked_add_months(Months::new(3))?;
            Some(Bucket {
                label: quarter_label(start),
                start,
                end,
            })
        })
        .collect()
}

/// The label of `date`'s month: `"YYYY-MM"`.
pub fn month_label(date: NaiveDate) -> String {
    format!("{:04}-{:02}", date.year(), date.month())
}

/// The first day of `date`'s month.
pub fn first_of_month(date: NaiveDate) -> NaiveDate {
    date.with_day(1).unwrap_or(date)
}

/// The `n` calendar months ending with the one that contains `last`, oldest first.
pub fn months_ending(last: NaiveDate, n: u32) -> Vec<Bucket> {
    let last_start = first_of_month(last);
    (0..n)
        .rev()
        .filter_map(|back| {
            let start = last_start.checked_sub_months(Months::new(back))?;
            let end = start.checked_add_months(Months::new(1))?;
            Some(Bucket {
                label: month_label(start),
                start,
                end,
            })
        })
        .collect()
}

/// The `n` days ending just before `end` (exclusive), oldest first.
pub fn days_ending(end: NaiveDate, n: u32) -> Vec<NaiveDate> {
    (1..=n)
        .rev()
        .filter_map(|back| end.checked_sub_days(Days::new(u64::from(back))))
        .collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn field(result: Result<DateRange>) -> Vec<String> {
        match result {
            Err(DomainError::Validation(fields)) => fields.into_keys().collect(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_range_must_move_forward_and_span_at_most_731_days() {
        assert_eq!(
            field(DateRange::new(day(2026, 11, 1), day(2026, 11, 1))),
            ["to"]
        );
        assert_eq!(
            field(DateRange::new(day(2026, 11, 2), day(2026, 11, 1))),
            ["to"]
        );
        assert_eq!(
            field(DateRange::new(day(2024, 1, 1), day(2026, 1, 2))),
            ["from"]
        );
        let longest = DateRange::new(day(2024, 1, 1), day(2026, 1, 1)).unwrap();
        assert_eq!(longest.days(), 731);
    }

    #[test]
    fn the_default_range_is_the_30_days_ending_today() {
        let range = DateRange::last_30_days(day(2026, 11, 26));
        assert_eq!(range.from(), day(2026, 10, 28));
        assert_eq!(range.to(), day(2026, 11, 27));
        assert_eq!(range.days(), 30);
        assert_eq!(range.last_day(), day(2026, 11, 26));
    }

    #[test]
    fn the_previous_range_has_the_same_length_just_before() {
        let range = DateRange::new(day(2026, 11, 1), day(2026, 11, 11)).unwrap();
        let previous = range.previous();
        assert_eq!(previous.from(), day(2026, 10, 22));
        assert_eq!(previous.to(), day(2026, 11, 1));
        assert_eq!(previous.days(), 10);
    }

    #[test]
    fn range_bounds_are_midnight_utc() {
        let range = DateRange::new(day(2026, 11, 1), day(2026, 11, 11)).unwrap();
        assert_eq!(range.start().to_rfc3339(), "2026-11-01T00:00:00+00:00");
        assert_eq!(range.end().to_rfc3339(), "2026-11-11T00:00:00+00:00");
    }

    #[test]
    fn active_days_are_7_15_or_30() {
        assert_eq!(ActiveDays::default().get(), 15);
        assert_eq!(ActiveDays::new(7).unwrap().get(), 7);
        assert_eq!(ActiveDays::new(30).unwrap().get(), 30);
        for bad in [0, 14, 31, -7, 300] {
            assert!(ActiveDays::new(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn quarter_labels_name_the_year_and_quarter() {
        assert_eq!(quarter_label(day(2026, 1, 1)), "2026 Q1");
        assert_eq!(quarter_label(day(2026, 3, 31)), "2026 Q1");
        assert_eq!(quarter_label(day(2026, 4, 1)), "2026 Q2");
        assert_eq!(quarter_label(day(2026, 11, 26)), "2026 Q4");
        assert_eq!(quarter_start(day(2026, 11, 26)), day(2026, 10, 1));
        assert_eq!(quarter_start(day(2026, 3, 31)), day(2026, 1, 1));
    }

    #[test]
    fn seven_quarters_end_with_the_quarter_of_the_last_day() {
        let quarters = quarters_ending(day(2026, 11, 26), 7);
        let labels: Vec<&str> = quarters.iter().map(|q| q.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "2025 Q2", "2025 Q3", "2025 Q4", "2026 Q1", "2026 Q2", "2026 Q3", "2026 Q4"
            ]
        );
        assert_eq!(quarters[0].start, day(2025, 4, 1));
        assert_eq!(quarters[0].end, day(2025, 7, 1));
        assert_eq!(quarters[6].end, day(2027, 1, 1));
        // A calendar-year range ends in its own Q4.
        let year = DateRange::new(day(2026, 1, 1), day(2027, 1, 1)).unwrap();
        assert_eq!(
            quarters_ending(year.last_day(), 7)[6].label,
            "2026 Q4".to_owned()
        );
    }

    #[test]
    fn thirteen_months_end_with_the_month_of_the_last_day() {
        let months = months_ending(day(2026, 11, 26), 13);
        assert_eq!(months.len(), 13);
        assert_eq!(months[0].label, "2025-11");
        assert_eq!(months[0].start, day(2025, 11, 1));
        assert_eq!(months[12].label, "2026-11");
        assert_eq!(months[12].end, day(2026, 12, 1));
        let over_new_year = months_ending(day(2027, 1, 15), 2);
        assert_eq!(over_new_year[0].label, "2026-12");
        assert_eq!(over_new_year[1].label, "2027-01");
    }

    #[test]
    fn days_end_just_before_the_exclusive_end() {
        assert_eq!(
            days_ending(day(2026, 11, 27), 3),
            [day(2026, 11, 24), day(2026, 11, 25), day(2026, 11, 26)]
        );
        assert_eq!(
            days_ending(day(2026, 3, 2), 2),
            [day(2026, 2, 28), day(2026, 3, 1)]
        );
    }
}
