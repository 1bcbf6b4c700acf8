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
//! Writes on SQLite begin `IMMEDIATE`, so a writer takes the database's write lock up front
//! and waits (busy timeout) instead of failing on a stale snapshot when another writer
//! committed first.

use crm_domain::{DomainError, Tenant};
use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseBackend, DatabaseTransaction, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
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
        let postgres = self.backend() == DatabaseBackend::Postgres;
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: postgres.then_some(AccessMode::ReadOnly),
            sqlite_transaction_mode: None,
        };
        self.scoped(tenant, options).await
    }

    /// Opens a write transaction for `tenant`.
    pub(crate) async fn write(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        self.scoped(tenant, immediate()).await
    }

    /// Opens a write transaction outside any tenant, as the tables' owner (users).
    pub(crate) async fn write_global(&self) -> Result<DatabaseTransaction, DomainError> {
        self.db
            .begin_with_options(immediate())
            .await
            .map_err(map_db_err)
    }

    async fn scoped(
        &self,
        tenant: Tenant,
        options: TransactionOptions,
    ) -> Result<DatabaseTransaction, DomainError> {
        let txn = self
            .db
            .begin_with_options(options)
            .await
            .map_err(map_db_err)?;
        if self.backend() == DatabaseBackend::Postgres {
            txn.query_one_raw(Statement::from_sql_and_values(
                DatabaseBackend::Postgres,
                "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)",
                [REQUEST_ROLE.into(), claims_json(tenant).into()],
            ))
            .await
            .map_err(map_db_err)?;
        }
        Ok(txn)
    }
}

fn immediate() -> TransactionOptions {
    TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
    }
}
