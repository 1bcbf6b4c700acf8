//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::rt::time::timeout;
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

/// How long `/readyz` waits for the database: a pool whose server is gone keeps retrying to
/// connect until its acquire timeout (10 s), longer than a probe waits.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// 200 when the database answers within two seconds, else 503.
#[utoipa::path(tag = "health",
    responses((status = 200, description = "The database answers"), (status = 503, body = crate::error::ErrorBody)))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    match timeout(READY_TIMEOUT, state.store.ping()).await {
        Ok(Ok(())) => HttpResponse::Ok().json(json!({"status": "ready"})),
        // The same error body as every other failure (with `details`); the cause is logged.
        Ok(Err(err)) => ApiError::unavailable(&err).error_response(),
        Err(_) => ApiError::unavailable(&"the database did not answer within 2 s").error_response(),
    }
}
