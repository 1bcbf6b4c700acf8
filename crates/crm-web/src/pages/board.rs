//! `/apps/crm/deals`: the Kanban board. Columns are the user's stages in order, each with
//! its whole-column count and sum and its first cards; stage forms (add, rename, delete) and
//! the create-deal dialog post here and come back with their errors in place. The script
//! moves cards through `PATCH /api/crm/deals/{id}` and then reloads the columns from
//! [`board_fragment`], so the board always shows the server's order.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::NaiveDate;
use crm_domain::deal::{PER_STAGE_DEFAULT, PER_STAGE_MAX};
use crm_domain::{
    BoardColumn, BoardQuery, ColumnPage, ContactQuery, DealInput, DealPatch, DomainError, Money,
    NewCompany, PageRequest, PipelineStage, Priority, StageKind, StagePatch, StageRef, Tenant,
};
use crm_http::AppState;
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::format;
use crate::frame::{Frame, html, ok, redirect_toast};
use crate::session::{PageUser, SameOrigin, ToastKind, local_path};
use crate::views::{CardView, Choice, priority_choices, stage_choices, user_choices};

/// A column as the board shows it.
#[derive(Debug, Clone)]
pub struct ColumnView {
    /// Stage id.
    pub id: Uuid,
    /// Stage name.
    pub name: String,
    /// Value of the title input (the refused name after a failed rename).
    pub title_value: String,
    /// `open`, `won`, `lost`.
    pub kind: &'static str,
    /// Deals in the whole column.
    pub count: u64,
    /// Sum of their amounts.
    pub total: String,
    /// The first cards.
    pub deals: Vec<CardView>,
    /// Cursor of the next cards.
    pub next_cursor: Option<String>,
    /// Error of the last rename or delete of this column.
    pub error: Option<String>,
}

impl ColumnView {
    fn new(column: &BoardColumn) -> Self {
        Self {
            id: column.stage.id,
            name: column.stage.name.clone(),
            title_value: column.stage.name.clone(),
            kind: column.stage.kind.as_str(),
            count: column.count,
            total: format::cents(column.total_amount_cents),
            deals: column.deals.iter().map(CardView::from).collect(),
            next_cursor: column.next_cursor.clone(),
            error: None,
        }
    }
}

/// The board page.
#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage {
    frame: Frame,
    q: String,
    columns: Vec<ColumnView>,
    stages: Vec<Choice>,
    users: Vec<Choice>,
    priorities: Vec<Choice>,
    positions: Vec<Choice>,
    deal_form: FormState,
    dialog_open: bool,
    stage_form: FormState,
    stage_form_open: bool,
    total_count: u64,
    load_more_href: String,
}

/// Just the columns, for the script to swap in after a move.
#[derive(Template)]
#[template(path = "board_columns.html")]
struct BoardColumns {
    q: String,
    columns: Vec<ColumnView>,
    stages: Vec<Choice>,
}

/// More cards of one column.
#[derive(Template)]
#[template(path = "cards.html")]
struct Cards {
    cards: Vec<CardView>,
}

/// Query of the board.
#[derive(Debug, Default, Deserialize)]
pub struct BoardParams {
    q: Option<String>,
    new: Option<String>,
    stage_id: Option<Uuid>,
    contact_id: Option<Uuid>,
    per_stage: Option<u32>,
    cursor: Option<String>,
}

/// What to show besides the data: forms coming back with errors.
#[derive(Default)]
struct BoardState {
    q: String,
    per_stage: u32,
    deal_form: Option<FormState>,
    stage_form: Option<FormState>,
    column_error: Option<(Uuid, String, String)>,
    prefill_stage: Option<Uuid>,
    prefill_contact: Option<Uuid>,
    open_dialog: bool,
}

fn query_of(q: Option<&str>) -> Option<String> {
    q.map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned)
}

fn board_href(q: &str) -> String {
    if q.is_empty() {
        "/apps/crm/deals".to_owned()
    } else {
        format!(
            "/apps/crm/deals?q={}",
            percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC)
        )
    }
}

