//! Moves timestamps of freshly written rows into the past.
//!
//! The repositories stamp rows with the current time, as they should for real requests. A demo
//! needs a history, so right after each write the seed rewrites that row's timestamps with
//! plain `UPDATE`s (built with sea-query, so they run on PostgreSQL and SQLite alike). Every
//! statement names the tenant, like the store's own.

use chrono::{DateTime, Utc};
use crm_domain::{ActivityType, Result, Tenant};
use crm_store::entity::{
    activities, companies, contacts, deal_collaborators, deal_stage_changes, deals,
    pipeline_stages, users,
};
use crm_store::map_db_err;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

/// Dates a user, their pipeline stages and the companies they added.
pub(crate) async fn user<C: ConnectionTrait>(conn: &C, id: Uuid, at: DateTime<Utc>) -> Result<()> {
    users::Entity::update_many()
        .col_expr(users::Column::CreatedAt, Expr::value(at))
        .filter(users::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    pipeline_stages::Entity::update_many()
        .col_expr(pipeline_stages::Column::CreatedAt, Expr::value(at))
        .filter(pipeline_stages::Column::UserId.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

/// Dates a company of the shared directory.
pub(crate) async fn company<C: ConnectionTrait>(
    conn: &C,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    companies::Entity::update_many()
        .col_expr(companies::Column::CreatedAt, Expr::value(at))
        .col_expr(companies::Column::UpdatedAt, Expr::value(at))
        .filter(companies::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

/// Dates a contact's creation (and last edit).
pub(crate) async fn contact<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    contacts::Entity::update_many()
        .col_expr(contacts::Column::CreatedAt, Expr::value(at))
        .col_expr(contacts::Column::UpdatedAt, Expr::value(at))
        .filter(contacts::Column::UserId.eq(tenant.user_id))
        .filter(contacts::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

/// Dates a new deal: its creation, its first history row and its collaborators' listing.
pub(crate) async fn deal_created<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<()> {
    deals::Entity::update_many()
        .col_expr(deals::Column::CreateDate, Expr::value(at))
        .col_expr(deals::Column::LastUpdate, Expr::value(at))
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    // Only the creation row exists yet.
    deal_stage_changes::Entity::update_many()
        .col_expr(deal_stage_changes::Column::ChangedAt, Expr::value(at))
        .filter(deal_stage_changes::Column::UserId.eq(tenant.user_id))
        .filter(deal_stage_changes::Column::DealId.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    deal_collaborators::Entity::update_many()
        .col_expr(deal_collaborators::Column::AddedAt, Expr::value(at))
        .filter(deal_collaborators::Column::OwnerId.eq(tenant.user_id))
        .filter(deal_collaborators::Column::DealId.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

/// Dates the move of a deal into `stage_id` that was just written: the history row, the
/// `stage_change` activity and the deal's `last_update`.
///
/// A seeded deal enters each stage at most once, so (`deal_id`, `to_stage_id`) names the
/// history row. The activity is the deal's one `stage_change` entry not in `dated` (the ids
/// already dated), which this adds to.
pub(crate) async fn deal_moved<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    id: Uuid,
    stage_id: Uuid,
    at: DateTime<Utc>,
    dated: &mut Vec<Uuid>,
) -> Result<()> {
    deals::Entity::update_many()
        .col_expr(deals::Column::LastUpdate, Expr::value(at))
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::Id.eq(id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    deal_stage_changes::Entity::update_many()
        .col_expr(deal_stage_changes::Column::ChangedAt, Expr::value(at))
        .filter(deal_stage_changes::Column::UserId.eq(tenant.user_id))
        .filter(deal_stage_changes::Column::DealId.eq(id))
        .filter(deal_stage_changes::Column::ToStageId.eq(stage_id))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    let entries: Vec<Uuid> = activities::Entity::find()
        .select_only()
        .column(activities::Column::Id)
        .filter(activities::Column::UserId.eq(tenant.user_id))
        .filter(activities::Column::DealId.eq(id))
        .filter(activities::Column::Kind.eq(ActivityType::StageChange.as_str()))
        .into_tuple()
        .all(conn)
        .await
        .map_err(map_db_err)?;
    let fresh: Vec<Uuid> = entries.into_iter().filter(|e| !dated.contains(e)).collect();
    if !fresh.is_empty() {
        activities::Entity::update_many()
            .col_expr(activities::Column::CreatedAt, Expr::value(at))
            .col_expr(activities::Column::UpdatedAt, Expr::value(at))
            .filter(activities::Column::UserId.eq(tenant.user_id))
            .filter(activities::Column::Id.is_in(fresh.clone()))
            .exec(conn)
            .await
            .map_err(map_db_err)?;
        dated.extend(fresh);
    }
    Ok(())
}
