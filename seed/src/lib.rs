//! Demo data for the CRM, written through `crm-store` and the domain services so every rule
//! applies (validation, tenancy, stage history, column positions).
//!
//! [`seed_demo`] registers the [`DEMO_USERS`] (argon2id password hashes), fills the shared
//! company directory and gives each user their own contacts, deals, activities and marketing
//! spend. The repositories stamp rows with the current time, so right after each write the
//! seed dates it into the past (`backdate`): contacts over the last 13 months, deals and their
//! stage histories over the last nine (moves a day or more apart, every deal in its current
//! stage for two days or more, so the deal page's "days in stage" is never a fresh 0),
//! activities over the 13 calendar months of the customer-feedback chart plus a denser last
//! 30 days, spend for the 30 days ending today.
//!
//! Choices come from a [`rand::rngs::StdRng`] with a fixed seed per user, so every run has the
//! same shape (the same counts, stages, sources and amounts; ids and dates follow the clock).
//!
//! Each user's data is independent of the others', so on PostgreSQL the users (and their
//! spend per lead source) are seeded by concurrent tasks; on SQLite, which has one writer at a
//! time, one after the other.
//!
//! Seeding is re-runnable: when the demo users exist it does nothing; with `reset` it first
//! empties every table. It is not one transaction (each service call commits its own), so a
//! run that failed half-way is repaired with `reset`.
//!
//! [`seed_scale`] (`seed --scale`) is the other seed: a large data set for benchmarks, written
//! straight into the tables (`COPY` on PostgreSQL) rather than through the services.

mod backdate;
mod catalog;
mod clock;
mod reset;
mod scale;
mod user_data;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Instant;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHasher, SaltString};
use chrono::{Duration, Utc};
use crm_domain::{LeadSource, NewCompany, NewUser, Services, Tenant, User};
use crm_store::Store;
use rand::SeedableRng;
use rand::rngs::StdRng;
use sea_orm::DatabaseBackend;
use uuid::Uuid;

pub use crate::scale::{
    SCALE_PASSWORD, ScaleError, ScaleOptions, ScaleReport, scale_email, seed_scale,
};

use crate::clock::Clock;
use crate::user_data::{DirectoryEntry, PROFILES, UserSeeder};

/// A demo sign-in: e-mail, password and display name.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    /// E-mail.
    pub email: &'static str,
    /// Password.
    pub password: &'static str,
    /// Display name.
    pub display_name: &'static str,
}

/// The demo users the server prints at start. The first one gets the most data.
pub const DEMO_USERS: &[DemoUser] = &[
    DemoUser {
        email: "ava@demo.crm",
        password: "demo-pass-1",
        display_name: "Ava Thompson",
    },
    DemoUser {
        email: "ben@demo.crm",
        password: "demo-pass-2",
        display_name: "Ben Okafor",
    },
    DemoUser {
        email: "chloe@demo.crm",
        password: "demo-pass-3",
        display_name: "Chloe Martin",
    },
];

/// Seed of the random choices. Each job has its own generator derived from it (the user's
/// position, and the lead source for spend), so the data does not depend on job order.
const SEED: u64 = 0x5EED_C0DE_2026;

/// What a seeding run wrote for one demo user.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct UserSeedReport {
    /// The user's e-mail.
    pub email: String,
    /// Contacts created.
    pub contacts: usize,
    /// Deals created.
    pub deals: usize,
    /// Rows of `deal_stage_changes` (one per creation and one per move).
    pub stage_changes: usize,
    /// `stage_change` activities written by the moves.
    pub stage_change_activities: usize,
    /// Collaborator listings on the deals.
    pub collaborators: usize,
    /// Calls, e-mails, meetings, notes and tasks logged.
    pub activities: usize,
    /// Rows of `marketing_spend`.
    pub spend_rows: usize,
}

/// What a seeding run did.
#[derive(Debug, Default, Clone)]
pub struct SeedReport {
    /// Users created.
    pub users: usize,
    /// Companies added to the shared directory (existing ones are reused).
    pub companies: usize,
    /// `true` when the demo users already existed and nothing was written.
    pub already_seeded: bool,
    /// `true` when every table was emptied first.
    pub reset: bool,
    /// Rows deleted by the reset.
    pub deleted_rows: u64,
    /// What each demo user got, in the order of [`DEMO_USERS`].
    pub per_user: Vec<UserSeedReport>,
    /// Wall-clock time of the run in milliseconds.
    pub duration_ms: u128,
}

