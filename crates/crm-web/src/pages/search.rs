//! `/search?q=`: the top bar's search over the caller's contacts and deals, and the HTML
//! 404 for unknown page paths.

use actix_web::{HttpRequest, web};
use askama::Template;
use crm_domain::{BoardQuery, ContactQuery, PageRequest};
use crm_http::AppState;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{PageError, PageResult};
use crate::frame::{Frame, ok};
use crate::session::PageUser;
use crate::views::{CardView, contact_name};

/// Most results per kind.
const LIMIT: usize = 25;

/// A contact hit.
struct ContactHit {
    id: Uuid,
    name: String,
    detail: String,
}

/// The search page.
#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    frame: Frame,
    q: String,
    contacts: Vec<ContactHit>,
    deals: Vec<CardView>,
}

/// Query of the search page.
#[derive(Debug, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
}

/// `GET /search?q=`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<SearchParams>,
) -> PageResult {
    let q = params
        .q
        .as_deref()
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let tenant = user.tenant();
    let repos = state.services.repos();
    let (contacts, deals) = if q.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let contacts = repos
            .contacts
            .list(
                tenant,
                ContactQuery {
                    q: Some(q.clone()),
                    page: PageRequest {
                        limit: LIMIT as u32,
                        ..PageRequest::default()
                    },
                    ..ContactQuery::default()
                },
            )
            .await?;
        let columns = repos
            .deals
            .board(
                tenant,
                BoardQuery {
                    q: Some(q.clone()),
                    ..BoardQuery::default()
                },
                LIMIT as u32,
            )
            .await?;
        let contacts = contacts
            .data
            .iter()
            .map(|c| ContactHit {
                id: c.contact.id,
                name: contact_name(c),
                detail: [
                    c.contact.title.clone(),
                    c.company.as_ref().map(|co| co.name.clone()),
                    c.contact.email.clone(),
                ]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · "),
            })
            .collect();
        let deals = columns
            .iter()
            .flat_map(|c| c.deals.iter())
            .take(LIMIT)
            .map(CardView::from)
            .collect();
        (contacts, deals)
    };
    let mut frame = Frame::new(&req, &user, "", "Search");
    frame.search.clone_from(&q);
    ok(
        &req,
        SearchPage {
            frame,
            q,
            contacts,
            deals,
        }
        .render(),
    )
}

/// Any other path under the page prefixes: the HTML 404 (after the sign-in check, so a
/// signed-out visitor learns nothing).
pub async fn not_found(_user: PageUser) -> PageResult {
    Err(PageError::NotFound)
}
