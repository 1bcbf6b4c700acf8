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
//! The simple protocol takes no bind parameters, and a statement sent as text is parsed and
//! planned on every call (about 1.5 ms of PostgreSQL's time for the deal page, more than the
//! round trips it saves). So each statement, the scope statement included, becomes a named
//! prepared statement of the connection (`PREPARE crm_batch_<hash of its SQL> AS …`, made the
//! first time a connection meets it) and the message only `EXECUTE`s them. The values of the
//! `EXECUTE`s are written into the text by sea-query's PostgreSQL quoting (the `Display` of a
//! SeaORM [`Statement`]): typed values (ids, numbers, the claims JSON), quoted by the builder,
//! never text pasted by hand. Prepared statements live as long as the connection, one per
//! distinct SQL text: a batch is for statements of a fixed shape (no `IN` lists of varying
//! length). A pooler in transaction mode (PgBouncer) does not keep SQL-level prepared
//! statements; behind one, connect to PostgreSQL directly.
//!
//! SQLite has no round trips to save: there the statements run one after another in a read
//! transaction, and both backends hand the same result sets to the same decoding code.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use crm_domain::{DomainError, Tenant};
use futures_util::TryStreamExt;
use sea_orm::sqlx::{self, Either, PgConnection};
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
        // The scope statement is prepared too: parsing and planning its four `set_config`
        // calls on every request was PostgreSQL work the statements after it no longer do.
        let scope = self.scope_statement(tenant, Access::ReadOnly);
        let prepared: Vec<Prepared> = std::iter::once(&scope)
            .chain(statements)
            .map(Prepared::of)
            .collect();
        let message = batch_sql(prepared.iter().map(|p| p.execute.as_str()));
        let pool = self.connection().get_postgres_connection_pool();
        let mut conn = pool.acquire().await.map_err(query_error)?;
        let sets = match result_sets(&mut conn, &message).await {
            Err(err) if is_unprepared(&err) => {
                prepare_missing(&mut conn, &prepared).await?;
                result_sets(&mut conn, &message).await
            }
            other => other,
        }
        .map_err(query_error)?;
        // One more set than statements: the scope statement's, dropped here.
        let mut sets = sets.into_iter();
        sets.next();
        let sets: ResultSets = sets.collect();
        if sets.len() != statements.len() {
            return Err(DomainError::Unexpected(format!(
                "a batch of {} statements answered {} result sets",
                statements.len(),
                sets.len()
            )));
        }
        Ok(sets)
    }
}

/// A statement of a batch as a prepared statement of the connection.
struct Prepared<'a> {
    /// `crm_batch_<hash of the SQL>`: the same text always gets the same name.
    name: String,
    /// The statement's SQL, with its `$n` placeholders.
    sql: &'a str,
    /// `EXECUTE <name>(<values>)`, values quoted by sea-query.
    execute: String,
}

impl<'a> Prepared<'a> {
    fn of(statement: &'a Statement) -> Self {
        let mut hasher = DefaultHasher::new();
        statement.sql.hash(&mut hasher);
        let name = format!("crm_batch_{:016x}", hasher.finish());
        let values = statement
            .values
            .as_ref()
            .map(|values| values.0.clone())
            .unwrap_or_default();
        let execute = if values.is_empty() {
            format!("EXECUTE {name}")
        } else {
            let placeholders: Vec<String> = (1..=values.len()).map(|i| format!("${i}")).collect();
            Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                format!("EXECUTE {name}({})", placeholders.join(", ")),
                values,
            )
            .to_string()
        };
        Self {
            name,
            sql: &statement.sql,
            execute,
        }
    }

    /// `PREPARE <name> AS <sql>`, sent only when a connection lacks the statement.
    fn prepare(&self) -> String {
        format!("PREPARE {} AS {}", self.name, self.sql)
    }
}

/// The one message of a PostgreSQL batch: the `EXECUTE`s of the scope statement, then of each
/// statement.
fn batch_sql<'a>(executes: impl Iterator<Item = &'a str>) -> String {
    let mut sql = String::new();
    for execute in executes {
        if !sql.is_empty() {
            sql.push_str(";\n");
        }
        sql.push_str(execute);
    }
    sql
}

/// Sends `message` and splits the answer into one set of rows per statement.
async fn result_sets(conn: &mut PgConnection, message: &str) -> Result<ResultSets, sqlx::Error> {
    let mut results = sqlx::raw_sql(sqlx::AssertSqlSafe(message.to_owned())).fetch_many(conn);
    let mut sets = Vec::new();
    let mut rows = Vec::new();
    while let Some(item) = results.try_next().await? {
        match item {
            Either::Left(_done) => sets.push(std::mem::take(&mut rows)),
            Either::Right(row) => rows.push(QueryResult::from(row)),
        }
    }
    Ok(sets)
}

/// Whether `err` says a prepared statement does not exist (SQLSTATE 26000): the connection
/// has not met this batch yet.
fn is_unprepared(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.code().as_deref() == Some("26000"))
}

/// Prepares on `conn` the statements of `prepared` it does not have yet, in one message.
async fn prepare_missing(
    conn: &mut PgConnection,
    prepared: &[Prepared<'_>],
) -> Result<(), DomainError> {
    let existing: Vec<String> = sqlx::query_scalar("SELECT name FROM pg_prepared_statements")
        .fetch_all(&mut *conn)
        .await
        .map_err(query_error)?;
    let missing: Vec<String> = prepared
        .iter()
        .filter(|p| !existing.contains(&p.name))
        .map(Prepared::prepare)
        .collect();
    if !missing.is_empty() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(missing.join(";\n")))
            .execute(&mut *conn)
            .await
            .map_err(query_error)?;
    }
    Ok(())
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
        let hostile = Statement::from_sql_and_values(
            DatabaseBackend::Postgres,
            "SELECT $1, $2",
            [
                Value::from("x'); DROP TABLE deals; --"),
                Value::from(r"back\slash"),
            ],
        );
        let prepared = Prepared::of(&hostile);
        assert!(prepared.name.starts_with("crm_batch_") && prepared.name.len() == 26);
        assert_eq!(
            prepared.prepare(),
            format!("PREPARE {} AS SELECT $1, $2", prepared.name)
        );
        assert_eq!(
            prepared.execute,
            format!(
                "EXECUTE {}(E'x\\'); DROP TABLE deals; --', E'back\\\\slash')",
                prepared.name
            )
        );
        let select_one = Statement::from_string(DatabaseBackend::Postgres, "SELECT 1");
        let plain = Prepared::of(&select_one);
        assert_eq!(plain.execute, format!("EXECUTE {}", plain.name));
        assert_ne!(plain.name, prepared.name);
        assert_eq!(
            batch_sql([prepared.execute.as_str(), plain.execute.as_str()].into_iter()),
            format!("{};\nEXECUTE {}", prepared.execute, plain.name)
        );
    }
}
