//! Contacts as CSV: `GET /api/crm/contacts/export.csv` streams the caller's contacts (with the
//! filters of the contact list) page by page, and `POST /api/crm/contacts/import` reads a CSV
//! file into contacts, reporting every refused line.
//!
//! Files are RFC 4180: UTF-8 (a byte-order mark is allowed), a header row, comma-separated,
//! fields quoted when they hold a comma, a quote or a line break, CRLF line ends on export. A
//! cell the export starts with `=`, `+`, `-`, `@` or `'` gets a leading `'` so spreadsheets do
//! not run it as a formula; the import takes one such `'` off again, so an exported file
//! imports unchanged. Headers are matched by name, ignoring case, spaces and punctuation, with
//! common aliases ("E-mail", "Company", "Job Title", …); unknown columns are ignored and listed.
//!
//! The pages' import form, when posted without script, goes to a page of `crm-web` instead,
//! which reads it with [`read_import_form`] and imports with [`import_file`], the same use case
//! as this API's.

use std::collections::HashMap;

use actix_multipart::Multipart;
use actix_web::http::header::{self, ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use chrono::{SecondsFormat, Utc};
use crm_domain::contact::ContactInput;
use crm_domain::page::Cursor;
use crm_domain::{
    ContactQuery, ContactSort, ContactWithCompany, DomainError, FieldErrors, ImportColumns,
    ImportOptions, ImportReport, ImportRow, NewCompany, NewContact, OnDuplicate, PageRequest,
    RowError, Services, Tenant, text,
};
use futures_util::{StreamExt, TryStreamExt, stream};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use super::query_opt;
use crate::AppState;
use crate::auth::AuthUser;
use crate::error::{ApiError, ErrorBody, Result};

/// Largest accepted import file: 10 MiB (the API's other bodies stop at 1 MiB).
pub const IMPORT_LIMIT: usize = 10 * 1024 * 1024;

/// Contacts read per query while exporting: memory stays constant whatever the total.
const EXPORT_BATCH: u32 = 1000;

/// Registers the CSV routes. Call before the contact routes, so `export.csv` is not taken for
/// a contact id.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(export_contacts).service(import_contacts);
}

// ---- columns ------------------------------------------------------------------------------

/// A column of the contact files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Column {
    Id,
    FirstName,
    LastName,
    Email,
    Phone,
    Title,
    Company,
    LeadSource,
    LeadStatus,
    Owner,
    LinkedinUrl,
    AvatarUrl,
    Notes,
    CreatedAt,
}

/// The export's columns, in order, with their header names.
const EXPORT_COLUMNS: [(Column, &str); 14] = [
    (Column::Id, "id"),
    (Column::FirstName, "first_name"),
    (Column::LastName, "last_name"),
    (Column::Email, "email"),
    (Column::Phone, "phone"),
    (Column::Title, "title"),
    (Column::Company, "company"),
    (Column::LeadSource, "lead_source"),
    (Column::LeadStatus, "lead_status"),
    (Column::Owner, "owner"),
    (Column::LinkedinUrl, "linkedin_url"),
    (Column::AvatarUrl, "avatar_url"),
    (Column::Notes, "notes"),
    (Column::CreatedAt, "created_at"),
];

impl Column {
    /// The column a header names: case, spaces and punctuation are ignored, and common
    /// aliases of other tools' exports are known.
    fn of_header(header: &str) -> Option<Self> {
        let key: String = header
            .chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect();
        let column = match key.as_str() {
            "id" | "contactid" => Self::Id,
            "firstname" | "givenname" | "first" | "forename" => Self::FirstName,
            "lastname" | "surname" | "familyname" | "last" => Self::LastName,
            "email" | "emailaddress" | "mail" | "workemail" => Self::Email,
            "phone" | "phonenumber" | "telephone" | "tel" | "mobile" | "mobilephone" => Self::Phone,
            "title" | "jobtitle" | "position" | "role" => Self::Title,
            "company" | "companyname" | "organization" | "organisation" | "account"
            | "accountname" => Self::Company,
            "leadsource" | "source" => Self::LeadSource,
            "leadstatus" | "status" => Self::LeadStatus,
            "owner" | "contactowner" | "owneremail" => Self::Owner,
            "linkedin" | "linkedinurl" | "linkedinprofile" => Self::LinkedinUrl,
            "avatar" | "avatarurl" | "photo" | "photourl" => Self::AvatarUrl,
            "notes" | "note" | "comments" | "description" => Self::Notes,
            "createdat" | "created" | "createddate" | "createdon" => Self::CreatedAt,
            _ => return None,
        };
        Some(column)
    }

