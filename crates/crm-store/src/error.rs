//! Store errors: setup failures as [`StoreError`], query failures mapped into the domain's
//! error so no `DbErr` travels upward.

use std::ops::Deref;

use crm_domain::DomainError;
use sea_orm::{DbErr, RuntimeErr};

/// Failures of connecting, migrating and other setup work.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The URL names no supported database.
    #[error("unsupported database URL: {0}")]
    BadUrl(String),
    /// The database cannot be reached or opened.
    #[error("cannot connect to the database: {0}")]
    Connect(String),
    /// A migration failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A query failed.
    #[error("query failed: {0}")]
    Query(String),
}

/// Maps a SeaORM error to the domain: constraint violations become `Conflict` (or a
/// validation error for CHECKs and bad text), everything else `Unexpected`.
pub fn map_db_err(err: DbErr) -> DomainError {
    if let DbErr::RecordNotFound(_) = err {
        return DomainError::not_found("row");
    }
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = &err
        && let sea_orm::sqlx::Error::Database(db) = e.deref()
    {
        let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
        let message = db.message().to_owned();
        let constraint = db
            .constraint()
            .map(str::to_owned)
            .unwrap_or_else(|| sqlite_constraint_name(&message));
        match code.as_str() {
            // unique / primary key
            "23505" | "2067" | "1555" => {
                return DomainError::conflict(constraint, "already exists");
            }
            // foreign key
            "23503" | "787" => {
                return DomainError::conflict(
                    if constraint.is_empty() {
                        "foreign_key".to_owned()
                    } else {
                        constraint
                    },
                    "refers to a row that does not exist or is not yours",
                );
            }
            // check / not null
            "23514" | "275" | "23502" | "1299" => {
                return DomainError::conflict(
                    if constraint.is_empty() {
                        "check".to_owned()
                    } else {
                        constraint
                    },
                    "violates a rule of the data model",
                );
            }
            // invalid text (NUL bytes, bad encoding)
            "22021" | "22P05" => {
                return DomainError::field("", "contains characters the database cannot store");
            }
            _ => {}
        }
    }
    DomainError::Unexpected(err.to_string())
}

/// SQLite reports `UNIQUE constraint failed: contacts.user_id, contacts.email`; turn that into a
/// readable constraint name.
fn sqlite_constraint_name(message: &str) -> String {
    message
        .split_once(": ")
        .map(|(_, rest)| rest.replace(", ", "_").replace('.', "_"))
        .unwrap_or_default()
}
