//! The JSON API under `/api`, one module per resource.

pub mod activities;
pub mod analytics;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod contacts_csv;
pub mod deals;
pub mod spend;
pub mod stages;
pub mod tasks;
pub mod users;

use std::str::FromStr;

use actix_web::HttpResponse;
use actix_web::http::header::ContentType;
use crm_domain::{DomainError, PageRequest};
use serde::Serialize;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::ApiError;

/// Registers every API route (and, through `utoipa-actix-web`, its OpenAPI operation under
/// the scope's prefix).
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(scope("/api/auth").configure(auth::configure))
        .service(
            scope("/api/crm")
                .configure(users::configure)
                .configure(companies::configure)
                // Before the contact routes: `export.csv` is not a contact id.
                .configure(contacts_csv::configure)
                .configure(contacts::configure)
                .configure(stages::configure)
                .configure(deals::configure)
                .configure(activities::configure)
                .configure(tasks::configure)
                .configure(spend::configure)
                .configure(analytics::configure),
        );
}

/// Parses an optional enum value of a query or body, as a 422 on `field` when unknown.
pub(crate) fn parse_opt<T: FromStr<Err = DomainError>>(
    field: &str,
    value: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|err| relabel(err, field).into()),
    }
}

/// Parses an optional enum value of a query string: unknown values are a 400 naming `field`
/// (the spec's "bad query parameter"), unlike the same value in a body (422).
pub(crate) fn query_opt<T: FromStr<Err = DomainError>>(
    field: &str,
    value: Option<&str>,
) -> Result<Option<T>, ApiError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => text
            .parse()
            .map(Some)
            .map_err(|err| ApiError::bad_query(relabel(err, field))),
    }
}

/// The page of a list route: `limit` clamped into `1..=max`; a cursor this server did not
/// make is a 400.
pub(crate) fn page(
    limit: Option<u32>,
    cursor: Option<&str>,
    default: u32,
    max: u32,
) -> Result<PageRequest, ApiError> {
    PageRequest::new(limit, cursor, default, max).map_err(ApiError::bad_query)
}

/// Puts a validation error under `field`.
pub(crate) fn relabel(err: DomainError, field: &str) -> DomainError {
    match err {
        DomainError::Validation(fields) => {
            let messages: Vec<String> = fields.into_values().flatten().collect();
            let mut out = crm_domain::FieldErrors::new();
            out.insert(field.to_owned(), messages);
            DomainError::Validation(out)
        }
        other => other,
    }
}

/// Bytes to reserve per deal of a board answer: a card is about 600 bytes of JSON with its
/// company, contact and collaborators.
pub(crate) const JSON_BYTES_PER_CARD: usize = 768;

/// A `200 OK` JSON answer written into a buffer of `size_hint` bytes reserved up front. A
/// large answer (a full board of 2,000 cards is over a megabyte) would otherwise grow its
/// buffer some twenty times, copying everything written so far each time.
///
/// The board's answers are written with `sonic-rs`, whose string escaping is SIMD where
/// `serde_json`'s is a byte loop: in the board page's profile, writing the answer fell from
/// 19 % to 14 % of the server's time (docs/benchmarks.md). Its output is the same JSON for
/// these DTOs (strings, integers, `null`s; no floats); the API tests parse it back with
/// `serde_json`.
///
/// # Errors
/// 500 when `value` cannot be serialised (a map with non-string keys; none of the DTOs has
/// one).
pub(crate) fn json_ok_sized<T: Serialize>(
    value: &T,
    size_hint: usize,
) -> Result<HttpResponse, ApiError> {
    let mut body = Vec::with_capacity(size_hint);
    sonic_rs::to_writer(&mut body, value).map_err(|err| ApiError::internal(&err))?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body))
}
