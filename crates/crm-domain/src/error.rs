//! The domain's one error type. Stores map their own failures into it; the HTTP layer maps it
//! to status codes.

use std::collections::BTreeMap;

/// Field name to the list of problems found with it, e.g. `{"progress": ["must be between 0 and 100"]}`.
pub type FieldErrors = BTreeMap<String, Vec<String>>;

/// Result alias of the domain layer.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;

/// Everything a use case or a repository can fail with.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// Input broke a rule; the map says which fields and why.
    #[error("validation failed")]
    Validation(FieldErrors),
    /// The row does not exist for this tenant (also when it exists for another tenant).
    #[error("{entity} not found")]
    NotFound {
        /// What was looked for, e.g. `"deal"`.
        entity: &'static str,
    },
    /// The change collides with stored data (duplicate, a stage that still holds deals, …).
    #[error("{message}")]
    Conflict {
        /// The violated constraint or rule, machine-readable.
        constraint: String,
        /// A human explanation.
        message: String,
    },
    /// The caller may see the row but not change it (shared-directory companies).
    #[error("{0}")]
    Forbidden(String),
    /// A failure the caller cannot fix (database down, bug). Its text is for logs only.
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl DomainError {
    /// A validation error on one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        let mut errors = FieldErrors::new();
        errors.insert(field.to_owned(), vec![message.into()]);
        Self::Validation(errors)
    }

    /// A not-found error for `entity`.
    pub fn not_found(entity: &'static str) -> Self {
        Self::NotFound { entity }
    }

    /// A conflict on `constraint` with a human message.
    pub fn conflict(constraint: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Conflict {
            constraint: constraint.into(),
            message: message.into(),
        }
    }
}

/// Collects field errors across several checks, so a form shows every problem at once.
#[derive(Debug, Default)]
pub struct Validator {
    errors: FieldErrors,
}

impl Validator {
    /// An empty collector.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` under `field` and returns its value, if any.
    pub fn check<T>(&mut self, field: &str, result: Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(DomainError::Validation(errors)) => {
                for (key, messages) in errors {
                    let nested = key.starts_with(field) && key[field.len()..].starts_with('.');
                    let key = if key.is_empty() || key == field || nested {
                        field.to_owned()
                    } else {
                        format!("{field}.{key}")
                    };
                    self.errors.entry(key).or_default().extend(messages);
                }
                None
            }
            Err(other) => {
                self.push(field, other.to_string());
                None
            }
        }
    }

    /// Records one message under `field`.
    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.errors
            .entry(field.to_owned())
            .or_default()
            .push(message.into());
    }

    /// `Ok(())` when nothing was recorded.
    ///
    /// # Errors
    /// [`DomainError::Validation`] with every recorded message.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(DomainError::Validation(self.errors))
        }
    }
}