async fn load_columns(
    state: &AppState,
    tenant: Tenant,
    q: &str,
    per_stage: u32,
) -> PageResult<Vec<ColumnView>> {
    let columns = state
        .services
        .repos()
        .deals
        .board(
            tenant,
            BoardQuery {
                q: query_of(Some(q)),
                ..BoardQuery::default()
            },
            per_stage.clamp(1, PER_STAGE_MAX),
        )
        .await?;
    Ok(columns.iter().map(ColumnView::new).collect())
}

fn position_choices(stages: &[PipelineStage]) -> Vec<Choice> {
    let mut choices: Vec<Choice> = stages
        .iter()
        .map(|s| Choice::new(s.position.to_string(), format!("Before {}", s.name)))
        .collect();
    choices.push(Choice::new(stages.len().to_string(), "At the end"));
    choices
}

async fn render_board(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    board: BoardState,
    status: StatusCode,
) -> PageResult {
    let tenant = user.tenant();
    let repos = state.services.repos();
    let stages = repos.stages.list(tenant).await?;
    let mut columns = load_columns(state, tenant, &board.q, board.per_stage).await?;
    if let Some((id, value, error)) = board.column_error
        && let Some(column) = columns.iter_mut().find(|c| c.id == id)
    {
        column.title_value = value;
        column.error = Some(error);
    }
    let users = repos.users.search(None, 200).await?;
    let dialog_open = board.open_dialog || board.deal_form.is_some();
    let mut deal_form = board.deal_form.unwrap_or_default();
    let default_stage = board
        .prefill_stage
        .filter(|id| stages.iter().any(|s| s.id == *id))
        .or_else(|| {
            stages
                .iter()
                .find(|s| s.kind == StageKind::Open)
                .map(|s| s.id)
        })
        .or_else(|| stages.first().map(|s| s.id));
    if let Some(stage) = default_stage {
        deal_form.default_value("stage_id", stage.to_string());
    }
    deal_form.default_value("priority", Priority::Medium.as_str());
    deal_form.default_value("owner_id", user.user.id.to_string());
    if let Some(contact_id) = board.prefill_contact
        && let Some(contact) = repos.contacts.find(tenant, contact_id).await?
    {
        deal_form.default_value("contact_id", contact_id.to_string());
        deal_form.default_value("contact_name", crate::views::contact_name(&contact));
        if let Some(company) = &contact.company {
            deal_form.default_value("company_id", company.id.to_string());
            deal_form.default_value("company_name", company.name.clone());
        }
    }
    let stage_form_open = board.stage_form.is_some();
    let mut stage_form = board.stage_form.unwrap_or_default();
    stage_form.default_value(
        "position",
        crm_domain::stage::default_insert_position(&stages).to_string(),
    );
    let total_count = columns.iter().map(|c| c.count).sum();
    let next_per_stage = (board.per_stage + PER_STAGE_DEFAULT).min(PER_STAGE_MAX);
    let mut load_more_href = board_href(&board.q);
    load_more_href.push(if board.q.is_empty() { '?' } else { '&' });
    load_more_href.push_str(&format!("per_stage={next_per_stage}"));
    let page = BoardPage {
        frame: Frame::new(req, user, "deals", "Deals"),
        q: board.q,
        stages: stage_choices(&stages),
        positions: position_choices(&stages),
        columns,
        users: user_choices(&users),
        priorities: priority_choices(),
        deal_form,
        dialog_open,
        stage_form,
        stage_form_open,
        total_count,
        load_more_href,
    };
    html(req, status, page.render())
}

/// `GET /apps/crm/deals`.
pub async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<BoardParams>,
) -> PageResult {
    let params = params.into_inner();
    let board = BoardState {
        q: query_of(params.q.as_deref()).unwrap_or_default(),
        per_stage: params.per_stage.unwrap_or(PER_STAGE_DEFAULT),
        open_dialog: params.new.is_some(),
        prefill_stage: params.stage_id,
        prefill_contact: params.contact_id,
        ..BoardState::default()
    };
    render_board(&req, &state, &user, board, StatusCode::OK).await
}

