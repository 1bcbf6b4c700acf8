//! `/apps/crm/contacts`: the contact list with search and filters (lead status, lead source),
//! "Export CSV" (the JSON API's export with the same filters, authorised by the session
//! cookie) and "Import CSV" (a file form posting to the API's import; the script uploads it
//! with a progress bar and shows the report in place).

use actix_web::{HttpRequest, web};
use askama::Template;
use crm_domain::page::MAX_LIMIT;
use crm_domain::{ContactQuery, LeadSource, LeadStatus, PageRequest};
use crm_http::AppState;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::PageResult;
use crate::format;
use crate::frame::{Frame, ok};
use crate::session::PageUser;
use crate::views::{Choice, contact_name, lead_source_choices, lead_status_choices};

/// Rows shown at first and added by "Show more".
const STEP: u32 = 50;

/// A row of the list.
struct ContactRow {
    id: Uuid,
    name: String,
    email: String,
    company: String,
    status: String,
    source: String,
    created: String,
}

/// The list page.
#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    frame: Frame,
    q: String,
    status: String,
    source: String,
    statuses: Vec<Choice>,
    sources: Vec<Choice>,
    rows: Vec<ContactRow>,
    more_href: Option<String>,
    export_href: String,
}

/// Query of the list page.
#[derive(Debug, Default, Deserialize)]
pub struct ContactsParams {
    q: Option<String>,
    lead_status: Option<String>,
    lead_source: Option<String>,
    limit: Option<u32>,
}

/// The query string of the filters (without the page size), for links.
fn filter_query(q: &str, status: &str, source: &str) -> String {
    [("q", q), ("lead_status", status), ("lead_source", source)]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `GET /apps/crm/contacts`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<ContactsParams>,
) -> PageResult {
    let params = params.into_inner();
    let q = params.q.unwrap_or_default().trim().to_owned();
    // Unknown filter values (a hand-edited link) are dropped rather than refused.
    let status = params
        .lead_status
        .and_then(|s| s.parse::<LeadStatus>().ok());
    let source = params
        .lead_source
        .and_then(|s| s.parse::<LeadSource>().ok());
    let limit = params.limit.unwrap_or(STEP).clamp(1, MAX_LIMIT);
    let list = state
        .services
        .repos()
        .contacts
        .list(
            user.tenant(),
            ContactQuery {
                q: Some(q.clone()).filter(|q| !q.is_empty()),
                lead_status: status,
                lead_source: source,
                page: PageRequest {
                    limit,
                    ..PageRequest::default()
                },
                ..ContactQuery::default()
            },
        )
        .await?;
    let status = status.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let source = source.map(|s| s.as_str()).unwrap_or_default().to_owned();
    let filters = filter_query(&q, &status, &source);
    let join = |base: &str, extra: &str| {
        let parts: Vec<&str> = [filters.as_str(), extra]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect();
        if parts.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", parts.join("&"))
        }
    };
    let more_href = (list.next_cursor.is_some() && limit < MAX_LIMIT).then(|| {
        join(
            "/apps/crm/contacts",
            &format!("limit={}", (limit + STEP).min(MAX_LIMIT)),
        )
    });
    let rows = list
        .data
        .iter()
        .map(|c| ContactRow {
            id: c.contact.id,
            name: contact_name(c),
            email: c.contact.email.clone().unwrap_or_default(),
            company: c
                .company
                .as_ref()
                .map(|co| co.name.clone())
                .unwrap_or_default(),
            status: c
                .contact
                .lead_status
                .map(|s| format::label(s.as_str()))
                .unwrap_or_default(),
            source: c
                .contact
                .lead_source
                .map(|s| format::label(s.as_str()))
                .unwrap_or_default(),
            created: format::date(c.contact.created_at.date_naive()),
        })
        .collect();
    let page = ContactsPage {
        frame: Frame::new(&req, &user, "contacts", "Contacts"),
        export_href: join("/api/crm/contacts/export.csv", ""),
        q,
        status,
        source,
        statuses: lead_status_choices(),
        sources: lead_source_choices(),
        rows,
        more_href,
    };
    ok(&req, page.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_links_encode_their_values_and_skip_empty_ones() {
        assert_eq!(filter_query("", "", ""), "");
        assert_eq!(
            filter_query("a&b c", "new", ""),
            "q=a%26b%20c&lead_status=new"
        );
    }
}
