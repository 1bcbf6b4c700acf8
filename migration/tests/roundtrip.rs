//! Runs the migrations against real databases: up, down and up again, and checks that the
//! constraints the rest of the CRM relies on are enforced by the database itself.
//!
//! Every test runs on SQLite (a fresh temporary file) and, when `TEST_DATABASE_URL` names a
//! PostgreSQL server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`), on a fresh
//! PostgreSQL database created through that URL and dropped afterwards.

use std::{future::Future, path::PathBuf};

use migration::{Migrator, MigratorTrait};
use sea_orm_migration::{
    SchemaManager,
    sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr},
};

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

/// Every table the migrations create, in creation order.
const TABLES: [&str; 9] = [
    "users",
    "companies",
    "pipeline_stages",
    "contacts",
    "deals",
    "deal_stage_changes",
    "deal_collaborators",
    "activities",
    "marketing_spend",
];

const USER_A: &str = "0190a000-0000-7000-8000-00000000000a";
const USER_B: &str = "0190a000-0000-7000-8000-00000000000b";
const STAGE_A: &str = "0190a000-0000-7000-8000-0000000005a1";
const STAGE_B: &str = "0190a000-0000-7000-8000-0000000005b1";
const CONTACT_A: &str = "0190a000-0000-7000-8000-000000000ca1";
const CONTACT_B: &str = "0190a000-0000-7000-8000-000000000cb1";
const DEAL_A: &str = "0190a000-0000-7000-8000-000000000da1";
const NOW: &str = "2026-11-26T12:00:00Z";

/// A throw-away database, and what it takes to get rid of it.
struct TestDb {
    conn: DatabaseConnection,
    cleanup: Cleanup,
}

enum Cleanup {
    SqliteFile(PathBuf),
    PostgresDatabase {
        admin: DatabaseConnection,
        name: String,
    },
}

impl TestDb {
    /// A fresh SQLite file under the temp dir, with foreign keys enforced.
    async fn sqlite() -> Result<Self, DbErr> {
        let path =
            std::env::temp_dir().join(format!("mig_{}.sqlite", uuid::Uuid::new_v4().simple()));
        let mut options = ConnectOptions::new(format!("sqlite://{}?mode=rwc", path.display()));
        // One connection, so the PRAGMA below holds for every statement of the test.
        options.max_connections(1).sqlx_logging(false);
        let conn = Database::connect(options).await?;
        conn.execute_unprepared("PRAGMA foreign_keys=ON").await?;
        Ok(Self {
            conn,
            cleanup: Cleanup::SqliteFile(path),
        })
    }

