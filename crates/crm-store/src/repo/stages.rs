//! A user's pipeline stages. Positions stay exactly 0..n-1: inserts and moves shift the
//! neighbours in the same transaction.

use async_trait::async_trait;
use crm_domain::repo::StageRepository;
use crm_domain::{DomainError, NewStage, PipelineStage, Probability, Result, StagePatch, Tenant};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::parse_stored;
use super::users::stage_row;
use crate::Store;
use crate::entity::pipeline_stages;
use crate::error::map_db_err;

pub(crate) fn to_stage(model: pipeline_stages::Model) -> Result<PipelineStage> {
    Ok(PipelineStage {
        id: model.id,
        name: model.name,
        position: u32::try_from(model.position).unwrap_or_default(),
        kind: parse_stored(&model.kind, "stage kind")?,
        probability: Probability::new(i64::from(model.probability))?,
        created_at: model.created_at,
    })
}

/// The query of the tenant's stages in order.
pub(crate) fn list_select(tenant: Tenant) -> Select<pipeline_stages::Entity> {
    pipeline_stages::Entity::find()
        .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
        .order_by_asc(pipeline_stages::Column::Position)
        .order_by_asc(pipeline_stages::Column::Id)
}

/// The tenant's stages in order, on `conn`.
pub(crate) async fn list_on<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
) -> Result<Vec<PipelineStage>> {
    list_select(tenant)
        .all(conn)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(to_stage)
        .collect()
}

/// Serialises board writes of one tenant: on PostgreSQL, locks the tenant's stage rows
/// (every move, insert and delete of deals or stages takes this lock first); on SQLite the
/// `IMMEDIATE` transaction already holds the database's write lock.
pub(crate) async fn lock_board<C: ConnectionTrait>(conn: &C, tenant: Tenant) -> Result<()> {
    if conn.get_database_backend() == sea_orm::DatabaseBackend::Postgres {
        pipeline_stages::Entity::find()
            .select_only()
            .column(pipeline_stages::Column::Id)
            .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
            .order_by_asc(pipeline_stages::Column::Id)
            .lock_exclusive()
            .into_tuple::<Uuid>()
            .all(conn)
            .await
            .map_err(map_db_err)?;
    }
    Ok(())
}

/// Adds `delta` to the position of the tenant's stages in `from..=to`.
async fn shift<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    from: i32,
    to: i32,
    delta: i32,
) -> Result<()> {
    pipeline_stages::Entity::update_many()
        .col_expr(
            pipeline_stages::Column::Position,
            Expr::col(pipeline_stages::Column::Position).add(delta),
        )
        .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
        .filter(pipeline_stages::Column::Position.gte(from))
        .filter(pipeline_stages::Column::Position.lte(to))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

fn duplicate_name(err: DomainError) -> DomainError {
    match err {
        DomainError::Conflict { .. } => DomainError::conflict(
            "pipeline_stages_user_name_key",
            "a stage with this name already exists",
        ),
        other => other,
    }
}

#[async_trait]
impl StageRepository for Store {
    async fn list(&self, tenant: Tenant) -> Result<Vec<PipelineStage>> {
        let txn = self.read(tenant).await?;
        let stages = list_on(&txn, tenant).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(stages)
    }

    async fn create(&self, tenant: Tenant, stage: NewStage) -> Result<PipelineStage> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let count = pipeline_stages::Entity::find()
            .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
            .count(&txn)
            .await
            .map_err(map_db_err)?;
        let position =
            i32::try_from(Ord::min(u64::from(stage.position), count)).unwrap_or(i32::MAX);
        shift(&txn, tenant, position, i32::MAX, 1).await?;
        let mut row = stage_row(tenant.user_id, &stage);
        row.position = Set(position);
        let inserted = pipeline_stages::Entity::insert(row)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| duplicate_name(map_db_err(e)))?;
        txn.commit().await.map_err(map_db_err)?;
        to_stage(inserted)
    }

    async fn update(&self, tenant: Tenant, id: Uuid, patch: StagePatch) -> Result<PipelineStage> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let current = pipeline_stages::Entity::find_by_id((tenant.user_id, id))
            .one(&txn)
            .await
            .map_err(map_db_err)?
            .ok_or_else(|| DomainError::not_found("stage"))?;
        let count = pipeline_stages::Entity::find()
            .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
            .count(&txn)
            .await
            .map_err(map_db_err)?;
        let old = current.position;
        let mut model = current.into_active_model();
        if let Some(position) = patch.position {
            let max = i32::try_from(count.saturating_sub(1)).unwrap_or(i32::MAX);
            let new = Ord::min(i32::try_from(position).unwrap_or(i32::MAX), max);
            if new < old {
                shift(&txn, tenant, new, old - 1, 1).await?;
            } else if new > old {
                shift(&txn, tenant, old + 1, new, -1).await?;
            }
            model.position = Set(new);
        }
        if let Some(name) = patch.name {
            model.name = Set(name);
        }
        if let Some(probability) = patch.probability {
            model.probability = Set(i32::from(probability.get()));
        }
        let updated = pipeline_stages::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(|e| duplicate_name(map_db_err(e)))?;
        txn.commit().await.map_err(map_db_err)?;
        to_stage(updated)
    }

    async fn delete(&self, tenant: Tenant, id: Uuid, move_to: Option<Uuid>) -> Result<()> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let current = pipeline_stages::Entity::find_by_id((tenant.user_id, id))
            .one(&txn)
            .await
            .map_err(map_db_err)?
            .ok_or_else(|| DomainError::not_found("stage"))?;
        let held = super::deals::column_len(&txn, tenant, id).await?;
        if held > 0 {
            let Some(target) = move_to else {
                return Err(DomainError::conflict(
                    "stage_not_empty",
                    format!("the stage holds {held} deals; name a stage to move them to"),
                ));
            };
            super::deals::move_column(&txn, tenant, id, target).await?;
        }
        pipeline_stages::Entity::delete_many()
            .filter(pipeline_stages::Column::UserId.eq(tenant.user_id))
            .filter(pipeline_stages::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        shift(&txn, tenant, current.position + 1, i32::MAX, -1).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(())
    }
}
