//! Building blocks shared by the migrations.
//!
//! The value lists behind the CHECK constraints live here because two tables share the lead
//! sources. They are part of migrations that may already have run somewhere: changing a list
//! here would not change any existing database. A new value needs a new migration (and on
//! SQLite a table rebuild), so treat these lists as frozen.

use sea_orm_migration::prelude::*;

/// Where a lead came from (`contacts.lead_source`, `marketing_spend.lead_source`).
pub(crate) const LEAD_SOURCES: [&str; 10] = [
    "organic_search",
    "paid_ads",
    "social_media",
    "referral",
    "email_campaign",
    "webinar",
    "partner",
    "event",
    "cold_call",
    "other",
];

/// Where a contact stands in the sales funnel (`contacts.lead_status`).
pub(crate) const LEAD_STATUSES: [&str; 8] = [
    "new",
    "contacted",
    "qualified",
    "interested",
    "converted",
    "closed",
    "lost",
    "nurturing",
];

/// What a pipeline stage means for a deal in it (`pipeline_stages.kind`,
/// `deal_stage_changes.to_kind`).
pub(crate) const STAGE_KINDS: [&str; 3] = ["open", "won", "lost"];

/// How urgent a deal is (`deals.priority`).
pub(crate) const PRIORITIES: [&str; 4] = ["low", "medium", "high", "urgent"];

/// What kind of interaction an activity records (`activities.type`).
pub(crate) const ACTIVITY_TYPES: [&str; 6] =
    ["call", "email", "meeting", "note", "task", "stage_change"];

/// `col IN (values…)`, for a CHECK constraint.
///
/// A NULL column passes, as SQL's three-valued logic wants: NOT NULL is stated separately.
pub(crate) fn one_of<C>(col: C, values: &[&'static str]) -> Expr
where
    C: IntoColumnRef,
{
    Expr::col(col).is_in(values.iter().copied())
}

/// A plain (non-unique) index named `name` on `table`; add its columns with `.col(…)`.
///
/// Every index is named, and each name starts with its table's, because index names share one
/// namespace per schema (PostgreSQL) or per database (SQLite).
pub(crate) fn index<T>(name: &str, table: T) -> IndexCreateStatement
where
    T: IntoTableRef,
{
    Index::create().name(name).table(table).to_owned()
}