    /// A fresh PostgreSQL database created through `url`, which names an existing database.
    async fn postgres(url: &str) -> Result<Self, DbErr> {
        let mut admin_options = ConnectOptions::new(url);
        admin_options.max_connections(1).sqlx_logging(false);
        let admin = Database::connect(admin_options).await?;
        let name = format!("mig_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        let mut options = ConnectOptions::new(with_database(url, &name));
        options.max_connections(2).sqlx_logging(false);
        let conn = Database::connect(options).await?;
        Ok(Self {
            conn,
            cleanup: Cleanup::PostgresDatabase { admin, name },
        })
    }

    async fn destroy(self) -> Result<(), DbErr> {
        self.conn.close().await?;
        match self.cleanup {
            Cleanup::SqliteFile(path) => {
                for suffix in ["", "-wal", "-shm", "-journal"] {
                    let mut file = path.clone().into_os_string();
                    file.push(suffix);
                    // Only the main file always exists.
                    let _ = std::fs::remove_file(file);
                }
            }
            Cleanup::PostgresDatabase { admin, name } => {
                admin
                    .execute_unprepared(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
                    .await?;
                admin.close().await?;
            }
        }
        Ok(())
    }
}

/// `url` with its database (the path) replaced by `name`, keeping any query string.
fn with_database(url: &str, name: &str) -> String {
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

/// Runs `check` on a fresh database of every configured backend, cleaning up even when it
/// fails or panics. Errors name the backend they happened on.
async fn on_every_backend<F, Fut>(check: F) -> TestResult
where
    F: Fn(DatabaseConnection) -> Fut,
    Fut: Future<Output = TestResult> + Send + 'static,
{
    let mut backends = vec![None];
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        backends.push(Some(url));
    }
    for url in backends {
        let db = match &url {
            None => TestDb::sqlite().await?,
            Some(url) => TestDb::postgres(url).await?,
        };
        let backend = format!("{:?}", db.conn.get_database_backend());
        // A task, so that a failed assertion still lets the database be dropped.
        let outcome = tokio::spawn(check(db.conn.clone())).await;
        db.destroy().await?;
        match outcome {
            Ok(result) => result.map_err(|err| format!("on {backend}: {err}"))?,
            Err(join) if join.is_panic() => {
                eprintln!("panicked on {backend}");
                std::panic::resume_unwind(join.into_panic())
            }
            Err(join) => return Err(join.into()),
        }
    }
    Ok(())
}

async fn existing_tables(db: &DatabaseConnection) -> Result<Vec<&'static str>, DbErr> {
    let manager = SchemaManager::new(db);
    let mut found = Vec::new();
    for table in TABLES {
        if manager.has_table(table).await? {
            found.push(table);
        }
    }
    Ok(found)
}

async fn run(db: &DatabaseConnection, sql: &str) -> Result<(), DbErr> {
    db.execute_unprepared(sql).await.map(|_| ())
}

async fn count(db: &DatabaseConnection, table: &str, filter: &str) -> Result<i64, DbErr> {
    let sql = format!("SELECT COUNT(*) AS n FROM {table} WHERE {filter}");
    let row = db
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            db.get_database_backend(),
            sql,
        ))
        .await?
        .ok_or_else(|| DbErr::Custom("COUNT(*) returned no row".to_owned()))?;
    row.try_get_by_index::<i64>(0)
}

/// Asserts that `sql` is refused, and that the error names `constraint` where the backend
/// reports constraint names (PostgreSQL always; SQLite for CHECK constraints only).
async fn assert_refused(
    db: &DatabaseConnection,
    sql: &str,
    constraint: &str,
    sqlite_names_it: bool,
) -> TestResult {
    let Err(err) = run(db, sql).await else {
        return Err(format!("accepted, but `{constraint}` should refuse it: {sql}").into());
    };
    let message = err.to_string();
    let named = match db.get_database_backend() {
        DbBackend::Sqlite => !sqlite_names_it || message.contains(constraint),
        _ => message.contains(constraint),
    };
    if named {
        Ok(())
    } else {
        Err(format!("refused, but not by `{constraint}`: {message}").into())
    }
}

fn insert_user(id: &str, email: &str) -> String {
    format!(
        "INSERT INTO users (id, email, password_hash, display_name, avatar_url, created_at) \
         VALUES ('{id}', '{email}', NULL, '{email}', NULL, '{NOW}')"
    )
}

fn insert_stage(user: &str, id: &str) -> String {
    format!(
        "INSERT INTO pipeline_stages (user_id, id, name, position, kind, probability, created_at) \
         VALUES ('{user}', '{id}', 'Contact', 0, 'open', 10, '{NOW}')"
    )
}

fn insert_contact(user: &str, id: &str, email: &str) -> String {
    format!(
        "INSERT INTO contacts (user_id, id, first_name, last_name, email, created_by, \
         created_at, updated_at) \
         VALUES ('{user}', '{id}', 'Ada', 'Lovelace', '{email}', '{user}', '{NOW}', '{NOW}')"
    )
}

fn insert_deal(user: &str, id: &str, stage: &str, contact: Option<&str>, progress: i32) -> String {
    let contact = contact.map_or_else(|| "NULL".to_owned(), |c| format!("'{c}'"));
    format!(
        "INSERT INTO deals (user_id, id, name, stage_id, progress, create_date, last_update, \
         created_by, contact_id) \
         VALUES ('{user}', '{id}', 'Deal', '{stage}', {progress}, '{NOW}', '{NOW}', '{user}', \
         {contact})"
    )
}

