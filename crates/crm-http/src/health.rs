//! Liveness and readiness probes.

use actix_web::{HttpResponse, ResponseError, get, web};
use serde_json::json;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::AppState;
use crate::error::ApiError;

/// Registers `/healthz` and `/readyz`.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(healthz).service(readyz);
}

/// 200 while the process is up.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is up")))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// 200 when the database answers, else 503.
#[utoipa::path(tag = "health",
    responses((status = 200, description = "The database answers"), (status = 503, body = crate::error::ErrorBody)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match state.store.ping().await {
        Ok(()) => HttpResponse::Ok().json(json!({"status": "ready"})),
        // The same error body as every other failure (with `details`); the cause is logged.
        Err(err) => ApiError::unavailable(&err).error_response(),
    }
}
