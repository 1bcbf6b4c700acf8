//! The JSON API under `/api`, one module per resource.

pub mod activities;
pub mod auth;
pub mod companies;
pub mod contacts;
pub mod deals;
pub mod spend;
pub mod stages;
pub mod users;

use std::str::FromStr;

use actix_web::web;
use crm_domain::DomainError;

use crate::error::ApiError;

/// Registers every API route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/api/auth").configure(auth::configure))
        .service(
            web::scope("/api/crm")
                .configure(users::configure)
                .configure(companies::configure)
                .configure(contacts::configure)
                .configure(stages::configure)
                .configure(deals::configure)
                .configure(activities::configure)
                .configure(spend::configure),
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
