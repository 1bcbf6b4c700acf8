//! The caller's tasks across contacts and deals: open ones first, the most overdue first.
//! A task is ticked by `PATCH /api/crm/activities/{id}` with `metadata.completed_at` set.

use actix_web::{HttpResponse, get, web};
use chrono::Utc;
use crm_domain::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crm_domain::task::is_overdue;
use crm_domain::{TaskQuery, TaskStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::query_opt;
use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{ActivityDto, PageDto};
use crate::error::{ErrorBody, Result};

/// Registers the task routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_tasks);
}

/// Query of the task list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TaskParams {
    /// `open` (default), `completed` or `all`.
    #[param(schema_with = crate::openapi::field::task_status_filter)]
    pub status: Option<String>,
    /// Only this contact's.
    pub contact_id: Option<Uuid>,
    /// Only this deal's.
    pub deal_id: Option<Uuid>,
    /// Rows per page.
    #[param(schema_with = crate::openapi::field::limit)]
    pub limit: Option<u32>,
    /// Cursor.
    #[param(schema_with = crate::openapi::field::cursor)]
    pub cursor: Option<String>,
}

/// A task: the activity, and whether it is overdue (open and past its due time).
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDto {
    /// The task activity; `metadata` holds `due_at`, `completed_at` and `priority`.
    #[serde(flatten)]
    pub activity: ActivityDto,
    /// Open and due before now.
    pub overdue: bool,
}

/// Your tasks: open before completed, then by due time (overdue first), undated last.
#[utoipa::path(tag = "activities", params(TaskParams), security(("bearer" = [])),
    responses((status = 200, body = PageDto<TaskDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 500, body = ErrorBody)))]
#[get("/tasks")]
pub async fn list_tasks(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<TaskParams>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let query = TaskQuery {
        status: query_opt::<TaskStatus>("status", q.status.as_deref())?.unwrap_or_default(),
        contact_id: q.contact_id,
        deal_id: q.deal_id,
        page: super::page(q.limit, q.cursor.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?,
    };
    let page = state
        .services
        .repos()
        .activities
        .tasks(user.tenant(), query)
        .await?;
    let now = Utc::now();
    Ok(
        HttpResponse::Ok().json(PageDto::from_page(page, |task| TaskDto {
            overdue: is_overdue(&task, now),
            activity: ActivityDto::from(&task),
        })),
    )
}
