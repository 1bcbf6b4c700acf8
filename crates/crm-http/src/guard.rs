//! Cross-cutting request and response rules of the whole application (API, docs and the pages
//! mounted beside them): the security headers every response carries, and the refusal of a
//! NUL character in a query string (PostgreSQL cannot compare text with NUL, so it must never
//! reach a query).

use actix_web::body::MessageBody;
use actix_web::dev::Payload;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{Error, ResponseError};

use crate::error::ApiError;

/// The policy of a response that sets none: nothing may load, nothing may frame it. The pages
/// set their own (scripts and styles from this origin only, never inline).
pub const DEFAULT_CSP: &str = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'";

/// Refuses a query string with an encoded NUL (400), and adds the security headers a response
/// lacks: `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
/// `Referrer-Policy: same-origin` and, except on the docs page (Swagger UI runs an inline
/// script), [`DEFAULT_CSP`].
///
/// # Errors
/// Whatever the inner service fails with.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let docs = req.path().starts_with("/api/docs");
    let refusal = if has_encoded_nul(req.query_string()) {
        Some(ApiError::bad_request(
            "the query string must not contain NUL characters",
        ))
    } else {
        json_body_refusal(&mut req).await
    };
    let mut response = match refusal {
        Some(refusal) => req
            .into_response(refusal.error_response())
            .map_into_right_body(),
        None => next.call(req).await?.map_into_left_body(),
    };
    let headers = response.headers_mut();
    add_missing(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    add_missing(headers, header::X_FRAME_OPTIONS, "DENY");
    add_missing(headers, header::REFERRER_POLICY, "same-origin");
    if !docs {
        add_missing(headers, header::CONTENT_SECURITY_POLICY, DEFAULT_CSP);
    }
    Ok(response)
}

/// Every JSON body of the API is an object: serde would also read a struct whose fields are
/// all optional from `[]`, so an array (or any other JSON value) is refused here with 400.
/// The body is read (within [`crate::BODY_LIMIT`], else 413) and put back for the handler.
async fn json_body_refusal(req: &mut ServiceRequest) -> Option<ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("application/json")
        });
    let has_body = matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    );
    if !is_json || !has_body || !req.path().starts_with("/api/") {
        return None;
    }
    let body = match req.extract::<Bytes>().await {
        Ok(body) => body,
        Err(err) => {
            let overflow = err.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE;
            return Some(if overflow {
                ApiError::payload_too_large()
            } else {
                ApiError::bad_request(format!("cannot read the body: {err}"))
            });
        }
    };
    let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
    req.set_payload(Payload::from(body));
    match first {
        Some(b'{') | None => None,
        Some(_) => Some(ApiError::bad_request(
            "invalid JSON body: the body must be a JSON object",
        )),
    }
}

fn add_missing(headers: &mut HeaderMap, name: HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// `%00` anywhere in the raw query string (a literal NUL cannot be sent in a request line).
fn has_encoded_nul(query: &str) -> bool {
    query.as_bytes().windows(3).any(|w| w == b"%00")
}

#[cfg(test)]
mod tests {
    use super::has_encoded_nul;

    #[test]
    fn an_encoded_nul_is_found_anywhere_in_the_query() {
        assert!(has_encoded_nul("q=a%00b"));
        assert!(has_encoded_nul("%00"));
        assert!(!has_encoded_nul("q=a%2500"));
        assert!(!has_encoded_nul("q=100&limit=200"));
    }
}
