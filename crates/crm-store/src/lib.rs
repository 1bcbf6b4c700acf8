//! Storage of the CRM on SeaORM, for PostgreSQL (production) and SQLite (embedded default).
//!
//! [`Store`] implements every repository trait of `crm-domain`. Each tenant-scoped call runs
//! in one transaction opened by [`Store::read`] or [`Store::write`], the single place where a
//! request's identity reaches the database, and every statement also filters by the tenant's
//! `user_id` (the only wall on SQLite, and a help to PostgreSQL's planner).

mod batch;
pub mod entity;
mod error;
mod repo;
mod scope;
#[cfg(feature = "testing")]
pub mod testing;

use std::sync::Arc;
use std::time::Duration;

use crm_domain::Repositories;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseBackend, DatabaseConnection};

pub use batch::ResultSets;
pub use error::{DATABASE_UNAVAILABLE, StoreError, map_db_err};

/// Result alias of this crate's setup functions.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The URL of the embedded default database: `crm.db` in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://crm.db?mode=rwc";

/// The default pool size (see `docs/operations.md` for how to size it).
pub const DEFAULT_POOL_SIZE: u32 = 16;

/// The default `statement_timeout` of tenant transactions on PostgreSQL.
pub const DEFAULT_STATEMENT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a pooled connection may sit idle before it is pinged at checkout.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);

/// Connection settings.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// `postgres://…` or `sqlite://path?mode=rwc`.
    pub url: String,
    /// Pool size; SQLite writes are serialised by the database anyway.
    pub max_connections: u32,
    /// On PostgreSQL, the `statement_timeout` of every tenant transaction (`SET LOCAL`, so
    /// migrations and seeding are not limited); `None` keeps the server's setting. SQLite has
    /// no such limit.
    pub statement_timeout: Option<Duration>,
}

impl StoreConfig {
    /// Settings for `url` with the default pool size and statement timeout.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            max_connections: DEFAULT_POOL_SIZE,
            statement_timeout: Some(DEFAULT_STATEMENT_TIMEOUT),
        }
    }
}

/// A connection pool and the repositories on it. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// `statement_timeout` in milliseconds, as `set_config` takes it.
    statement_timeout_ms: Option<String>,
}

impl Store {
    /// Connects to PostgreSQL or SQLite. SQLite files are opened in WAL mode with foreign keys
    /// on and a busy timeout, so concurrent writers wait instead of failing.
    ///
    /// # Errors
    /// [`StoreError::BadUrl`] for an unsupported URL, [`StoreError::Connect`] when the database
    /// cannot be reached.
    pub async fn connect(config: &StoreConfig) -> Result<Self> {
        let url = config.url.trim();
        let is_sqlite = url.starts_with("sqlite:");
        if !(is_sqlite || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(StoreError::BadUrl(
                "expected postgres://… or sqlite://…".to_owned(),
            ));
        }
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(config.max_connections)
            .min_connections(if is_sqlite { 1 } else { 0 })
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            // SQLx pings a connection on every checkout by default: one more round trip before
            // each request's first statement. Only a connection idle long enough to have been
            // dropped (by the server, a proxy or a restart) is pinged now; one that dies while
            // busy fails its statement (503) and is closed, and SQLx also pings on release.
            .test_before_acquire_if_idle_for(IDLE_BEFORE_PING)
            .sqlx_logging(false)
            .map_sqlx_sqlite_opts(|opts| {
                opts.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        let db = Database::connect(options)
            .await
            .map_err(|err| StoreError::Connect(err.to_string()))?;
        Ok(Self {
            db,
            statement_timeout_ms: None,
        }
        .with_statement_timeout(config.statement_timeout))
    }

    /// The same pool with another statement timeout for its tenant transactions (`None`: the
    /// server's own setting). Clones made before keep theirs.
    pub fn with_statement_timeout(mut self, timeout: Option<Duration>) -> Self {
        // 0 would mean "no limit" to PostgreSQL: the smallest limit is 1 ms.
        self.statement_timeout_ms = timeout.map(|t| t.as_millis().max(1).to_string());
        self
    }

    /// The underlying connection, for migrations, analytics and tests.
    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Which database this is.
    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// [`StoreError::Migration`].
    pub async fn migrate(&self) -> Result<()> {
        Migrator::up(&self.db, None)
            .await
            .map_err(|err| StoreError::Migration(err.to_string()))
    }

    /// Rolls back `steps` migrations (all when `None`).
    ///
    /// # Errors
    /// [`StoreError::Migration`].
    pub async fn migrate_down(&self, steps: Option<u32>) -> Result<()> {
        Migrator::down(&self.db, steps)
            .await
            .map_err(|err| StoreError::Migration(err.to_string()))
    }

    /// Names of applied and pending migrations.
    ///
    /// # Errors
    /// [`StoreError::Migration`].
    pub async fn migration_status(&self) -> Result<(Vec<String>, Vec<String>)> {
        let applied = Migrator::get_applied_migrations(&self.db)
            .await
            .map_err(|err| StoreError::Migration(err.to_string()))?;
        let pending = Migrator::get_pending_migrations(&self.db)
            .await
            .map_err(|err| StoreError::Migration(err.to_string()))?;
        let names = |list: Vec<migration::sea_orm_migration::migrator::Migration>| {
            list.iter().map(|m| m.name().to_owned()).collect::<Vec<_>>()
        };
        Ok((names(applied), names(pending)))
    }

    /// Answers when the database does (readiness probe).
    ///
    /// # Errors
    /// [`StoreError::Connect`] when it does not.
    pub async fn ping(&self) -> Result<()> {
        self.db
            .execute_unprepared("SELECT 1")
            .await
            .map(|_| ())
            .map_err(|err| StoreError::Connect(err.to_string()))
    }

    /// Whether any user exists (the server seeds demo data into an empty database).
    ///
    /// # Errors
    /// [`StoreError::Query`].
    pub async fn is_empty(&self) -> Result<bool> {
        use sea_orm::{EntityTrait, PaginatorTrait};
        let count = entity::users::Entity::find()
            .count(&self.db)
            .await
            .map_err(|err| StoreError::Query(err.to_string()))?;
        Ok(count == 0)
    }

    /// The repositories of `crm-domain`, all backed by this store.
    pub fn repositories(&self) -> Repositories {
        let store = Arc::new(self.clone());
        Repositories {
            users: store.clone(),
            companies: store.clone(),
            contacts: store.clone(),
            stages: store.clone(),
            deals: store.clone(),
            activities: store.clone(),
            spend: store,
        }
    }

    /// Closes the pool.
    ///
    /// # Errors
    /// [`StoreError::Connect`].
    pub async fn close(self) -> Result<()> {
        self.db
            .close()
            .await
            .map_err(|err| StoreError::Connect(err.to_string()))
    }
}
