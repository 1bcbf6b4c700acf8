//! A user's marketing spend.

use actix_web::{HttpResponse, get, post, web};
use chrono::{Duration, Utc};
use crm_domain::NewMarketingSpend;
use crm_domain::error::Validator;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{RangeParams, SpendDto, SpendRequest};
use crate::error::{ApiError, ErrorBody, Result};

/// Registers the spend routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(list_spend).service(upsert_spend);
}

/// Spend rows with `from <= spent_on < to` (default: the last 30 days).
#[utoipa::path(tag = "marketing", params(RangeParams), security(("bearer" = [])),
    responses((status = 200, body = Vec<SpendDto>), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/marketing-spend")]
pub async fn list_spend(
    state: web::Data<AppState>,
    user: AuthUser,
    query: web::Query<RangeParams>,
) -> Result<HttpResponse> {
    let mut v = Validator::new();
    let from = query.from.and_then(|d| v.check("from", d.check("from")));
    let to = query.to.and_then(|d| v.check("to", d.check("to")));
    v.finish()?;
    let today = Utc::now().date_naive();
    let to = to.unwrap_or(today + Duration::days(1));
    let from = from.unwrap_or(to - Duration::days(30));
    if from >= to {
        return Err(ApiError::invalid("from", "must be before to"));
    }
    if (to - from).num_days() > 731 {
        return Err(ApiError::invalid(
            "to",
            "the range must be at most 731 days",
        ));
    }
    let rows = state
        .services
        .repos()
        .spend
        .list(user.tenant(), from, to)
        .await?;
    Ok(HttpResponse::Ok().json(rows.iter().map(SpendDto::from).collect::<Vec<_>>()))
}

/// Record a day of spend on one lead source (201 new, 200 replaced).
#[utoipa::path(tag = "marketing", request_body = SpendRequest, security(("bearer" = [])),
    responses((status = 201, body = SpendDto), (status = 200, body = SpendDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/marketing-spend")]
pub async fn upsert_spend(
    state: web::Data<AppState>,
    user: AuthUser,
    body: web::Json<SpendRequest>,
) -> Result<HttpResponse> {
    let b = body.into_inner();
    let mut v = Validator::new();
    let spent_on = v.check("spent_on", b.spent_on.check("spent_on"));
    let lead_source = v.check("lead_source", b.lead_source.parse());
    let allotted = v.check("allotted", b.allotted.parse());
    let used = v.check("used", b.used.parse());
    v.finish()?;
    // `finish` passed, so every check produced its value.
    let (Some(spent_on), Some(lead_source), Some(allotted), Some(used)) =
        (spent_on, lead_source, allotted, used)
    else {
        return Err(ApiError::internal(&"a checked spend field has no value"));
    };
    let spend = NewMarketingSpend {
        spent_on,
        lead_source,
        allotted,
        used,
    };
    let (row, created) = state
        .services
        .repos()
        .spend
        .upsert(user.tenant(), spend)
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.json(SpendDto::from(&row)))
}
