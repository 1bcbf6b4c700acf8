//! What a page answers when it cannot show what was asked: a redirect to sign-in, or an HTML
//! error page (404 for unknown ids and other users' ids alike, 403 for a cross-site form,
//! 500 without internals, whose cause is logged once here).

use std::fmt;

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpResponse, ResponseError};
use askama::Template;
use crm_domain::DomainError;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::frame::{Frame, security_headers};

/// Result alias of page handlers.
pub type PageResult<T = HttpResponse> = Result<T, PageError>;

/// A failure of a page request.
#[derive(Debug)]
pub enum PageError {
    /// No valid session: go to `/login?next=…`.
    SignIn {
        /// Where to come back to.
        next: Option<String>,
    },
    /// The row does not exist or is another user's (never told apart).
    NotFound,
    /// The request is refused (a cross-site form).
    Forbidden(String),
    /// The request cannot be understood.
    BadRequest(String),
    /// The database is away or overloaded; a retry may work (503).
    Unavailable,
    /// Something broke on our side; the cause was logged.
    Internal,
}

impl PageError {
    /// Logs `cause` and answers 500 without it.
    pub fn internal(cause: &dyn fmt::Display) -> Self {
        tracing::error!(error = %cause, "page request failed");
        Self::Internal
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SignIn { .. } => f.write_str("sign in first"),
            Self::NotFound => f.write_str("not found"),
            Self::Forbidden(m) | Self::BadRequest(m) => f.write_str(m),
            Self::Unavailable => f.write_str("temporarily unavailable"),
            Self::Internal => f.write_str("internal error"),
        }
    }
}

impl From<DomainError> for PageError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::NotFound { .. } => Self::NotFound,
            DomainError::Forbidden(message) => Self::Forbidden(message),
            DomainError::Validation(fields) => Self::BadRequest(
                fields
                    .into_iter()
                    .map(|(k, v)| format!("{k}: {}", v.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            DomainError::Conflict { message, .. } => Self::BadRequest(message),
            DomainError::Unexpected(cause) if crm_http::error::is_unavailable(&cause) => {
                tracing::warn!(error = %cause, "database unavailable");
                Self::Unavailable
            }
            DomainError::Unexpected(cause) => Self::internal(&cause),
        }
    }
}

/// The error page.
#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    /// Layout.
    pub frame: Frame,
    /// Status code.
    pub status: u16,
    /// Heading.
    pub heading: String,
    /// Explanation.
    pub message: String,
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::SignIn { .. } => StatusCode::SEE_OTHER,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignIn { next } = self {
            let location = match next {
                Some(next) if next != "/" => {
                    format!(
                        "/login?next={}",
                        utf8_percent_encode(next, NON_ALPHANUMERIC)
                    )
                }
                _ => "/login".to_owned(),
            };
            return HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .finish();
        }
        error_page(self.status_code(), self)
    }
}

/// Renders the error page for `err` with `status`.
pub fn error_page(status: StatusCode, err: &PageError) -> HttpResponse {
    let (heading, message) = match err {
        PageError::NotFound => (
            "Page not found",
            "There is nothing here: the page or record does not exist, or it is not yours."
                .to_owned(),
        ),
        PageError::Forbidden(m) => ("Not allowed", m.clone()),
        PageError::BadRequest(m) => ("That did not work", m.clone()),
        PageError::Unavailable => (
            "Temporarily unavailable",
            "The CRM cannot reach its database right now. Please try again in a moment.".to_owned(),
        ),
        PageError::Internal | PageError::SignIn { .. } => (
            "Something went wrong",
            "Something went wrong on our side. Please try again.".to_owned(),
        ),
    };
    let page = ErrorPage {
        frame: Frame::anonymous(heading),
        status: status.as_u16(),
        heading: heading.to_owned(),
        message,
    };
    let mut builder = HttpResponse::build(status);
    security_headers(&mut builder);
    match page.render() {
        Ok(html) => builder.content_type("text/html; charset=utf-8").body(html),
        Err(_) => builder
            .content_type("text/plain; charset=utf-8")
            .body(heading),
    }
}
