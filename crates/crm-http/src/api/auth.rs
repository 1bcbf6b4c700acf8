//! Sign-up, sign-in and the current user.

use actix_web::{HttpRequest, HttpResponse, get, post, web};
use crm_domain::{DomainError, NewUser};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::AppState;
use crate::auth::{AuthUser, hash_password, issue_token, verify_password};
use crate::dto::{LoginRequest, MeDto, SessionDto, SessionUserDto, SignupRequest};
use crate::error::{ApiError, ErrorBody, Result};

/// Shortest accepted password.
pub const PASSWORD_MIN: usize = 8;
/// Longest accepted password (argon2 work grows with it).
pub const PASSWORD_MAX: usize = 256;

/// Registers the auth routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(signup).service(login).service(me);
}

/// Builds the session answer for `user`.
pub(crate) fn session(state: &AppState, user: &crm_domain::User) -> Result<SessionDto> {
    Ok(SessionDto {
        user: SessionUserDto {
            id: user.id,
            email: user.email.clone(),
            display_name: user.display_name.clone(),
        },
        access_token: issue_token(&state.auth, user)?,
        token_type: "bearer".to_owned(),
        expires_in: state.auth.token_ttl.as_secs(),
    })
}

/// Registers a user with a password and the default pipeline.
///
/// # Errors
/// 409 when the e-mail is taken, 422 for a bad e-mail or a short password.
pub(crate) async fn register(state: &AppState, body: SignupRequest) -> Result<crm_domain::User> {
    let length = body.password.chars().count();
    if length < PASSWORD_MIN {
        return Err(ApiError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    if length > PASSWORD_MAX {
        return Err(ApiError::invalid(
            "password",
            "must be at most 256 characters",
        ));
    }
    let user = NewUser::new(
        Uuid::now_v7(),
        &body.email,
        body.display_name.as_deref(),
        None,
    )?;
    if state
        .services
        .repos()
        .users
        .credentials(&user.email)
        .await?
        .is_some()
    {
        return Err(email_taken());
    }
    let hash = hash_password(body.password).await?;
    let user = NewUser {
        password_hash: Some(hash),
        ..user
    };
    state
        .services
        .register(user)
        .await
        .map_err(|err| match err {
            DomainError::Conflict { .. } => email_taken(),
            other => other.into(),
        })
}

fn email_taken() -> ApiError {
    DomainError::conflict("users_email_key", "this e-mail is already registered").into()
}

/// Checks e-mail and password, with the failure limiter.
///
/// # Errors
/// 401 on a wrong e-mail or password (same message), 429 after repeated failures.
pub(crate) async fn authenticate(
    state: &AppState,
    req: &HttpRequest,
    body: LoginRequest,
) -> Result<crm_domain::User> {
    let email = body.email.trim().to_lowercase();
    // The socket's address, not `realip_remote_addr`: that one reads `Forwarded` /
    // `X-Forwarded-For`, which any client can set to get a fresh allowance per request.
    let peer = req
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string());
    let key = format!("{email}|{peer}");
    if let Err(wait) = state.login_limiter.check(&key) {
        return Err(ApiError::rate_limited(wait));
    }
    // No stored address holds NUL, and PostgreSQL cannot even compare text with it.
    let credentials = if email.contains('\0') {
        None
    } else {
        state.services.repos().users.credentials(&email).await?
    };
    let (user, hash) = match credentials {
        Some(c) => (Some(c.user), c.password_hash),
        None => (None, None),
    };
    let valid = verify_password(hash, body.password).await;
    match user {
        Some(user) if valid => {
            state.login_limiter.succeed(&key);
            Ok(user)
        }
        _ => {
            state.login_limiter.fail(&key);
            Err(ApiError::unauthorized("wrong e-mail or password"))
        }
    }
}

/// Create an account.
#[utoipa::path(tag = "auth", request_body = SignupRequest,
    responses((status = 201, body = SessionDto), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/signup")]
pub async fn signup(
    state: web::Data<AppState>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse> {
    let user = register(&state, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(session(&state, &user)?))
}

/// Sign in with e-mail and password.
#[utoipa::path(tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionDto), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 429, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse> {
    let user = authenticate(&state, &req, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(session(&state, &user)?))
}

/// The signed-in user.
#[utoipa::path(tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/me")]
pub async fn me(user: AuthUser) -> Result<HttpResponse> {
    Ok(HttpResponse::Ok().json(MeDto::from(&user.user)))
}