impl SeedReport {
    /// Contacts over all users.
    pub fn contacts(&self) -> usize {
        self.per_user.iter().map(|u| u.contacts).sum()
    }

    /// Deals over all users.
    pub fn deals(&self) -> usize {
        self.per_user.iter().map(|u| u.deals).sum()
    }

    /// Logged activities (without `stage_change` entries) over all users.
    pub fn activities(&self) -> usize {
        self.per_user.iter().map(|u| u.activities).sum()
    }
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.already_seeded {
            return f
                .write_str("demo data already present; nothing written (use --reset to re-seed)");
        }
        if self.reset {
            write!(f, "reset ({} rows deleted); ", self.deleted_rows)?;
        }
        write!(
            f,
            "seeded {} users, {} companies in {} ms",
            self.users, self.companies, self.duration_ms
        )?;
        for user in &self.per_user {
            write!(
                f,
                "\n  {}: {} contacts, {} deals ({} stage changes, {} collaborators), \
                 {} activities (+{} stage changes), {} spend rows",
                user.email,
                user.contacts,
                user.deals,
                user.stage_changes,
                user.collaborators,
                user.activities,
                user.stage_change_activities,
                user.spend_rows
            )?;
        }
        Ok(())
    }
}

/// Errors of seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A domain or store failure.
    #[error("seeding failed: {0}")]
    Domain(#[from] crm_domain::DomainError),
    /// A password could not be hashed.
    #[error("cannot hash a demo password: {0}")]
    Hash(String),
    /// Some demo users exist and others do not: an earlier run stopped half-way, or someone
    /// registered a demo address. Seeding with `reset` repairs it.
    #[error("only some demo users exist ({0}); seed with reset to start over")]
    PartiallySeeded(String),
    /// A seeding task panicked or was cancelled.
    #[error("a seeding task failed: {0}")]
    Task(String),
}

/// Seeds the demo data. With `reset`, first deletes every row of every table.
///
/// Without `reset`, a database that already holds the demo users is left alone and the
/// report says [`SeedReport::already_seeded`].
///
/// # Errors
/// [`SeedError::PartiallySeeded`] when only some demo users exist (and `reset` is off),
/// [`SeedError::Hash`] when hashing fails, [`SeedError::Domain`] when a write fails,
/// [`SeedError::Task`] when a concurrent job (PostgreSQL) panicked.
#[tracing::instrument(skip_all, fields(reset = reset))]
pub async fn seed_demo(store: &Store, reset: bool) -> Result<SeedReport, SeedError> {
    let started = Instant::now();
    let services = Services::new(store.repositories());
    let mut report = SeedReport::default();
    if reset {
        report.deleted_rows = reset::delete_everything(store).await?;
        report.reset = true;
    } else {
        let existing = existing_demo_users(&services).await?;
        if existing.len() == DEMO_USERS.len() {
            report.already_seeded = true;
            tracing::info!("demo users exist; nothing to seed");
            return Ok(report);
        }
        if !existing.is_empty() {
            return Err(SeedError::PartiallySeeded(existing.join(", ")));
        }
    }

    let clock = Clock::at(Utc::now());
    let users = register_users(store, &services, &clock).await?;
    report.users = users.len();
    let (directory, added) = company_directory(store, &services, &clock, &users).await?;
    report.companies = added;

    report.per_user = seed_users(store, &services, clock, &users, directory.into()).await?;
    report.duration_ms = started.elapsed().as_millis();
    tracing::info!(
        users = report.users,
        contacts = report.contacts(),
        deals = report.deals(),
        activities = report.activities(),
        duration_ms = report.duration_ms as u64,
        "demo data seeded"
    );
    Ok(report)
}

/// One unit of seeding work and what it wrote.
type Job = Pin<Box<dyn Future<Output = Result<Piece, SeedError>> + Send>>;

/// What a job wrote, for the report.
enum Piece {
    /// A user's contacts, deals and activities.
    History(usize, UserSeedReport),
    /// A user's marketing spend of one lead source: rows written.
    Spend(usize, usize),
}

