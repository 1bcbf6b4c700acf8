//! Test support for this crate and its dependents (feature `testing`): a fresh database per
//! test on SQLite and PostgreSQL, and [`backend_tests!`](crate::backend_tests) to run one
//! case on both.
//!
//! - SQLite: every test gets its own file `crm-test-<uuid>.db` under the temp dir, migrated
//!   from scratch (a few milliseconds), and removed afterwards with its `-wal`/`-shm` files.
//! - PostgreSQL (only when `TEST_DATABASE_URL` is set): the migrations run once into a
//!   template database, and every test gets `CREATE DATABASE crm_test_<uuid> TEMPLATE …`,
//!   dropped `WITH (FORCE)` afterwards.
//!
//! The template is named `crm_test_template_<hash>`, the hash covering the migration names
//! and the source files of the `migration` crate, and it is kept across runs on purpose:
//! libtest has no hook that runs when the process ends, so a per-process template could not be
//! dropped reliably, and a template that is reused saves the migration on every later run. A
//! changed or added migration changes the hash, so a stale schema is never reused (the old
//! template stays behind and can be dropped by hand). It is built under a throw-away name and
//! renamed into place only once fully migrated; `ALTER DATABASE … RENAME` is atomic, so
//! parallel test threads (one `OnceCell` per process) and parallel test processes (the
//! rename either wins or finds the name taken) never see a half-migrated template. It refuses
//! connections (`ALLOW_CONNECTIONS false`), because a session connected to a template makes
//! every `CREATE DATABASE … TEMPLATE` from it fail.
//!
//! Test support panics on setup failures (a test cannot go on without its database).
#![allow(clippy::expect_used, missing_docs)]

use std::future::Future;
use std::path::PathBuf;

use crate::{Store, StoreConfig};
use migration::sea_orm_migration::MigratorTrait;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};
use tokio::sync::OnceCell;
use uuid::Uuid;

pub use pastey;

/// Generates `<case>_on_sqlite` and `<case>_on_postgres` tests for every case: an
/// `async fn case(store: Store)` that panics when the contract is broken.
#[macro_export]
macro_rules! backend_tests {
    ($($case:ident),+ $(,)?) => {
        $crate::testing::pastey::paste! {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$case _on_sqlite>]() {
                    $crate::testing::on_sqlite($case).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn [<$case _on_postgres>]() {
                    $crate::testing::on_postgres($case).await;
                }
            )+
        }
    };
}

/// Pool size of a PostgreSQL test store: enough for the concurrency cases, small enough that
/// parallel tests (and other suites on the same server) stay under `max_connections`.
const POSTGRES_POOL: u32 = 6;

/// Runs `case` on a fresh, migrated SQLite file.
pub async fn on_sqlite<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let db = TestDb::sqlite().await;
    db.run(case).await;
}

/// Runs `case` on a fresh PostgreSQL database cloned from the migrated template, or returns
/// at once when `TEST_DATABASE_URL` is unset.
pub async fn on_postgres<F, Fut>(case: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Ok(url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("note: TEST_DATABASE_URL is unset, so this PostgreSQL case did not run");
        return;
    };
    let db = TestDb::postgres(&url).await;
    db.run(case).await;
}

/// A throw-away database and the store on it.
pub struct TestDb {
    store: Store,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    Postgres { url: String, name: String },
}

impl TestDb {
    /// The store on this database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!("crm-test-{}.db", Uuid::new_v4().simple()));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let store = Store::connect(&StoreConfig::new(url))
            .await
            .expect("open the SQLite test file");
        store.migrate().await.expect("migrate the SQLite test file");
        Self {
            store,
            cleanup: Cleanup::SqliteFile(path),
        }
    }

    pub async fn postgres(url: &str) -> Self {
        let template = TEMPLATE
            .get_or_try_init(|| build_template(url))
            .await
            .expect("build the PostgreSQL template database");
        let name = format!("crm_test_{}", Uuid::new_v4().simple());
        let admin = admin(url).await;
        admin
            .execute_unprepared(&format!(
                "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
            ))
            .await
            .expect("clone the template database");
        let _ = admin.close().await;
        let config = StoreConfig {
            url: with_database(url, &name),
            max_connections: POSTGRES_POOL,
            ..StoreConfig::new("")
        };
        let store = Store::connect(&config)
            .await
            .expect("connect to the test database");
        Self {
            store,
            cleanup: Cleanup::Postgres {
                url: url.to_owned(),
                name,
            },
        }
    }

    /// Runs the case in a task, so that a failed assertion still lets the database go, then
    /// re-raises the failure.
    pub async fn run<F, Fut>(self, case: F)
    where
        F: FnOnce(Store) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(case(self.store.clone())).await;
        self.destroy().await;
        if let Err(join) = outcome {
            if join.is_panic() {
                std::panic::resume_unwind(join.into_panic());
            }
            panic!("the case did not finish: {join}");
        }
    }

    pub async fn destroy(self) {
        let _ = self.store.close().await;
        match self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    // Only the main file always exists.
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::Postgres { url, name } => {
                let admin = admin(&url).await;
                admin
                    .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                    .await
                    .expect("drop the test database");
                let _ = admin.close().await;
            }
        }
    }
}

