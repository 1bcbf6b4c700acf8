//! A user's activity log.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_domain::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crm_domain::{ActivityInput, ActivityQuery};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::query_opt;
use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{ActivityDto, ActivityParams, ActivityPatchRequest, ActivityRequest, PageDto};
use crate::error::{ErrorBody, Result};

/// Registers the activity routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_activities)
        .service(create_activity)
        .service(update_activity)
        .service(delete_activity);
}

/// Activities, newest first.
#[utoipa::path(tag = "activities", params(ActivityParams), security(("bearer" = [])),
    responses((status = 200, body = PageDto<ActivityDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/activities")]
pub async fn list_activities(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ActivityParams>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let query = ActivityQuery {
        contact_id: q.contact_id,
        deal_id: q.deal_id,
        kind: query_opt("type", q.kind.as_deref())?,
        q: q.q,
        page: super::page(q.limit, q.cursor.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?,
    };
    let page = state
        .services
        .repos()
        .activities
        .list(user.tenant(), query)
        .await?;
    Ok(HttpResponse::Ok().json(PageDto::from_page(page, |a| ActivityDto::from(&a))))
}

/// Log a call, e-mail, meeting, note or task on a contact and/or deal.
#[utoipa::path(tag = "activities", request_body = ActivityRequest, security(("bearer" = [])),
    responses((status = 201, body = ActivityDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/activities")]
pub async fn create_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ActivityRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let input = ActivityInput {
        kind: b.kind,
        contact_id: b.contact_id,
        deal_id: b.deal_id,
        subject: b.subject,
        description: b.description,
        metadata: b.metadata,
    };
    let activity = state.services.log_activity(user.tenant(), input).await?;
    Ok(HttpResponse::Created().json(ActivityDto::from(&activity)))
}

/// Edit an activity (not the automatic stage changes).
#[utoipa::path(tag = "activities", params(("id" = Uuid, Path)), request_body = ActivityPatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = ActivityDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[patch("/activities/{id}")]
pub async fn update_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ActivityPatchRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    // The document says an object (or `null`); any other JSON is refused, not ignored.
    if b.metadata
        .as_ref()
        .is_some_and(|m| !m.is_object() && !m.is_null())
    {
        return Err(crm_domain::DomainError::field("metadata", "must be an object").into());
    }
    let activity = state
        .services
        .update_activity(
            user.tenant(),
            id.into_inner(),
            b.subject,
            b.description,
            b.metadata,
        )
        .await?;
    Ok(HttpResponse::Ok().json(ActivityDto::from(&activity)))
}

/// Delete an activity.
#[utoipa::path(tag = "activities", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[delete("/activities/{id}")]
pub async fn delete_activity(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    state
        .services
        .repos()
        .activities
        .delete(user.tenant(), id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
