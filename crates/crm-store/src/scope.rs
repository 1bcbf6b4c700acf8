//! Tenant-scoped transactions: the one place a request's identity meets the database.
//!
//! Reads and writes of a tenant run in a transaction. Writes on SQLite begin `IMMEDIATE`, so a
//! writer takes the database's write lock up front and waits (busy timeout) instead of failing
//! on a stale snapshot when another writer committed first.

use crm_domain::{DomainError, Tenant};
use sea_orm::{DatabaseTransaction, SqliteTransactionMode, TransactionOptions, TransactionTrait};

use crate::Store;
use crate::error::map_db_err;

impl Store {
    /// Opens a read transaction for `tenant`.
    pub(crate) async fn read(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        let _ = tenant;
        self.db.begin().await.map_err(map_db_err)
    }

    /// Opens a write transaction for `tenant`.
    pub(crate) async fn write(&self, tenant: Tenant) -> Result<DatabaseTransaction, DomainError> {
        let _ = tenant;
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        };
        self.db
            .begin_with_options(options)
            .await
            .map_err(map_db_err)
    }

    /// Opens a write transaction outside any tenant (users, companies).
    pub(crate) async fn write_global(&self) -> Result<DatabaseTransaction, DomainError> {
        let options = TransactionOptions {
            isolation_level: None,
            access_mode: None,
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        };
        self.db
            .begin_with_options(options)
            .await
            .map_err(map_db_err)
    }
}