/// Migrates up and inserts two users, each with one stage and one contact.
async fn two_users(db: &DatabaseConnection) -> TestResult {
    Migrator::up(db, None).await?;
    for sql in [
        insert_user(USER_A, "a@example.com"),
        insert_user(USER_B, "b@example.com"),
        insert_stage(USER_A, STAGE_A),
        insert_stage(USER_B, STAGE_B),
        insert_contact(USER_A, CONTACT_A, "ada@example.com"),
        insert_contact(USER_B, CONTACT_B, "grace@example.com"),
    ] {
        run(db, &sql).await?;
    }
    Ok(())
}

#[tokio::test]
async fn migrating_up_down_and_up_again_leaves_all_nine_tables() -> TestResult {
    on_every_backend(|db| async move {
        Migrator::up(&db, None).await?;
        assert_eq!(existing_tables(&db).await?, TABLES, "after the first up");
        assert!(
            Migrator::get_pending_migrations(&db).await?.is_empty(),
            "nothing pending after up"
        );

        Migrator::down(&db, None).await?;
        assert_eq!(
            existing_tables(&db).await?,
            Vec::<&str>::new(),
            "after down"
        );

        Migrator::up(&db, None).await?;
        assert_eq!(existing_tables(&db).await?, TABLES, "after the second up");
        Ok(())
    })
    .await
}

#[tokio::test]
async fn sqlite_test_databases_enforce_foreign_keys() -> TestResult {
    let db = TestDb::sqlite().await?;
    let row = db
        .conn
        .query_one_raw(sea_orm_migration::sea_orm::Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA foreign_keys",
        ))
        .await?;
    let enabled = match row {
        Some(row) => row.try_get_by_index::<i64>(0)?,
        None => 0,
    };
    db.destroy().await?;
    assert_eq!(enabled, 1);
    Ok(())
}

#[tokio::test]
async fn a_deal_with_progress_above_100_is_refused() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        run(&db, &insert_deal(USER_A, DEAL_A, STAGE_A, None, 100)).await?;
        let other = "0190a000-0000-7000-8000-000000000da2";
        assert_refused(
            &db,
            &insert_deal(USER_A, other, STAGE_A, None, 101),
            "deals_progress_check",
            true,
        )
        .await?;
        assert_refused(
            &db,
            &format!("UPDATE deals SET priority = 'whenever' WHERE id = '{DEAL_A}'"),
            "deals_priority_check",
            true,
        )
        .await
    })
    .await
}

#[tokio::test]
async fn a_deal_naming_another_users_contact_is_refused() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        assert_refused(
            &db,
            &insert_deal(USER_A, DEAL_A, STAGE_A, Some(CONTACT_B), 0),
            "deals_contact_fkey",
            false,
        )
        .await?;
        assert_refused(
            &db,
            &insert_deal(USER_A, DEAL_A, STAGE_B, None, 0),
            "deals_stage_fkey",
            false,
        )
        .await?;
        run(
            &db,
            &insert_deal(USER_A, DEAL_A, STAGE_A, Some(CONTACT_A), 0),
        )
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn contact_emails_are_unique_per_user_but_not_across_users() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        let second = "0190a000-0000-7000-8000-000000000ca2";
        assert_refused(
            &db,
            &insert_contact(USER_A, second, "ada@example.com"),
            "contacts_user_email_key",
            false,
        )
        .await?;
        // User B may know the same person: nothing tells B that A has that address.
        run(&db, &insert_contact(USER_B, second, "ada@example.com")).await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn an_activity_must_concern_a_contact_or_a_deal() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        let insert = |id: &str, contact: &str| {
            format!(
                "INSERT INTO activities (user_id, id, type, contact_id, deal_id, metadata, \
                 created_by, created_at, updated_at) \
                 VALUES ('{USER_A}', '{id}', 'note', {contact}, NULL, '{{}}', '{USER_A}', \
                 '{NOW}', '{NOW}')"
            )
        };
        assert_refused(
            &db,
            &insert("0190a000-0000-7000-8000-0000000000a1", "NULL"),
            "activities_target_check",
            true,
        )
        .await?;
        run(
            &db,
            &insert(
                "0190a000-0000-7000-8000-0000000000a2",
                &format!("'{CONTACT_A}'"),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

#[tokio::test]
async fn deleting_a_contact_that_a_deal_still_names_is_refused() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        run(
            &db,
            &insert_deal(USER_A, DEAL_A, STAGE_A, Some(CONTACT_A), 0),
        )
        .await?;
        let delete = format!("DELETE FROM contacts WHERE user_id = '{USER_A}' AND id = '{CONTACT_A}'");
        assert_refused(&db, &delete, "deals_contact_fkey", false).await?;
        // The store's way: clear the reference first, in the same transaction.
        run(
            &db,
            &format!("UPDATE deals SET contact_id = NULL WHERE user_id = '{USER_A}' AND contact_id = '{CONTACT_A}'"),
        )
        .await?;
        run(&db, &delete).await?;
        assert_eq!(count(&db, "deals", &format!("id = '{DEAL_A}'")).await?, 1);
        Ok(())
    })
    .await
}