/// `GET /apps/crm/deals/board`: the columns alone (HTML fragment).
pub async fn board_fragment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<BoardParams>,
) -> PageResult {
    let tenant = user.tenant();
    let q = query_of(params.q.as_deref()).unwrap_or_default();
    let per_stage = params.per_stage.unwrap_or(PER_STAGE_DEFAULT);
    let stages = state.services.repos().stages.list(tenant).await?;
    let columns = load_columns(&state, tenant, &q, per_stage).await?;
    let fragment = BoardColumns {
        q,
        columns,
        stages: stage_choices(&stages),
    };
    ok(&req, fragment.render())
}

/// `GET /apps/crm/deals/cards?stage_id=&cursor=`: the next cards of a column (HTML
/// fragment); the cursor after them is in the `X-Next-Cursor` header.
pub async fn cards_fragment(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<BoardParams>,
) -> PageResult {
    let tenant = user.tenant();
    let stage_id = params
        .stage_id
        .ok_or_else(|| PageError::BadRequest("stage_id is required".to_owned()))?;
    let page = PageRequest::new(
        None,
        params.cursor.as_deref(),
        PER_STAGE_DEFAULT,
        PER_STAGE_MAX,
    )
    .map_err(PageError::from)?;
    let repos = state.services.repos();
    if !repos
        .stages
        .list(tenant)
        .await?
        .iter()
        .any(|s| s.id == stage_id)
    {
        return Err(PageError::NotFound);
    }
    let column = repos
        .deals
        .column(
            tenant,
            BoardQuery {
                q: query_of(params.q.as_deref()),
                ..BoardQuery::default()
            },
            ColumnPage { stage_id, page },
        )
        .await?;
    let fragment = Cards {
        cards: column.data.iter().map(CardView::from).collect(),
    };
    let mut response = ok(&req, fragment.render())?;
    if let Some(cursor) = column.next_cursor
        && let Ok(value) = actix_web::http::header::HeaderValue::from_str(&cursor)
    {
        response.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static("x-next-cursor"),
            value,
        );
    }
    Ok(response)
}

/// Reads a money field: `12500`, `12,500.50`, `$12,500`.
pub fn parse_amount(raw: &str) -> Result<Option<Money>, DomainError> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !matches!(c, ',' | '$' | ' ' | '_'))
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    Money::from_str(&cleaned).map(Some).map_err(|_| {
        DomainError::field(
            "amount",
            "Enter an amount such as 12500 or 12500.50, at most two decimals.",
        )
    })
}

/// Reads a date field (`YYYY-MM-DD`).
pub fn parse_date(field: &str, raw: Option<&str>) -> Result<Option<NaiveDate>, DomainError> {
    raw.map(|v| {
        NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .map_err(|_| DomainError::field(field, "Enter a date as YYYY-MM-DD."))
    })
    .transpose()
}

/// Resolves the company of a form: the picked id, or the typed name found or added to the
/// directory ("create if not exists"). Run it only once the rest of the form is valid.
pub async fn resolve_company(
    state: &AppState,
    tenant: Tenant,
    form: &mut FormState,
    data: &FormData,
) -> PageResult<Option<Option<Uuid>>> {
    let name = data.opt("company_name");
    match (
        form.check("company_name", data.uuid("company_id"))
            .flatten(),
        name,
    ) {
        (_, None) => Ok(Some(None)),
        (Some(id), Some(_)) => {
            if state.services.repos().companies.find(id).await?.is_some() {
                Ok(Some(Some(id)))
            } else {
                form.add_error("company_name", "That company no longer exists.");
                Ok(None)
            }
        }
        (None, Some(name)) => {
            let Some(company) = form.check("company_name", NewCompany::new(name, None, None, None))
            else {
                return Ok(None);
            };
            let (company, _) = state
                .services
                .repos()
                .companies
                .get_or_create(tenant, company)
                .await?;
            Ok(Some(Some(company.id)))
        }
    }
}

