//! Exact, non-negative money with at most 13 digits before the point and 2 after.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{DomainError, Result};

/// The largest amount a column can hold: 9,999,999,999,999.99.
const MAX_CENTS: i64 = 999_999_999_999_999;

/// An amount of money. Stored as integer cents so it is exact on SQLite too; on the wire a
/// decimal string with two places (`"12500.00"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Money {
    cents: i64,
}

impl Money {
    /// Zero.
    pub const ZERO: Money = Money { cents: 0 };

    /// Builds from integer cents.
    ///
    /// # Errors
    /// [`DomainError::Validation`] when negative or above the maximum.
    pub fn from_cents(cents: i64) -> Result<Self> {
        if cents < 0 {
            return Err(DomainError::field("", "must not be negative"));
        }
        if cents > MAX_CENTS {
            return Err(DomainError::field("", "must be at most 9999999999999.99"));
        }
        Ok(Self { cents })
    }

    /// Builds from a decimal with at most two fractional digits.
    ///
    /// # Errors
    /// [`DomainError::Validation`] when negative, too large or more precise than a cent.
    pub fn from_decimal(value: Decimal) -> Result<Self> {
        let scaled = value * Decimal::ONE_HUNDRED;
        if scaled.fract() != Decimal::ZERO {
            return Err(DomainError::field("", "must have at most 2 decimal places"));
        }
        let cents = i64::try_from(scaled.trunc())
            .map_err(|_| DomainError::field("", "must be at most 9999999999999.99"))?;
        Self::from_cents(cents)
    }

    /// The amount in cents.
    pub fn cents(self) -> i64 {
        self.cents
    }

    /// The amount as an exact decimal with two places.
    pub fn to_decimal(self) -> Decimal {
        Decimal::new(self.cents, 2)
    }

    /// Sum of cents as stored by a database aggregate (which may exceed one amount's maximum),
    /// rendered as a decimal string with two places.
    pub fn format_cents_sum(cents: i128) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        format!("{sign}{}.{:02}", abs / 100, abs % 100)
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}", self.cents / 100, self.cents % 100)
    }
}

impl FromStr for Money {
    type Err = DomainError;

    fn from_str(s: &str) -> Result<Self> {
        let decimal = Decimal::from_str_exact(s.trim())
            .map_err(|_| DomainError::field("", "must be a decimal number such as \"12500.00\""))?;
        Self::from_decimal(decimal)
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Money {
    /// Accepts a decimal string (preferred) or a JSON number.
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Number(serde_json::Number),
        }
        let text = match Raw::deserialize(deserializer)? {
            Raw::Text(text) => text,
            Raw::Number(number) => number.to_string(),
        };
        text.parse().map_err(|err: DomainError| {
            let detail = match err {
                DomainError::Validation(fields) => fields
                    .into_values()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                other => other.to_string(),
            };
            serde::de::Error::custom(format!("invalid amount {text:?}: {detail}"))
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_its_extremes_exactly() {
        let max: Money = "9999999999999.99".parse().unwrap();
        assert_eq!(max.cents(), 999_999_999_999_999);
        assert_eq!(max.to_string(), "9999999999999.99");
        let cent: Money = "0.01".parse().unwrap();
        assert_eq!(
            Money::format_cents_sum(i128::from(max.cents()) + 1),
            "10000000000000.00"
        );
        assert_eq!(cent.to_string(), "0.01");
    }

    #[test]
    fn money_refuses_negative_too_precise_and_too_large_amounts() {
        for bad in ["-1", "0.001", "10000000000000.00", "abc", ""] {
            assert!(bad.parse::<Money>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn money_reads_strings_and_numbers_from_json() {
        let from_text: Money = serde_json::from_str("\"12500\"").unwrap();
        let from_number: Money = serde_json::from_str("12500.5").unwrap();
        assert_eq!(from_text.to_string(), "12500.00");
        assert_eq!(from_number.to_string(), "12500.50");
        assert_eq!(serde_json::to_string(&from_text).unwrap(), "\"12500.00\"");
    }
}