/// The name of this process's migrated template, built by the first PostgreSQL test.
static TEMPLATE: OnceCell<String> = OnceCell::const_new();

async fn build_template(url: &str) -> Result<String, String> {
    let name = format!("crm_test_template_{:016x}", migrations_hash());
    let admin = admin(url).await;
    if database_exists(&admin, &name).await? {
        let _ = admin.close().await;
        return Ok(name);
    }
    let building = format!("crm_test_build_{}", Uuid::new_v4().simple());
    run_sql(&admin, &format!("CREATE DATABASE \"{building}\"")).await?;
    let migrated = migrate(&with_database(url, &building)).await;
    let placed = match migrated {
        Ok(()) => {
            run_sql(
                &admin,
                &format!("ALTER DATABASE \"{building}\" WITH ALLOW_CONNECTIONS false"),
            )
            .await?;
            run_sql(
                &admin,
                &format!("ALTER DATABASE \"{building}\" RENAME TO \"{name}\""),
            )
            .await
        }
        Err(err) => Err(err),
    };
    let result = match placed {
        Ok(()) => Ok(name),
        // Another test process renamed its own copy into place first: use that one.
        Err(_) if database_exists(&admin, &name).await? => {
            drop_database(&admin, &building).await?;
            Ok(name)
        }
        Err(err) => {
            drop_database(&admin, &building).await?;
            Err(err)
        }
    };
    let _ = admin.close().await;
    result
}

async fn migrate(url: &str) -> Result<(), String> {
    let store = Store::connect(&StoreConfig {
        url: url.to_owned(),
        max_connections: 1,
        ..StoreConfig::new("")
    })
    .await
    .map_err(|err| err.to_string())?;
    let migrated = store.migrate().await.map_err(|err| err.to_string());
    // The template must have no session left, or cloning it fails.
    store.close().await.map_err(|err| err.to_string())?;
    migrated
}

async fn admin(url: &str) -> DatabaseConnection {
    let mut options = ConnectOptions::new(url.to_owned());
    options.max_connections(1).sqlx_logging(false);
    Database::connect(options)
        .await
        .expect("connect to TEST_DATABASE_URL")
}

async fn run_sql(db: &DatabaseConnection, sql: &str) -> Result<(), String> {
    db.execute_unprepared(sql)
        .await
        .map(|_| ())
        .map_err(|err| format!("{sql}: {err}"))
}

async fn drop_database(db: &DatabaseConnection, name: &str) -> Result<(), String> {
    run_sql(
        db,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    )
    .await
}

async fn database_exists(db: &DatabaseConnection, name: &str) -> Result<bool, String> {
    let found = db
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM pg_database WHERE datname = $1",
            [name.into()],
        ))
        .await
        .map_err(|err| err.to_string())?;
    Ok(found.is_some())
}

/// FNV-1a over the migration names and the sources of the `migration` crate: stable across
/// toolchains (unlike `DefaultHasher`), and it changes whenever the schema can.
fn migrations_hash() -> u64 {
    let mut hash = Fnv::default();
    for migration in migration::Migrator::migrations() {
        hash.write(migration.name().as_bytes());
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../migration/src");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    for file in files {
        if let Ok(text) = std::fs::read(&file) {
            hash.write(&text);
        }
    }
    hash.0
}

struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Self(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority..].find('/') {
        Some(slash) => &base[..authority + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

#[cfg(test)]
#[test]
fn a_test_database_url_gets_its_database_replaced() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t_1"),
        "postgres://postgres@127.0.0.1:5432/t_1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "t_1"),
        "postgres://u:p@h/t_1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "t_1"), "postgres://h/t_1");
}
