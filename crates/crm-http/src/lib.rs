//! The HTTP face of the CRM on actix-web: routes, wire types (DTOs), authentication, the
//! error-to-status mapping and the OpenAPI document. Handlers only parse, call a
//! `crm-domain` service and map the result to a DTO.

mod health;

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, web};
use crm_domain::Services;
use crm_store::Store;
use tracing_actix_web::TracingLogger;

/// Everything a handler may need, shared by all workers.
#[derive(Clone)]
pub struct AppState {
    /// The use cases.
    pub services: Services,
    /// The store, for readiness checks and analytics.
    pub store: Store,
}

impl AppState {
    /// State over `store`.
    pub fn new(store: Store) -> Self {
        Self {
            services: Services::new(store.repositories()),
            store,
        }
    }
}

/// Registers every route of the application.
pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
}

/// A bound, not yet running HTTP server.
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    /// Binds `address` (`127.0.0.1:0` picks a free port) and builds the server.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn build(state: AppState, address: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(address)?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(state);
        let server = HttpServer::new(move || {
            App::new()
                .wrap(TracingLogger::default())
                .app_data(data.clone())
                .configure(configure)
        })
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
