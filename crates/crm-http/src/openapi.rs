//! The OpenAPI 3.1 document, generated from the handlers' annotations, and the docs page
//! (Swagger UI with its assets embedded in the binary).

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::api;

/// The API document.
#[derive(OpenApi)]
#[openapi(
    info(title = "CRM API", description = "Contacts, deals, pipeline stages, activities and marketing spend. Errors are `{\"error\": {code, message, details}}`."),
    paths(
        crate::health::healthz,
        crate::health::readyz,
        api::auth::signup,
        api::auth::login,
        api::auth::me,
        api::users::list_users,
        api::companies::list_companies,
        api::companies::create_company,
        api::companies::get_company,
        api::companies::update_company,
        api::contacts::list_contacts,
        api::contacts::create_contact,
        api::contacts::get_contact,
        api::contacts::update_contact,
        api::contacts::delete_contact,
        api::stages::list_stages,
        api::stages::create_stage,
        api::stages::update_stage,
        api::stages::delete_stage,
        api::deals::board,
        api::deals::create_deal,
        api::deals::get_deal,
        api::deals::update_deal,
        api::deals::delete_deal,
        api::deals::add_collaborator,
        api::deals::remove_collaborator,
        api::activities::list_activities,
        api::activities::create_activity,
        api::activities::update_activity,
        api::activities::delete_activity,
        api::spend::list_spend,
        api::spend::upsert_spend,
    ),
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
