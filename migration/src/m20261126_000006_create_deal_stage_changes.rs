//! Creates `deal_stage_changes`, the history behind the funnel and the deal timeline.
//!
//! One row per stage change, and one on creation (with `from_stage_id` NULL). The stage ids
//! carry no foreign key because history must outlive a deleted stage; the stage names and the
//! target stage's kind are copied as they were at that moment, so analytics need not join a
//! stage that may have been renamed or deleted since. The deal reference is composite and
//! cascades: a deal's history goes with it.

use sea_orm_migration::{
    prelude::*,
    schema::{text, text_null, timestamp_with_time_zone, uuid, uuid_null},
};

use super::common::{STAGE_KINDS, index, one_of};
use super::m20261126_000001_create_users::Users;
use super::m20261126_000005_create_deals::Deals;

/// Creates the `deal_stage_changes` table.
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
                    .table(DealStageChanges::Table)
                    .col(uuid(DealStageChanges::UserId))
                    .col(uuid(DealStageChanges::Id))
                    .col(uuid(DealStageChanges::DealId))
                    .col(uuid_null(DealStageChanges::FromStageId))
                    .col(uuid(DealStageChanges::ToStageId))
                    .col(text_null(DealStageChanges::FromStage))
                    .col(text(DealStageChanges::ToStage))
                    .col(text(DealStageChanges::ToKind).check((
                        "deal_stage_changes_to_kind_check",
                        one_of(DealStageChanges::ToKind, &STAGE_KINDS),
                    )))
                    .col(uuid_null(DealStageChanges::ChangedBy))
                    .col(timestamp_with_time_zone(DealStageChanges::ChangedAt))
                    .primary_key(
                        Index::create()
                            .col(DealStageChanges::UserId)
                            .col(DealStageChanges::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_stage_changes_user_id_fkey")
                            .from(DealStageChanges::Table, DealStageChanges::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_stage_changes_deal_fkey")
                            .from(
                                DealStageChanges::Table,
                                (DealStageChanges::UserId, DealStageChanges::DealId),
                            )
                            .to(Deals::Table, (Deals::UserId, Deals::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_stage_changes_changed_by_fkey")
                            .from(DealStageChanges::Table, DealStageChanges::ChangedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        // A deal's timeline.
        manager
            .create_index(
                index(
                    "deal_stage_changes_user_id_deal_id_changed_at_idx",
                    DealStageChanges::Table,
                )
                .col(DealStageChanges::UserId)
                .col(DealStageChanges::DealId)
                .col(DealStageChanges::ChangedAt)
                .to_owned(),
            )
            .await?;
        // Deals won or lost in a period (analytics).
        manager
            .create_index(
                index(
                    "deal_stage_changes_user_id_to_kind_changed_at_idx",
                    DealStageChanges::Table,
                )
                .col(DealStageChanges::UserId)
                .col(DealStageChanges::ToKind)
                .col(DealStageChanges::ChangedAt)
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DealStageChanges::Table).to_owned())
            .await
    }
}

/// Identifiers of the `deal_stage_changes` table.
#[derive(DeriveIden)]
pub(crate) enum DealStageChanges {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Change id, unique within the tenant.
    Id,
    /// The deal that moved.
    DealId,
    /// The stage it left; NULL when the deal was created.
    FromStageId,
    /// The stage it entered.
    ToStageId,
    /// Name of the stage it left, as it was then.
    FromStage,
    /// Name of the stage it entered, as it was then.
    ToStage,
    /// Kind (`open`, `won`, `lost`) of the stage it entered, as it was then.
    ToKind,
    /// The user who moved it, optional.
    ChangedBy,
    /// When it moved (UTC).
    ChangedAt,
}
