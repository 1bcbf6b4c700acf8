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

/// The start of the `Unexpected` message of every failure that means the database is away,
/// overloaded or too slow rather than the request being wrong (see [`map_db_err`]); the HTTP
/// layer answers those with 503 instead of 500.
pub const DATABASE_UNAVAILABLE: &str = "database unavailable";

/// Maps a SeaORM error to the domain: constraint violations become `Conflict` (or a
/// validation error for CHECKs and bad text), a lost or overloaded database `Unexpected`
/// starting with [`DATABASE_UNAVAILABLE`], everything else plain `Unexpected`.
pub fn map_db_err(err: DbErr) -> DomainError {
    if let DbErr::RecordNotFound(_) = err {
        return DomainError::not_found("row");
    }
    if is_unavailable(&err) {
        return DomainError::Unexpected(format!("{DATABASE_UNAVAILABLE}: {err}"));
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

/// Whether `err` says the database cannot serve now (retrying later may succeed): no pooled
/// connection in time, a closed pool, a broken or refused connection, a server shutting down or
/// refusing connections (SQLSTATE class 08, 57P01..57P03, 53300), a statement cancelled by
/// `statement_timeout` (57014), or SQLite still busy after its busy timeout.
fn is_unavailable(err: &DbErr) -> bool {
    let sqlx_err = match err {
        DbErr::ConnectionAcquire(_) => return true,
        DbErr::Conn(RuntimeErr::SqlxError(e))
        | DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e)) => e.deref(),
        _ => return false,
    };
    match sqlx_err {
        sea_orm::sqlx::Error::Io(_)
        | sea_orm::sqlx::Error::Tls(_)
        | sea_orm::sqlx::Error::PoolTimedOut
        | sea_orm::sqlx::Error::PoolClosed
        | sea_orm::sqlx::Error::WorkerCrashed => true,
        sea_orm::sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            code.starts_with("08")
                || matches!(
                    code.as_ref(),
                    "57014"
                        | "57P01"
                        | "57P02"
                        | "57P03"
                        | "53300"
                        | "5"
                        | "6"
                        | "261"
                        | "517"
                        | "773"
                )
        }
        _ => false,
    }
}

/// SQLite reports `UNIQUE constraint failed: contacts.user_id, contacts.email`; turn that into a
/// readable constraint name.
fn sqlite_constraint_name(message: &str) -> String {
    message
        .split_once(": ")
        .map(|(_, rest)| rest.replace(", ", "_").replace('.', "_"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use sea_orm::{ConnAcquireErr, DbErr, RuntimeErr};

    use super::*;

    fn sqlx(err: sea_orm::sqlx::Error) -> DbErr {
        DbErr::Query(RuntimeErr::SqlxError(Arc::new(err)))
    }

    fn unavailable(err: DbErr) -> bool {
        matches!(map_db_err(err), DomainError::Unexpected(m) if m.starts_with(DATABASE_UNAVAILABLE))
    }

    #[test]
    fn a_lost_or_exhausted_database_is_reported_as_unavailable() {
        let reset = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "reset by peer");
        assert!(unavailable(sqlx(sea_orm::sqlx::Error::Io(reset))));
        assert!(unavailable(sqlx(sea_orm::sqlx::Error::PoolTimedOut)));
        assert!(unavailable(DbErr::Conn(RuntimeErr::SqlxError(Arc::new(
            sea_orm::sqlx::Error::PoolClosed
        )))));
        assert!(unavailable(DbErr::ConnectionAcquire(
            ConnAcquireErr::Timeout
        )));
    }

    #[test]
    fn other_failures_stay_plain_unexpected_or_not_found() {
        assert!(!unavailable(sqlx(sea_orm::sqlx::Error::Protocol(
            "bad".into()
        ))));
        assert!(!unavailable(DbErr::Custom("bug".into())));
        assert!(matches!(
            map_db_err(DbErr::RecordNotFound("x".into())),
            DomainError::NotFound { .. }
        ));
    }
}
