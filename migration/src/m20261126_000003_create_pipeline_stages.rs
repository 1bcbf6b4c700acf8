//! Creates `pipeline_stages`, each user's own Kanban columns.
//!
//! Deals point at a stage by id, so renaming a stage touches one row. The primary key is
//! (`user_id`, `id`) so that deals can reference a stage with a composite foreign key that
//! cannot cross tenants, and so the table distributes by `user_id` on Citus.

use sea_orm_migration::{
    prelude::*,
    schema::{integer, text, timestamp_with_time_zone, uuid},
};

use super::common::{STAGE_KINDS, index, one_of};
use super::m20261126_000001_create_users::Users;

/// Creates the `pipeline_stages` table.
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
                    .table(PipelineStages::Table)
                    .col(uuid(PipelineStages::UserId))
                    .col(uuid(PipelineStages::Id))
                    .col(text(PipelineStages::Name))
                    .col(integer(PipelineStages::Position).check((
                        "pipeline_stages_position_check",
                        Expr::col(PipelineStages::Position).gte(0),
                    )))
                    .col(text(PipelineStages::Kind).check((
                        "pipeline_stages_kind_check",
                        one_of(PipelineStages::Kind, &STAGE_KINDS),
                    )))
                    .col(integer(PipelineStages::Probability).check((
                        "pipeline_stages_probability_check",
                        Expr::col(PipelineStages::Probability).between(0, 100),
                    )))
                    .col(timestamp_with_time_zone(PipelineStages::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(PipelineStages::UserId)
                            .col(PipelineStages::Id),
                    )
                    .index(
                        Index::create()
                            .name("pipeline_stages_user_name_key")
                            .unique()
                            .col(PipelineStages::UserId)
                            .col(PipelineStages::Name),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("pipeline_stages_user_id_fkey")
                            .from(PipelineStages::Table, PipelineStages::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The board lists a user's columns in order.
        manager
            .create_index(
                index(
                    "pipeline_stages_user_id_position_idx",
                    PipelineStages::Table,
                )
                .col(PipelineStages::UserId)
                .col(PipelineStages::Position)
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table drops its indexes too, on both backends.
        manager
            .drop_table(Table::drop().table(PipelineStages::Table).to_owned())
            .await
    }
}

/// Identifiers of the `pipeline_stages` table.
#[derive(DeriveIden)]
pub(crate) enum PipelineStages {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Stage id, unique within the tenant.
    Id,
    /// Column title, unique within the tenant.
    Name,
    /// Left-to-right position on the board, from 0.
    Position,
    /// `open`, `won` or `lost`.
    Kind,
    /// Default win probability (0..=100) of a deal in this stage.
    Probability,
    /// When the stage was created (UTC).
    CreatedAt,
}
