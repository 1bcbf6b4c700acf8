//! Who is signed in (the `crm_token` cookie), the cookies the pages set (session and one-shot
//! toast), and the same-origin check every posted form passes (CSRF defence on top of the
//! cookie's `SameSite=Lax`).

use std::future::{Future, Ready, ready};
use std::pin::Pin;

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::{Method, header};
use actix_web::{FromRequest, HttpRequest, web};
use crm_domain::{DomainError, Tenant, User};
use crm_http::AppState;
use crm_http::auth::{AuthConfig, COOKIE_NAME, token_of, verify_token};
use percent_encoding::{NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use uuid::Uuid;

use crate::error::PageError;

/// Name of the one-shot cookie that carries a toast across a redirect.
pub const FLASH_COOKIE: &str = "crm_flash";

/// The signed-in user of a page request. Without a valid session the request is answered
/// with a redirect to `/login?next=…`.
#[derive(Debug, Clone)]
pub struct PageUser {
    /// The user.
    pub user: User,
}

impl PageUser {
    /// The caller's tenant.
    pub fn tenant(&self) -> Tenant {
        Tenant::new(self.user.id)
    }
}

/// Where to come back to after signing in: the page asked for, or for a posted form the page
/// it was posted from.
fn next_of(req: &HttpRequest) -> Option<String> {
    if req.method() == Method::GET {
        let path = req.uri().path_and_query().map(|p| p.as_str())?;
        return Some(path.to_owned());
    }
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let (authority, path) = split_url(referer)?;
    same_host(req, authority).then(|| path.to_owned())
}

impl FromRequest for PageUser {
    type Error = PageError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = req
            .cookie(COOKIE_NAME)
            .map(|c| c.value().to_owned())
            .or_else(|| token_of(req));
        let next = next_of(req);
        Box::pin(async move {
            let state = state.ok_or_else(|| PageError::internal(&"application state missing"))?;
            let sign_in = || PageError::SignIn { next: next.clone() };
            let token = token.ok_or_else(sign_in)?;
            let claims = verify_token(&state.auth, &token).map_err(|_| sign_in())?;
            let id = Uuid::parse_str(&claims.sub).map_err(|_| sign_in())?;
            let user = state
                .services
                .user_for_token(id, claims.email.as_deref())
                .await
                .map_err(|err| match err {
                    DomainError::Unexpected(cause) => PageError::internal(&cause),
                    _ => sign_in(),
                })?;
            Ok(PageUser { user })
        })
    }
}

/// Proof that a posted form came from this site: its `Origin` (or, when a browser sends
/// none, its `Referer`) names the host the request was sent to. Cross-site posts get 403.
#[derive(Debug, Clone, Copy)]
pub struct SameOrigin;

impl FromRequest for SameOrigin {
    type Error = PageError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(check_same_origin(req))
    }
}

/// Splits `scheme://authority/path…` into the authority and the path (with query).
fn split_url(url: &str) -> Option<(&str, &str)> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    match rest.find(['/', '?', '#']) {
        Some(i) if rest[i..].starts_with('/') => Some((&rest[..i], &rest[i..])),
        Some(i) => Some((&rest[..i], "/")),
        None => Some((rest, "/")),
    }
}

fn same_host(req: &HttpRequest, authority: &str) -> bool {
    let info = req.connection_info();
    authority.eq_ignore_ascii_case(info.host())
}

fn check_same_origin(req: &HttpRequest) -> Result<SameOrigin, PageError> {
    let refused = || PageError::Forbidden("This form was not sent from this site.".to_owned());
    let header_value = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .map(str::to_owned)
    };
    let source = header_value(header::ORIGIN)
        .filter(|o| o != "null")
        .or_else(|| header_value(header::REFERER))
        .ok_or_else(refused)?;
    let (authority, _) = split_url(&source).ok_or_else(refused)?;
    if same_host(req, authority) {
        Ok(SameOrigin)
    } else {
        Err(refused())
    }
}

/// The session cookie holding `token`: HttpOnly, SameSite=Lax, `Secure` when configured,
/// living as long as the token.
pub fn session_cookie(auth: &AuthConfig, token: String) -> Cookie<'static> {
    let seconds = i64::try_from(auth.token_ttl.as_secs()).unwrap_or(43_200);
    Cookie::build(COOKIE_NAME, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth.secure_cookies)
        .max_age(CookieDuration::seconds(seconds))
        .finish()
}

/// A cookie that removes the session.
pub fn clear_session_cookie(auth: &AuthConfig) -> Cookie<'static> {
    let mut cookie = Cookie::build(COOKIE_NAME, "")
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(auth.secure_cookies)
        .finish();
    cookie.make_removal();
    cookie
}

/// How a toast looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToastKind {
    /// Something worked.
    Success,
    /// Something failed.
    Error,
}

/// A message shown once at the corner of the next page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toast {
    /// `success` or `error`.
    pub kind: &'static str,
    /// The text.
    pub message: String,
}

/// The one-shot cookie carrying a toast to the page a redirect leads to.
pub fn flash_cookie(kind: ToastKind, message: &str) -> Cookie<'static> {
    let kind = match kind {
        ToastKind::Success => "s",
        ToastKind::Error => "e",
    };
    let value = format!("{kind}:{}", utf8_percent_encode(message, NON_ALPHANUMERIC));
    Cookie::build(FLASH_COOKIE, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(60))
        .finish()
}

/// A cookie that removes the toast once shown.
pub fn clear_flash_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(FLASH_COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

/// The toast a redirect left for this request, if any.
pub fn read_flash(req: &HttpRequest) -> Option<Toast> {
    let cookie = req.cookie(FLASH_COOKIE)?;
    let (kind, text) = cookie.value().split_once(':')?;
    let message = percent_decode_str(text).decode_utf8().ok()?.into_owned();
    let kind = if kind == "e" { "error" } else { "success" };
    (!message.is_empty()).then_some(Toast { kind, message })
}

/// A path to come back to that stays on this site (`/…`, not `//host` or `/\host`).
pub fn local_path(value: Option<&str>) -> Option<String> {
    let value = value?.trim();
    let ok = value.starts_with('/')
        && !value.starts_with("//")
        && !value.starts_with("/\\")
        && !value.contains(['\r', '\n']);
    ok.then(|| value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(
            local_path(Some("/apps/crm/deals?q=a")).as_deref(),
            Some("/apps/crm/deals?q=a")
        );
        assert_eq!(local_path(Some("//evil.example/x")), None);
        assert_eq!(local_path(Some("/\\evil.example")), None);
        assert_eq!(local_path(Some("https://evil.example")), None);
        assert_eq!(local_path(None), None);
    }

    #[test]
    fn urls_split_into_authority_and_path() {
        assert_eq!(
            split_url("http://127.0.0.1:8080/a?b"),
            Some(("127.0.0.1:8080", "/a?b"))
        );
        assert_eq!(split_url("https://crm.example"), Some(("crm.example", "/")));
        assert_eq!(split_url("ftp://x"), None);
    }
}
