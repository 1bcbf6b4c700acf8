//! Timestamps written the way chrono's `Serialize` writes them (RFC 3339, `Z`, as many
//! fraction digits as needed: none, 3, 6 or 9), without going through `core::fmt`.
//!
//! A board answer carries two timestamps per card; chrono formats them through
//! `serializer.collect_str`, one `fmt::Write` call per field, and that was the largest single
//! cost of serialising a board after string escaping (docs/benchmarks.md). Here the bytes are
//! put in a stack buffer and written with one `serialize_str`. Years outside 0..=9999 (which
//! need a sign) fall back to chrono. Use with `#[serde(serialize_with = "rfc3339::serialize")]`.
//!
//! [`serialize_date`] does the same for an optional calendar date (a card's closing date),
//! which chrono writes through its `Debug` formatting.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};
use serde::{Serialize, Serializer};

/// Longest output: `2026-11-27T07:25:02.123456789Z`.
const MAX_LEN: usize = 30;

/// Serialises `at` exactly as chrono does.
///
/// # Errors
/// The serializer's.
pub fn serialize<S: Serializer>(at: &DateTime<Utc>, serializer: S) -> Result<S::Ok, S::Error> {
    // `DateTime<Utc>`'s field getters each recompute the local time; read them once.
    let naive = at.naive_utc();
    if !(0..=9999).contains(&naive.year()) {
        return at.serialize(serializer);
    }
    let mut buf = [0u8; MAX_LEN];
    let len = write(&mut buf, &naive);
    serialize_written(&buf[..len], serializer, at)
}

/// Serialises the ASCII that was written, or (never, as only digits and separators are
/// written) `fallback` as chrono does.
fn serialize_written<S: Serializer, T: Serialize>(
    written: &[u8],
    serializer: S,
    fallback: &T,
) -> Result<S::Ok, S::Error> {
    match std::str::from_utf8(written) {
        Ok(text) => serializer.serialize_str(text),
        Err(_) => fallback.serialize(serializer),
    }
}

/// Writes a timestamp of a year in 0..=9999 into `buf`, returning the length.
fn write(buf: &mut [u8; MAX_LEN], at: &NaiveDateTime) -> usize {
    let mut second = at.second();
    let mut nano = at.nanosecond();
    // chrono keeps a leap second as nanoseconds >= 1e9 and writes it as second 60.
    if nano >= 1_000_000_000 {
        second += 1;
        nano -= 1_000_000_000;
    }
    let mut len = write_date(buf, &at.date());
    buf[len] = b'T';
    len += 1;
    for (digits, value, separator) in [(2, at.hour(), b':'), (2, at.minute(), b':')] {
        len = put_digits(buf, len, digits, value);
        buf[len] = separator;
        len += 1;
    }
    len = put_digits(buf, len, 2, second);
    let fraction = if nano == 0 {
        None
    } else if nano.is_multiple_of(1_000_000) {
        Some((3, nano / 1_000_000))
    } else if nano.is_multiple_of(1_000) {
        Some((6, nano / 1_000))
    } else {
        Some((9, nano))
    };
    if let Some((digits, value)) = fraction {
        buf[len] = b'.';
        len = put_digits(buf, len + 1, digits, value);
    }
    buf[len] = b'Z';
    len + 1
}

/// Serialises `date` (when there is one) exactly as chrono does: `YYYY-MM-DD`.
///
/// # Errors
/// The serializer's.
pub fn serialize_date<S: Serializer>(
    date: &Option<NaiveDate>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let Some(date) = date else {
        return serializer.serialize_none();
    };
    if !(0..=9999).contains(&date.year()) {
        return date.serialize(serializer);
    }
    let mut buf = [0u8; MAX_LEN];
    let len = write_date(&mut buf, date);
    serialize_written(&buf[..len], serializer, date)
}

/// Writes a date of a year in 0..=9999 at the start of `buf`, returning the length.
fn write_date(buf: &mut [u8; MAX_LEN], date: &NaiveDate) -> usize {
    let year = u32::try_from(date.year()).unwrap_or_default();
    let mut len = put_digits(buf, 0, 4, year);
    for value in [date.month(), date.day()] {
        buf[len] = b'-';
        len = put_digits(buf, len + 1, 2, value);
    }
    len
}

/// Writes `value` as exactly `digits` decimal digits at `at`, returning the end.
fn put_digits(buf: &mut [u8; MAX_LEN], at: usize, digits: usize, value: u32) -> usize {
    let mut rest = value;
    for slot in buf[at..at + digits].iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    at + digits
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{NaiveDate, TimeZone};

    use super::*;

    #[derive(Serialize)]
    struct Ours(#[serde(serialize_with = "serialize")] DateTime<Utc>);

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, nano: u32) -> DateTime<Utc> {
        let naive = NaiveDate::from_ymd_opt(y, mo, d)
            .and_then(|date| date.and_hms_nano_opt(h, mi, s, nano))
            .expect("a valid test timestamp");
        Utc.from_utc_datetime(&naive)
    }

    #[test]
    fn writes_what_chrono_writes() {
        let cases = [
            at(2026, 11, 27, 7, 25, 2, 0),
            at(2026, 1, 2, 3, 4, 5, 120_000_000),
            at(2026, 1, 2, 3, 4, 5, 123_456_000),
            at(2026, 1, 2, 3, 4, 5, 123_456_789),
            at(2026, 1, 2, 3, 4, 5, 1),
            at(1999, 12, 31, 23, 59, 59, 1_500_000_000),
            at(0, 1, 1, 0, 0, 0, 0),
            at(9999, 12, 31, 23, 59, 59, 999_999_999),
            at(10_000, 1, 1, 0, 0, 0, 0),
            at(-1, 6, 15, 12, 0, 0, 7_000),
        ];
        for case in cases {
            let ours = serde_json::to_string(&Ours(case)).expect("serialises");
            let chrono = serde_json::to_string(&case).expect("serialises");
            assert_eq!(ours, chrono, "{case:?}");
        }
    }

    #[derive(Serialize)]
    struct OursDate(#[serde(serialize_with = "serialize_date")] Option<NaiveDate>);

    #[test]
    fn writes_dates_as_chrono_writes_them() {
        let cases = [
            NaiveDate::from_ymd_opt(2026, 11, 27),
            NaiveDate::from_ymd_opt(2026, 1, 2),
            NaiveDate::from_ymd_opt(0, 1, 1),
            NaiveDate::from_ymd_opt(9999, 12, 31),
            NaiveDate::from_ymd_opt(10_000, 1, 1),
            NaiveDate::from_ymd_opt(-1, 6, 15),
            None,
        ];
        for case in cases {
            let ours = serde_json::to_string(&OursDate(case)).expect("serialises");
            let chrono = serde_json::to_string(&case).expect("serialises");
            assert_eq!(ours, chrono, "{case:?}");
        }
    }
}
