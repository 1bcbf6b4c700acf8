//! The shared company directory.

use actix_web::{HttpResponse, get, patch, post, web};
use crm_domain::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crm_domain::{CompanyPatch, StageKind, text};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{
    CompanyDetailDto, CompanyDto, CompanyPatchRequest, CompanyRequest, DealDto, PageDto,
};
use crate::error::{ApiError, ErrorBody, Result};
use crate::openapi::field;

/// Registers the company routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_companies)
        .service(create_company)
        .service(get_company)
        .service(update_company);
}

/// Query of the company list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompanyParams {
    /// Search in names.
    #[param(schema_with = field::search)]
    pub q: Option<String>,
    /// Rows per page.
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
    /// Cursor.
    #[param(schema_with = field::cursor)]
    pub cursor: Option<String>,
}

/// List companies by name.
#[utoipa::path(tag = "companies", params(CompanyParams), security(("bearer" = [])),
    responses((status = 200, body = PageDto<CompanyDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/companies")]
pub async fn list_companies(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: web::Query<CompanyParams>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    let page = super::page(
        query.limit,
        query.cursor.as_deref(),
        DEFAULT_LIMIT,
        MAX_LIMIT,
    )?;
    let companies = state.services.repos().companies.list(query.q, page).await?;
    Ok(HttpResponse::Ok().json(PageDto::from_page(companies, CompanyDto::from)))
}

/// Get or create a company by name (case-insensitive): 201 when created, 200 when it existed.
#[utoipa::path(tag = "companies", request_body = CompanyRequest, security(("bearer" = [])),
    responses((status = 201, body = CompanyDto), (status = 200, body = CompanyDto), (status = 400, body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/companies")]
pub async fn create_company(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<CompanyRequest>,
) -> Result<HttpResponse> {
    let company = body.into_inner().into_domain()?;
    let (company, created) = state
        .services
        .repos()
        .companies
        .get_or_create(user.tenant(), company)
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(CompanyDto::from(company)))
}

/// A company with the caller's deals with it.
#[utoipa::path(tag = "companies", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = CompanyDetailDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/companies/{id}")]
pub async fn get_company(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let id = id.into_inner();
    let repos = state.services.repos();
    let company = repos
        .companies
        .find(id)
        .await?
        .ok_or_else(|| ApiError::not_found("company not found"))?;
    let deals = repos.deals.with_company(user.tenant(), id).await?;
    let (ongoing, past): (Vec<_>, Vec<_>) =
        deals.iter().partition(|d| d.stage_kind == StageKind::Open);
    Ok(HttpResponse::Ok().json(CompanyDetailDto {
        company: CompanyDto::from(company),
        ongoing: ongoing.into_iter().map(DealDto::from).collect(),
        past: past.into_iter().map(DealDto::from).collect(),
    }))
}

/// Edit a company (its creator only).
#[utoipa::path(tag = "companies", params(("id" = Uuid, Path)), request_body = CompanyPatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = CompanyDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[patch("/companies/{id}")]
pub async fn update_company(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<CompanyPatchRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let mut v = crm_domain::error::Validator::new();
    let patch = CompanyPatch {
        name: body
            .name
            .and_then(|n| v.check("name", text::required(&n, text::NAME_MAX))),
        logo_url: body.logo_url.map(|u| {
            v.check("logo_url", text::optional_url(u.as_deref()))
                .flatten()
        }),
        industry: body.industry.map(|i| {
            v.check("industry", text::optional(i.as_deref(), text::NAME_MAX))
                .flatten()
        }),
        website: body.website.map(|w| {
            v.check("website", text::optional_url(w.as_deref()))
                .flatten()
        }),
    };
    v.finish()?;
    let company = state
        .services
        .repos()
        .companies
        .update(user.tenant(), id.into_inner(), patch)
        .await?;
    Ok(HttpResponse::Ok().json(CompanyDto::from(company)))
}
