//! Authentication: argon2id password hashes, HS256 JWTs with Supabase's claim layout, the
//! [`AuthUser`] extractor (Bearer header or the pages' HttpOnly cookie) and the login
//! rate limiter.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, LazyLock, Mutex, mpsc};
use std::time::{Duration, Instant};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::Utc;
use crm_domain::{Tenant, User};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;
use uuid::Uuid;

use crate::AppState;
use crate::error::ApiError;

/// Name of the cookie the pages use to carry the token.
pub const COOKIE_NAME: &str = "crm_token";
/// The audience and role of signed-in users, as Supabase issues them.
pub const AUDIENCE: &str = "authenticated";

/// Token settings. The secret never appears in `Debug` output.
#[derive(Clone)]
pub struct AuthConfig {
    secret: Vec<u8>,
    /// Lifetime of issued tokens.
    pub token_ttl: Duration,
    /// Mark cookies `Secure` (when served over TLS, e.g. behind a proxy).
    pub secure_cookies: bool,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("secret", &"<redacted>")
            .field("token_ttl", &self.token_ttl)
            .field("secure_cookies", &self.secure_cookies)
            .finish()
    }
}

impl AuthConfig {
    /// Settings with `secret` (at least 32 bytes recommended) and a 12-hour token lifetime.
    pub fn new(secret: impl Into<Vec<u8>>) -> Self {
        Self {
            secret: secret.into(),
            token_ttl: Duration::from_secs(12 * 3600),
            secure_cookies: false,
        }
    }
}

/// The claims of a token (Supabase's layout).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// User id.
    pub sub: String,
    /// E-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Role, `authenticated`.
    #[serde(default)]
    pub role: Option<String>,
    /// Audience, `authenticated`.
    pub aud: String,
    /// Issued at (seconds).
    pub iat: i64,
    /// Expires at (seconds).
    pub exp: i64,
}

/// Issues a token for `user`.
///
/// # Errors
/// 500 when signing fails.
pub fn issue_token(config: &AuthConfig, user: &User) -> Result<String, ApiError> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user.id.to_string(),
        email: Some(user.email.clone()),
        role: Some(AUDIENCE.to_owned()),
        aud: AUDIENCE.to_owned(),
        iat: now,
        exp: now + i64::try_from(config.token_ttl.as_secs()).unwrap_or(43_200),
    };
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(&config.secret),
    )
    .map_err(|err| ApiError::internal(&err))
}

/// Verifies a token: HS256 only (so `alg: none` and other algorithms fail), signature,
/// expiry, `nbf` when present, and audience.
///
/// # Errors
/// 401 for any invalid token.
pub fn verify_token(config: &AuthConfig, token: &str) -> Result<Claims, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&[AUDIENCE]);
    validation.set_required_spec_claims(&["exp", "sub", "aud"]);
    validation.validate_nbf = true;
    validation.leeway = 30;
    jsonwebtoken::decode::<Claims>(
        token,
        &DecodingKey::from_secret(&config.secret),
        &validation,
    )
    .map(|data| data.claims)
    .map_err(|_| ApiError::unauthorized("the access token is missing, invalid or expired"))
}

/// A password hash or check, run on one of the [`HASHERS`] threads.
type HashJob = Box<dyn FnOnce() + Send>;

/// The queue of the few long-lived threads (one per core) that run every argon2 hash. Each
/// hash takes 19 MiB (the default memory cost) and glibc keeps freed memory in the arena of
/// the thread that used it, so hashing on the blocking pool (a new thread, and arena, for
/// each concurrent sign-in) grew the server by gigabytes under a burst of sign-ins. On a
/// fixed set of threads at most that many hashes run at once (more would not finish sooner
/// on the cores there are) and their memory is reused. `None` when no thread could start.
static HASHERS: LazyLock<Option<mpsc::Sender<HashJob>>> = LazyLock::new(start_hashers);

fn start_hashers() -> Option<mpsc::Sender<HashJob>> {
    let (jobs, queue) = mpsc::channel::<HashJob>();
    let queue = Arc::new(Mutex::new(queue));
    let threads = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let started = (0..threads)
        .filter(|index| {
            let queue = Arc::clone(&queue);
            std::thread::Builder::new()
                .name(format!("argon2-{index}"))
                .spawn(move || run_hash_jobs(&queue))
                .is_ok()
        })
        .count();
    (started > 0).then_some(jobs)
}

