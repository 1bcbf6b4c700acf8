//! A user's contacts.

use actix_web::{HttpResponse, delete, get, patch, post, web};
use crm_domain::contact::{ContactInput, optional_email};
use crm_domain::error::Validator;
use crm_domain::page::{DEFAULT_LIMIT, MAX_LIMIT};
use crm_domain::{CompanyChoice, ContactPatch, ContactQuery, ContactSort, NewContact, text};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::query_opt;
use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{
    ContactDetailDto, ContactDto, ContactPatchRequest, ContactRequest, DealDto, PageDto, StageDto,
};
use crate::error::{ApiError, ErrorBody, Result};
use crate::openapi::field;

/// Registers the contact routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_contacts)
        .service(create_contact)
        .service(get_contact)
        .service(update_contact)
        .service(delete_contact);
}

/// Query of the contact list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ContactParams {
    /// Search in names, e-mail and phone.
    #[param(schema_with = field::search)]
    pub q: Option<String>,
    /// Only this lead status.
    #[param(schema_with = field::lead_status_filter)]
    pub lead_status: Option<String>,
    /// Only this lead source.
    #[param(schema_with = field::lead_source_filter)]
    pub lead_source: Option<String>,
    /// Only this company.
    pub company_id: Option<Uuid>,
    /// `created_at`, `-created_at` (default), `name`, `-name`.
    #[param(schema_with = field::contact_sort)]
    pub sort: Option<String>,
    /// Rows per page.
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
    /// Cursor.
    #[param(schema_with = field::cursor)]
    pub cursor: Option<String>,
}

/// List contacts.
#[utoipa::path(tag = "contacts", params(ContactParams), security(("bearer" = [])),
    responses((status = 200, body = PageDto<ContactDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/contacts")]
pub async fn list_contacts(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<ContactParams>,
) -> Result<HttpResponse> {
    let q = query.into_inner();
    let query = ContactQuery {
        q: q.q,
        lead_status: query_opt("lead_status", q.lead_status.as_deref())?,
        lead_source: query_opt("lead_source", q.lead_source.as_deref())?,
        company_id: q.company_id,
        sort: q
            .sort
            .as_deref()
            .map(ContactSort::parse)
            .transpose()
            .map_err(ApiError::bad_query)?
            .unwrap_or_default(),
        page: super::page(q.limit, q.cursor.as_deref(), DEFAULT_LIMIT, MAX_LIMIT)?,
    };
    let page = state
        .services
        .repos()
        .contacts
        .list(user.tenant(), query)
        .await?;
    Ok(HttpResponse::Ok().json(PageDto::from_page(page, ContactDto::from)))
}

/// Create a contact, with an existing company or one to get-or-create in the same transaction.
#[utoipa::path(tag = "contacts", request_body = ContactRequest, security(("bearer" = [])),
    responses((status = 201, body = ContactDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/contacts")]
pub async fn create_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<ContactRequest>,
) -> Result<HttpResponse> {
    let body = body.into_inner();
    let contact = NewContact::new(&ContactInput {
        first_name: &body.first_name,
        last_name: &body.last_name,
        email: body.email.as_deref(),
        phone: body.phone.as_deref(),
        title: body.title.as_deref(),
        lead_source: body.lead_source.as_deref(),
        lead_status: body.lead_status.as_deref(),
        contact_owner_id: body.contact_owner_id,
        avatar_url: body.avatar_url.as_deref(),
        linkedin_url: body.linkedin_url.as_deref(),
        notes: body.notes.as_deref(),
    })?;
    let company = match (body.company_id, body.company) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "company",
                "give company_id or company, not both",
            ));
        }
        (Some(id), None) => CompanyChoice::Existing(id),
        (None, Some(company)) => CompanyChoice::GetOrCreate(
            company
                .into_domain()
                .map_err(|e| super::relabel(e, "company"))?,
        ),
        (None, None) => CompanyChoice::None,
    };
    let created = state
        .services
        .create_contact(user.tenant(), contact, company)
        .await?;
    Ok(HttpResponse::Created().json(ContactDto::from(created)))
}

/// A contact with its company, its deals and the pipeline.
#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = ContactDetailDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/contacts/{id}")]
pub async fn get_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let tenant = user.tenant();
    let contact = state.services.contact(tenant, id.into_inner()).await?;
    let repos = state.services.repos();
    let deals = repos.deals.with_contact(tenant, contact.contact.id).await?;
    let stages = repos.stages.list(tenant).await?;
    Ok(HttpResponse::Ok().json(ContactDetailDto {
        contact: ContactDto::from(contact),
        deals: deals.iter().map(DealDto::from).collect(),
        stages: stages.iter().map(StageDto::from).collect(),
    }))
}

/// Edit a contact.
#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path)), request_body = ContactPatchRequest,
    security(("bearer" = [])),
    responses((status = 200, body = ContactDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[patch("/contacts/{id}")]
pub async fn update_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
    body: web::Json<ContactPatchRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let mut v = Validator::new();
    let short = |v: &mut Validator, field: &str, value: Option<Option<String>>, max: usize| {
        value.map(|x| v.check(field, text::optional(x.as_deref(), max)).flatten())
    };
    let url = |v: &mut Validator, field: &str, value: Option<Option<String>>| {
        value.map(|x| v.check(field, text::optional_url(x.as_deref())).flatten())
    };
    let patch = ContactPatch {
        first_name: b
            .first_name
            .and_then(|n| v.check("first_name", text::required(&n, text::NAME_MAX))),
        last_name: b
            .last_name
            .and_then(|n| v.check("last_name", text::required(&n, text::NAME_MAX))),
        email: b
            .email
            .map(|e| v.check("email", optional_email(e.as_deref())).flatten()),
        phone: short(&mut v, "phone", b.phone, 50),
        title: short(&mut v, "title", b.title, text::NAME_MAX),
        company_id: b.company_id,
        lead_source: b.lead_source.map(|s| {
            v.check("lead_source", s.as_deref().map(str::parse).transpose())
                .flatten()
        }),
        lead_status: b.lead_status.map(|s| {
            v.check("lead_status", s.as_deref().map(str::parse).transpose())
                .flatten()
        }),
        contact_owner_id: b.contact_owner_id,
        avatar_url: url(&mut v, "avatar_url", b.avatar_url),
        linkedin_url: url(&mut v, "linkedin_url", b.linkedin_url),
        notes: short(&mut v, "notes", b.notes, text::LONG_TEXT_MAX),
    };
    v.finish()?;
    let updated = state
        .services
        .update_contact(user.tenant(), id.into_inner(), patch)
        .await?;
    Ok(HttpResponse::Ok().json(ContactDto::from(updated)))
}

/// Delete a contact: its deals stay (without contact), its activities go.
#[utoipa::path(tag = "contacts", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 204), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[delete("/contacts/{id}")]
pub async fn delete_contact(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    state
        .services
        .repos()
        .contacts
        .delete(user.tenant(), id.into_inner())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
