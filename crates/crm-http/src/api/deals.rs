//! A user's deals: the board, cards, moves and collaborators.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_domain::deal::{PER_STAGE_DEFAULT, PER_STAGE_MAX};
use crm_domain::error::Validator;
use crm_domain::{BoardQuery, ColumnPage, DealInput, DealPatch, Progress, StageRef, text};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::{parse_opt, query_opt, relabel};
use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{
    ActivityDto, BoardAnswer, BoardColumnDto, BoardDto, BoardParams, CollaboratorRequest,
    CompanyDto, DealCompanyDto, DealDetailDto, DealDto, DealPatchRequest, DealRequest, PageDto,
    StageChangeDto, StageDto,
};
use crate::error::{ErrorBody, Result};

/// Registers the deal routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(board)
        .service(create_deal)
        .service(get_deal)
        .service(update_deal)
        .service(delete_deal)
        .service(add_collaborator)
        .service(remove_collaborator);
}

fn stage_ref(name: Option<String>, id: Option<Uuid>) -> Option<StageRef> {
    match (id, name) {
        (Some(id), _) => Some(StageRef::Id(id)),
        (None, Some(name)) => Some(StageRef::Name(name)),
        (None, None) => None,
    }
}

/// The Kanban board, or with `stage` and `cursor` the next cards of one column.
#[utoipa::path(tag = "deals", params(BoardParams), security(("bearer" = [])),
    responses((status = 200, description = "The board (`{stages}`), or one column's page (`{data, next_cursor}`) when `stage` is given", body = BoardAnswer),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/deals")]
pub async fn board(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<BoardParams>,
) -> Result<HttpResponse> {
    let params = query.into_inner();
    let tenant = user.tenant();
    let filters = BoardQuery {
        q: params.q,
        priority: query_opt("priority", params.priority.as_deref())?,
        owner_id: params.owner_id,
    };
    let repos = state.services.repos();
    if let Some(stage) = params.stage {
        let stages = repos.stages.list(tenant).await?;
        let stage = StageRef::Name(stage).resolve(&stages)?;
        let page = super::page(
            params.limit,
            params.cursor.as_deref(),
            PER_STAGE_DEFAULT,
            PER_STAGE_MAX,
        )?;
        let column = repos
            .deals
            .column(
                tenant,
                filters,
                ColumnPage {
                    stage_id: stage.id,
                    page,
                },
            )
            .await?;
        let size_hint = 256 + column.data.len() * super::JSON_BYTES_PER_CARD;
        return super::json_ok_sized(&PageDto::from_page(column, DealDto::from), size_hint);
    }
    // The cursor belongs to a column page; without `stage` it is still checked, so a
    // malformed one is a 400 whichever form of the answer was asked for.
    super::page(
        None,
        params.cursor.as_deref(),
        PER_STAGE_DEFAULT,
        PER_STAGE_MAX,
    )?;
    let per_stage = params
        .per_stage
        .unwrap_or(PER_STAGE_DEFAULT)
        .clamp(1, PER_STAGE_MAX);
    let columns = repos.deals.board(tenant, filters, per_stage).await?;
    let cards: usize = columns.iter().map(|column| column.deals.len()).sum();
    let board = BoardDto {
        stages: columns.into_iter().map(BoardColumnDto::from).collect(),
    };
    super::json_ok_sized(&board, 1024 + cards * super::JSON_BYTES_PER_CARD)
}

/// Create a deal at the end of its column.
#[utoipa::path(tag = "deals", request_body = DealRequest, security(("bearer" = [])),
    responses((status = 201, body = DealDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/deals")]
pub async fn create_deal(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<DealRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let input = DealInput {
        name: b.name,
        description: b.description,
        stage: stage_ref(b.stage, b.stage_id),
        amount: b
            .amount
            .map(|a| a.parse())
            .transpose()
            .map_err(|e| relabel(e, "amount"))?,
        priority: parse_opt("priority", b.priority.as_deref())?,
        progress: b.progress,
        close_date: b.close_date.map(|d| d.check("close_date")).transpose()?,
        owner_id: b.owner_id,
        contact_id: b.contact_id,
        company_id: b.company_id,
        collaborator_ids: b.collaborator_ids,
    };
    let deal = state.services.create_deal(user.tenant(), input).await?;
    Ok(HttpResponse::Created().json(DealDto::from(&deal)))
}

/// A deal with its company (and the caller's other deals with it), contact, collaborators,
/// stage history, latest activities and the pipeline.
#[utoipa::path(tag = "deals", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = DealDetailDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/deals/{id}")]
pub async fn get_deal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let detail = state
        .services
        .deal_detail(user.tenant(), id.into_inner())
        .await?;
    let company_detail = detail.company.map(|company| DealCompanyDto {
        company: CompanyDto::from(company),
        deals: detail
            .company_deals
            .into_iter()
            .map(DealDto::from)
            .collect(),
    });
    Ok(HttpResponse::Ok().json(DealDetailDto {
        deal: DealDto::from(detail.deal),
        company_detail,
        stage_history: detail
            .stage_history
            .iter()
            .map(StageChangeDto::from)
            .collect(),
        activities: detail.activities.iter().map(ActivityDto::from).collect(),
        stages: detail.stages.iter().map(StageDto::from).collect(),
    }))
}

/// Edit a deal and/or move it (`stage` / `stage_id` and `stage_order`) in one transaction.
#[utoipa::path(tag = "deals", params(("id" = Uuid, Path)), request_body = DealPatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = DealDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[patch("/deals/{id}")]
pub async fn update_deal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<DealPatchRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let mut v = Validator::new();
    let patch = DealPatch {
        name: b
            .name
            .and_then(|n| v.check("name", text::required(&n, text::NAME_MAX))),
        description: b.description.map(|d| {
            v.check(
                "description",
                text::optional(d.as_deref(), text::LONG_TEXT_MAX),
            )
            .flatten()
        }),
        amount: b
            .amount
            .map(|a| a.and_then(|m| v.check("amount", m.parse()))),
        priority: b.priority.and_then(|p| v.check("priority", p.parse())),
        progress: b
            .progress
            .and_then(|p| v.check("progress", Progress::new(p))),
        close_date: b
            .close_date
            .map(|d| d.and_then(|d| v.check("close_date", d.check("close_date")))),
        owner_id: b.owner_id,
        contact_id: b.contact_id,
        company_id: b.company_id,
    };
    v.finish()?;
    let stage = stage_ref(b.stage, b.stage_id);
    let deal = state
        .services
        .update_deal(user.tenant(), id.into_inner(), patch, stage, b.stage_order)
        .await?;
    Ok(HttpResponse::Ok().json(DealDto::from(&deal)))
}

/// Delete a deal.
#[utoipa::path(tag = "deals", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[delete("/deals/{id}")]
pub async fn delete_deal(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    state
        .services
        .repos()
        .deals
        .delete(user.tenant(), id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// List a colleague on a deal (201; 200 when already listed).
#[utoipa::path(tag = "deals", params(("id" = Uuid, Path)), request_body = CollaboratorRequest,
    security(("bearer" = [])),
    responses((status = 201, body = DealDto), (status = 200, body = DealDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/deals/{id}/collaborators")]
pub async fn add_collaborator(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<CollaboratorRequest>,
) -> Result<HttpResponse> {
    let tenant = user.tenant();
    let id = id.into_inner();
    let added = state
        .services
        .add_collaborator(tenant, id, body.user_id)
        .await?;
    let deal = state.services.deal(tenant, id).await?;
    let mut response = if added {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(DealDto::from(&deal)))
}

/// Remove a collaborator.
#[utoipa::path(tag = "deals",
    params(("id" = Uuid, Path), ("user_id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[delete("/deals/{id}/collaborators/{user_id}")]
pub async fn remove_collaborator(
    state: web::Data<AppState>,
    user: AuthUser,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse> {
    let (deal_id, user_id) = path.into_inner();
    state
        .services
        .repos()
        .deals
        .remove_collaborator(user.tenant(), deal_id, user_id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