    fn name(self) -> &'static str {
        EXPORT_COLUMNS
            .iter()
            .find(|(c, _)| *c == self)
            .map_or("", |(_, name)| name)
    }
}

/// Whether a cell would start a spreadsheet formula (or is itself escaped) on export.
fn needs_guard(value: &str) -> bool {
    value.starts_with(['=', '+', '-', '@', '\''])
}

/// The cell as written: guarded with a leading `'` when needed.
fn guard(value: &str) -> std::borrow::Cow<'_, str> {
    if needs_guard(value) {
        format!("'{value}").into()
    } else {
        value.into()
    }
}

/// The cell as read: one guarding `'` taken off.
fn unguard(value: &str) -> &str {
    match value.strip_prefix('\'') {
        Some(rest) if needs_guard(rest) => rest,
        _ => value,
    }
}

// ---- export -------------------------------------------------------------------------------

/// Filters of the export (those of `GET /api/crm/contacts`, without paging).
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// Search in names, e-mail and phone.
    #[param(schema_with = crate::openapi::field::search)]
    pub q: Option<String>,
    /// Only this lead status.
    #[param(schema_with = crate::openapi::field::lead_status_filter)]
    pub lead_status: Option<String>,
    /// Only this lead source.
    #[param(schema_with = crate::openapi::field::lead_source_filter)]
    pub lead_source: Option<String>,
    /// Only this company.
    pub company_id: Option<Uuid>,
    /// `created_at` (default: oldest first, so rows added meanwhile come last), `-created_at`,
    /// `name`, `-name`.
    #[param(schema_with = crate::openapi::field::contact_sort)]
    pub sort: Option<String>,
}

impl ExportParams {
    fn into_query(self) -> Result<ContactQuery> {
        Ok(ContactQuery {
            q: self.q,
            lead_status: query_opt("lead_status", self.lead_status.as_deref())?,
            lead_source: query_opt("lead_source", self.lead_source.as_deref())?,
            company_id: self.company_id,
            sort: self
                .sort
                .as_deref()
                .map(ContactSort::parse)
                .transpose()
                .map_err(ApiError::bad_query)?
                .unwrap_or(ContactSort::CreatedAsc),
            page: PageRequest {
                limit: EXPORT_BATCH,
                cursor: Cursor::at(0),
            },
        })
    }
}

/// Where an export stands between two pages.
struct Export {
    state: web::Data<AppState>,
    tenant: Tenant,
    query: ContactQuery,
    owners: HashMap<Uuid, String>,
    first: bool,
    done: bool,
}

impl Export {
    /// The next page as CSV bytes (the first with the header row); `None` after the last.
    async fn next_chunk(&mut self) -> Result<Option<Bytes>> {
        if self.done {
            return Ok(None);
        }
        let repos = self.state.services.repos();
        let page = repos.contacts.list(self.tenant, self.query.clone()).await?;
        let offset = self.query.page.cursor.offset() + u64::from(self.query.page.limit);
        self.query.page.cursor = Cursor::at(offset);
        self.done = page.next_cursor.is_none();
        for contact in &page.data {
            if let Some(owner) = contact.contact.contact_owner_id
                && !self.owners.contains_key(&owner)
            {
                let email = repos.users.find(owner).await?.map(|u| u.email);
                self.owners.insert(owner, email.unwrap_or_default());
            }
        }
        let chunk = write_rows(&page.data, &self.owners, self.first)?;
        self.first = false;
        Ok(Some(chunk))
    }
}

fn write_rows(
    contacts: &[ContactWithCompany],
    owners: &HashMap<Uuid, String>,
    header: bool,
) -> Result<Bytes> {
    let mut writer = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::with_capacity(contacts.len() * 160 + 256));
    let failed = |e: csv::Error| ApiError::internal(&e);
    if header {
        writer
            .write_record(EXPORT_COLUMNS.iter().map(|(_, name)| *name))
            .map_err(failed)?;
    }
    for contact in contacts {
        let record = EXPORT_COLUMNS.map(|(column, _)| cell(contact, owners, column));
        writer
            .write_record(record.iter().map(|v| guard(v).into_owned()))
            .map_err(failed)?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| ApiError::internal(&e.error()))?;
    Ok(Bytes::from(bytes))
}