#[tokio::test]
async fn deleting_a_user_removes_their_rows_and_nobody_elses() -> TestResult {
    on_every_backend(|db| async move {
        two_users(&db).await?;
        for sql in [
            insert_deal(USER_A, DEAL_A, STAGE_A, Some(CONTACT_A), 0),
            format!(
                "INSERT INTO deal_stage_changes (user_id, id, deal_id, from_stage_id, \
                 to_stage_id, from_stage, to_stage, to_kind, changed_by, changed_at) \
                 VALUES ('{USER_A}', '0190a000-0000-7000-8000-0000000000c1', '{DEAL_A}', NULL, \
                 '{STAGE_A}', NULL, 'Contact', 'open', '{USER_A}', '{NOW}')"
            ),
            format!(
                "INSERT INTO deal_collaborators (owner_id, deal_id, user_id, added_at) \
                 VALUES ('{USER_A}', '{DEAL_A}', '{USER_B}', '{NOW}')"
            ),
            format!(
                "INSERT INTO activities (user_id, id, type, contact_id, deal_id, metadata, \
                 created_by, created_at, updated_at) \
                 VALUES ('{USER_A}', '0190a000-0000-7000-8000-0000000000a1', 'call', \
                 '{CONTACT_A}', '{DEAL_A}', '{{\"direction\":\"inbound\"}}', '{USER_A}', \
                 '{NOW}', '{NOW}')"
            ),
            format!(
                "INSERT INTO marketing_spend (user_id, id, spent_on, lead_source, \
                 allotted_cents, used_cents, created_at) \
                 VALUES ('{USER_A}', '0190a000-0000-7000-8000-0000000000e1', '2026-11-26', \
                 'webinar', 999999999999999, 0, '{NOW}')"
            ),
            format!(
                "INSERT INTO companies (id, name, name_key, created_by, created_at, updated_at) \
                 VALUES ('0190a000-0000-7000-8000-0000000000f1', 'Acme', 'acme', '{USER_A}', \
                 '{NOW}', '{NOW}')"
            ),
        ] {
            run(&db, &sql).await?;
        }

        run(&db, &format!("DELETE FROM users WHERE id = '{USER_A}'")).await?;

        for table in [
            "pipeline_stages",
            "contacts",
            "deals",
            "deal_stage_changes",
            "activities",
            "marketing_spend",
        ] {
            assert_eq!(
                count(&db, table, &format!("user_id = '{USER_A}'")).await?,
                0,
                "{table} rows of the deleted user"
            );
        }
        assert_eq!(count(&db, "deal_collaborators", "1 = 1").await?, 0);
        assert_eq!(
            count(&db, "contacts", &format!("user_id = '{USER_B}'")).await?,
            1
        );
        assert_eq!(
            count(&db, "pipeline_stages", &format!("user_id = '{USER_B}'")).await?,
            1
        );
        // The shared directory keeps the company; only its creator is forgotten.
        assert_eq!(count(&db, "companies", "created_by IS NULL").await?, 1);
        Ok(())
    })
    .await
}

#[test]
fn a_test_database_url_gets_its_database_replaced() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "mig_1"),
        "postgres://postgres@127.0.0.1:5432/mig_1"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "mig_1"),
        "postgres://u:p@h/mig_1?sslmode=disable"
    );
    assert_eq!(with_database("postgres://h", "mig_1"), "postgres://h/mig_1");
}
