//! Reads made of independent statements, sent to PostgreSQL in one round trip.
//!
//! A page such as the deal page needs several result sets: the deal, its company, the
//! collaborators, the stages, the history, the activities. Sent one at a time inside a
//! transaction they cost `BEGIN`, the scope statement, one round trip each and `COMMIT`, nine
//! round trips in all, and those round trips bounded the page's throughput (see
//! `docs/benchmarks.md`). When no statement needs another's result, PostgreSQL takes them all
//! in one simple-protocol message. The statements of such a message run as one implicit
//! transaction: the scope statement (role, claims, read-only, statement timeout, each a
//! `set_config(…, true)`) opens it and holds for the statements after it, an error rolls the
//! whole message back, and the connection goes back to the pool with nothing pending.
//!
//! The simple protocol takes no bind parameters, so the values are written into the SQL by
//! sea-query's PostgreSQL quoting (the `Display` of a SeaORM [`Statement`]): typed values
//! (ids, numbers, the claims JSON), quoted by the builder, never text pasted by hand.
//!
//! SQLite has no round trips to save: there the statements run one after another in a read
//! transaction, and both backends hand the same result sets to the same decoding code.

use crm_domain::{DomainError, Tenant};
use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, Either};
use sea_orm::{ConnectionTrait, DatabaseBackend, DbErr, QueryResult, RuntimeErr, Statement};

use crate::Store;
use crate::error::map_db_err;
use crate::scope::Access;

/// The rows of each statement of a batch, in the statements' order.
pub type ResultSets = Vec<Vec<QueryResult>>;

impl Store {
    /// Runs `statements` (none depending on another's result) for `tenant` as one read: one
    /// round trip on PostgreSQL, as the request role with the tenant's claims and read-only,
    /// and one read transaction on SQLite. Like [`Store::begin_read`], for callers that run
    /// their own SQL: each statement must still filter by `user_id` itself, since SQLite has
    /// no row-level security.
    ///
    /// # Errors
    /// `Unexpected` when the database fails or a statement is refused (the whole read is then
    /// rolled back).
    pub async fn read_batch(
        &self,
        tenant: Tenant,
        statements: &[Statement],
    ) -> Result<ResultSets, DomainError> {
        match self.backend() {
            DatabaseBackend::Postgres => self.read_batch_postgres(tenant, statements).await,
            _ => self.read_batch_in_transaction(tenant, statements).await,
        }
    }

    async fn read_batch_in_transaction(
        &self,
        tenant: Tenant,
        statements: &[Statement],
    ) -> Result<ResultSets, DomainError> {
        let txn = self.read(tenant).await?;
        let mut sets = Vec::with_capacity(statements.len());
        for statement in statements {
            sets.push(
                txn.query_all_raw(statement.clone())
                    .await
                    .map_err(map_db_err)?,
            );
        }
        txn.commit().await.map_err(map_db_err)?;
        Ok(sets)
    }

    async fn read_batch_postgres(
        &self,
        tenant: Tenant,
        statements: &[Statement],
    ) -> Result<ResultSets, DomainError> {
        let sql = batch_sql(&self.scope_statement(tenant, Access::ReadOnly), statements);
        let pool = self.connection().get_postgres_connection_pool();
        let mut results = sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).fetch_many(pool);
        // One more set than statements: the scope statement's, dropped below.
        let mut sets = Vec::with_capacity(statements.len() + 1);
        let mut rows = Vec::new();
        while let Some(item) = results.try_next().await.map_err(query_error)? {
            match item {
                Either::Left(_done) => sets.push(std::mem::take(&mut rows)),
                Either::Right(row) => rows.push(QueryResult::from(row)),
            }
        }
        if sets.len() != statements.len() + 1 {
            return Err(DomainError::Unexpected(format!(
                "a batch of {} statements answered {} result sets",
                statements.len() + 1,
                sets.len()
            )));
        }
        sets.remove(0);
        Ok(sets)
    }
}

/// The one message of a PostgreSQL batch: the scope statement, then each statement, values
/// written in by sea-query.
fn batch_sql(scope: &Statement, statements: &[Statement]) -> String {
    let mut sql = scope.to_string();
    for statement in statements {
        sql.push_str(";\n");
        sql.push_str(&statement.to_string());
    }
    sql
}

/// A driver error as SeaORM reports it, so [`map_db_err`] classifies it as for any query.
fn query_error(err: sqlx::Error) -> DomainError {
    map_db_err(DbErr::Query(RuntimeErr::SqlxError(std::sync::Arc::new(
        err,
    ))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use sea_orm::Value;

    use super::*;

    #[test]
    fn values_are_quoted_by_the_builder() {
        let scope = Statement::from_string(DatabaseBackend::Postgres, "SELECT 1");
        let hostile = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT $1, $2",
            [
                Value::from("x'); DROP TABLE deals; --"),
                Value::from(r"back\slash"),
            ],
        );
        let sql = batch_sql(&scope, &[hostile]);
        assert_eq!(
            sql,
            "SELECT 1;\nSELECT E'x\\'); DROP TABLE deals; --', E'back\\\\slash'"
        );
    }
}