fn run_hash_jobs(queue: &Mutex<mpsc::Receiver<HashJob>>) {
    loop {
        // The lock is released before the job runs, so the other threads take the next ones.
        let next = queue.lock().map(|queue| queue.recv());
        let Ok(Ok(job)) = next else {
            return;
        };
        // A panicking job loses only its own answer, never the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Runs `work` (argon2) on the [`HASHERS`] threads, or on the blocking pool if none started.
async fn hashing<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, String> {
    let Some(jobs) = HASHERS.as_ref() else {
        return web::block(work).await.map_err(|err| err.to_string());
    };
    let (answer, answered) = oneshot::channel();
    jobs.send(Box::new(move || {
        let _ = answer.send(work());
    }))
    .map_err(|_| "the password hashing threads stopped".to_owned())?;
    answered.await.map_err(|err| err.to_string())
}

/// Hashes a password with argon2id on the [`HASHERS`] threads (off the async workers: it is
/// deliberately slow).
///
/// # Errors
/// 500 when hashing fails.
pub async fn hash_password(password: String) -> Result<String, ApiError> {
    hashing(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| err.to_string())
    })
    .await
    .and_then(|hashed| hashed)
    .map_err(|err| ApiError::internal(&err))
}

/// Checks a password against a stored hash on the [`HASHERS`] threads; `false` for no hash or
/// a mismatch.
pub async fn verify_password(hash: Option<String>, password: String) -> bool {
    let Some(hash) = hash else {
        return false;
    };
    hashing(move || {
        PasswordHash::new(&hash)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// The signed-in caller, extracted from `Authorization: Bearer` or the `crm_token` cookie.
/// An unknown `sub` of a valid token is provisioned as a user on first use.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user.
    pub user: User,
}

impl AuthUser {
    /// The tenant of the caller.
    pub fn tenant(&self) -> Tenant {
        Tenant::new(self.user.id)
    }
}

/// The raw token of a request, from the header or the cookie.
pub fn token_of(req: &HttpRequest) -> Option<String> {
    if let Some(value) = req.headers().get(header::AUTHORIZATION) {
        let value = value.to_str().ok()?;
        let (scheme, token) = value.split_once(' ')?;
        return scheme
            .eq_ignore_ascii_case("bearer")
            .then(|| token.trim().to_owned());
    }
    req.cookie(COOKIE_NAME).map(|c| c.value().to_owned())
}

/// `true` for a state-changing request (not `GET`, `HEAD` or `OPTIONS`) authenticated by the
/// session cookie alone whose `Origin` (or, without one, `Referer`) is missing or names another
/// host: a page of another site making the browser send our cookie (CSRF). Requests with an
/// `Authorization` header are not affected: another site cannot set one.
fn is_cross_site_cookie_write(req: &HttpRequest) -> bool {
    let safe = matches!(
        *req.method(),
        actix_web::http::Method::GET
            | actix_web::http::Method::HEAD
            | actix_web::http::Method::OPTIONS
    );
    if safe
        || req.headers().contains_key(header::AUTHORIZATION)
        || req.cookie(COOKIE_NAME).is_none()
    {
        return false;
    }
    let source = |name| {
        req.headers()
            .get(name)
            .and_then(|v: &header::HeaderValue| v.to_str().ok())
            .filter(|v| !v.is_empty() && *v != "null")
            .map(str::to_owned)
    };
    let Some(source) = source(header::ORIGIN).or_else(|| source(header::REFERER)) else {
        return true;
    };
    let authority = source
        .strip_prefix("https://")
        .or_else(|| source.strip_prefix("http://"))
        .map(|rest| rest.split(['/', '?', '#']).next().unwrap_or(rest));
    match authority {
        Some(authority) => !authority.eq_ignore_ascii_case(req.connection_info().host()),
        None => true,
    }
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let token = token_of(req);
        let cross_site = is_cross_site_cookie_write(req);
        Box::pin(async move {
            if cross_site {
                return Err(ApiError::forbidden(
                    "a cookie-authenticated change must come from this site",
                ));
            }
            let state = state.ok_or_else(|| ApiError::internal(&"application state missing"))?;
            let token =
                token.ok_or_else(|| ApiError::unauthorized("sign in first: no access token"))?;
            let claims = verify_token(&state.auth, &token)?;
            let id = Uuid::parse_str(&claims.sub)
                .map_err(|_| ApiError::unauthorized("the token's subject is not a user id"))?;
            if let Some(user) = state.known_users.get(id) {
                return Ok(AuthUser { user });
            }
            let user = state
                .services
                .user_for_token(id, claims.email.as_deref())
                .await
                .map_err(|err| match err {
                    crm_domain::DomainError::Unexpected(_) => ApiError::from(err),
                    _ => ApiError::unauthorized("the token's user cannot be provisioned"),
                })?;
            state.known_users.insert(user.clone());
            Ok(AuthUser { user })
        })
    }
}

/// The users recently met by [`AuthUser`], by id, so a request does not spend a database
/// round trip on finding its caller again.
///
/// Exact as long as users do not change: the application never updates or deletes a user
/// row (users are created at sign-up or on a token's first use), so an entry can only go
/// stale when an operator edits `users` by hand (or `crm seed --reset` runs beside a live
/// server); the time to live bounds that. Tenancy never depends on it: the tenant is the
/// token's verified subject either way.
#[derive(Debug)]
pub struct KnownUsers {
    ttl: Duration,
    capacity: usize,
    users: Mutex<HashMap<Uuid, (User, Instant)>>,
}

impl Default for KnownUsers {
    fn default() -> Self {
        Self::new(Duration::from_secs(60), 10_000)
    }
}

impl KnownUsers {
    /// A cache keeping at most `capacity` users for `ttl` each.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            users: Mutex::new(HashMap::new()),
        }
    }

    /// The user with `id`, when met less than the time to live ago.
    pub fn get(&self, id: Uuid) -> Option<User> {
        let users = self.users.lock().ok()?;
        let (user, met) = users.get(&id)?;
        (met.elapsed() < self.ttl).then(|| user.clone())
    }

    /// Remembers `user`. When full, expired entries go first, then everything.
    pub fn insert(&self, user: User) {
        let Ok(mut users) = self.users.lock() else {
            return;
        };
        if users.len() >= self.capacity && !users.contains_key(&user.id) {
            let ttl = self.ttl;
            users.retain(|_, (_, met)| met.elapsed() < ttl);
            if users.len() >= self.capacity {
                users.clear();
            }
        }
        users.insert(user.id, (user, Instant::now()));
    }
}

