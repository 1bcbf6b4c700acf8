//! Creates `activities`, the timeline of calls, emails, meetings, notes and tasks.
//!
//! An activity belongs to a contact, a deal or both (`activities_target_check`), always of the
//! same tenant (composite foreign keys), and goes with them when they are deleted. `metadata`
//! is JSONB on PostgreSQL and JSON text on SQLite; its shape per `type` is checked in the
//! domain layer, not here, so both backends behave the same.

use sea_orm_migration::{
    prelude::*,
    schema::{json_binary, text, text_null, timestamp_with_time_zone, uuid, uuid_null},
};

use super::common::{ACTIVITY_TYPES, index, one_of};
use super::m20261126_000001_create_users::Users;
use super::m20261126_000004_create_contacts::Contacts;
use super::m20261126_000005_create_deals::Deals;

/// Creates the `activities` table.
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
                    .table(Activities::Table)
                    .col(uuid(Activities::UserId))
                    .col(uuid(Activities::Id))
                    .col(text(Activities::Type).check((
                        "activities_type_check",
                        one_of(Activities::Type, &ACTIVITY_TYPES),
                    )))
                    .col(uuid_null(Activities::ContactId))
                    .col(uuid_null(Activities::DealId))
                    .col(text_null(Activities::Subject))
                    .col(text_null(Activities::Description))
                    .col(json_binary(Activities::Metadata))
                    .col(uuid(Activities::CreatedBy))
                    .col(timestamp_with_time_zone(Activities::CreatedAt))
                    .col(timestamp_with_time_zone(Activities::UpdatedAt))
                    .primary_key(Index::create().col(Activities::UserId).col(Activities::Id))
                    .check((
                        "activities_target_check",
                        Expr::col(Activities::ContactId)
                            .is_not_null()
                            .or(Expr::col(Activities::DealId).is_not_null()),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("activities_user_id_fkey")
                            .from(Activities::Table, Activities::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("activities_contact_fkey")
                            .from(
                                Activities::Table,
                                (Activities::UserId, Activities::ContactId),
                            )
                            .to(Contacts::Table, (Contacts::UserId, Contacts::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("activities_deal_fkey")
                            .from(Activities::Table, (Activities::UserId, Activities::DealId))
                            .to(Deals::Table, (Deals::UserId, Deals::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("activities_created_by_fkey")
                            .from(Activities::Table, Activities::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        // Timelines are read newest first: the whole feed, a contact's, a deal's, and one type.
        manager
            .create_index(
                index("activities_user_id_created_at_idx", Activities::Table)
                    .col(Activities::UserId)
                    .col((Activities::CreatedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "activities_user_id_contact_id_created_at_idx",
                    Activities::Table,
                )
                .col(Activities::UserId)
                .col(Activities::ContactId)
                .col((Activities::CreatedAt, IndexOrder::Desc))
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index(
                    "activities_user_id_deal_id_created_at_idx",
                    Activities::Table,
                )
                .col(Activities::UserId)
                .col(Activities::DealId)
                .col((Activities::CreatedAt, IndexOrder::Desc))
                .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("activities_user_id_type_created_at_idx", Activities::Table)
                    .col(Activities::UserId)
                    .col(Activities::Type)
                    .col((Activities::CreatedAt, IndexOrder::Desc))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Activities::Table).to_owned())
            .await
    }
}

/// Identifiers of the `activities` table.
#[derive(DeriveIden)]
pub(crate) enum Activities {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Activity id, unique within the tenant.
    Id,
    /// `call`, `email`, `meeting`, `note`, `task` or `stage_change` (system only).
    Type,
    /// The contact it concerns, if any.
    ContactId,
    /// The deal it concerns, if any.
    DealId,
    /// One-line summary, optional.
    Subject,
    /// Longer text, optional.
    Description,
    /// Type-specific details (JSON object).
    Metadata,
    /// The user who recorded it.
    CreatedBy,
    /// When it was recorded (UTC).
    CreatedAt,
    /// When it was last changed (UTC).
    UpdatedAt,
}