fn cell(contact: &ContactWithCompany, owners: &HashMap<Uuid, String>, column: Column) -> String {
    let c = &contact.contact;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    match column {
        Column::Id => c.id.to_string(),
        Column::FirstName => c.first_name.clone(),
        Column::LastName => c.last_name.clone(),
        Column::Email => text(&c.email),
        Column::Phone => text(&c.phone),
        Column::Title => text(&c.title),
        Column::Company => contact
            .company
            .as_ref()
            .map(|co| co.name.clone())
            .unwrap_or_default(),
        Column::LeadSource => c
            .lead_source
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        Column::LeadStatus => c
            .lead_status
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default(),
        Column::Owner => c
            .contact_owner_id
            .and_then(|id| owners.get(&id).cloned())
            .unwrap_or_default(),
        Column::LinkedinUrl => text(&c.linkedin_url),
        Column::AvatarUrl => text(&c.avatar_url),
        Column::Notes => text(&c.notes),
        Column::CreatedAt => c.created_at.to_rfc3339_opts(SecondsFormat::AutoSi, true),
    }
}

/// Your contacts as a CSV file (UTF-8, RFC 4180, a header row), with the filters of the
/// contact list; streamed, so any number of contacts takes constant memory.
#[utoipa::path(tag = "contacts", params(ExportParams), security(("bearer" = [])),
    responses((status = 200, description = "The CSV file", content_type = "text/csv", body = String),
        (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/contacts/export.csv")]
pub async fn export_contacts(
    state: web::Data<AppState>,
    user: AuthUser,
    params: web::Query<ExportParams>,
) -> Result<HttpResponse> {
    let mut export = Export {
        state,
        tenant: user.tenant(),
        query: params.into_inner().into_query()?,
        owners: HashMap::new(),
        first: true,
        done: false,
    };
    // The first page is read before answering, so a failure there is a proper error status.
    let first = export.next_chunk().await?.unwrap_or_default();
    let rest = stream::try_unfold(export, |mut export| async move {
        Ok::<_, ApiError>(export.next_chunk().await?.map(|chunk| (chunk, export)))
    })
    .map_err(actix_web::Error::from);
    let body = stream::once(async move { Ok::<_, actix_web::Error>(first) }).chain(rest);
    let filename = format!("contacts-{}.csv", Utc::now().format("%Y-%m-%d"));
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            "text/csv; charset=utf-8; header=present",
        ))
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(filename)],
        })
        .streaming(body))
}

// ---- import -------------------------------------------------------------------------------

/// Options of an import.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// What to do with a row whose contact exists (same `id`, else same e-mail): `skip`
    /// (default) or `update` (the file's columns overwrite; nothing else changes).
    #[param(schema_with = crate::openapi::field::on_duplicate)]
    pub on_duplicate: Option<String>,
    /// `true`: check and count everything, write nothing.
    pub dry_run: Option<bool>,
}

/// A `multipart/form-data` upload.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ImportUpload {
    /// The CSV file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Why one line was not imported.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportErrorDto {
    /// Line of the file where the record starts (the header is line 1).
    pub line: u64,
    /// Column to problems, e.g. `{"email": ["must be a valid e-mail address"]}`.
    #[schema(value_type = Object)]
    pub fields: FieldErrors,
}

/// What an import did (or, on a dry run, would do).
#[derive(Debug, Serialize, ToSchema)]
pub struct ImportReportDto {
    /// Whether nothing was written.
    pub dry_run: bool,
    /// Contacts added.
    pub created: u64,
    /// Existing contacts changed.
    pub updated: u64,
    /// Rows matching an existing contact left alone (`skip`, or nothing to change).
    pub skipped: u64,
    /// Rows refused; see `errors`.
    pub failed: u64,
    /// The refused rows, by line.
    pub errors: Vec<ImportErrorDto>,
    /// Header names that match no contact field (their cells are ignored).
    pub ignored_columns: Vec<String>,
}

