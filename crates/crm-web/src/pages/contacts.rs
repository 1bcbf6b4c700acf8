//! `/apps/crm/contacts`: the contact list with search and filters (lead status, lead source),
//! "Export CSV" (the JSON API's export with the same filters, authorised by the session
//! cookie) and "Import CSV". The import form (also on the add-contact page) works both ways:
//! the script uploads the file to the API's import with a progress bar and shows the report
//! in place; without script the form posts to `POST /apps/crm/contacts/import` here, which
//! runs the same import (`crm_http::api::contacts_csv::import_file`) with the options the
//! form chose and answers this page with the report — a preview when "Preview only" was
//! ticked, nothing written.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, ResponseError, web};
use askama::Template;
use crm_domain::page::MAX_LIMIT;
use crm_domain::{ContactQuery, LeadSource, LeadStatus, PageRequest};
use crm_http::AppState;
use crm_http::api::contacts_csv::{self, FileImport};
use crm_http::error::ApiError;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::format;
use crate::frame::{Frame, html};
use crate::session::{PageUser, SameOrigin, Toast};
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
    import: ImportView,
}

/// Refused lines listed under an import's summary (the script lists as many).
const LISTED_ERRORS: usize = 100;

/// The import form as a page shows it: the options as posted (with their errors) and the
/// report of the import just run. Empty on a page that was not an import's answer.
#[derive(Debug, Default)]
pub struct ImportView {
    /// The posted fields and their errors; `message` holds a refusal of the whole file.
    pub form: FormState,
    /// Whether "Preview only" is ticked.
    pub dry_run: bool,
    /// What the import did (or would do).
    pub result: Option<ImportResult>,
}

/// The report of an import, display-ready.
#[derive(Debug)]
pub struct ImportResult {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// The counts in one sentence.
    pub summary: String,
    /// Header names matching no contact field, comma-separated ("" when none).
    pub ignored_columns: String,
    /// The first refused lines, one sentence each.
    pub errors: Vec<String>,
    /// Refused lines beyond those listed.
    pub more_errors: usize,
}

impl ImportResult {
    fn new(dry_run: bool, import: FileImport) -> Self {
        let report = import.report;
        let summary = if dry_run {
            format!(
                "Preview: {} to create, {} to update, {} to skip, {} failed",
                report.created, report.updated, report.skipped, report.failed
            )
        } else {
            format!(
                "Imported: {} created, {} updated, {} skipped, {} failed",
                report.created, report.updated, report.skipped, report.failed
            )
        };
        let more_errors = report.errors.len().saturating_sub(LISTED_ERRORS);
        let errors = report
            .errors
            .into_iter()
            .take(LISTED_ERRORS)
            .map(|e| {
                let problems: Vec<String> = e
                    .fields
                    .iter()
                    .map(|(field, messages)| format!("{field}: {}", messages.join("; ")))
                    .collect();
                format!("Line {} — {}", e.line, problems.join(" · "))
            })
            .collect();
        Self {
            dry_run,
            summary,
            ignored_columns: import.ignored_columns.join(", "),
            errors,
            more_errors,
        }
    }

    /// Whether some line was refused.
    fn failed(&self) -> bool {
        !self.errors.is_empty()
    }
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
    render(
        &req,
        &state,
        &user,
        params.into_inner(),
        ImportView::default(),
        StatusCode::OK,
    )
    .await
}

/// `POST /apps/crm/contacts/import`: the import form posted without script
/// (`multipart/form-data` with `file`, `on_duplicate` and `dry_run`). Answers the list with
/// the report under the form: 200 when the file was read (refused lines are listed), 422 for
/// an unknown option or no file, the API's 400 or 413 for a malformed or too large file.
pub async fn import(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    payload: web::Payload,
) -> PageResult {
    let mut view = ImportView::default();
    let posted = match contacts_csv::read_import_form(&req, payload).await {
        Ok(posted) => posted,
        Err(err) => return refused(&req, &state, &user, view, &err).await,
    };
    view.form = FormState::from_data(&FormData::new(posted.fields.clone()));
    let (on_duplicate, dry_run) = match posted.options() {
        Ok(options) => options,
        Err(err) => {
            view.dry_run = view.form.has("dry_run", "true");
            view.form.absorb(err, &[])?;
            return render_import(&req, &state, &user, view, StatusCode::UNPROCESSABLE_ENTITY)
                .await;
        }
    };
    view.dry_run = dry_run;
    let Some(file) = posted.file.filter(|f| !f.is_empty()) else {
        view.form.add_error("file", "choose a CSV file to import");
        return render_import(&req, &state, &user, view, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let done =
        contacts_csv::import_file(&state.services, user.tenant(), &file, on_duplicate, dry_run)
            .await;
    match done {
        Ok(done) => {
            view.result = Some(ImportResult::new(dry_run, done));
            render_import(&req, &state, &user, view, StatusCode::OK).await
        }
        Err(err) => refused(&req, &state, &user, view, &err).await,
    }
}

/// The list with the import form's state, unfiltered.
async fn render_import(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    view: ImportView,
    status: StatusCode,
) -> PageResult {
    render(req, state, user, ContactsParams::default(), view, status).await
}

/// The answer to an import the API's rules refused: the list with the reason above the form
/// and the same status (400 malformed file, 413 too large); a failure on our side is the
/// error page (the API error logged its cause).
async fn refused(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    mut view: ImportView,
    err: &ApiError,
) -> PageResult {
    let status = err.status_code();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        return Err(PageError::Unavailable);
    }
    if status.is_server_error() {
        return Err(PageError::Internal);
    }
    view.form.message = Some(format!("The file was not imported: {}", err.message()));
    render_import(req, state, user, view, status).await
}

/// The list page, with `import` under it.
async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    params: ContactsParams,
    import: ImportView,
    answer: StatusCode,
) -> PageResult {
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
    let mut frame = Frame::new(req, user, "contacts", "Contacts");
    if let Some(result) = &import.result {
        frame.toast = Some(Toast {
            kind: if result.failed() { "error" } else { "success" },
            message: result.summary.clone(),
        });
    }
    let page = ContactsPage {
        frame,
        export_href: join("/api/crm/contacts/export.csv", ""),
        q,
        status,
        source,
        statuses: lead_status_choices(),
        sources: lead_source_choices(),
        rows,
        more_href,
        import,
    };
    html(req, answer, page.render())
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
