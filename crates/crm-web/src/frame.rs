//! The shared frame of every page (title, navigation, signed-in user, toast, asset URLs) and
//! the helpers that turn a rendered template into a response with the security headers.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

use crate::assets::asset_url;
use crate::error::{PageError, PageResult};
use crate::format::initials;
use crate::session::{PageUser, Toast, ToastKind, clear_flash_cookie, flash_cookie, read_flash};

/// The Content-Security-Policy of every page: nothing inline, nothing from elsewhere except
/// images (avatars and logos are URLs the users typed).
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
    img-src 'self' data: https:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
    form-action 'self'; frame-ancestors 'none'";

/// What the layout needs.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Page title.
    pub title: String,
    /// Active navigation entry: `dashboard`, `deals`, `add-contact` or "".
    pub nav: &'static str,
    /// Whether someone is signed in (shows navigation and user menu).
    pub signed_in: bool,
    /// Display name.
    pub user_name: String,
    /// E-mail.
    pub user_email: String,
    /// Avatar initials.
    pub user_initials: String,
    /// Toast left by the previous request.
    pub toast: Option<Toast>,
    /// Stylesheet URL.
    pub css_url: String,
    /// Script URL.
    pub js_url: String,
    /// Value of the top bar search box.
    pub search: String,
}

impl Frame {
    /// The frame of a signed-in page.
    pub fn new(req: &HttpRequest, user: &PageUser, nav: &'static str, title: &str) -> Self {
        Self {
            title: title.to_owned(),
            nav,
            signed_in: true,
            user_name: user.user.display_name.clone(),
            user_email: user.user.email.clone(),
            user_initials: initials(&user.user.display_name),
            toast: read_flash(req),
            css_url: asset_url("app.css"),
            js_url: asset_url("app.js"),
            search: String::new(),
        }
    }

    /// The frame of a page without a user (sign-in, errors).
    pub fn anonymous(title: &str) -> Self {
        Self {
            title: title.to_owned(),
            nav: "",
            signed_in: false,
            user_name: String::new(),
            user_email: String::new(),
            user_initials: String::new(),
            toast: None,
            css_url: asset_url("app.css"),
            js_url: asset_url("app.js"),
            search: String::new(),
        }
    }

    /// Takes the toast of the request, for pages without a user.
    pub fn with_flash(mut self, req: &HttpRequest) -> Self {
        self.toast = read_flash(req);
        self
    }
}

/// Adds the security headers of every HTML answer.
pub fn security_headers(builder: &mut HttpResponseBuilder) {
    builder
        .insert_header((header::CONTENT_SECURITY_POLICY, CSP))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "same-origin"))
        .insert_header((header::X_FRAME_OPTIONS, "DENY"))
        .insert_header((header::CACHE_CONTROL, "no-store"));
}

/// An HTML answer with `status`; clears the toast cookie the page just showed.
pub fn html(req: &HttpRequest, status: StatusCode, body: askama::Result<String>) -> PageResult {
    let body = body.map_err(|err| PageError::internal(&err))?;
    let mut builder = HttpResponse::build(status);
    security_headers(&mut builder);
    if read_flash(req).is_some() {
        builder.cookie(clear_flash_cookie());
    }
    Ok(builder.content_type("text/html; charset=utf-8").body(body))
}

/// A 200 HTML answer.
pub fn ok(req: &HttpRequest, body: askama::Result<String>) -> PageResult {
    html(req, StatusCode::OK, body)
}

/// `303 See Other` to `location`.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// `303 See Other` to `location`, showing `message` there.
pub fn redirect_toast(location: &str, kind: ToastKind, message: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .cookie(flash_cookie(kind, message))
        .finish()
}
