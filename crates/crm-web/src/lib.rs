//! The CRM's server-rendered pages: sign-in and sign-up, the Kanban board, the three-step
//! add-contact form, the lead (contact) and deal pages, the analytics dashboard and a search
//! page, with one stylesheet and one script of our own embedded in the binary.
//!
//! Pages call the same domain services as the JSON API (`AppState::services`) and the
//! analytics of `crm-analytics`; they never touch SeaORM. The script enhances the pages
//! (drag-and-drop, dialogs, autocomplete, task ticks) through the JSON API with the session
//! cookie; every other change is a plain form post, checked for same origin, answered with a
//! redirect and a toast, or with the form again and its errors in place.

mod assets;
mod charts;
mod error;
mod form;
mod format;
mod frame;
mod pages;
mod session;
mod views;

use actix_web::web;

pub use assets::asset_url;
pub use session::FLASH_COOKIE;

/// Registers every page route and `/static/{file}`. Mount it on the same `App` as
/// `crm_http`'s routes (it needs `web::Data<crm_http::AppState>`).
pub fn configure(cfg: &mut web::ServiceConfig) {
    use pages::{activity, add_contact, auth, board, contacts, dashboard, deal, lead, search};
    cfg.app_data(web::FormConfig::default().limit(256 * 1024))
        .route("/static/{name}", web::get().to(assets::serve))
        .route("/", web::get().to(auth::root))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/signup", web::get().to(auth::signup_page))
        .route("/signup", web::post().to(auth::signup))
        .route("/logout", web::post().to(auth::logout))
        .route("/apps/crm/contacts", web::get().to(contacts::page))
        .route(
            "/apps/crm/contacts/import",
            web::post().to(contacts::import),
        )
        .route("/apps/crm/add-contact", web::get().to(add_contact::page))
        .route("/apps/crm/add-contact", web::post().to(add_contact::submit))
        .route("/apps/crm/lead-details", web::get().to(lead::page))
        .route(
            "/apps/crm/lead-details/activities",
            web::post().to(lead::add_activity),
        )
        .route("/apps/crm/contacts/{id}/edit", web::post().to(lead::edit))
        .route(
            "/apps/crm/contacts/{id}/delete",
            web::post().to(lead::delete),
        )
        .route(
            "/apps/crm/activities/{id}/toggle",
            web::post().to(activity::toggle_task),
        )
        .route("/apps/crm/deal-details", web::get().to(deal::page))
        .route(
            "/apps/crm/deal-details/activities",
            web::post().to(deal::add_activity),
        )
        .route(
            "/apps/crm/deals/{id}/status",
            web::post().to(deal::set_status),
        )
        .route("/apps/crm/deals/{id}/edit", web::post().to(deal::edit))
        .route("/apps/crm/deals/{id}/delete", web::post().to(deal::delete))
        .route(
            "/apps/crm/deals/{id}/owner",
            web::post().to(deal::set_owner),
        )
        .route(
            "/apps/crm/deals/{id}/collaborators",
            web::post().to(deal::add_collaborator),
        )
        .route(
            "/apps/crm/deals/{id}/collaborators/{user_id}/remove",
            web::post().to(deal::remove_collaborator),
        )
        .route("/dashboard/crm", web::get().to(dashboard::page))
        .route("/apps/crm/deals", web::get().to(board::board))
        .route(
            "/apps/crm/deals/board",
            web::get().to(board::board_fragment),
        )
        .route(
            "/apps/crm/deals/cards",
            web::get().to(board::cards_fragment),
        )
        .route("/apps/crm/deals/new", web::post().to(board::create_deal))
        .route(
            "/apps/crm/deals/{id}/move",
            web::post().to(board::move_deal),
        )
        .route("/apps/crm/stages", web::post().to(board::add_stage))
        .route(
            "/apps/crm/stages/{id}/rename",
            web::post().to(board::rename_stage),
        )
        .route(
            "/apps/crm/stages/{id}/delete",
            web::post().to(board::delete_stage),
        )
        .route("/search", web::get().to(search::page))
        // Last: unknown paths under the page prefixes get the HTML 404 (the JSON API keeps
        // its own JSON 404 for everything else).
        .route("/apps/{tail:.*}", web::route().to(search::not_found))
        .route("/dashboard/{tail:.*}", web::route().to(search::not_found));
}