/// A malformed file: 400 naming the line.
fn bad_file(line: u64, message: &str) -> ApiError {
    ApiError::bad_request(format!("line {line}: {message}")).with_details(json!({ "line": line }))
}

fn too_large() -> ApiError {
    ApiError::payload_too_large().with_message("the file is larger than 10 MiB")
}

/// Reads a body stream into memory, refusing more than [`IMPORT_LIMIT`] bytes.
async fn read_limited<S, E>(mut body: S) -> Result<BytesMut>
where
    S: futures_util::Stream<Item = std::result::Result<Bytes, E>> + Unpin,
    E: std::fmt::Display,
{
    let mut buffer = BytesMut::new();
    while let Some(chunk) = body.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("cannot read the body: {e}")))?;
        if buffer.len() + chunk.len() > IMPORT_LIMIT {
            return Err(too_large());
        }
        buffer.extend_from_slice(&chunk);
    }
    Ok(buffer)
}

/// Whether an upload's body is a multipart form; refuses at once a body whose declared length
/// is over the import limit (the multipart envelope adds a little to the file itself).
///
/// # Errors
/// 413 when the declared length is too large.
fn is_multipart_within_limit(req: &HttpRequest) -> Result<bool> {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > IMPORT_LIMIT + 64 * 1024) {
        return Err(too_large());
    }
    Ok(req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data")))
}

/// Whether a multipart part is the file: named `file`, or any part with a file name.
fn is_file_part(field: &actix_multipart::Field) -> bool {
    field.name() == Some("file")
        || field
            .content_disposition()
            .is_some_and(|d| d.get_filename().is_some())
}

/// The uploaded file and the options sent beside it: a multipart form's `file` part (else its
/// first part with a file name) and text fields, or the whole body of any other content type
/// (`text/csv`) with no fields.
async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<(BytesMut, ImportForm)> {
    if !is_multipart_within_limit(req)? {
        return Ok((read_limited(payload).await?, ImportForm::default()));
    }
    let mut form = read_import_form(req, payload).await?;
    match form.file.take() {
        Some(file) => Ok((file, form)),
        None => Err(ApiError::bad_request(
            "the multipart body has no `file` part",
        )),
    }
}

/// The import's options: the query's `on_duplicate` (already parsed) and `dry_run`, merged
/// with a multipart upload's fields: a dry run when either asks for one (nothing is written
/// by mistake), and `on_duplicate` from whichever gives it (400 when both give different
/// values).
fn upload_options(
    query_on_duplicate: Option<OnDuplicate>,
    query_dry_run: bool,
    form: &ImportForm,
) -> Result<(OnDuplicate, bool)> {
    let bad_field = |err| ApiError::bad_options("invalid import option", err);
    let (form_on_duplicate, form_dry_run) = form.chosen().map_err(bad_field)?;
    let on_duplicate = match (query_on_duplicate, form_on_duplicate) {
        (Some(query), Some(form)) if query != form => {
            return Err(bad_field(DomainError::field(
                "on_duplicate",
                "is given in the query and in the form with different values",
            )));
        }
        (query, form) => query.or(form).unwrap_or_default(),
    };
    Ok((on_duplicate, query_dry_run || form_dry_run))
}

/// Text fields an import form may send beside its file.
const FORM_FIELDS: usize = 16;
/// Bytes of one such field.
const FORM_FIELD_LIMIT: usize = 1024;

/// The import form of the pages as posted without script: its file and its other fields
/// (`on_duplicate`, `dry_run`), in the order sent.
#[derive(Debug, Default)]
pub struct ImportForm {
    /// The `file` part (else the first part with a file name); `None` when the form has none.
    pub file: Option<BytesMut>,
    /// The other parts, as text.
    pub fields: Vec<(String, String)>,
}

impl ImportForm {
    /// The options the form chose: `on_duplicate` (`skip` or `update`; blank or absent:
    /// `skip`) and `dry_run` (a checkbox: `true`, `on` or `1` when ticked; absent, blank,
    /// `false`, `off` or `0` when not).
    ///
    /// # Errors
    /// `Validation` naming the field when a value is unknown or a field is sent twice.
    pub fn options(&self) -> Result<(OnDuplicate, bool), DomainError> {
        self.chosen()
            .map(|(on_duplicate, dry_run)| (on_duplicate.unwrap_or_default(), dry_run))
    }

