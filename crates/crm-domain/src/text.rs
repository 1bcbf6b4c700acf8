//! Validated text: names, long descriptions, optional short fields and e-mail addresses.

use crate::error::{DomainError, Result};

/// Longest name (deal, contact, company, stage, subject), in characters.
pub const NAME_MAX: usize = 200;
/// Longest free text (descriptions, notes, transcripts), in characters.
pub const LONG_TEXT_MAX: usize = 10_000;

/// Trims `value` and checks it is non-empty, at most `max` characters and free of NUL bytes.
///
/// # Errors
/// [`DomainError::Validation`] naming the broken rule (field name left empty for the caller).
pub fn required(value: &str, max: usize) -> Result<String> {
    at_most(value, max)?;
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(DomainError::field("", "must not be empty"));
    }
    bounded(trimmed, max)
}

/// Like [`required`] but an empty or missing value becomes `None`.
///
/// # Errors
/// [`DomainError::Validation`] when too long or containing NUL.
pub fn optional(value: Option<&str>, max: usize) -> Result<Option<String>> {
    if let Some(raw) = value {
        at_most(raw, max)?;
    }
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => bounded(text, max).map(Some),
    }
}

/// The length limit applies to the text as sent, surrounding white space included, so it
/// is the `maxLength` the API document states.
fn at_most(text: &str, max: usize) -> Result<()> {
    if text.chars().count() > max {
        return Err(DomainError::field(
            "",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn bounded(text: &str, max: usize) -> Result<String> {
    if text.contains('\0') {
        return Err(DomainError::field("", "must not contain NUL characters"));
    }
    if text.chars().count() > max {
        return Err(DomainError::field(
            "",
            format!("must be at most {max} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Normalises an e-mail address (trimmed, lower-cased) and checks its basic shape:
/// one `@`, a non-empty local part and a dotted domain without spaces.
///
/// # Errors
/// [`DomainError::Validation`] when the address is malformed.
pub fn email(value: &str) -> Result<String> {
    let normalized = required(value, 254)?.to_lowercase();
    let valid = match normalized.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !normalized.chars().any(char::is_whitespace)
        }
        None => false,
    };
    if valid {
        Ok(normalized)
    } else {
        Err(DomainError::field("", "must be a valid e-mail address"))
    }
}

/// Checks an optional http(s) URL.
///
/// # Errors
/// [`DomainError::Validation`] when it does not start with `http://` or `https://`, or holds a
/// square bracket (an IPv6 host literal, which clients' URL parsers reject when unbalanced;
/// profile and avatar links never need one).
pub fn optional_url(value: Option<&str>) -> Result<Option<String>> {
    let url = optional(value, 2048)?;
    match &url {
        Some(text) if !(text.starts_with("http://") || text.starts_with("https://")) => {
            Err(DomainError::field("", "must be an http:// or https:// URL"))
        }
        Some(text) if text.contains(['[', ']']) => Err(DomainError::field(
            "",
            "must be an http:// or https:// URL without square brackets",
        )),
        _ => Ok(url),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  Acme ", NAME_MAX).ok(), Some("Acme".to_owned()));
        assert!(required("   ", NAME_MAX).is_err());
        assert!(required(&"x".repeat(201), NAME_MAX).is_err());
        assert!(required(&"é".repeat(200), NAME_MAX).is_ok());
        assert!(required("a\0b", NAME_MAX).is_err());
    }

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            email(" Ann@Example.COM ").ok(),
            Some("ann@example.com".into())
        );
        for bad in [
            "ann",
            "ann@",
            "@x.com",
            "ann@x",
            "a b@x.com",
            "a@b@c.com",
            "a@.com",
        ] {
            assert!(email(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn urls_need_a_web_scheme() {
        assert!(optional_url(Some("https://acme.test")).is_ok());
        assert!(optional_url(Some("http://[")).is_err());
        assert!(optional_url(Some("https://acme.test/a]b")).is_err());
        assert!(optional_url(Some("javascript:alert(1)")).is_err());
        assert_eq!(optional_url(Some("")).ok(), Some(None));
    }
}