/// Counts failed sign-ins per key (e-mail and client address) in a sliding window and
/// refuses further attempts once the limit is reached.
#[derive(Debug)]
pub struct LoginLimiter {
    max_failures: u32,
    window: Duration,
    failures: Mutex<HashMap<String, (u32, Instant)>>,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new(5, Duration::from_secs(15 * 60))
    }
}

impl LoginLimiter {
    /// A limiter allowing `max_failures` per `window`.
    pub fn new(max_failures: u32, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// `Err(seconds to wait)` when `key` is locked out.
    pub fn check(&self, key: &str) -> Result<(), u64> {
        let Ok(mut map) = self.failures.lock() else {
            return Ok(());
        };
        if let Some((count, since)) = map.get(key).copied() {
            let elapsed = since.elapsed();
            if elapsed >= self.window {
                map.remove(key);
            } else if count >= self.max_failures {
                return Err((self.window - elapsed).as_secs().max(1));
            }
        }
        Ok(())
    }

    /// Records a failure of `key`.
    pub fn fail(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            if map.len() > 100_000 {
                let window = self.window;
                map.retain(|_, (_, since)| since.elapsed() < window);
            }
            let entry = map.entry(key.to_owned()).or_insert((0, Instant::now()));
            entry.0 += 1;
        }
    }

    /// Forgets `key` after a success.
    pub fn succeed(&self, key: &str) {
        if let Ok(mut map) = self.failures.lock() {
            map.remove(key);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn user(n: u128) -> User {
        User {
            id: Uuid::from_u128(n),
            email: format!("user{n}@example.com"),
            display_name: format!("User {n}"),
            avatar_url: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn known_users_answer_within_their_time_to_live_only() {
        let cache = KnownUsers::new(Duration::from_millis(50), 10);
        assert!(cache.get(Uuid::from_u128(1)).is_none());
        cache.insert(user(1));
        assert_eq!(
            cache.get(Uuid::from_u128(1)).map(|u| u.email),
            Some("user1@example.com".to_owned())
        );
        std::thread::sleep(Duration::from_millis(60));
        assert!(cache.get(Uuid::from_u128(1)).is_none());
    }

    #[test]
    fn a_full_cache_makes_room_and_keeps_the_newest() {
        let cache = KnownUsers::new(Duration::from_secs(60), 3);
        for n in 1..=3 {
            cache.insert(user(n));
        }
        cache.insert(user(4));
        assert!(cache.get(Uuid::from_u128(4)).is_some());
        assert!(cache.get(Uuid::from_u128(1)).is_none());
        // Re-inserting a known user never evicts the others.
        cache.insert(user(4));
        assert!(cache.get(Uuid::from_u128(4)).is_some());
    }
}