    /// [`Self::options`] with `on_duplicate` left `None` when the form does not choose it.
    fn chosen(&self) -> Result<(Option<OnDuplicate>, bool), DomainError> {
        let mut errors = FieldErrors::new();
        let mut single = |name: &str| {
            let mut values = self
                .fields
                .iter()
                .filter(|(k, _)| k == name)
                .map(|(_, v)| v.trim());
            let first = values.next();
            if values.next().is_some() {
                errors
                    .entry(name.to_owned())
                    .or_default()
                    .push("is given more than once".to_owned());
                return None;
            }
            first.filter(|v| !v.is_empty())
        };
        let on_duplicate = single("on_duplicate");
        let dry_run = single("dry_run");
        let on_duplicate = match on_duplicate.map(str::parse::<OnDuplicate>).transpose() {
            Ok(value) => value,
            Err(err) => {
                if let DomainError::Validation(found) = super::relabel(err, "on_duplicate") {
                    errors.extend(found);
                }
                None
            }
        };
        let dry_run = match dry_run.map(str::to_ascii_lowercase).as_deref() {
            None | Some("false" | "off" | "0") => false,
            Some("true" | "on" | "1") => true,
            Some(_) => {
                errors
                    .entry("dry_run".to_owned())
                    .or_default()
                    .push("must be true or false".to_owned());
                false
            }
        };
        if errors.is_empty() {
            Ok((on_duplicate, dry_run))
        } else {
            Err(DomainError::Validation(errors))
        }
    }
}

/// Reads the import form of the pages (`multipart/form-data`): the file, at most 10 MiB, and
/// up to 16 short text fields, wherever they come in the body.
///
/// # Errors
/// 400 for a body that is not a multipart form, a second file, too many or too long text
/// fields; 413 for a file over 10 MiB.
pub async fn read_import_form(req: &HttpRequest, payload: web::Payload) -> Result<ImportForm> {
    if !is_multipart_within_limit(req)? {
        return Err(ApiError::bad_request(
            "the import form must be sent as multipart/form-data",
        ));
    }
    let mut form = Multipart::new(req.headers(), payload);
    let mut read = ImportForm::default();
    while let Some(field) = form.next().await {
        let mut field =
            field.map_err(|e| ApiError::bad_request(format!("bad multipart body: {e}")))?;
        let name = field.name().unwrap_or_default().to_owned();
        if is_file_part(&field) {
            if read.file.is_some() {
                return Err(ApiError::bad_request("the form has more than one file"));
            }
            read.file = Some(read_limited(field).await?);
            continue;
        }
        if read.fields.len() == FORM_FIELDS {
            return Err(ApiError::bad_request("the form has too many fields"));
        }
        let mut value = BytesMut::new();
        while let Some(chunk) = field.next().await {
            let chunk =
                chunk.map_err(|e| ApiError::bad_request(format!("bad multipart body: {e}")))?;
            if value.len() + chunk.len() > FORM_FIELD_LIMIT {
                return Err(ApiError::bad_request(format!(
                    "the form field {name} is too long"
                )));
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value.to_vec()).map_err(|_| {
            ApiError::bad_request(format!("the form field {name} is not UTF-8 text"))
        })?;
        read.fields.push((name, value));
    }
    Ok(read)
}

/// The file as text: UTF-8, one leading byte-order mark allowed.
fn decode(bytes: &[u8]) -> Result<&str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        bad_file(line as u64, "the file is not UTF-8 text")
    })
}

/// Checks the quoting of RFC 4180, which the reader itself tolerates: every quoted field is
/// closed, and a closing quote is followed by a comma, a line end or the end of the file.
fn check_quotes(text: &str) -> Result<()> {
    #[derive(PartialEq)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        QuoteInQuoted,
    }
    let mut state = State::FieldStart;
    let (mut line, mut opened_at) = (1u64, 1u64);
    for byte in text.bytes() {
        state = match (state, byte) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (State::FieldStart, b'"') => {
                opened_at = line;
                State::Quoted
            }
            (State::QuoteInQuoted | State::FieldStart | State::Unquoted, b',' | b'\n') => {
                State::FieldStart
            }
            (State::QuoteInQuoted, b'\r') => State::Unquoted,
            (State::QuoteInQuoted, _) => {
                return Err(bad_file(line, "a closing quote must end its field"));
            }
            (_, _) => State::Unquoted,
        };
        if byte == b'\n' {
            line += 1;
        }
    }
    if state == State::Quoted {
        return Err(bad_file(opened_at, "a quoted field is never closed"));
    }
    Ok(())
}

