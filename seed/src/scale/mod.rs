//! `seed --scale`: a large data set written fast, for benchmarks.
//!
//! Unlike the demo seed, rows do not go through the domain services: they are generated in
//! memory (see `plan`, which keeps the rules the services would: gap-free column positions,
//! stage histories that end in the deal's stage, tenant-consistent references, metadata of the
//! right shape) and written straight into the tables with every constraint and index in
//! place: with `COPY` on PostgreSQL, one transaction per user and a few users at a time; with
//! large multi-row `INSERT`s on SQLite, one transaction per user.
//!
//! Every user gets the password [`SCALE_PASSWORD`], hashed once with argon2id and reused.

mod plan;
mod sink;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration as StdDuration, Instant};

use argon2::password_hash::PasswordHasher as _;
use chrono::{DateTime, Utc};
use crm_domain::repo::UserRepository as _;
use crm_store::Store;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::sqlx::PgPool;
use sea_orm::{ConnectionTrait, DatabaseBackend, TransactionTrait};
use tokio::task::JoinSet;

use self::plan::{SharedRows, UserBatch, UserSpec};
use self::sink::Table;

/// The password of every scale user.
pub const SCALE_PASSWORD: &str = "scale-pass";

/// Users written at once on PostgreSQL (each in its own transaction and connection).
const PARALLEL_USERS: usize = 3;

/// The tables a scale run fills, in foreign-key order (and the order of the report).
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

/// The e-mail of scale user number `index` (0-based): `scale-user-0001@scale.crm`, ….
pub fn scale_email(index: usize) -> String {
    format!("scale-user-{:04}@scale.crm", index + 1)
}

/// How much data a scale run writes. The defaults are the benchmark's data set: 100 users ×
/// 2,000 deals (no board column over 500 cards), 20,000 contacts, 300 companies,
/// collaborators on 10 % of deals, 1,000,000 activities, 30 days of spend.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
pub struct ScaleOptions {
    /// Users, each with the default pipeline.
    #[cfg_attr(feature = "cli", arg(long = "users", default_value_t = 100))]
    pub users: usize,
    /// Deals of each user (a fifth of them, at most, in one column).
    #[cfg_attr(feature = "cli", arg(long = "deals-per-user", default_value_t = 2_000))]
    pub deals_per_user: usize,
    /// Contacts over all users.
    #[cfg_attr(feature = "cli", arg(long = "contacts", default_value_t = 20_000))]
    pub contacts: usize,
    /// Companies in the shared directory.
    #[cfg_attr(feature = "cli", arg(long = "companies", default_value_t = 300))]
    pub companies: usize,
    /// Activities over all users, the `stage_change` entries of the histories included.
    #[cfg_attr(feature = "cli", arg(long = "activities", default_value_t = 1_000_000))]
    pub activities: usize,
    /// Percentage of deals with one or two collaborators.
    #[cfg_attr(
        feature = "cli",
        arg(long = "collaborator-percent", default_value_t = 10)
    )]
    pub collaborator_percent: u32,
    /// Days of marketing spend (one row per lead source and day) for each user.
    #[cfg_attr(feature = "cli", arg(long = "spend-days", default_value_t = 30))]
    pub spend_days: usize,
}

impl Default for ScaleOptions {
    fn default() -> Self {
        Self {
            users: 100,
            deals_per_user: 2_000,
            contacts: 20_000,
            companies: 300,
            activities: 1_000_000,
            collaborator_percent: 10,
            spend_days: 30,
        }
    }
}

/// Errors of a scale run.
#[derive(Debug, thiserror::Error)]
pub enum ScaleError {
    /// The scale users exist already (and no reset was asked for).
    #[error("the scale data set is already there ({0} exists); seed with --reset to start over")]
    AlreadySeeded(String),
    /// The sizes make no sense.
    #[error("invalid scale sizes: {0}")]
    Invalid(String),
    /// The password could not be hashed.
    #[error("cannot hash the scale password: {0}")]
    Hash(String),
    /// A write failed.
    #[error("scale seeding failed: {0}")]
    Database(String),
    /// A writer task panicked or was cancelled.
    #[error("a scale seeding task failed: {0}")]
    Task(String),
}