/// Seeds each user's own data. The jobs are independent (own tenant, own random generator),
/// so on PostgreSQL they run as concurrent tasks; SQLite has one writer at a time anyway, and
/// there they run one after the other.
async fn seed_users(
    store: &Store,
    services: &Services,
    clock: Clock,
    users: &[User],
    directory: Arc<[DirectoryEntry]>,
) -> Result<Vec<UserSeedReport>, SeedError> {
    let mut jobs: Vec<Job> = Vec::new();
    for (index, me) in users.iter().enumerate() {
        let profile = PROFILES[index.min(PROFILES.len() - 1)];
        let seeder = UserSeeder {
            services: services.clone(),
            conn: store.connection().clone(),
            clock,
            me: me.clone(),
            colleagues: users.iter().filter(|u| u.id != me.id).cloned().collect(),
            directory: Arc::clone(&directory),
            rng: StdRng::seed_from_u64(SEED + index as u64),
        };
        jobs.push(Box::pin(async move {
            Ok(Piece::History(index, seeder.run(profile).await?))
        }));
        for (k, source) in LeadSource::ALL.iter().enumerate() {
            let rng = StdRng::seed_from_u64(SEED ^ (((index as u64) << 32) | (k as u64 + 1)));
            let job = user_data::spend(
                services.clone(),
                Tenant::new(me.id),
                clock,
                *source,
                profile.budget_pct,
                rng,
            );
            jobs.push(Box::pin(async move { Ok(Piece::Spend(index, job.await?)) }));
        }
    }
    let mut pieces = Vec::with_capacity(jobs.len());
    if store.backend() == DatabaseBackend::Postgres {
        let mut handles: Vec<_> = jobs.into_iter().map(tokio::spawn).collect();
        for handle in &mut handles {
            let piece = match handle.await {
                Ok(piece) => piece,
                Err(err) => Err(SeedError::Task(err.to_string())),
            };
            match piece {
                Ok(piece) => pieces.push(piece),
                Err(err) => {
                    // Stop the other jobs rather than let them write on after the failure.
                    handles.iter().for_each(tokio::task::JoinHandle::abort);
                    return Err(err);
                }
            }
        }
    } else {
        for job in jobs {
            pieces.push(job.await?);
        }
    }
    let mut reports: Vec<UserSeedReport> = vec![UserSeedReport::default(); users.len()];
    for piece in pieces {
        match piece {
            Piece::History(index, report) => {
                let spend_rows = reports[index].spend_rows;
                reports[index] = UserSeedReport {
                    spend_rows,
                    ..report
                };
            }
            Piece::Spend(index, rows) => reports[index].spend_rows += rows,
        }
    }
    Ok(reports)
}

/// E-mails of the demo users that exist.
async fn existing_demo_users(services: &Services) -> Result<Vec<String>, SeedError> {
    let mut existing = Vec::new();
    for demo in DEMO_USERS {
        if services
            .repos()
            .users
            .credentials(demo.email)
            .await?
            .is_some()
        {
            existing.push(demo.email.to_owned());
        }
    }
    Ok(existing)
}

/// Registers the demo users (with the default pipeline) and dates them before the data.
async fn register_users(
    store: &Store,
    services: &Services,
    clock: &Clock,
) -> Result<Vec<User>, SeedError> {
    let mut users = Vec::with_capacity(DEMO_USERS.len());
    for (i, demo) in DEMO_USERS.iter().enumerate() {
        let hash = hash_password(demo.password)?;
        let new = NewUser::new(
            Uuid::now_v7(),
            demo.email,
            Some(demo.display_name),
            Some(hash),
        )?;
        let user = services.register(new).await?;
        let joined = clock.window_start - Duration::days(30) + Duration::hours(i as i64);
        backdate::user(store.connection(), user.id, joined).await?;
        users.push(user);
    }
    Ok(users)
}

/// An argon2id PHC string for `password` with a fresh salt.
fn hash_password(password: &str) -> Result<String, SeedError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| SeedError::Hash(err.to_string()))
}

/// Gets or adds the catalogue's companies, each added by one of the demo users in turn;
/// returns them and how many were new.
async fn company_directory(
    store: &Store,
    services: &Services,
    clock: &Clock,
    users: &[User],
) -> Result<(Vec<DirectoryEntry>, usize), SeedError> {
    let mut directory = Vec::with_capacity(catalog::COMPANIES.len());
    let mut added = 0;
    for (i, spec) in catalog::COMPANIES.iter().enumerate() {
        let website = format!("https://www.{}", spec.domain);
        let company = NewCompany::new(spec.name, None, Some(spec.industry), Some(&website))?;
        let creator = users
            .get(i % users.len().max(1))
            .map_or(Uuid::nil(), |u| u.id);
        let (company, created) = services
            .repos()
            .companies
            .get_or_create(Tenant::new(creator), company)
            .await?;
        if created {
            added += 1;
            let at = clock.window_start - Duration::days(20) + Duration::hours(i as i64);
            backdate::company(store.connection(), company.id, at).await?;
        }
        directory.push((company, spec));
    }
    Ok((directory, added))
}
