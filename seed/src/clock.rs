//! Time for the demo: everything is placed relative to the moment of seeding, so the charts
//! of the dashboard (last 30 days, 13 months, 7 quarters) always have data.

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use rand::Rng;
use rand::rngs::StdRng;

/// The moment of seeding and the calendar window the demo covers.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    /// Now.
    pub(crate) now: DateTime<Utc>,
    /// Midnight of the first day of the month twelve months before this one: the start of
    /// the 13-month customer-feedback window.
    pub(crate) window_start: DateTime<Utc>,
}

impl Clock {
    /// A clock at `now`.
    pub(crate) fn at(now: DateTime<Utc>) -> Self {
        let window_start = month_start(now, 12).unwrap_or(now - Duration::days(395));
        Self { now, window_start }
    }

    /// `days` days before now.
    pub(crate) fn days_ago(&self, days: i64) -> DateTime<Utc> {
        self.now - Duration::days(days)
    }

    /// Start and end of the calendar month `back` months before the current one; the
    /// current month ends now.
    pub(crate) fn month(&self, back: u32) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = month_start(self.now, back).unwrap_or(self.window_start);
        let end = if back == 0 {
            self.now
        } else {
            month_start(self.now, back - 1).unwrap_or(self.now)
        };
        (start, end.min(self.now))
    }

    /// A time in `[from, to)` during office hours (08:00–18:00 UTC) when such a time exists,
    /// otherwise anywhere in the range.
    pub(crate) fn office_time(
        &self,
        rng: &mut StdRng,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> DateTime<Utc> {
        let day = between(rng, from, to).date_naive();
        let at = day
            .and_hms_opt(8, 0, 0)
            .map(|t| Utc.from_utc_datetime(&t) + Duration::minutes(rng.gen_range(0..600)));
        match at {
            Some(at) if at >= from && at < to && at < self.now => at,
            _ => between(rng, from, to),
        }
    }
}

impl Clock {
    /// An office-hours time on the day of `t`, never in the future.
    pub(crate) fn day_time(&self, rng: &mut StdRng, t: DateTime<Utc>) -> DateTime<Utc> {
        let start = t
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .map_or(t, |d| d.and_utc());
        let end = (start + Duration::days(1)).min(self.now);
        self.office_time(rng, start, end)
    }
}

/// A uniformly random time in `[from, to)` (`from` when the range is empty).
pub(crate) fn between(rng: &mut StdRng, from: DateTime<Utc>, to: DateTime<Utc>) -> DateTime<Utc> {
    let span = (to - from).num_seconds();
    if span <= 0 {
        return from;
    }
    from + Duration::seconds(rng.gen_range(0..span))
}

/// Midnight of the first day of the month `back` months before `now`'s month.
fn month_start(now: DateTime<Utc>, back: u32) -> Option<DateTime<Utc>> {
    let first = NaiveDate::from_ymd_opt(now.year(), now.month(), 1)?;
    let first = first.checked_sub_months(Months::new(back))?;
    Some(Utc.from_utc_datetime(&first.and_hms_opt(0, 0, 0)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_covers_thirteen_calendar_months() {
        let now = Utc.with_ymd_and_hms(2026, 3, 15, 12, 0, 0).unwrap();
        let clock = Clock::at(now);
        assert_eq!(
            clock.window_start,
            Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap()
        );
        assert_eq!(
            clock.month(0),
            (Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap(), now)
        );
        assert_eq!(
            clock.month(12),
            (
                Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap()
            )
        );
    }

    #[test]
    fn office_times_stay_in_range() {
        use rand::SeedableRng;
        let now = Utc.with_ymd_and_hms(2026, 3, 15, 7, 0, 0).unwrap();
        let clock = Clock::at(now);
        let mut rng = StdRng::seed_from_u64(1);
        for _ in 0..500 {
            let (from, to) = clock.month(0);
            let t = clock.office_time(&mut rng, from, to);
            assert!(t >= from && t < to);
        }
    }
}
