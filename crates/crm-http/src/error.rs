//! The wire form of every failure: `{"error": {"code", "message", "details"}}` with the
//! status of `spec/api.md`. A 5xx never carries internals; its cause is logged once, here.

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use crm_domain::DomainError;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// Result alias of handlers.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// The error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// Code, message and details of an error.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable code, e.g. `validation_failed`.
    pub code: String,
    /// Human text.
    pub message: String,
    /// Extra data: `{"fields": {"progress": ["must be between 0 and 100"]}}` on 422.
    #[schema(value_type = Object)]
    pub details: Value,
}

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Value,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            details: json!({}),
            retry_after: None,
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// The same error with `details` replaced (e.g. `{"line": 3}` for a malformed upload).
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// The same error with another human message (e.g. a route's own body limit).
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = message.into();
        self
    }

    /// The human message (what the body's `message` says).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// 400 `bad_request` for a query parameter that does not parse (an unknown filter value, a
    /// cursor this server did not make, an unknown sort); a validation error keeps its
    /// `details.fields`, so the client still learns which parameter was wrong.
    pub fn bad_query(err: DomainError) -> Self {
        Self::bad_options("invalid query parameter", err)
    }

    /// 400 `bad_request` with `message` for options that do not parse (query parameters or
    /// form fields); a validation error keeps its `details.fields`.
    pub fn bad_options(message: &str, err: DomainError) -> Self {
        match err {
            DomainError::Validation(fields) => {
                let mut api = Self::bad_request(message);
                api.details = json!({ "fields": fields });
                api
            }
            other => other.into(),
        }
    }

    /// 401 `unauthorized`.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 `not_found`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    /// 413 `payload_too_large`.
    pub fn payload_too_large() -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "the request body is larger than 1 MiB",
        )
    }

    /// 422 `validation_failed` on one field.
    pub fn invalid(field: &str, message: &str) -> Self {
        let mut err = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "the request is not valid",
        );
        err.details = json!({ "fields": { field: [message] } });
        err
    }

    /// 429 `rate_limited` with `Retry-After`.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let mut err = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "too many failed attempts; try again later",
        );
        err.retry_after = Some(retry_after_secs.max(1));
        err
    }

    /// 500 `internal`; `cause` is logged, never sent.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "request failed");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "something went wrong on our side",
        )
    }

    /// 503 `unavailable`.
    pub fn unavailable(cause: &dyn fmt::Display) -> Self {
        tracing::warn!(error = %cause, "database unavailable");
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "the service is temporarily unavailable",
        )
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.insert_header((header::RETRY_AFTER, value));
        }
        response.json(ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                details: self.details.clone(),
            },
        })
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Validation(fields) => {
                let mut api = Self::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "validation_failed",
                    "the request is not valid",
                );
                api.details = json!({ "fields": fields });
                api
            }
            DomainError::NotFound { entity } => Self::not_found(format!("{entity} not found")),
            DomainError::Conflict {
                constraint,
                message,
            } => {
                let mut api = Self::new(StatusCode::CONFLICT, "conflict", message);
                api.details = json!({ "constraint": constraint });
                api
            }
            DomainError::Forbidden(message) => {
                Self::new(StatusCode::FORBIDDEN, "forbidden", message)
            }
            DomainError::Unexpected(cause) if is_unavailable(&cause) => Self::unavailable(&cause),
            DomainError::Unexpected(cause) => Self::internal(&cause),
        }
    }
}

/// Whether the cause of a [`DomainError::Unexpected`] says the database is away (the pages use
/// it too). Pool and connection failures, a server that shuts down and a statement cancelled
/// by its timeout mean the database is away or overloaded, not that the request is wrong: 503, which a
/// client may retry. The store marks them (`crm_store::DATABASE_UNAVAILABLE`).
pub fn is_unavailable(cause: &str) -> bool {
    cause.starts_with(crm_store::DATABASE_UNAVAILABLE)
        || cause.contains("Failed to acquire connection")
        || cause.contains("Connection Error")
        || cause.contains("connection refused")
        || cause.contains("pool timed out")
}

/// Maps actix's JSON body errors: too large → 413, anything else (syntax, unknown field,
/// wrong type) → 400 with serde's explanation.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError;
    let api = match &err {
        JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
            ApiError::payload_too_large()
        }
        JsonPayloadError::ContentType => {
            ApiError::bad_request("the body must be JSON (Content-Type: application/json)")
        }
        JsonPayloadError::Deserialize(inner) => {
            ApiError::bad_request(format!("invalid JSON body: {inner}"))
        }
        JsonPayloadError::Payload(actix_web::error::PayloadError::Overflow) => {
            ApiError::payload_too_large()
        }
        other => ApiError::bad_request(format!("invalid JSON body: {other}")),
    };
    api.into()
}

/// Maps query-string errors to 400.
pub fn query_error(
    err: actix_web::error::QueryPayloadError,
    _req: &HttpRequest,
) -> actix_web::Error {
    ApiError::bad_request(format!("invalid query parameter: {err}")).into()
}

/// Maps path errors (e.g. a malformed id) to 400 — unless the path is another documented
/// route that does not serve this method (`PATCH /api/crm/contacts/export.csv` reaches the
/// `{id}` route): that is a 405.
pub fn path_error(err: actix_web::error::PathError, req: &HttpRequest) -> actix_web::Error {
    match method_not_allowed(req) {
        Some(response) => actix_web::error::InternalError::from_response(err, response).into(),
        None => ApiError::bad_request(format!("invalid path parameter: {err}")).into(),
    }
}

/// The default service: a request for a documented path with a method it does not serve is
/// 405 `method_not_allowed` with an `Allow` header listing the methods it does serve; any other
/// request no route matches gets the JSON 404 of every other error (its message names the
/// route, so a client can tell it from a missing row).
pub async fn no_route(req: HttpRequest) -> HttpResponse {
    method_not_allowed(&req).unwrap_or_else(|| {
        ApiError::not_found(format!("no route for {} {}", req.method(), req.path()))
            .error_response()
    })
}

/// The 405 answer (with `Allow`) when the best-matching documented path of `req` does not
/// serve its method; `None` when no documented path matches or the method is served.
fn method_not_allowed(req: &HttpRequest) -> Option<HttpResponse> {
    let allowed = crate::openapi::allowed_methods(req.path());
    if allowed.is_empty() || allowed.contains(&req.method().as_str()) {
        return None;
    }
    let allow = allowed.join(", ");
    let mut response = ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        format!(
            "{} is not allowed on {}; use {allow}",
            req.method(),
            req.path()
        ),
    )
    .error_response();
    if let Ok(value) = HeaderValue::from_str(&allow) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    Some(response)
}