/// Resolves the contact of a form: the picked id, or a typed name that matches exactly one
/// of the caller's contacts.
pub async fn resolve_contact(
    state: &AppState,
    tenant: Tenant,
    form: &mut FormState,
    data: &FormData,
) -> PageResult<Option<Option<Uuid>>> {
    let name = data.opt("contact_name");
    let Some(name) = name else {
        return Ok(Some(None));
    };
    let repos = state.services.repos();
    if let Some(id) = form
        .check("contact_name", data.uuid("contact_id"))
        .flatten()
    {
        return if repos.contacts.find(tenant, id).await?.is_some() {
            Ok(Some(Some(id)))
        } else {
            form.add_error("contact_name", "Choose one of your contacts.");
            Ok(None)
        };
    }
    let found = repos
        .contacts
        .list(
            tenant,
            ContactQuery {
                q: Some(name.to_owned()),
                page: PageRequest {
                    limit: 20,
                    ..PageRequest::default()
                },
                ..ContactQuery::default()
            },
        )
        .await?;
    let exact: Vec<_> = found
        .data
        .iter()
        .filter(|c| crate::views::contact_name(c).eq_ignore_ascii_case(name))
        .collect();
    match exact.as_slice() {
        [one] => Ok(Some(Some(one.contact.id))),
        [] if found.data.len() == 1 => Ok(Some(Some(found.data[0].contact.id))),
        _ => {
            form.add_error(
                "contact_name",
                "Choose one of your contacts from the suggestions.",
            );
            Ok(None)
        }
    }
}

