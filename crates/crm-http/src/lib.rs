//! The HTTP face of the CRM on actix-web: routes, wire types (DTOs), authentication, the
//! error-to-status mapping and the OpenAPI document. Handlers only parse, call a
//! `crm-domain` service and map the result to a DTO.

pub mod api;
pub mod auth;
pub mod dto;
pub mod error;
pub mod guard;
pub mod health;
pub mod openapi;
pub mod rfc3339;

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::{App, HttpServer, web};
use crm_domain::Services;
use crm_store::Store;
use tracing_actix_web::TracingLogger;
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

pub use auth::{AuthConfig, KnownUsers, LoginLimiter};

/// Largest accepted request body: 1 MiB.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Everything a handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// The store, for readiness checks and analytics.
    pub store: Store,
    /// Token settings.
    pub auth: AuthConfig,
    /// Failed sign-in counter.
    pub login_limiter: std::sync::Arc<LoginLimiter>,
    /// Users recently met by the `AuthUser` extractor.
    pub known_users: std::sync::Arc<KnownUsers>,
}

impl AppState {
    /// State over `store` with a random token secret (tokens die with the process); use
    /// [`AppState::with_auth`] to set the configured one.
    pub fn new(store: Store) -> Self {
        let secret: [u8; 32] = rand::random();
        Self {
            services: Services::new(store.repositories()),
            store,
            auth: AuthConfig::new(secret.to_vec()),
            login_limiter: std::sync::Arc::new(LoginLimiter::default()),
            known_users: std::sync::Arc::new(KnownUsers::default()),
        }
    }

    /// Replaces the token settings.
    pub fn with_auth(mut self, auth: AuthConfig) -> Self {
        self.auth = auth;
        self
    }
}

/// Sets the extractor limits and the JSON error mapping of malformed input: bodies over
/// [`BODY_LIMIT`] are 413, malformed JSON, query strings and path segments are 400.
pub fn configure_extractors(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::JsonConfig::default()
            .limit(BODY_LIMIT)
            .error_handler(error::json_error),
    )
    .app_data(web::PayloadConfig::new(BODY_LIMIT))
    .app_data(web::QueryConfig::default().error_handler(error::query_error))
    .app_data(web::PathConfig::default().error_handler(error::path_error));
}

/// Registers every documented route. Each one goes through `utoipa-actix-web`, which adds its
/// `#[utoipa::path]` operation to the OpenAPI document under the scope's prefix, so the
/// document lists exactly the routes the application serves.
pub fn routes(cfg: &mut ServiceConfig<'_>) {
    health::configure(cfg);
    api::configure(cfg);
}

/// The whole application on `state`: extractor settings, the documented routes, the OpenAPI
/// document collected from them (`/api/openapi.json`), the docs page (`/api/docs/`), and a
/// JSON 404 for everything else. [`Application::build`] serves it; tests may call it too.
pub fn app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let (app, document) = App::new()
        .wrap(actix_web::middleware::from_fn(guard::guard))
        .wrap(TracingLogger::default())
        .app_data(state)
        .configure(configure_extractors)
        .into_utoipa_app()
        .openapi(openapi::ApiDoc::openapi())
        .configure(routes)
        .split_for_parts();
    let document = openapi::with_links(document);
    app.service(web::redirect("/api/docs", "/api/docs/"))
        .service(
            SwaggerUi::new("/api/docs/{_:.*}")
                .external_url_unchecked("/api/openapi.json", openapi::to_json(&document)),
        )
        .default_service(web::to(error::no_route))
}

/// A bound, not yet running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `address` (`127.0.0.1:0` picks a free port) and builds the server of the JSON
    /// API alone.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn build(state: AppState, address: &str) -> std::io::Result<Self> {
        Self::build_with(state, address, |_| {})
    }

    /// Like [`Application::build`], with more routes mounted beside the API by `extra` (the
    /// `crm` binary mounts the HTML pages of `crm-web` this way; this crate cannot depend on
    /// them).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn build_with(
        state: AppState,
        address: &str,
        extra: fn(&mut web::ServiceConfig),
    ) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state);
        let server = HttpServer::new(move || app(data.clone()).configure(extra))
            .listen(listener)?
            .run();
        Ok(Self { port, server })
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until the process is told to stop (Ctrl-C / SIGTERM).
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
