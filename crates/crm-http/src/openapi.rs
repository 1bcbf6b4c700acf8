//! The OpenAPI 3.1 document. [`ApiDoc`] holds only what no route can say (title, the bearer
//! scheme); the paths and their schemas are collected by `utoipa-actix-web` from the routes
//! as [`crate::routes`] registers them, so a route cannot be served without being documented.
//! The docs page is Swagger UI with its assets embedded in the binary.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "CRM API", description = "Contacts, deals, pipeline stages, activities and marketing spend. Errors are `{\"error\": {code, message, details}}`."),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.bearer_format = Some("JWT".to_owned());
        components.add_security_scheme("bearer", SecurityScheme::Http(scheme));
    }
}

/// The document as the application serves it: [`ApiDoc`] plus every route [`crate::routes`]
/// registers.
pub fn document() -> utoipa::openapi::OpenApi {
    actix_web::App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi())
        .configure(crate::routes)
        .split_for_parts()
        .1
}
