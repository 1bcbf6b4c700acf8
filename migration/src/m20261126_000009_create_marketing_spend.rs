//! Creates `marketing_spend`, what each user budgeted and spent per lead source and day.
//!
//! It feeds acquisition cost and CAC. One row per (`user_id`, `spent_on`, `lead_source`)
//! (`marketing_spend_user_day_source_key`), so re-entering a day updates rather than doubles
//! it. Amounts are integer cents: SQLite would store a NUMERIC through a float, and sums of
//! money must be exact on both backends.

use sea_orm_migration::{
    prelude::*,
    schema::{big_integer, date, text, timestamp_with_time_zone, uuid},
};

use super::common::{LEAD_SOURCES, one_of};
use super::m20261126_000001_create_users::Users;

/// Creates the `marketing_spend` table.
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
                    .table(MarketingSpend::Table)
                    .col(uuid(MarketingSpend::UserId))
                    .col(uuid(MarketingSpend::Id))
                    .col(date(MarketingSpend::SpentOn))
                    .col(text(MarketingSpend::LeadSource).check((
                        "marketing_spend_lead_source_check",
                        one_of(MarketingSpend::LeadSource, &LEAD_SOURCES),
                    )))
                    .col(big_integer(MarketingSpend::AllottedCents).check((
                        "marketing_spend_allotted_cents_check",
                        Expr::col(MarketingSpend::AllottedCents).gte(0),
                    )))
                    .col(big_integer(MarketingSpend::UsedCents).check((
                        "marketing_spend_used_cents_check",
                        Expr::col(MarketingSpend::UsedCents).gte(0),
                    )))
                    .col(timestamp_with_time_zone(MarketingSpend::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(MarketingSpend::UserId)
                            .col(MarketingSpend::Id),
                    )
                    .index(
                        Index::create()
                            .name("marketing_spend_user_day_source_key")
                            .unique()
                            .col(MarketingSpend::UserId)
                            .col(MarketingSpend::SpentOn)
                            .col(MarketingSpend::LeadSource),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("marketing_spend_user_id_fkey")
                            .from(MarketingSpend::Table, MarketingSpend::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(MarketingSpend::Table).to_owned())
            .await
    }
}

/// Identifiers of the `marketing_spend` table.
#[derive(DeriveIden)]
pub(crate) enum MarketingSpend {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Row id, unique within the tenant.
    Id,
    /// The day the money was spent.
    SpentOn,
    /// The channel it was spent on.
    LeadSource,
    /// Budget in integer cents, never negative.
    AllottedCents,
    /// Amount used in integer cents, never negative.
    UsedCents,
    /// When the row was entered (UTC).
    CreatedAt,
}
