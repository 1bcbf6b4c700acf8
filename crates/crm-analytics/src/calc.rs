//! The formulas of `analytics.md` that run in Rust: percentiles (on SQLite), changes and
//! trends, ratios, rounding, the forecast category and the pipeline position.
//!
//! Every function here is total: an empty input or a zero denominator gives `None` or zero,
//! never NaN or infinity, so nothing a chart cannot draw reaches the wire.

use crm_domain::{Money, StageKind};
use serde::Serialize;
use utoipa::ToSchema;

/// Direction of a figure against the previous period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// Higher than before.
    Up,
    /// Lower than before.
    Down,
    /// Unchanged.
    Flat,
}

/// Where a deal stands in the sales forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ForecastCategory {
    /// In a won or lost stage.
    Closed,
    /// Open with probability >= 80.
    Commit,
    /// Open with probability >= 40.
    BestCase,
    /// Any other open deal.
    Pipeline,
}

/// The `p`-th percentile (0.0..=1.0) of `sorted` (ascending), interpolating linearly between
/// the closest ranks exactly as PostgreSQL's `percentile_cont` does; `None` when empty.
///
/// `p` outside 0..=1 is clamped.
pub fn percentile_cont(sorted: &[i64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let p = if p.is_nan() { 0.0 } else { p.clamp(0.0, 1.0) };
    // PostgreSQL: first_row = floor(p * (n - 1)), second_row = ceil(…), and
    // lo + (p * (n - 1) - first_row) * (hi - lo).
    let rank = p * last as f64;
    let below = rank.floor();
    let lo_index = (below as usize).min(last);
    let hi_index = (rank.ceil() as usize).min(last);
    let lo = sorted[lo_index] as f64;
    let hi = sorted[hi_index] as f64;
    Some(lo + (rank - below) * (hi - lo))
}

/// (current − previous) / previous × 100, rounded to one decimal; `None` when previous is 0.
pub fn change_pct(current: f64, previous: f64) -> Option<f64> {
    if previous == 0.0 || !previous.is_finite() || !current.is_finite() {
        return None;
    }
    Some(round1((current - previous) / previous * 100.0))
}

/// Whether `current` is above, below or equal to `previous`.
pub fn trend(current: f64, previous: f64) -> Trend {
    if current > previous {
        Trend::Up
    } else if current < previous {
        Trend::Down
    } else {
        Trend::Flat
    }
}

/// `value` rounded to one decimal (half away from zero); never `-0.0`, never NaN.
pub fn round1(value: f64) -> f64 {
    round_to(value, 10.0)
}

/// `value` rounded to two decimals (half away from zero); never `-0.0`, never NaN.
pub fn round2(value: f64) -> f64 {
    round_to(value, 100.0)
}

fn round_to(value: f64, scale: f64) -> f64 {
    if !value.is_finite() {
        return 0.0;
    }
    let rounded = (value * scale).round() / scale;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// `part / whole × 100`, rounded to one decimal; 0 when `whole` is 0.
pub fn pct(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    round1(part as f64 / whole as f64 * 100.0)
}

/// `numerator / denominator`, rounded to two decimals; 0 when `denominator` is 0.
pub fn ratio(numerator: i128, denominator: i128) -> f64 {
    if denominator == 0 {
        return 0.0;
    }
    round2(numerator as f64 / denominator as f64)
}

/// `cents / count` rounded to the nearest cent (halves away from zero); `None` when `count` is
/// 0.
pub fn cents_per(cents: i128, count: i64) -> Option<i128> {
    if count == 0 {
        return None;
    }
    let count = i128::from(count);
    let (sign, cents) = if cents < 0 { (-1, -cents) } else { (1, cents) };
    let (sign, count) = if count < 0 {
        (-sign, -count)
    } else {
        (sign, count)
    };
    Some(sign * ((cents * 2 + count) / (count * 2)))
}

/// An amount in (possibly fractional) cents as a decimal string with two places, rounded to
/// the nearest cent (halves away from zero).
pub fn format_cents_f64(cents: f64) -> String {
    let rounded = if cents.is_finite() {
        cents.round()
    } else {
        0.0
    };
    Money::format_cents_sum(rounded as i128)
}

/// A sum of cents as a decimal string with two places (`"12500.00"`).
pub fn format_cents(cents: i128) -> String {
    Money::format_cents_sum(cents)
}

/// The forecast category of a deal in a stage of `kind` with win `probability` (percent).
pub fn forecast_category(kind: StageKind, probability: u8) -> ForecastCategory {
    match kind {
        StageKind::Won | StageKind::Lost => ForecastCategory::Closed,
        StageKind::Open if probability >= 80 => ForecastCategory::Commit,
        StageKind::Open if probability >= 40 => ForecastCategory::BestCase,
        StageKind::Open => ForecastCategory::Pipeline,
    }
}

/// How far along the pipeline a deal is, in percent: (index of its stage among the
/// `open_stages` open stages + 1) / `open_stages` × 100, rounded to one decimal; 100 when won,
/// 0 when lost (or when there is no open stage).
///
/// `open_index` is the 0-based index of the deal's stage among the open stages in pipeline
/// order.
pub fn pipeline_position_pct(kind: StageKind, open_index: usize, open_stages: usize) -> f64 {
    match kind {
        StageKind::Won => 100.0,
        StageKind::Lost => 0.0,
        StageKind::Open if open_stages == 0 => 0.0,
        StageKind::Open => {
            round1((open_index.min(open_stages - 1) + 1) as f64 / open_stages as f64 * 100.0)
        }
    }
}

/// `amount × probability / 100` in cents, rounded to the nearest cent (halves up).
pub fn weighted_cents(amount_cents: i64, probability: u8) -> i128 {
    (i128::from(amount_cents) * i128::from(probability) + 50) / 100
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_interpolate_between_closest_ranks_like_postgres() {
        // SELECT percentile_cont(p) WITHIN GROUP (ORDER BY x) FROM unnest('{10,20,30,40}') x
        let values = [10, 20, 30, 40];
        assert_eq!(percentile_cont(&values, 0.25), Some(17.5));
        assert_eq!(percentile_cont(&values, 0.5), Some(25.0));
        assert_eq!(percentile_cont(&values, 0.75), Some(32.5));
        assert_eq!(percentile_cont(&values, 0.0), Some(10.0));
        assert_eq!(percentile_cont(&values, 1.0), Some(40.0));
        assert_eq!(percentile_cont(&[1, 2, 3, 4, 100], 0.5), Some(3.0));
        assert_eq!(percentile_cont(&[1, 2], 0.5), Some(1.5));
        assert_eq!(percentile_cont(&[7], 0.25), Some(7.0));
        assert_eq!(percentile_cont(&[], 0.5), None);
    }

    #[test]
    fn change_is_a_rounded_percentage_and_none_without_a_previous_value() {
        assert_eq!(change_pct(150.0, 100.0), Some(50.0));
        assert_eq!(change_pct(1.0, 3.0), Some(-66.7));
        assert_eq!(change_pct(2.0, 3.0), Some(-33.3));
        assert_eq!(change_pct(0.0, 4.0), Some(-100.0));
        assert_eq!(change_pct(5.0, 5.0), Some(0.0));
        assert_eq!(change_pct(5.0, 0.0), None);
        assert_eq!(change_pct(0.0, 0.0), None);
    }

    #[test]
    fn trend_compares_with_the_previous_value() {
        assert_eq!(trend(2.0, 1.0), Trend::Up);
        assert_eq!(trend(1.0, 2.0), Trend::Down);
        assert_eq!(trend(0.0, 0.0), Trend::Flat);
    }

    #[test]
    fn rounding_never_yields_negative_zero_or_nan() {
        assert_eq!(round1(12.25), 12.3);
        assert_eq!(round1(-0.01).to_string(), "0");
        assert_eq!(round1(f64::NAN), 0.0);
        assert_eq!(round2(1.005_1), 1.01);
        assert_eq!(pct(1, 3), 33.3);
        assert_eq!(pct(2, 3), 66.7);
        assert_eq!(pct(5, 0), 0.0);
        assert_eq!(ratio(5, 0), 0.0);
        assert_eq!(ratio(10, 4), 2.5);
    }

    #[test]
    fn cents_are_divided_to_the_nearest_cent() {
        assert_eq!(cents_per(1000, 3), Some(333));
        assert_eq!(cents_per(1001, 2), Some(501));
        assert_eq!(cents_per(1000, 0), None);
        assert_eq!(format_cents_f64(1_250_050.5), "12500.51");
        assert_eq!(format_cents_f64(0.0), "0.00");
        assert_eq!(format_cents(123_456), "1234.56");
        assert_eq!(weighted_cents(1_000_000, 60), 600_000);
        assert_eq!(weighted_cents(1, 50), 1);
        assert_eq!(weighted_cents(333, 10), 33);
    }

    #[test]
    fn forecast_category_follows_kind_then_probability() {
        assert_eq!(
            forecast_category(StageKind::Won, 100),
            ForecastCategory::Closed
        );
        assert_eq!(
            forecast_category(StageKind::Lost, 0),
            ForecastCategory::Closed
        );
        assert_eq!(
            forecast_category(StageKind::Open, 80),
            ForecastCategory::Commit
        );
        assert_eq!(
            forecast_category(StageKind::Open, 79),
            ForecastCategory::BestCase
        );
        assert_eq!(
            forecast_category(StageKind::Open, 40),
            ForecastCategory::BestCase
        );
        assert_eq!(
            forecast_category(StageKind::Open, 39),
            ForecastCategory::Pipeline
        );
        assert_eq!(
            forecast_category(StageKind::Open, 0),
            ForecastCategory::Pipeline
        );
    }

    #[test]
    fn pipeline_position_counts_open_stages() {
        assert_eq!(pipeline_position_pct(StageKind::Open, 0, 4), 25.0);
        assert_eq!(pipeline_position_pct(StageKind::Open, 2, 4), 75.0);
        assert_eq!(pipeline_position_pct(StageKind::Open, 3, 4), 100.0);
        assert_eq!(pipeline_position_pct(StageKind::Open, 0, 3), 33.3);
        assert_eq!(pipeline_position_pct(StageKind::Won, 0, 4), 100.0);
        assert_eq!(pipeline_position_pct(StageKind::Lost, 3, 4), 0.0);
        assert_eq!(pipeline_position_pct(StageKind::Open, 0, 0), 0.0);
    }
}
