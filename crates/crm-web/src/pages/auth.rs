//! Sign-in, sign-up and sign-out. A successful form sets the HttpOnly `crm_token` cookie with
//! the same JWT the JSON API issues; failures are shown in place on the form.
//!
//! The rules are the JSON API's (`crm_http::api::auth`): the same password bounds, the same
//! "wrong e-mail or password" answer for both mistakes, and the same failure limiter keyed by
//! e-mail and client address, so the two doors share one lockout.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use crm_domain::{DomainError, NewUser, User};
use crm_http::AppState;
use crm_http::auth::{hash_password, issue_token, verify_password};
use uuid::Uuid;

use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::frame::{Frame, html, redirect};
use crate::session::{PageUser, SameOrigin, clear_session_cookie, local_path, session_cookie};

/// Shortest accepted password (as the JSON API).
const PASSWORD_MIN: usize = 8;
/// Longest accepted password (as the JSON API).
const PASSWORD_MAX: usize = 256;
/// Where a sign-in lands without `next`.
const HOME: &str = "/dashboard/crm";

/// The sign-in page.
#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    frame: Frame,
    form: FormState,
}

/// The sign-up page.
#[derive(Template)]
#[template(path = "signup.html")]
struct SignupPage {
    frame: Frame,
    form: FormState,
}

/// Query of the sign-in page.
#[derive(serde::Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// `GET /`: the dashboard when signed in, else the sign-in page.
pub async fn root(user: Option<PageUser>) -> HttpResponse {
    match user {
        Some(_) => redirect(HOME),
        None => redirect("/login"),
    }
}

/// `GET /login`.
pub async fn login_page(
    req: HttpRequest,
    user: Option<PageUser>,
    query: web::Query<NextQuery>,
) -> PageResult {
    let next = local_path(query.next.as_deref());
    if user.is_some() {
        return Ok(redirect(next.as_deref().unwrap_or(HOME)));
    }
    let mut form = FormState::new();
    if let Some(next) = next {
        form.set("next", next);
    }
    let page = LoginPage {
        frame: Frame::anonymous("Sign in").with_flash(&req),
        form,
    };
    html(&req, StatusCode::OK, page.render())
}

/// `POST /login`.
pub async fn login(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    form.set("password", "");
    let email = data.raw("email").trim().to_lowercase();
    let password = data.raw("password").to_owned();
    if email.is_empty() {
        form.add_error("email", "Enter your e-mail address.");
    }
    if password.is_empty() {
        form.add_error("password", "Enter your password.");
    }
    let status = if form.failed() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        match authenticate(&state, &req, &email, password).await? {
            Ok(user) => {
                let token = issue_token(&state.auth, &user).map_err(|e| PageError::internal(&e))?;
                let next = local_path(data.opt("next")).unwrap_or_else(|| HOME.to_owned());
                let mut response = redirect(&next);
                response
                    .add_cookie(&session_cookie(&state.auth, token))
                    .map_err(|e| PageError::internal(&e))?;
                return Ok(response);
            }
            Err(LoginRefused::Wrong) => {
                form.message = Some("Wrong e-mail or password.".to_owned());
                StatusCode::UNAUTHORIZED
            }
            Err(LoginRefused::Limited(seconds)) => {
                let minutes = seconds.div_ceil(60);
                form.message = Some(format!(
                    "Too many failed attempts. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                ));
                StatusCode::TOO_MANY_REQUESTS
            }
        }
    };
    let page = LoginPage {
        frame: Frame::anonymous("Sign in"),
        form,
    };
    html(&req, status, page.render())
}

enum LoginRefused {
    Wrong,
    Limited(u64),
}

/// Checks e-mail and password with the shared failure limiter.
async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    email: &str,
    password: String,
) -> PageResult<Result<User, LoginRefused>> {
    // The socket's address, as the JSON API: forwarded headers are the client's to forge.
    let peer = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string());
    let key = format!("{email}|{peer}");
    if let Err(wait) = state.login_limiter.check(&key) {
        return Ok(Err(LoginRefused::Limited(wait)));
    }
    let credentials = state.services.repos().users.credentials(email).await?;
    let (user, hash) = match credentials {
        Some(c) => (Some(c.user), c.password_hash),
        None => (None, None),
    };
    let valid = verify_password(hash, password).await;
    match user {
        Some(user) if valid => {
            state.login_limiter.succeed(&key);
            Ok(Ok(user))
        }
        _ => {
            state.login_limiter.fail(&key);
            Ok(Err(LoginRefused::Wrong))
        }
    }
}

/// `GET /signup`.
pub async fn signup_page(req: HttpRequest, user: Option<PageUser>) -> PageResult {
    if user.is_some() {
        return Ok(redirect(HOME));
    }
    let page = SignupPage {
        frame: Frame::anonymous("Create an account").with_flash(&req),
        form: FormState::new(),
    };
    html(&req, StatusCode::OK, page.render())
}

/// `POST /signup`.
pub async fn signup(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    form.set("password", "");
    let password = data.raw("password").to_owned();
    let length = password.chars().count();
    if length < PASSWORD_MIN {
        form.add_error("password", "Use at least 8 characters.");
    } else if length > PASSWORD_MAX {
        form.add_error("password", "Use at most 256 characters.");
    }
    let new_user = form.check(
        "email",
        NewUser::new(
            Uuid::now_v7(),
            data.raw("email"),
            data.opt("display_name"),
            None,
        ),
    );
    if let Some(new_user) = new_user.filter(|_| !form.failed()) {
        let taken = state
            .services
            .repos()
            .users
            .credentials(&new_user.email)
            .await?
            .is_some();
        if taken {
            form.add_error("email", "This e-mail is already registered.");
        } else {
            let hash = hash_password(password)
                .await
                .map_err(|e| PageError::internal(&e))?;
            let new_user = NewUser {
                password_hash: Some(hash),
                ..new_user
            };
            match state.services.register(new_user).await {
                Ok(user) => {
                    let token =
                        issue_token(&state.auth, &user).map_err(|e| PageError::internal(&e))?;
                    let mut response = crate::frame::redirect_toast(
                        HOME,
                        crate::session::ToastKind::Success,
                        "Welcome! Your account is ready.",
                    );
                    response
                        .add_cookie(&session_cookie(&state.auth, token))
                        .map_err(|e| PageError::internal(&e))?;
                    return Ok(response);
                }
                Err(DomainError::Conflict { .. }) => {
                    form.add_error("email", "This e-mail is already registered.");
                }
                Err(err) => form.absorb(err, &[])?,
            }
        }
    }
    let page = SignupPage {
        frame: Frame::anonymous("Create an account"),
        form,
    };
    html(&req, StatusCode::UNPROCESSABLE_ENTITY, page.render())
}

/// `POST /logout`: clears the session cookie.
pub async fn logout(_origin: SameOrigin, state: web::Data<AppState>) -> PageResult {
    let mut response = redirect("/login");
    response
        .add_cookie(&clear_session_cookie(&state.auth))
        .map_err(|e| PageError::internal(&e))?;
    Ok(response)
}