/// `POST /apps/crm/deals/new`: the create-deal dialog.
pub async fn create_deal(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    let tenant = user.tenant();
    let q = query_of(data.opt("q")).unwrap_or_default();
    if data.opt("name").is_none() {
        form.add_error("name", "Enter the deal's name.");
    }
    let stage = form.check("stage_id", data.uuid("stage_id")).flatten();
    if stage.is_none() && !form.has_error("stage_id") {
        form.add_error("stage_id", "Choose a stage.");
    }
    let amount = form
        .check("amount", parse_amount(data.raw("amount")))
        .flatten();
    if amount.is_none() && !form.has_error("amount") {
        form.add_error("amount", "Enter the deal's amount.");
    }
    let priority = match data.opt("priority") {
        Some(p) => form.check("priority", Priority::from_str(p)),
        None => {
            form.add_error("priority", "Choose a priority.");
            None
        }
    };
    let close_date = form
        .check(
            "close_date",
            parse_date("close_date", data.opt("close_date")),
        )
        .flatten();
    let owner_id = form.check("owner_id", data.uuid("owner_id")).flatten();
    let mut collaborator_ids = Vec::new();
    for id in data.all("collaborator_ids") {
        match Uuid::parse_str(id) {
            Ok(id) => collaborator_ids.push(id),
            Err(_) => form.add_error("collaborator_ids", "is not a valid choice"),
        }
    }
    let contact_id = resolve_contact(&state, tenant, &mut form, &data).await?;
    let company_id = if form.failed() {
        None
    } else {
        resolve_company(&state, tenant, &mut form, &data).await?
    };
    if let (false, Some(contact_id), Some(company_id)) = (form.failed(), contact_id, company_id) {
        let input = DealInput {
            name: data.raw("name").to_owned(),
            description: data.opt("description").map(str::to_owned),
            stage: stage.map(StageRef::Id),
            amount,
            priority,
            progress: None,
            close_date,
            owner_id,
            contact_id,
            company_id,
            collaborator_ids,
        };
        match state.services.create_deal(tenant, input).await {
            Ok(deal) => {
                let back = local_path(data.opt("return_to")).unwrap_or_else(|| board_href(&q));
                return Ok(redirect_toast(
                    &back,
                    ToastKind::Success,
                    &format!("Deal “{}” created in {}", deal.name, deal.stage),
                ));
            }
            Err(err) => form.absorb(
                err,
                &[
                    ("stage", "stage_id"),
                    ("company_id", "company_name"),
                    ("contact_id", "contact_name"),
                ],
            )?,
        }
    }
    let board = BoardState {
        q,
        per_stage: PER_STAGE_DEFAULT,
        deal_form: Some(form),
        ..BoardState::default()
    };
    render_board(&req, &state, &user, board, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /apps/crm/stages`: adds a stage at a position.
pub async fn add_stage(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    let position = match data.opt("position") {
        Some(p) => match p.parse::<u32>() {
            Ok(p) => Some(p),
            Err(_) => {
                form.add_error("position", "Choose a position.");
                None
            }
        },
        None => None,
    };
    if !form.failed() {
        match state
            .services
            .create_stage(user.tenant(), data.raw("name"), position, None, None)
            .await
        {
            Ok(stage) => {
                return Ok(redirect_toast(
                    "/apps/crm/deals",
                    ToastKind::Success,
                    &format!("Stage “{}” added", stage.name),
                ));
            }
            Err(DomainError::Conflict { .. }) => {
                form.add_error("name", "You already have a stage with this name.");
            }
            Err(err) => form.absorb(err, &[])?,
        }
    }
    let board = BoardState {
        per_stage: PER_STAGE_DEFAULT,
        stage_form: Some(form),
        ..BoardState::default()
    };
    render_board(&req, &state, &user, board, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /apps/crm/stages/{id}/rename`.
pub async fn rename_stage(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let name = data.raw("name").to_owned();
    let patch = StagePatch {
        name: Some(name.clone()),
        ..StagePatch::default()
    };
    let message = match state.services.update_stage(user.tenant(), id, patch).await {
        Ok(stage) => {
            return Ok(redirect_toast(
                "/apps/crm/deals",
                ToastKind::Success,
                &format!("Stage renamed to “{}”", stage.name),
            ));
        }
        Err(DomainError::NotFound { .. }) => return Err(PageError::NotFound),
        Err(DomainError::Conflict { .. }) => "You already have a stage with this name.".to_owned(),
        Err(DomainError::Validation(_)) => "A stage name must be 1 to 200 characters.".to_owned(),
        Err(err) => return Err(err.into()),
    };
    let board = BoardState {
        per_stage: PER_STAGE_DEFAULT,
        column_error: Some((id, name, message)),
        ..BoardState::default()
    };
    render_board(&req, &state, &user, board, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /apps/crm/stages/{id}/delete`: deletes a stage, moving its deals first when asked.
pub async fn delete_stage(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let tenant = user.tenant();
    let stages = state.services.repos().stages.list(tenant).await?;
    let Some(stage) = stages.iter().find(|s| s.id == id) else {
        return Err(PageError::NotFound);
    };
    let move_to = data.opt("move_to");
    let message = match state.services.delete_stage(tenant, id, move_to).await {
        Ok(()) => {
            let text = match move_to {
                Some(target) => format!(
                    "Stage “{}” deleted; its deals moved to {target}",
                    stage.name
                ),
                None => format!("Stage “{}” deleted", stage.name),
            };
            return Ok(redirect_toast("/apps/crm/deals", ToastKind::Success, &text));
        }
        Err(DomainError::NotFound { .. }) => return Err(PageError::NotFound),
        Err(DomainError::Conflict { message, .. }) => {
            if message.contains("at least one") {
                format!("Cannot delete: {message}.")
            } else {
                "This stage still holds deals: choose a stage to move them to.".to_owned()
            }
        }
        Err(DomainError::Validation(fields)) => fields
            .into_values()
            .flatten()
            .collect::<Vec<_>>()
            .join("; "),
        Err(err) => return Err(err.into()),
    };
    let board = BoardState {
        per_stage: PER_STAGE_DEFAULT,
        column_error: Some((id, stage.name.clone(), message)),
        ..BoardState::default()
    };
    render_board(&req, &state, &user, board, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// `POST /apps/crm/deals/{id}/move`: moves a deal to a stage (the deal page's stepper, and
/// the board without script). Lands at the end of the column.
pub async fn move_deal(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult<HttpResponse> {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let back = local_path(data.opt("return_to"))
        .unwrap_or_else(|| format!("/apps/crm/deal-details?id={id}"));
    let Ok(Some(stage_id)) = data.uuid("stage_id") else {
        return Ok(redirect_toast(&back, ToastKind::Error, "Choose a stage."));
    };
    let result = state
        .services
        .update_deal(
            user.tenant(),
            id,
            DealPatch::default(),
            Some(StageRef::Id(stage_id)),
            None,
        )
        .await;
    match result {
        Ok(deal) => Ok(redirect_toast(
            &back,
            ToastKind::Success,
            &format!("Deal moved to {}", deal.stage),
        )),
        Err(DomainError::NotFound { .. }) => Err(PageError::NotFound),
        Err(DomainError::Validation(_)) => Ok(redirect_toast(
            &back,
            ToastKind::Error,
            "That stage is not in your pipeline.",
        )),
        Err(err) => Err(err.into()),
    }
}
