//! Creates `companies`, the shared directory every signed-in user reads and adds to.
//!
//! It is not a tenant table: there is no `user_id`, and on distributed PostgreSQL it becomes a
//! reference table. Names are unique case-insensitively. Instead of an expression index on
//! `lower(name)` (SQLite's `lower` only folds ASCII, PostgreSQL's folds all of Unicode) the
//! application computes `name_key` (trimmed, lower-cased) and the database keeps it unique, so
//! both backends decide "same company" identically.

use sea_orm_migration::{
    prelude::*,
    schema::{text, text_null, timestamp_with_time_zone, uuid, uuid_null},
};

use super::m20261126_000001_create_users::Users;

/// Creates the `companies` table.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Companies::Table)
                    .col(uuid(Companies::Id).primary_key())
                    .col(text(Companies::Name))
                    .col(text(Companies::NameKey))
                    .col(text_null(Companies::LogoUrl))
                    .col(text_null(Companies::Industry))
                    .col(text_null(Companies::Website))
                    .col(uuid_null(Companies::CreatedBy))
                    .col(timestamp_with_time_zone(Companies::CreatedAt))
                    .col(timestamp_with_time_zone(Companies::UpdatedAt))
                    .index(
                        Index::create()
                            .name("companies_name_key")
                            .unique()
                            .col(Companies::NameKey),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("companies_created_by_fkey")
                            .from(Companies::Table, Companies::CreatedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Companies::Table).to_owned())
            .await
    }
}

/// Identifiers of the `companies` table.
#[derive(DeriveIden)]
pub(crate) enum Companies {
    /// The table itself.
    Table,
    /// Primary key.
    Id,
    /// Name as entered.
    Name,
    /// Trimmed, lower-cased name computed by the application; unique.
    NameKey,
    /// Logo URL, optional.
    LogoUrl,
    /// Industry, optional.
    Industry,
    /// Website, optional.
    Website,
    /// The user who added the company; the only one who may edit it.
    CreatedBy,
    /// When the company was added (UTC).
    CreatedAt,
    /// When the company was last changed (UTC).
    UpdatedAt,
}
