//! The task list: the tenant's `task` activities ordered on their JSON metadata, open first,
//! then by due time (overdue first), undated last. The few dialect differences are the JSON
//! accessors: `->>` with a cast on PostgreSQL, `json_extract`/`julianday` on SQLite.

use crm_domain::{Activity, ActivityType, Page, Result, TaskQuery, TaskStatus, Tenant};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, DatabaseBackend, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect,
};

use super::activities::to_activity;
use crate::Store;
use crate::entity::activities;
use crate::error::map_db_err;

/// The SQL of the due time (comparable) and of the completion time of a task's metadata.
fn accessors(backend: DatabaseBackend) -> (&'static str, &'static str) {
    if backend == DatabaseBackend::Postgres {
        (
            "((metadata ->> 'due_at')::timestamptz)",
            "(metadata ->> 'completed_at')",
        )
    } else {
        (
            "julianday(json_extract(metadata, '$.due_at'))",
            "json_extract(metadata, '$.completed_at')",
        )
    }
}

/// Lists the tenant's tasks; see `ActivityRepository::tasks`.
pub(crate) async fn tasks(
    store: &Store,
    tenant: Tenant,
    query: TaskQuery,
) -> Result<Page<Activity>> {
    let (due, completed) = accessors(store.backend());
    let txn = store.read(tenant).await?;
    let mut select = activities::Entity::find()
        .filter(activities::Column::UserId.eq(tenant.user_id))
        .filter(activities::Column::Kind.eq(ActivityType::Task.as_str()));
    select = match query.status {
        TaskStatus::Open => select.filter(Expr::cust(format!("{completed} IS NULL"))),
        TaskStatus::Completed => select.filter(Expr::cust(format!("{completed} IS NOT NULL"))),
        TaskStatus::All => select,
    };
    if let Some(contact) = query.contact_id {
        select = select.filter(activities::Column::ContactId.eq(contact));
    }
    if let Some(deal) = query.deal_id {
        select = select.filter(activities::Column::DealId.eq(deal));
    }
    let rows = select
        .order_by(Expr::cust(format!("{completed} IS NOT NULL")), Order::Asc)
        .order_by(Expr::cust(format!("{due} IS NULL")), Order::Asc)
        .order_by(Expr::cust(due), Order::Asc)
        .order_by_asc(activities::Column::CreatedAt)
        .order_by_asc(activities::Column::Id)
        .offset(query.page.cursor.offset())
        .limit(u64::from(query.page.limit) + 1)
        .all(&txn)
        .await
        .map_err(map_db_err)?;
    txn.commit().await.map_err(map_db_err)?;
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
