//! Schema migrations of the CRM, the single source of truth for its tables on PostgreSQL and
//! SQLite alike (see `shared/spec/schema.md`).
//!
//! One migration per table, applied in dependency order by [`Migrator`]; each one's `down`
//! drops its table, so `Migrator::down(db, None)` takes the schema away in reverse order. A
//! migration that has landed is never edited: a change is a new migration.
//!
//! Layout rules kept by every table (they make the schema ready for distributed PostgreSQL):
//! tenant tables have the primary key (`user_id`, `id`); references between tenant tables are
//! composite foreign keys on (`user_id`, …) that never `SET NULL`; constraints are named
//! (`<table>_<what>_check`, `_key`, `_fkey`, `_idx`) so the store can tell which one a write
//! broke. Foreign keys are declared inside `CREATE TABLE` because SQLite cannot add them later.
//!
//! Each migration runs in a transaction on both backends, so a failure leaves nothing
//! half-applied.

mod common;
mod m20261126_000001_create_users;
mod m20261126_000002_create_companies;
mod m20261126_000003_create_pipeline_stages;
mod m20261126_000004_create_contacts;
mod m20261126_000005_create_deals;
mod m20261126_000006_create_deal_stage_changes;
mod m20261126_000007_create_deal_collaborators;
mod m20261126_000008_create_activities;
mod m20261126_000009_create_marketing_spend;
mod m20261126_000010_row_level_security;
mod m20261126_000011_analytics_indexes;

use sea_orm_migration::{MigrationTrait, async_trait};

/// Re-exported so callers can write `use migration::{Migrator, MigratorTrait};` without a
/// direct dependency on `sea-orm-migration`.
pub use sea_orm_migration::MigratorTrait;

/// The CRM's migrations, oldest first.
///
/// Use it through [`MigratorTrait`]: `Migrator::up(&db, None)` applies what is pending,
/// `Migrator::down(&db, None)` rolls everything back, `Migrator::status(&db)` lists them.
/// Applied migrations are recorded in the `seaql_migrations` table.
///
/// # Errors
///
/// Every `MigratorTrait` method returns the database's error (`DbErr`) when a statement fails;
/// the migration that failed is then rolled back as a whole.
#[derive(Debug, Clone, Copy, Default)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_users::Migration),
            Box::new(m20261126_000002_create_companies::Migration),
            Box::new(m20261126_000003_create_pipeline_stages::Migration),
            Box::new(m20261126_000004_create_contacts::Migration),
            Box::new(m20261126_000005_create_deals::Migration),
            Box::new(m20261126_000006_create_deal_stage_changes::Migration),
            Box::new(m20261126_000007_create_deal_collaborators::Migration),
            Box::new(m20261126_000008_create_activities::Migration),
            Box::new(m20261126_000009_create_marketing_spend::Migration),
            Box::new(m20261126_000010_row_level_security::Migration),
            Box::new(m20261126_000011_analytics_indexes::Migration),
        ]
    }
}

pub use m20261126_000010_row_level_security::REQUEST_ROLE;

/// Tenant tables (PostgreSQL row-level security applies to each) and their tenant column.
pub const TENANT_TABLES: [(&str, &str); 7] = m20261126_000010_row_level_security::TENANT_TABLES;

/// The migration framework, re-exported for callers that inspect migration status.
pub use sea_orm_migration;
