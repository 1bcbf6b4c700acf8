//! Posted forms and their state on the page: the values as typed (so a refused form comes
//! back filled in) and the field errors shown next to each control.

use std::collections::BTreeMap;

use crm_domain::{DomainError, FieldErrors};
use uuid::Uuid;

/// The fields of a posted `application/x-www-form-urlencoded` body, in order. Repeated names
/// (a multi-select) keep every value.
#[derive(Debug, Clone, Default)]
pub struct FormData {
    pairs: Vec<(String, String)>,
}

impl FormData {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self { pairs }
    }

    /// The first value of `name`, as sent ("" when absent).
    pub fn raw(&self, name: &str) -> &str {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }

    /// The first value of `name`, trimmed; `None` when absent or blank.
    pub fn opt(&self, name: &str) -> Option<&str> {
        Some(self.raw(name).trim()).filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
            .collect()
    }

    /// The value of `name` as an id; `Err` names the field when it is not one.
    pub fn uuid(&self, name: &str) -> Result<Option<Uuid>, DomainError> {
        self.opt(name)
            .map(|v| {
                Uuid::parse_str(v).map_err(|_| DomainError::field(name, "is not a valid choice"))
            })
            .transpose()
    }

    /// All pairs.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }
}

/// A form as the page shows it: values, field errors, and one message for the whole form.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    values: BTreeMap<String, Vec<String>>,
    errors: FieldErrors,
    /// A message about the whole form (e.g. a conflict), shown above its fields.
    pub message: Option<String>,
}

impl FormState {
    /// An empty form.
    pub fn new() -> Self {
        Self::default()
    }

    /// A form filled with what was posted.
    pub fn from_data(data: &FormData) -> Self {
        let mut values: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in data.pairs() {
            values.entry(k.clone()).or_default().push(v.clone());
        }
        Self {
            values,
            ..Self::default()
        }
    }

    /// Sets a value (for pre-filled forms).
    pub fn set(&mut self, name: &str, value: impl Into<String>) {
        self.values.insert(name.to_owned(), vec![value.into()]);
    }

    /// Sets a value when none was posted.
    pub fn default_value(&mut self, name: &str, value: impl Into<String>) {
        self.values
            .entry(name.to_owned())
            .or_insert_with(|| vec![value.into()]);
    }

    /// The (first) value of `name`.
    pub fn value(&self, name: &str) -> &str {
        self.values
            .get(name)
            .and_then(|v| v.first())
            .map_or("", String::as_str)
    }

    /// Whether `value` is among the values of `name` (selected options, checked boxes).
    pub fn has(&self, name: &str, value: &str) -> bool {
        self.values
            .get(name)
            .is_some_and(|v| v.iter().any(|x| x == value))
    }

    /// The error text of `name`, "" when none.
    pub fn error(&self, name: &str) -> String {
        self.errors
            .get(name)
            .map(|m| m.join("; "))
            .unwrap_or_default()
    }

    /// Whether `name` has an error.
    pub fn has_error(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }

    /// Whether anything is wrong.
    pub fn failed(&self) -> bool {
        !self.errors.is_empty() || self.message.is_some()
    }

    /// Adds an error to `name`.
    pub fn add_error(&mut self, name: &str, message: impl Into<String>) {
        self.errors
            .entry(name.to_owned())
            .or_default()
            .push(message.into());
    }

    /// Records a domain failure: field errors go next to their fields (renamed through
    /// `rename` when the form names them differently), conflicts and the rest become the
    /// form's message. Unexpected failures are returned, since the page cannot fix them.
    pub fn absorb(&mut self, err: DomainError, rename: &[(&str, &str)]) -> Result<(), DomainError> {
        match err {
            DomainError::Validation(fields) => {
                for (field, messages) in fields {
                    let name = rename
                        .iter()
                        .find(|(from, _)| *from == field)
                        .map_or(field.as_str(), |(_, to)| to);
                    let name = if name.is_empty() { "form" } else { name };
                    for m in messages {
                        self.add_error(name, m);
                    }
                }
                if self.has_error("form") {
                    self.message = Some(self.error("form"));
                }
                Ok(())
            }
            DomainError::Conflict { message, .. } => {
                self.message = Some(message);
                Ok(())
            }
            DomainError::Forbidden(message) => {
                self.message = Some(message);
                Ok(())
            }
            DomainError::NotFound { entity } => {
                self.message = Some(format!("that {entity} no longer exists"));
                Ok(())
            }
            other @ DomainError::Unexpected(_) => Err(other),
        }
    }

    /// Records the error of `result` under `field` and returns its value.
    pub fn check<T>(&mut self, field: &str, result: Result<T, DomainError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Validation(fields)) => {
                for messages in fields.into_values() {
                    for m in messages {
                        self.add_error(field, m);
                    }
                }
                None
            }
            Err(other) => {
                self.add_error(field, other.to_string());
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_repeated_values_and_errors() {
        let data = FormData::new(vec![
            ("a".into(), " x ".into()),
            ("m".into(), "1".into()),
            ("m".into(), "2".into()),
            ("b".into(), "  ".into()),
        ]);
        assert_eq!(data.opt("a"), Some("x"));
        assert_eq!(data.opt("b"), None);
        assert_eq!(data.all("m"), ["1", "2"]);
        let mut form = FormState::from_data(&data);
        assert!(form.has("m", "2"));
        assert!(!form.failed());
        form.absorb(DomainError::field("first_name", "is required"), &[])
            .unwrap_or_default();
        assert_eq!(form.error("first_name"), "is required");
        assert!(form.failed());
    }
}
