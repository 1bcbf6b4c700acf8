//! A user's activity log.

use async_trait::async_trait;
use chrono::Utc;
use crm_domain::repo::ActivityRepository;
use crm_domain::{
    Activity, ActivityMetadata, ActivityPatch, ActivityQuery, ActivityType, DomainError,
    NewActivity, Page, Result, TaskQuery, Tenant,
};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Select,
};
use uuid::Uuid;

use super::{contains_pattern, ilike, parse_stored, search_term};
use crate::Store;
use crate::entity::activities;
use crate::error::map_db_err;

pub(crate) fn to_activity(model: activities::Model) -> Result<Activity> {
    let kind: ActivityType = parse_stored(&model.kind, "activity type")?;
    let metadata = ActivityMetadata::read(kind, model.metadata).map_err(|_| {
        DomainError::Unexpected(format!("bad stored metadata of activity {}", model.id))
    })?;
    Ok(Activity {
        id: model.id,
        user_id: model.user_id,
        contact_id: model.contact_id,
        deal_id: model.deal_id,
        subject: model.subject,
        description: model.description,
        metadata,
        created_by: model.created_by,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Inserts an activity on `conn` (also used for the automatic stage-change entries).
pub(crate) async fn insert_on<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    activity: NewActivity,
) -> Result<activities::Model> {
    let now = Utc::now();
    let created_at = activity.created_at.unwrap_or(now);
    let model = activities::ActiveModel {
        user_id: Set(tenant.user_id),
        id: Set(activity.id),
        kind: Set(activity.metadata.kind().as_str().to_owned()),
        contact_id: Set(activity.contact_id),
        deal_id: Set(activity.deal_id),
        subject: Set(activity.subject),
        description: Set(activity.description),
        metadata: Set(activity.metadata.to_json()),
        created_by: Set(tenant.user_id),
        created_at: Set(created_at),
        updated_at: Set(created_at),
    };
    activities::Entity::insert(model)
        .exec_with_returning(conn)
        .await
        .map_err(map_db_err)
}

/// The query of one page of the tenant's activities, newest first (one row more than the
/// page, to tell whether another follows).
pub(crate) fn list_select(tenant: Tenant, query: &ActivityQuery) -> Select<activities::Entity> {
    let mut select = activities::Entity::find()
        .filter(activities::Column::UserId.eq(tenant.user_id))
        .order_by_desc(activities::Column::CreatedAt)
        .order_by_desc(activities::Column::Id);
    if let Some(contact) = query.contact_id {
        select = select.filter(activities::Column::ContactId.eq(contact));
    }
    if let Some(deal) = query.deal_id {
        select = select.filter(activities::Column::DealId.eq(deal));
    }
    if let Some(kind) = query.kind {
        select = select.filter(activities::Column::Kind.eq(kind.as_str()));
    }
    if let Some(q) = search_term(query.q.as_deref()) {
        let pattern = contains_pattern(q);
        select = select.filter(
            Condition::any()
                .add(ilike(
                    activities::Column::Subject.into_expr(),
                    pattern.clone(),
                ))
                .add(ilike(activities::Column::Description.into_expr(), pattern)),
        );
    }
    select
        .offset(query.page.cursor.offset())
        .limit(u64::from(query.page.limit) + 1)
}

/// The page of activities that [`list_select`]'s `rows` make.
pub(crate) fn page_of(
    query: &ActivityQuery,
    rows: Vec<activities::Model>,
) -> Result<Page<Activity>> {
    let page = query.page.page_from(rows);
    Ok(Page {
        data: page
            .data
            .into_iter()
            .map(to_activity)
            .collect::<Result<_>>()?,
        next_cursor: page.next_cursor,
    })
}

/// One page of the tenant's activities, newest first, on `conn`.
pub(crate) async fn list_on<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    query: ActivityQuery,
) -> Result<Page<Activity>> {
    let rows = list_select(tenant, &query)
        .all(conn)
        .await
        .map_err(map_db_err)?;
    page_of(&query, rows)
}

#[async_trait]
impl ActivityRepository for Store {
    async fn create(&self, tenant: Tenant, activity: NewActivity) -> Result<Activity> {
        let txn = self.write(tenant).await?;
        let model = insert_on(&txn, tenant, activity).await?;
        txn.commit().await.map_err(map_db_err)?;
        to_activity(model)
    }

    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<Activity>> {
        let txn = self.read(tenant).await?;
        let found = activities::Entity::find_by_id((tenant.user_id, id))
            .one(&txn)
            .await
            .map_err(map_db_err)?;
        txn.commit().await.map_err(map_db_err)?;
        found.map(to_activity).transpose()
    }

    async fn list(&self, tenant: Tenant, query: ActivityQuery) -> Result<Page<Activity>> {
        let txn = self.read(tenant).await?;
        let page = list_on(&txn, tenant, query).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(page)
    }

    async fn update(&self, tenant: Tenant, id: Uuid, patch: ActivityPatch) -> Result<Activity> {
        let txn = self.write(tenant).await?;
        let current = activities::Entity::find_by_id((tenant.user_id, id))
            .one(&txn)
            .await
            .map_err(map_db_err)?
            .ok_or_else(|| DomainError::not_found("activity"))?;
        let mut model = current.into_active_model();
        if let Some(subject) = patch.subject {
            model.subject = Set(subject);
        }
        if let Some(description) = patch.description {
            model.description = Set(description);
        }
        if let Some(metadata) = patch.metadata {
            model.metadata = Set(metadata.to_json());
        }
        model.updated_at = Set(Utc::now());
        let updated = activities::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        txn.commit().await.map_err(map_db_err)?;
        to_activity(updated)
    }

    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()> {
        let txn = self.write(tenant).await?;
        let result = activities::Entity::delete_many()
            .filter(activities::Column::UserId.eq(tenant.user_id))
            .filter(activities::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        if result.rows_affected == 0 {
            return Err(DomainError::not_found("activity"));
        }
        txn.commit().await.map_err(map_db_err)?;
        Ok(())
    }

    async fn tasks(&self, tenant: Tenant, query: TaskQuery) -> Result<Page<Activity>> {
        super::tasks::tasks(self, tenant, query).await
    }
}
