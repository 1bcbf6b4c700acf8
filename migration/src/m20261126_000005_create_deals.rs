//! Creates `deals`, the cards on each user's board.
//!
//! A deal may only name a stage and a contact of its own tenant: both references are composite
//! foreign keys on (`user_id`, …), so the database refuses another user's contact even if the
//! application forgets to check. Neither uses `ON DELETE SET NULL`, which on a composite key
//! would null `user_id` too (and which distributed PostgreSQL refuses): the store clears
//! `contact_id` itself before deleting a contact, and moves deals off a stage before deleting
//! it. Both are `NO ACTION` rather than `RESTRICT` so that deleting a user, which cascades to
//! deals, contacts and stages in one statement, is checked only once that statement is done.
//!
//! Money is integer cents (`amount_cents`): SQLite would store a NUMERIC through a float.

use sea_orm_migration::{
    prelude::*,
    schema::{
        big_integer_null, date_null, integer, text, text_null, timestamp_with_time_zone, uuid,
        uuid_null,
    },
};

use super::common::{PRIORITIES, index, one_of};
use super::m20261126_000001_create_users::Users;
use super::m20261126_000002_create_companies::Companies;
use super::m20261126_000003_create_pipeline_stages::PipelineStages;
use super::m20261126_000004_create_contacts::Contacts;

/// Creates the `deals` table.
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
                    .table(Deals::Table)
                    .col(uuid(Deals::UserId))
                    .col(uuid(Deals::Id))
                    .col(text(Deals::Name))
                    .col(text_null(Deals::Description))
                    .col(big_integer_null(Deals::AmountCents).check((
                        "deals_amount_cents_check",
                        Expr::col(Deals::AmountCents).gte(0),
                    )))
                    .col(uuid(Deals::StageId))
                    .col(integer(Deals::StageOrder).default(0).check((
                        "deals_stage_order_check",
                        Expr::col(Deals::StageOrder).gte(0),
                    )))
                    .col(
                        text(Deals::Priority)
                            .default("medium")
                            .check(("deals_priority_check", one_of(Deals::Priority, &PRIORITIES))),
                    )
                    .col(integer(Deals::Progress).default(0).check((
                        "deals_progress_check",
                        Expr::col(Deals::Progress).between(0, 100),
                    )))
                    .col(uuid_null(Deals::OwnerId))
                    .col(date_null(Deals::CloseDate))
                    .col(timestamp_with_time_zone(Deals::CreateDate))
                    .col(timestamp_with_time_zone(Deals::LastUpdate))
                    .col(uuid(Deals::CreatedBy))
                    .col(uuid_null(Deals::ContactId))
                    .col(uuid_null(Deals::CompanyId))
                    .primary_key(Index::create().col(Deals::UserId).col(Deals::Id))
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_user_id_fkey")
                            .from(Deals::Table, Deals::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_stage_fkey")
                            .from(Deals::Table, (Deals::UserId, Deals::StageId))
                            .to(
                                PipelineStages::Table,
                                (PipelineStages::UserId, PipelineStages::Id),
                            )
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_contact_fkey")
                            .from(Deals::Table, (Deals::UserId, Deals::ContactId))
                            .to(Contacts::Table, (Contacts::UserId, Contacts::Id))
                            .on_delete(ForeignKeyAction::NoAction),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_owner_id_fkey")
                            .from(Deals::Table, Deals::OwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_created_by_fkey")
                            .from(Deals::Table, Deals::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("deals_company_id_fkey")
                            .from(Deals::Table, Deals::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;

        // A board column in card order.
        manager
            .create_index(
                index("deals_user_id_stage_id_stage_order_idx", Deals::Table)
                    .col(Deals::UserId)
                    .col(Deals::StageId)
                    .col(Deals::StageOrder)
                    .to_owned(),
            )
            .await?;
        // A company's deals.
        manager
            .create_index(
                index("deals_user_id_company_id_idx", Deals::Table)
                    .col(Deals::UserId)
                    .col(Deals::CompanyId)
                    .to_owned(),
            )
            .await?;
        // A contact's deals, and the lookup behind clearing `contact_id` before a delete.
        manager
            .create_index(
                index("deals_user_id_contact_id_idx", Deals::Table)
                    .col(Deals::UserId)
                    .col(Deals::ContactId)
                    .to_owned(),
            )
            .await?;
        // Deals created in a period (analytics).
        manager
            .create_index(
                index("deals_user_id_create_date_idx", Deals::Table)
                    .col(Deals::UserId)
                    .col(Deals::CreateDate)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Deals::Table).to_owned())
            .await
    }
}

/// Identifiers of the `deals` table.
#[derive(DeriveIden)]
pub(crate) enum Deals {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Deal id, unique within the tenant.
    Id,
    /// Title of the deal.
    Name,
    /// Longer text, optional.
    Description,
    /// Value in integer cents, optional, never negative.
    AmountCents,
    /// The stage (board column) the deal is in.
    StageId,
    /// Position of the card within its column, 0..n-1.
    StageOrder,
    /// `low`, `medium`, `high` or `urgent`.
    Priority,
    /// Percent done, 0..=100.
    Progress,
    /// The user responsible for the deal, optional.
    OwnerId,
    /// Expected or actual close date, optional.
    CloseDate,
    /// When the deal was created (UTC).
    CreateDate,
    /// When the deal was last changed (UTC).
    LastUpdate,
    /// The user who created the deal.
    CreatedBy,
    /// The contact the deal is with, optional.
    ContactId,
    /// The company the deal is with, optional.
    CompanyId,
}
