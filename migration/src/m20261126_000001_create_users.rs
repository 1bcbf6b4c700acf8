//! Creates `users`, the stand-in for Supabase's `auth.users`.
//!
//! Every tenant row hangs off a user (the tenant is the user), so this table comes first.
//! Emails are unique across the whole table because they are the login name; the application
//! stores them lower-cased so the uniqueness is case-insensitive on both backends.

use sea_orm_migration::{
    prelude::*,
    schema::{text, text_null, timestamp_with_time_zone, uuid},
};

/// Creates the `users` table.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        // SQLite would otherwise run the statements one by one and could stop half-way.
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(uuid(Users::Id).primary_key())
                    .col(text(Users::Email))
                    .col(text_null(Users::PasswordHash))
                    .col(text(Users::DisplayName))
                    .col(text_null(Users::AvatarUrl))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .index(
                        Index::create()
                            .name("users_email_key")
                            .unique()
                            .col(Users::Email),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Users::Table).to_owned())
            .await
    }
}

/// Identifiers of the `users` table.
#[derive(DeriveIden)]
pub(crate) enum Users {
    /// The table itself.
    Table,
    /// Primary key.
    Id,
    /// Login name, lower-cased; unique.
    Email,
    /// Argon2id hash; NULL for users provisioned from an external token.
    PasswordHash,
    /// Name shown in the UI.
    DisplayName,
    /// Picture URL, optional.
    AvatarUrl,
    /// When the user was created (UTC).
    CreatedAt,
}
