//! How values read on a page: money with thousands separators, short dates, initials, and the
//! human labels of the stored enum spellings.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::Money;

/// `1234567` cents as `$12,345.67`; whole amounts drop the cents (`$12,500`).
pub fn cents(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = group(abs / 100);
    let frac = abs % 100;
    if frac == 0 {
        format!("{sign}${whole}")
    } else {
        format!("{sign}${whole}.{frac:02}")
    }
}

/// A money value, or an em dash for none.
pub fn money(value: Option<Money>) -> String {
    value.map_or_else(|| "—".to_owned(), |m| cents(i128::from(m.cents())))
}

/// A decimal string as the analytics send it (`"12500.00"`) shown as money.
pub fn decimal_str(value: &str) -> String {
    parse_decimal_cents(value).map_or_else(|| value.to_owned(), cents)
}

/// Cents of a decimal string with at most two places; `None` when it does not parse.
pub fn parse_decimal_cents(value: &str) -> Option<i128> {
    let value = value.trim();
    let (negative, digits) = match value.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, value),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    let whole: i128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let frac = match frac.len() {
        0 => 0,
        1 => frac.parse::<i128>().ok()? * 10,
        2 => frac.parse::<i128>().ok()?,
        _ => frac.get(..2)?.parse::<i128>().ok()?,
    };
    let total = whole * 100 + frac;
    Some(if negative { -total } else { total })
}

/// Compact money for chart axes: `$950`, `$12.5k`, `$3.2M`.
pub fn compact_cents(cents: f64) -> String {
    let dollars = cents / 100.0;
    let abs = dollars.abs();
    if abs >= 1_000_000_000.0 {
        format!("${:.1}B", dollars / 1_000_000_000.0)
    } else if abs >= 1_000_000.0 {
        format!("${:.1}M", dollars / 1_000_000.0)
    } else if abs >= 1_000.0 {
        format!("${:.1}k", dollars / 1_000.0)
    } else {
        format!("${dollars:.0}")
    }
}

/// Compact count for chart axes: `950`, `12.5k`.
pub fn compact(value: f64) -> String {
    if value.abs() >= 1_000_000.0 {
        format!("{:.1}M", value / 1_000_000.0)
    } else if value.abs() >= 1_000.0 {
        format!("{:.1}k", value / 1_000.0)
    } else if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

fn group(mut value: u128) -> String {
    let mut parts = Vec::new();
    loop {
        let part = value % 1000;
        value /= 1000;
        if value == 0 {
            parts.push(part.to_string());
            break;
        }
        parts.push(format!("{part:03}"));
    }
    parts.reverse();
    parts.join(",")
}

/// `12 Mar 2026`.
pub fn date(value: NaiveDate) -> String {
    value.format("%-d %b %Y").to_string()
}

/// `12 Mar 2026, 14:05 UTC`.
pub fn datetime(value: DateTime<Utc>) -> String {
    value.format("%-d %b %Y, %H:%M UTC").to_string()
}

/// `14:05`.
pub fn time(value: DateTime<Utc>) -> String {
    value.format("%H:%M").to_string()
}

/// Up to two capital letters of a name: `Ava Thompson` → `AT`.
pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
        .take(2)
        .flat_map(char::to_uppercase)
        .collect();
    if letters.is_empty() {
        "?".to_owned()
    } else {
        letters
    }
}

/// A stored snake_case spelling as words: `organic_search` → `Organic search`.
pub fn label(value: &str) -> String {
    let text = value.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A percentage with one decimal at most: `42`, `42.5`.
pub fn pct(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}%")
    } else {
        format!("{value:.1}%")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_reads_with_separators() {
        assert_eq!(cents(1_250_000), "$12,500");
        assert_eq!(cents(123_456_789), "$1,234,567.89");
        assert_eq!(cents(5), "$0.05");
        assert_eq!(cents(0), "$0");
        assert_eq!(decimal_str("12500.00"), "$12,500");
        assert_eq!(decimal_str("0.5"), "$0.50");
        assert_eq!(parse_decimal_cents("abc"), None);
    }

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("Ava Thompson"), "AT");
        assert_eq!(initials("acme"), "A");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("Jean-Luc de la Tour"), "JD");
    }

    #[test]
    fn labels_are_sentences() {
        assert_eq!(label("organic_search"), "Organic search");
        assert_eq!(label("won"), "Won");
    }
}
