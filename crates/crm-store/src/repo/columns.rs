//! Reading a row's columns by position, straight from the driver's row on PostgreSQL.
//!
//! SeaORM's `QueryResult::try_get_by_index` goes through SQLx's checked `Row::try_get`, which
//! compares the column's type with the Rust type on every value, and SeaORM turns every
//! `NULL` of a nullable column into a formatted error before mapping it back to `None`. On a
//! board page that is ten thousand values per request and was the largest share of the
//! server's time after JSON (docs/benchmarks.md). [`Columns`] reads a PostgreSQL row with
//! SQLx's unchecked decoding instead: the statements are ours and the column types are the
//! migrations'. Unchecked decoding does not compare type names, so a column of another type
//! would be read as whatever its bytes decode to; the store's tests read every statement
//! that uses [`Columns`] on PostgreSQL, and `NULL` in a non-optional read is still an error.
//! SQLite rows go through SeaORM as before.

use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, Postgres, Row as _};
use sea_orm::{DbErr, QueryResult, TryGetable};

/// A row whose columns are read by position.
pub(crate) struct Columns<'a> {
    row: &'a QueryResult,
    postgres: Option<&'a PgRow>,
}

impl<'a> Columns<'a> {
    /// The columns of `row`.
    pub(crate) fn of(row: &'a QueryResult) -> Self {
        Self {
            row,
            postgres: row.try_as_pg_row(),
        }
    }

    /// The value of column `index`.
    ///
    /// # Errors
    /// A type error when the value does not decode as `T` (`NULL` for a non-optional `T`).
    pub(crate) fn get<T>(&self, index: usize) -> Result<T, DbErr>
    where
        T: TryGetable + for<'r> sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
    {
        match self.postgres {
            Some(row) => row
                .try_get_unchecked(index)
                .map_err(|err| DbErr::Type(format!("column {index}: {err}"))),
            None => self.row.try_get_by_index(index),
        }
    }
}

#[cfg(test)]
#[allow(clippy::expect_used)]
mod tests {
    use sea_orm::{ConnectionTrait, DatabaseBackend, Statement};
    use uuid::Uuid;

    use super::*;
    use crate::Store;

    /// Values of every type the store reads by position, `NULL`s included, decode the same on
    /// both backends; `NULL` in a non-optional read is an error, not a default.
    async fn reads_values_and_nulls_by_position(store: Store) {
        let conn = store.connection();
        let backend = conn.get_database_backend();
        let id = Uuid::now_v7();
        let sql = match backend {
            DatabaseBackend::Postgres => {
                "SELECT $1, 'Ada', CAST(NULL AS TEXT), CAST(42 AS BIGINT), CAST(7 AS INTEGER), \
                 CAST(NULL AS UUID)"
            }
            _ => "SELECT ?, 'Ada', NULL, 42, 7, NULL",
        };
        let row = conn
            .query_one_raw(Statement::from_sql_and_values(backend, sql, [id.into()]))
            .await
            .expect("query")
            .expect("one row");
        let columns = Columns::of(&row);
        assert_eq!(columns.get::<Uuid>(0).expect("uuid"), id);
        assert_eq!(columns.get::<String>(1).expect("text"), "Ada");
        assert_eq!(columns.get::<Option<String>>(2).expect("null text"), None);
        assert_eq!(columns.get::<Option<i64>>(3).expect("bigint"), Some(42));
        assert_eq!(columns.get::<i32>(4).expect("integer"), 7);
        assert_eq!(columns.get::<Option<Uuid>>(5).expect("null uuid"), None);
        assert!(columns.get::<String>(2).is_err(), "NULL read as a String");
    }

    crate::backend_tests!(reads_values_and_nulls_by_position);
}