/// The header row, mapped to columns.
struct Header {
    columns: Vec<Option<Column>>,
    ignored: Vec<String>,
}

impl Header {
    fn parse(record: &csv::StringRecord) -> Result<Self> {
        let mut columns = Vec::with_capacity(record.len());
        let mut ignored = Vec::new();
        for name in record {
            let column = Column::of_header(name);
            if let Some(column) = column
                && columns.contains(&Some(column))
            {
                return Err(bad_file(
                    1,
                    &format!("the column {} appears twice", column.name()),
                ));
            }
            if column.is_none() && !name.trim().is_empty() {
                ignored.push(name.trim().to_owned());
            }
            columns.push(column);
        }
        let has = |c: Column| columns.contains(&Some(c));
        if !columns.iter().any(Option::is_some) {
            return Err(bad_file(
                1,
                "no header row: the first line must name the columns (first_name, last_name, email, …)",
            ));
        }
        for required in [Column::FirstName, Column::LastName] {
            if !has(required) {
                return Err(bad_file(
                    1,
                    &format!("the header has no {} column", required.name()),
                ));
            }
        }
        Ok(Self { columns, ignored })
    }

    fn has(&self, column: Column) -> bool {
        self.columns.contains(&Some(column))
    }

    fn import_columns(&self) -> ImportColumns {
        ImportColumns {
            email: self.has(Column::Email),
            phone: self.has(Column::Phone),
            title: self.has(Column::Title),
            company: self.has(Column::Company),
            lead_source: self.has(Column::LeadSource),
            lead_status: self.has(Column::LeadStatus),
            owner: self.has(Column::Owner),
            avatar_url: self.has(Column::AvatarUrl),
            linkedin_url: self.has(Column::LinkedinUrl),
            notes: self.has(Column::Notes),
        }
    }

    /// The trimmed, unguarded cell of `column`; `None` when absent or empty.
    fn get<'r>(&self, record: &'r csv::StringRecord, column: Column) -> Option<&'r str> {
        let index = self.columns.iter().position(|c| *c == Some(column))?;
        Some(unguard(record.get(index)?.trim())).filter(|v| !v.is_empty())
    }
}

/// A lead source or status as the stored spelling: labels such as "Organic search" work too.
fn enum_spelling(value: Option<&str>) -> Option<String> {
    value.map(|v| v.trim().to_lowercase().replace([' ', '-'], "_"))
}

/// Validates one record with the rules of contact creation.
fn parse_row(
    header: &Header,
    record: &csv::StringRecord,
    line: u64,
) -> Result<ImportRow, RowError> {
    if record.len() != header.columns.len() {
        return Err(RowError::new(
            line,
            "row",
            format!(
                "has {} fields, the header has {}",
                record.len(),
                header.columns.len()
            ),
        ));
    }
    let get = |column| header.get(record, column);
    let mut fields = FieldErrors::new();
    let mut fail = |field: &str, err: DomainError| {
        if let DomainError::Validation(found) = err {
            for (key, messages) in found {
                let key = if key.is_empty() { field } else { &key };
                fields.entry(key.to_owned()).or_default().extend(messages);
            }
        }
    };
    let source = enum_spelling(get(Column::LeadSource));
    let status = enum_spelling(get(Column::LeadStatus));
    let contact = NewContact::new(&ContactInput {
        first_name: get(Column::FirstName).unwrap_or_default(),
        last_name: get(Column::LastName).unwrap_or_default(),
        email: get(Column::Email),
        phone: get(Column::Phone),
        title: get(Column::Title),
        lead_source: source.as_deref(),
        lead_status: status.as_deref(),
        contact_owner_id: None,
        avatar_url: get(Column::AvatarUrl),
        linkedin_url: get(Column::LinkedinUrl),
        notes: get(Column::Notes),
    })
    .map_err(|e| fail("row", e))
    .ok();
    let company = get(Column::Company)
        .map(|name| NewCompany::new(name, None, None, None))
        .transpose()
        .map_err(|e| fail("company", super::relabel(e, "company")))
        .ok()
        .flatten();
    let owner_email = get(Column::Owner)
        .map(text::email)
        .transpose()
        .map_err(|e| fail("owner", super::relabel(e, "owner")))
        .ok()
        .flatten();
    let match_id = get(Column::Id)
        .map(Uuid::parse_str)
        .transpose()
        .map_err(|_| fail("id", DomainError::field("id", "must be a UUID")))
        .ok()
        .flatten();
    match contact {
        Some(contact) if fields.is_empty() => Ok(ImportRow {
            line,
            contact,
            company,
            owner_email,
            match_id,
        }),
        _ => Err(RowError { line, fields }),
    }
}