impl From<crm_domain::DomainError> for ScaleError {
    fn from(err: crm_domain::DomainError) -> Self {
        Self::Database(err.to_string())
    }
}

impl From<sea_orm::DbErr> for ScaleError {
    fn from(err: sea_orm::DbErr) -> Self {
        Self::Database(err.to_string())
    }
}

/// What a scale run wrote.
#[derive(Debug, Clone)]
pub struct ScaleReport {
    /// `PostgreSQL` or `SQLite`.
    pub backend: &'static str,
    /// Rows written per table, in foreign-key order.
    pub rows: Vec<(&'static str, u64)>,
    /// Time spent writing rows (generation included, statistics refresh excluded).
    pub write_time: StdDuration,
    /// Time of the statistics refresh after the writes (`ANALYZE`).
    pub analyze_time: StdDuration,
    /// Rows deleted by the reset, when there was one.
    pub deleted_rows: Option<u64>,
    /// Users written (their e-mails are [`scale_email`] of 0..users).
    pub users: usize,
}

impl ScaleReport {
    /// Rows over all tables.
    pub fn total_rows(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }

    /// Rows written per second of write time.
    pub fn rows_per_second(&self) -> f64 {
        self.total_rows() as f64 / self.write_time.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for ScaleReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(deleted) = self.deleted_rows {
            writeln!(f, "reset: {deleted} rows deleted")?;
        }
        writeln!(
            f,
            "scale seed into {}: {} rows in {:.1} s = {:.0} rows/s (then ANALYZE {:.1} s)",
            self.backend,
            self.total_rows(),
            self.write_time.as_secs_f64(),
            self.rows_per_second(),
            self.analyze_time.as_secs_f64()
        )?;
        for (table, rows) in &self.rows {
            writeln!(f, "  {table:<20} {rows:>10}")?;
        }
        let last = scale_email(self.users.saturating_sub(1));
        write!(
            f,
            "sign in as {} … {last}, password {SCALE_PASSWORD}",
            scale_email(0)
        )
    }
}

/// Writes the scale data set described by `options` into `store` (already migrated).
///
/// With `reset`, every table is emptied first (`TRUNCATE` on PostgreSQL); without it, a
/// database that already holds the first scale user is refused.
///
/// # Errors
/// [`ScaleError::AlreadySeeded`], [`ScaleError::Invalid`] for sizes that make no sense, and
/// the errors of the writes.
pub async fn seed_scale(
    store: &Store,
    options: &ScaleOptions,
    reset: bool,
) -> Result<ScaleReport, ScaleError> {
    validate(options)?;
    let deleted_rows = prepare(store, reset).await?;
    let hash = hash_password()?;
    let now = Utc::now();
    let started = Instant::now();
    let shared = Arc::new(plan::shared_rows(options, &hash, now));
    let mut counts = Counts::default();
    let postgres = store.backend() == DatabaseBackend::Postgres;
    if postgres {
        let pool = store.connection().get_postgres_connection_pool().clone();
        write_shared_pg(&pool, &shared, &mut counts).await?;
        write_users_pg(&pool, options, &shared, now, &mut counts).await?;
    } else {
        write_shared_sqlite(store, &shared, &mut counts).await?;
        write_users_sqlite(store, options, &shared, now, &mut counts).await?;
    }
    let write_time = started.elapsed();
    let analyzed = Instant::now();
    analyze(store).await?;
    Ok(ScaleReport {
        backend: if postgres { "PostgreSQL" } else { "SQLite" },
        rows: counts.into_rows(),
        write_time,
        analyze_time: analyzed.elapsed(),
        deleted_rows,
        users: options.users,
    })
}

fn validate(options: &ScaleOptions) -> Result<(), ScaleError> {
    if options.users == 0 {
        return Err(ScaleError::Invalid("at least one user".to_owned()));
    }
    if options.collaborator_percent > 100 {
        return Err(ScaleError::Invalid(
            "collaborator-percent is at most 100".to_owned(),
        ));
    }
    Ok(())
}

/// Empties the database with `reset`; otherwise refuses one that holds the scale users.
async fn prepare(store: &Store, reset: bool) -> Result<Option<u64>, ScaleError> {
    if reset {
        return empty_everything(store).await.map(Some);
    }
    let first = scale_email(0);
    if store.credentials(&first).await?.is_some() {
        return Err(ScaleError::AlreadySeeded(first));
    }
    Ok(None)
}

/// Deletes every row of every table: `TRUNCATE` on PostgreSQL (a scale data set is too large
/// for row-by-row deletes), the demo seed's reset on SQLite.
async fn empty_everything(store: &Store) -> Result<u64, ScaleError> {
    if store.backend() != DatabaseBackend::Postgres {
        return Ok(crate::reset::delete_everything(store).await?);
    }
    let db = store.connection();
    let count = db
        .query_one_raw(sea_orm::Statement::from_string(
            DatabaseBackend::Postgres,
            "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM deals) \
             + (SELECT COUNT(*) FROM activities) AS n",
        ))
        .await?
        .and_then(|row| row.try_get::<i64>("", "n").ok())
        .unwrap_or_default();
    db.execute_unprepared(&format!("TRUNCATE {} CASCADE", TABLES.join(", ")))
        .await?;
    Ok(u64::try_from(count).unwrap_or_default())
}

/// An argon2id PHC string for [`SCALE_PASSWORD`], computed once for every user.
fn hash_password() -> Result<String, ScaleError> {
    let salt =
        argon2::password_hash::SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    argon2::Argon2::default()
        .hash_password(SCALE_PASSWORD.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| ScaleError::Hash(err.to_string()))
}

/// Rows written per table.
#[derive(Debug, Default)]
struct Counts(Vec<(&'static str, u64)>);

impl Counts {
    fn add(&mut self, table: &'static str, rows: u64) {
        match self.0.iter_mut().find(|(name, _)| *name == table) {
            Some((_, n)) => *n += rows,
            None => self.0.push((table, rows)),
        }
    }

    fn into_rows(self) -> Vec<(&'static str, u64)> {
        TABLES
            .iter()
            .map(|table| {
                let rows = self
                    .0
                    .iter()
                    .find(|(name, _)| name == table)
                    .map_or(0, |(_, n)| *n);
                (*table, rows)
            })
            .collect()
    }
}

/// The generation parameters of user number `index`.
fn user_spec(options: &ScaleOptions, shared: &SharedRows, index: usize) -> UserSpec {
    UserSpec {
        user_id: shared.user_ids[index],
        contacts: share(options.contacts, options.users, index),
        activities: share(options.activities, options.users, index),
        rng: StdRng::seed_from_u64(crate::SEED ^ ((index as u64 + 1) << 20)),
    }
}

/// User `index`'s part of `total` split over `users` (the remainder to the first users).
fn share(total: usize, users: usize, index: usize) -> usize {
    total / users + usize::from(index < total % users)
}

fn progress_bar(users: usize) -> ProgressBar {
    let bar = ProgressBar::new(users as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} users, {msg}",
    ) {
        bar.set_style(style);
    }
    bar.enable_steady_tick(StdDuration::from_millis(200));
    bar
}

fn tick(bar: &ProgressBar, counts: &Counts, started: Instant) {
    let rows: u64 = counts.0.iter().map(|(_, n)| n).sum();
    let rate = rows as f64 / started.elapsed().as_secs_f64().max(1e-9);
    bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
    bar.inc(1);
}

async fn write_shared_pg(
    pool: &PgPool,
    shared: &SharedRows,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    let mut tx = pool.begin().await.map_err(pg_err)?;
    for table in [&shared.users, &shared.companies] {
        counts.add(table.name, sink::copy_into(&mut tx, table).await?);
    }
    tx.commit().await.map_err(pg_err)
}

/// Writes the users' batches, [`PARALLEL_USERS`] at a time, each in one transaction.
async fn write_users_pg(
    pool: &PgPool,
    options: &ScaleOptions,
    shared: &Arc<SharedRows>,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    let bar = progress_bar(options.users);
    let started = Instant::now();
    let mut tasks: JoinSet<Result<Vec<(&'static str, u64)>, ScaleError>> = JoinSet::new();
    for index in 0..options.users {
        if tasks.len() >= PARALLEL_USERS {
            collect_task(&mut tasks, counts).await?;
            tick(&bar, counts, started);
        }
        let (pool, options, shared) = (pool.clone(), options.clone(), Arc::clone(shared));
        tasks.spawn(async move {
            let spec = user_spec(&options, &shared, index);
            let batch =
                plan::user_batch(&options, &shared.user_ids, &shared.company_ids, spec, now);
            copy_batch(&pool, &batch).await
        });
    }
    while !tasks.is_empty() {
        collect_task(&mut tasks, counts).await?;
        tick(&bar, counts, started);
    }
    bar.finish_and_clear();
    Ok(())
}

async fn collect_task(
    tasks: &mut JoinSet<Result<Vec<(&'static str, u64)>, ScaleError>>,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    match tasks.join_next().await {
        Some(Ok(rows)) => {
            for (table, n) in rows? {
                counts.add(table, n);
            }
            Ok(())
        }
        Some(Err(err)) => Err(ScaleError::Task(err.to_string())),
        None => Ok(()),
    }
}

async fn copy_batch(
    pool: &PgPool,
    batch: &UserBatch,
) -> Result<Vec<(&'static str, u64)>, ScaleError> {
    let mut tx = pool.begin().await.map_err(pg_err)?;
    let mut written = Vec::with_capacity(batch.tables.len());
    for table in &batch.tables {
        written.push((table.name, sink::copy_into(&mut tx, table).await?));
    }
    tx.commit().await.map_err(pg_err)?;
    Ok(written)
}

async fn write_shared_sqlite(
    store: &Store,
    shared: &SharedRows,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    insert_tables(store, [&shared.users, &shared.companies], counts).await
}

/// Writes the users' batches one after the other (SQLite has one writer), one transaction each.
async fn write_users_sqlite(
    store: &Store,
    options: &ScaleOptions,
    shared: &SharedRows,
    now: DateTime<Utc>,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    let bar = progress_bar(options.users);
    let started = Instant::now();
    for index in 0..options.users {
        let spec = user_spec(options, shared, index);
        let batch = plan::user_batch(options, &shared.user_ids, &shared.company_ids, spec, now);
        insert_tables(store, batch.tables.iter(), counts).await?;
        tick(&bar, counts, started);
    }
    bar.finish_and_clear();
    Ok(())
}

async fn insert_tables<'a>(
    store: &Store,
    tables: impl IntoIterator<Item = &'a Table>,
    counts: &mut Counts,
) -> Result<(), ScaleError> {
    let txn = store.connection().begin().await?;
    for table in tables {
        counts.add(table.name, sink::insert_into(&txn, table).await?);
    }
    txn.commit().await?;
    Ok(())
}

/// Refreshes the planner's statistics, so the first queries after a bulk load use the
/// indexes.
async fn analyze(store: &Store) -> Result<(), ScaleError> {
    let sql = match store.backend() {
        DatabaseBackend::Postgres => format!("ANALYZE {}", TABLES.join(", ")),
        _ => "ANALYZE".to_owned(),
    };
    store.connection().execute_unprepared(&sql).await?;
    Ok(())
}

fn pg_err(err: sea_orm::sqlx::Error) -> ScaleError {
    ScaleError::Database(err.to_string())
}
