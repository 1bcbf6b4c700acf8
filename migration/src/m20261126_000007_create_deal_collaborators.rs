//! Creates `deal_collaborators`, the colleagues a deal's owner lists on it (the seed's
//! "agents").
//!
//! The tenant column is `owner_id` (the deal's `user_id`), because `user_id` here names the
//! collaborator. Listing someone gives them no access to the owner's rows. The deal reference
//! is composite on (`owner_id`, `deal_id`) and cascades, so the list goes with its deal; the
//! collaborator reference cascades too, so a deleted user drops off every list.

use sea_orm_migration::{
    prelude::*,
    schema::{timestamp_with_time_zone, uuid},
};

use super::common::index;
use super::m20261126_000001_create_users::Users;
use super::m20261126_000005_create_deals::Deals;

/// Creates the `deal_collaborators` table.
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
                    .table(DealCollaborators::Table)
                    .col(uuid(DealCollaborators::OwnerId))
                    .col(uuid(DealCollaborators::DealId))
                    .col(uuid(DealCollaborators::UserId))
                    .col(timestamp_with_time_zone(DealCollaborators::AddedAt))
                    .primary_key(
                        Index::create()
                            .col(DealCollaborators::OwnerId)
                            .col(DealCollaborators::DealId)
                            .col(DealCollaborators::UserId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_collaborators_owner_id_fkey")
                            .from(DealCollaborators::Table, DealCollaborators::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_collaborators_deal_fkey")
                            .from(
                                DealCollaborators::Table,
                                (DealCollaborators::OwnerId, DealCollaborators::DealId),
                            )
                            .to(Deals::Table, (Deals::UserId, Deals::Id))
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deal_collaborators_user_id_fkey")
                            .from(DealCollaborators::Table, DealCollaborators::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        // The deals of one owner a given colleague is listed on (and the cascade from users).
        manager
            .create_index(
                index(
                    "deal_collaborators_owner_id_user_id_idx",
                    DealCollaborators::Table,
                )
                .col(DealCollaborators::OwnerId)
                .col(DealCollaborators::UserId)
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DealCollaborators::Table).to_owned())
            .await
    }
}

/// Identifiers of the `deal_collaborators` table.
#[derive(DeriveIden)]
pub(crate) enum DealCollaborators {
    /// The table itself.
    Table,
    /// The tenant: the deal's owner (its `user_id`).
    OwnerId,
    /// The deal.
    DealId,
    /// The collaborator.
    UserId,
    /// When the collaborator was listed (UTC).
    AddedAt,
}