/// Line numbers of byte offsets, counted forward once. (The reader's own line count lags by
/// one after a CRLF line end, whose `\n` it reads as the start of the next record.)
struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The line of the first character of the record starting at `offset` (after any line
    /// end characters there); offsets must not decrease.
    fn line_at(&mut self, offset: u64) -> u64 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let mut start = offset.min(self.text.len());
        while start < self.text.len() && matches!(self.text[start], b'\r' | b'\n') {
            start += 1;
        }
        if start > self.offset {
            let newlines = self.text[self.offset..start]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            self.line += newlines as u64;
            self.offset = start;
        }
        self.line
    }
}

/// The file's rows: the valid ones, and the report of the refused ones.
fn parse_file(text: &str) -> Result<(Header, Vec<ImportRow>, ImportReport)> {
    check_quotes(text)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let read_error = |e: csv::Error| {
        let line = e.position().map_or(1, csv::Position::line);
        bad_file(line, &e.to_string())
    };
    let header = match records.next() {
        Some(record) => Header::parse(&record.map_err(read_error)?)?,
        None => return Err(bad_file(1, "the file is empty: expected a header row")),
    };
    let mut rows = Vec::new();
    let mut report = ImportReport::default();
    let mut lines = LineCounter::new(text);
    for record in records {
        let record = record.map_err(read_error)?;
        let line = lines.line_at(record.position().map_or(0, csv::Position::byte));
        match parse_row(&header, &record, line) {
            Ok(row) => rows.push(row),
            Err(error) => report.reject(error),
        }
    }
    Ok((header, rows, report))
}

