//! A user's pipeline stages.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_domain::{Probability, StagePatch};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{parse_opt, relabel};
use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{StageDeleteParams, StageDto, StagePatchRequest, StageRequest};
use crate::error::{ErrorBody, Result};

/// Registers the stage routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_stages)
        .service(create_stage)
        .service(update_stage)
        .service(delete_stage);
}

fn probability(value: Option<i64>) -> Result<Option<Probability>> {
    Ok(value
        .map(Probability::new)
        .transpose()
        .map_err(|e| relabel(e, "probability"))?)
}

/// The pipeline in order.
#[utoipa::path(tag = "stages", security(("bearer" = [])),
    responses((status = 200, body = Vec<StageDto>), (status = 401, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/pipeline-stages")]
pub async fn list_stages(state: web::Data<AppState>, user: AuthUser) -> Result<HttpResponse> {
    let stages = state.services.repos().stages.list(user.tenant()).await?;
    Ok(HttpResponse::Ok().json(stages.iter().map(StageDto::from).collect::<Vec<_>>()))
}

/// Add a stage at a position (default: before the first won/lost stage).
#[utoipa::path(tag = "stages", request_body = StageRequest, security(("bearer" = [])),
    responses((status = 201, body = StageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/pipeline-stages")]
pub async fn create_stage(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<StageRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let kind = parse_opt("kind", body.kind.as_deref())?;
    let stage = state
        .services
        .create_stage(
            user.tenant(),
            &body.name,
            body.position,
            kind,
            probability(body.probability)?,
        )
        .await?;
    Ok(HttpResponse::Created().json(StageDto::from(&stage)))
}

/// Rename, move or re-weight a stage (a rename shows on every deal at once).
#[utoipa::path(tag = "stages", params(("id" = Uuid, Path)), request_body = StagePatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = StageDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[patch("/pipeline-stages/{id}")]
pub async fn update_stage(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<StagePatchRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let patch = StagePatch {
        name: body.name,
        position: body.position,
        probability: probability(body.probability)?,
    };
    let stage = state
        .services
        .update_stage(user.tenant(), id.into_inner(), patch)
        .await?;
    Ok(HttpResponse::Ok().json(StageDto::from(&stage)))
}

/// Delete a stage; `move_to` names the stage that receives its deals.
#[utoipa::path(tag = "stages", params(("id" = Uuid, Path), StageDeleteParams),
    security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[delete("/pipeline-stages/{id}")]
pub async fn delete_stage(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    query: web::Query<StageDeleteParams>,
) -> Result<HttpResponse> {
    let move_to = query.into_inner().move_to;
    state
        .services
        .delete_stage(user.tenant(), id.into_inner(), move_to.as_deref())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
