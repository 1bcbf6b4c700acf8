//! Colleagues for owner and collaborator pickers.

use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{ListDto, UserSummaryDto};
use crate::error::{ErrorBody, Result};
use crate::openapi::field;

/// Registers the users route.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_users);
}

/// Query of the picker.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserParams {
    /// Search in names and e-mails.
    #[param(schema_with = field::search)]
    pub q: Option<String>,
    /// At most this many (default 50, at most 200).
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
}

/// Colleagues by name.
#[utoipa::path(tag = "users", params(UserParams), security(("bearer" = [])),
    responses((status = 200, body = ListDto<UserSummaryDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/users")]
pub async fn list_users(
    state: web::Data<AppState>,
    _user: AuthUser,
    query: web::Query<UserParams>,
) -> Result<HttpResponse> {
    let query = query.into_inner();
    let users = state
        .services
        .repos()
        .users
        .search(query.q, query.limit.unwrap_or(50))
        .await?;
    Ok(HttpResponse::Ok().json(ListDto {
        data: users.iter().map(UserSummaryDto::from).collect(),
    }))
}