/// Import contacts from a CSV file (a `text/csv` body, or the `file` part of a
/// `multipart/form-data` form; at most 10 MiB). Companies are got or created by name; rows
/// matching one of your contacts (by `id`, else by e-mail) are skipped or updated; every
/// refused line is reported with its problems, and the other lines are kept. A form may also
/// carry the options as fields (`on_duplicate`, `dry_run`, as the import page's form does):
/// it is a dry run when the query or the form asks for one.
#[utoipa::path(tag = "contacts", params(ImportParams), security(("bearer" = [])),
    request_body(content((String = "text/csv"), (ImportUpload = "multipart/form-data"))),
    responses((status = 200, body = ImportReportDto),
        (status = 400, description = "Malformed file (encoding, quoting, header) with `details.line`, or a bad option", body = ErrorBody),
        (status = 401, body = ErrorBody), (status = 413, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[post("/contacts/import")]
pub async fn import_contacts(
    state: web::Data<AppState>,
    user: AuthUser,
    req: HttpRequest,
    params: web::Query<ImportParams>,
    payload: web::Payload,
) -> Result<HttpResponse> {
    // A bad query is refused before the body is read.
    let query_on_duplicate = query_opt("on_duplicate", params.on_duplicate.as_deref())?;
    let (bytes, form) = read_upload(&req, payload).await?;
    let (on_duplicate, dry_run) =
        upload_options(query_on_duplicate, params.dry_run.unwrap_or(false), &form)?;
    let import = import_file(
        &state.services,
        user.tenant(),
        &bytes,
        on_duplicate,
        dry_run,
    )
    .await?;
    let report = import.report;
    Ok(HttpResponse::Ok().json(ImportReportDto {
        dry_run,
        created: report.created,
        updated: report.updated,
        skipped: report.skipped,
        failed: report.failed,
        errors: report
            .errors
            .into_iter()
            .map(|e| ImportErrorDto {
                line: e.line,
                fields: e.fields,
            })
            .collect(),
        ignored_columns: import.ignored_columns,
    }))
}

/// What an import of a file did (or, on a dry run, would do).
#[derive(Debug)]
pub struct FileImport {
    /// The counts and the refused lines, by line.
    pub report: ImportReport,
    /// Header names that match no contact field.
    pub ignored_columns: Vec<String>,
}

/// Imports a CSV file (the bytes as uploaded) into `tenant`'s contacts: the use case behind
/// the API's import and the pages' import form. Lines are checked here and by
/// [`Services::import_contacts`], which writes the valid ones (or, on a dry run, rolls every
/// batch back).
///
/// # Errors
/// 400 naming the line for a malformed file (encoding, quoting, header); the service's
/// errors otherwise.
pub async fn import_file(
    services: &Services,
    tenant: Tenant,
    file: &[u8],
    on_duplicate: OnDuplicate,
    dry_run: bool,
) -> Result<FileImport> {
    let (header, rows, mut report) = parse_file(decode(file)?)?;
    let options = ImportOptions {
        on_duplicate,
        dry_run,
        columns: header.import_columns(),
    };
    let done = services.import_contacts(tenant, rows, options).await?;
    report.absorb(done);
    report.sort_errors();
    Ok(FileImport {
        report,
        ignored_columns: header.ignored,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_by_name_and_alias_ignoring_case_and_punctuation() {
        assert_eq!(Column::of_header(" E-mail "), Some(Column::Email));
        assert_eq!(Column::of_header("Job Title"), Some(Column::Title));
        assert_eq!(Column::of_header("FIRST_NAME"), Some(Column::FirstName));
        assert_eq!(Column::of_header("Company"), Some(Column::Company));
        assert_eq!(Column::of_header("favourite colour"), None);
    }

    #[test]
    fn formula_guards_round_trip() {
        for value in ["=1+1", "+44 20", "-", "@x", "'=x", "'plain", "plain", ""] {
            assert_eq!(unguard(&guard(value)), value, "{value}");
        }
        assert_eq!(guard("=1+1"), "'=1+1");
        assert_eq!(unguard("'+44 20"), "+44 20");
        assert_eq!(unguard("'plain"), "'plain");
    }

    #[test]
    fn quoting_errors_name_their_line() {
        assert!(check_quotes("a,b\r\n\"x, y\",\"he said \"\"hi\"\"\"\r\n").is_ok());
        assert!(check_quotes("a,b\n\"multi\nline\",2\n").is_ok());
        let err = check_quotes("a,b\n1,2\n\"open,3\n4,5\n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        let err = check_quotes("a,b\n\"x\"y,2\n").unwrap_err();
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn form_options_read_the_select_and_the_checkbox() {
        let form = |fields: &[(&str, &str)]| ImportForm {
            file: None,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        let fields_of = |err: DomainError| match err {
            DomainError::Validation(fields) => fields.into_keys().collect::<Vec<_>>(),
            other => panic!("{other}"),
        };
        assert_eq!(form(&[]).options().unwrap(), (OnDuplicate::Skip, false));
        assert_eq!(
            form(&[("on_duplicate", "update"), ("dry_run", "true")])
                .options()
                .unwrap(),
            (OnDuplicate::Update, true)
        );
        assert_eq!(
            form(&[("on_duplicate", " "), ("dry_run", "on"), ("note", "x")])
                .options()
                .unwrap(),
            (OnDuplicate::Skip, true)
        );
        assert_eq!(
            form(&[("dry_run", "false")]).options().unwrap(),
            (OnDuplicate::Skip, false)
        );
        let err = form(&[("on_duplicate", "merge"), ("dry_run", "maybe")])
            .options()
            .unwrap_err();
        assert_eq!(fields_of(err), ["dry_run", "on_duplicate"]);
        let err = form(&[("dry_run", "true"), ("dry_run", "false")])
            .options()
            .unwrap_err();
        assert_eq!(fields_of(err), ["dry_run"]);
    }

    #[test]
    fn invalid_utf8_names_its_line() {
        let err = decode(b"a,b\n1,2\n\xff,3\n").unwrap_err();
        assert!(err.to_string().contains("line 3"), "{err}");
        assert_eq!(decode(b"\xEF\xBB\xBFa,b").unwrap(), "a,b");
    }
}
