//! The calendar the CRM stores: days and timestamps from 0001-01-01 to 9999-12-31 (UTC).
//!
//! Those are the years a `YYYY-MM-DD` day and an RFC 3339 timestamp write with four digits, so
//! everything stored can be sent back in the documented form, and both databases read and
//! compare such values alike (PostgreSQL reads no year 0 and no `+10000-…` text, which a task's
//! due time in its JSON metadata is cast from; SQLite compares the text). A value outside is a
//! validation failure of its field.

use chrono::{DateTime, NaiveDate, Utc};

use crate::error::{DomainError, Result};

/// The first day the CRM stores.
pub const FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(1, 1, 1) {
    Some(day) => day,
    None => NaiveDate::MIN,
};

/// The last day the CRM stores.
pub const LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(9999, 12, 31) {
    Some(day) => day,
    None => NaiveDate::MAX,
};

/// The message of a day or timestamp outside the range.
pub const OUT_OF_RANGE: &str = "must be between 0001-01-01 and 9999-12-31";

/// Checks that `day` is within [`FIRST_DAY`]..=[`LAST_DAY`].
///
/// # Errors
/// [`DomainError::Validation`] (field name left empty for the caller) when it is not.
pub fn day(day: NaiveDate) -> Result<NaiveDate> {
    if (FIRST_DAY..=LAST_DAY).contains(&day) {
        Ok(day)
    } else {
        Err(DomainError::field("", OUT_OF_RANGE))
    }
}

/// Checks that `time` falls on a day within [`FIRST_DAY`]..=[`LAST_DAY`] (UTC).
///
/// # Errors
/// [`DomainError::Validation`] (field name left empty for the caller) when it does not.
pub fn time(time: DateTime<Utc>) -> Result<DateTime<Utc>> {
    day(time.date_naive()).map(|_| time)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{Days, NaiveTime, TimeDelta};

    use super::*;

    #[test]
    fn the_range_is_years_1_to_9999_inclusive() {
        assert_eq!(FIRST_DAY.to_string(), "0001-01-01");
        assert_eq!(LAST_DAY.to_string(), "9999-12-31");
        assert!(day(FIRST_DAY).is_ok());
        assert!(day(LAST_DAY).is_ok());
        assert!(day(FIRST_DAY.checked_sub_days(Days::new(1)).unwrap()).is_err());
        assert!(day(LAST_DAY.checked_add_days(Days::new(1)).unwrap()).is_err());
        let first = FIRST_DAY.and_time(NaiveTime::MIN).and_utc();
        let last = LAST_DAY
            .and_time(NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).unwrap())
            .and_utc();
        assert!(time(first).is_ok());
        assert!(time(last).is_ok());
        assert!(time(first - TimeDelta::nanoseconds(1)).is_err());
        assert!(time(last + TimeDelta::nanoseconds(1)).is_err());
    }
}
