//! Tenant-scoped transactions: the one place a request's identity meets the database.
//!
//! Every tenant read and write runs in a transaction. On PostgreSQL its first statement
//! switches to the request role and sets the JWT claims, both local to the transaction
//! (`set_config(…, true)` is `SET LOCAL`), so row-level security applies and a pooled
//! connection never carries one user's identity into the next request. It is one round trip.
//! (On a multi-node Citus cluster the claims must be sent with `SET LOCAL request.jwt.claims`
//! under `citus.propagate_set_commands = 'local'` instead, since `set_config` does not reach
//! the workers: this function is the one place to change.)
//!
//! The same statement sets the configured `statement_timeout` (`SET LOCAL` too), so no
//! request can hold a connection and its locks for longer; a statement that exceeds it fails
//! with SQLSTATE 57014, which [`map_db_err`] reports as the database being unavailable.
//!
//! Writes on SQLite begin `IMMEDIATE`, so a writer takes the database's write lock up front
//! and waits (busy timeout) instead of failing on a stale snapshot when another writer
//! committed first.

use crm_domain::{DomainError, Tenant};
use sea_orm::{
    ConnectionTrait, DatabaseBackend, DatabaseTransaction, SqliteTransactionMode, Statement,
    TransactionOptions, TransactionTrait,
};

use crate::Store;
use crate::error::map_db_err;

/// The role requests run as on PostgreSQL (created by the row-level-security migration).
pub use migration::REQUEST_ROLE;

/// The claims JSON of `tenant`, in Supabase's layout.
pub fn claims_json(tenant: Tenant) -> String {
    format!(
        r#"{{"sub":"{}","role":"authenticated","aud":"authenticated"}}"#,
        tenant.user_id
    )
}

impl Store {
    /// Opens a read transaction for `tenant`: as the request role with the tenant's claims on
    /// PostgreSQL. For callers that run their own SQL (analytics); it must still filter by
    /// `user_id` itself, since SQLite has no row-level security.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    pub async fn begin_read(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        self.read(tenant).await
    }

    /// Opens a read transaction for `tenant`.
    pub(crate) async fn read(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: None,
        };
        self.scoped(tenant, options, Access::ReadOnly).await
    }

    /// Opens a write transaction for `tenant`.
    pub(crate) async fn write(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        self.scoped(tenant, immediate(), Access::ReadWrite).await
    }

    /// Opens a write transaction outside any tenant, as the tables' owner (users), with the
    /// statement timeout on PostgreSQL.
    pub(crate) async fn write_global(&self) -> Result<DatabaseTransaction, DomainError> {
        let txn = self
            .db
            .begin_with_options(immediate())
            .await
            .map_err(map_db_err)?;
        if let (DatabaseBackend::Postgres, Some(timeout)) =
            (self.backend(), &self.statement_timeout_ms)
        {
            txn.query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT set_config('statement_timeout', $1, true)",
                [timeout.clone().into()],
            ))
            .await
            .map_err(map_db_err)?;
        }
        Ok(txn)
    }

    async fn scoped(
        &self,
        tenant: Tenant,
        options: TransactionOptions,
        access: Access,
    ) -> Result<DatabaseTransaction, DomainError> {
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(map_db_err)?;
        if self.backend() == DatabaseBackend::Postgres {
            txn.query_one_raw(self.scope_statement(tenant, access))
                .await
                .map_err(map_db_err)?;
        }
        Ok(txn)
    }

    /// The first statement of a PostgreSQL tenant transaction: the request role, the claims,
    /// for reads the read-only mode (`transaction_read_only`, what `SET TRANSACTION READ ONLY`
    /// sets, without a round trip of its own) and, when configured, the statement timeout, all
    /// transaction-local.
    pub(crate) fn scope_statement(&self, tenant: Tenant, access: Access) -> Statement {
        let mut sql = String::from(
            "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
        );
        let mut values = vec![REQUEST_ROLE.into(), claims_json(tenant).into()];
        if access == Access::ReadOnly {
            sql.push_str(", set_config('transaction_read_only', 'on', true)");
        }
        if let Some(timeout) = &self.statement_timeout_ms {
            values.push(timeout.clone().into());
            sql.push_str(", set_config('statement_timeout', $3, true)");
        }
        Statement::from_sql_and_values(DatabaseBackend::Postgres, sql, values)
    }
}

/// Whether a tenant transaction may write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    ReadOnly,
    ReadWrite,
}

fn immediate() -> TransactionOptions {
    TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    }
}
