//! `/apps/crm/lead-details?id=`: a contact's page. Header with inline edit and delete, the
//! info tiles, the contact's deals with their pipeline steppers, and the activity panel.
//! Another user's contact id is a 404, exactly like an unknown one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use crm_domain::contact::ContactInput;
use crm_domain::{
    ContactPatch, ContactWithCompany, DomainError, NewContact, PipelineStage, StageKind,
};
use crm_http::AppState;
use uuid::Uuid;

use super::activity::{self, ActivityPanel, PanelParams, Scope};
use super::board::resolve_company;
use super::open_tasks::{self, OpenTasks};
use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::format;
use crate::frame::{Frame, html, redirect_toast};
use crate::session::{PageUser, SameOrigin, ToastKind, local_path};
use crate::views::{
    AvatarView, CardView, Choice, Step, contact_name, lead_source_choices, lead_status_choices,
    stepper, user_choices,
};

/// A deal of the contact with its stepper.
pub struct DealRow {
    /// The deal.
    pub card: CardView,
    /// The stepper.
    pub steps: Vec<Step>,
    /// `won` or `lost` when closed.
    pub closed: Option<&'static str>,
    /// Closed and won.
    pub won: bool,
}

/// The rows of `deals` with steppers over `stages`.
pub fn deal_rows(deals: &[crm_domain::Deal], stages: &[PipelineStage]) -> Vec<DealRow> {
    deals
        .iter()
        .map(|d| DealRow {
            card: CardView::from(d),
            steps: stepper(stages, d.stage_id),
            won: d.stage_kind == StageKind::Won,
            closed: match d.stage_kind {
                StageKind::Open => None,
                StageKind::Won => Some("won"),
                StageKind::Lost => Some("lost"),
            },
        })
        .collect()
}

/// The lead page.
#[derive(Template)]
#[template(path = "lead.html")]
struct LeadPage {
    frame: Frame,
    id: Uuid,
    name: String,
    avatar: AvatarView,
    title: Option<String>,
    company_name: Option<String>,
    company_href: Option<String>,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    linkedin: Option<String>,
    lead_source: Option<String>,
    lead_status: Option<String>,
    owner: Option<String>,
    notes: Option<String>,
    deals: Vec<DealRow>,
    open_deals: usize,
    edit: FormState,
    edit_open: bool,
    users: Vec<Choice>,
    sources: Vec<Choice>,
    statuses: Vec<Choice>,
    panel: ActivityPanel,
    open_tasks: OpenTasks,
}

/// The id of a `?id=` query; anything unparsable is a 404.
pub fn id_of(params: &PanelParams) -> PageResult<Uuid> {
    params
        .id
        .as_deref()
        .and_then(|id| Uuid::parse_str(id.trim()).ok())
        .ok_or(PageError::NotFound)
}

fn edit_form_of(contact: &ContactWithCompany) -> FormState {
    let c = &contact.contact;
    let mut form = FormState::new();
    form.set("first_name", c.first_name.clone());
    form.set("last_name", c.last_name.clone());
    form.set("email", c.email.clone().unwrap_or_default());
    form.set("phone", c.phone.clone().unwrap_or_default());
    form.set("title", c.title.clone().unwrap_or_default());
    form.set("linkedin_url", c.linkedin_url.clone().unwrap_or_default());
    form.set("avatar_url", c.avatar_url.clone().unwrap_or_default());
    form.set("notes", c.notes.clone().unwrap_or_default());
    form.set(
        "lead_source",
        c.lead_source.map(|s| s.as_str()).unwrap_or_default(),
    );
    form.set(
        "lead_status",
        c.lead_status.map(|s| s.as_str()).unwrap_or_default(),
    );
    form.set(
        "contact_owner_id",
        c.contact_owner_id
            .map(|u| u.to_string())
            .unwrap_or_default(),
    );
    if let Some(company) = &contact.company {
        form.set("company_name", company.name.clone());
        form.set("company_id", company.id.to_string());
    }
    form
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    params: &PanelParams,
    edit: Option<FormState>,
    activity_form: Option<FormState>,
    status: StatusCode,
) -> PageResult {
    let id = id_of(params)?;
    let tenant = user.tenant();
    let contact = state.services.contact(tenant, id).await?;
    let repos = state.services.repos();
    let owner = match contact.contact.contact_owner_id {
        Some(owner) => repos.users.find(owner).await?.map(|u| u.display_name),
        None => None,
    };
    let company = match contact.contact.company_id {
        Some(company) => repos.companies.find(company).await?,
        None => None,
    };
    let deals = repos.deals.with_contact(tenant, id).await?;
    let stages = repos.stages.list(tenant).await?;
    let users = repos.users.search(None, 200).await?;
    let page_href = format!("/apps/crm/lead-details?id={id}");
    let panel = activity::load_panel(
        state,
        tenant,
        Scope::Contact(id),
        params,
        &page_href,
        &format!("/apps/crm/lead-details/activities?id={id}"),
        activity_form,
    )
    .await?;
    let open_tasks = open_tasks::load(state, tenant, Some(id), &page_href).await?;
    let name = contact_name(&contact);
    let c = &contact.contact;
    let edit_open = edit.is_some();
    let rows = deal_rows(&deals, &stages);
    let page = LeadPage {
        frame: Frame::new(req, user, "", &name),
        id,
        avatar: AvatarView::new(&name, c.avatar_url.as_deref()),
        title: c.title.clone(),
        company_href: company.as_ref().map(|co| {
            format!(
                "/apps/crm/deals?q={}",
                percent_encoding::utf8_percent_encode(&co.name, percent_encoding::NON_ALPHANUMERIC)
            )
        }),
        company_name: company.as_ref().map(|co| co.name.clone()),
        website: company.as_ref().and_then(|co| co.website.clone()),
        email: c.email.clone(),
        phone: c.phone.clone(),
        linkedin: c.linkedin_url.clone(),
        lead_source: c.lead_source.map(|s| format::label(s.as_str())),
        lead_status: c.lead_status.map(|s| format::label(s.as_str())),
        owner,
        notes: c.notes.clone(),
        open_deals: rows.iter().filter(|r| r.closed.is_none()).count(),
        deals: rows,
        edit: edit.unwrap_or_else(|| edit_form_of(&contact)),
        edit_open,
        users: user_choices(&users),
        sources: lead_source_choices(),
        statuses: lead_status_choices(),
        panel,
        open_tasks,
        name,
    };
    html(req, status, page.render())
}

/// `GET /apps/crm/lead-details?id=`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<PanelParams>,
) -> PageResult {
    render(&req, &state, &user, &params, None, None, StatusCode::OK).await
}

/// Checks the edit form and builds the patch (company resolved separately).
fn patch_of(data: &FormData, form: &mut FormState) -> PageResult<Option<ContactPatch>> {
    let owner = form
        .check("contact_owner_id", data.uuid("contact_owner_id"))
        .flatten();
    let input = ContactInput {
        first_name: data.raw("first_name"),
        last_name: data.raw("last_name"),
        email: data.opt("email"),
        phone: data.opt("phone"),
        title: data.opt("title"),
        lead_source: data.opt("lead_source"),
        lead_status: data.opt("lead_status"),
        contact_owner_id: owner,
        avatar_url: data.opt("avatar_url"),
        linkedin_url: data.opt("linkedin_url"),
        notes: data.opt("notes"),
    };
    match NewContact::new(&input) {
        Ok(c) if !form.failed() => Ok(Some(ContactPatch {
            first_name: Some(c.first_name),
            last_name: Some(c.last_name),
            email: Some(c.email),
            phone: Some(c.phone),
            title: Some(c.title),
            company_id: None,
            lead_source: Some(c.lead_source),
            lead_status: Some(c.lead_status),
            contact_owner_id: Some(c.contact_owner_id),
            avatar_url: Some(c.avatar_url),
            linkedin_url: Some(c.linkedin_url),
            notes: Some(c.notes),
        })),
        Ok(_) => Ok(None),
        Err(err) => {
            form.absorb(err, &[])?;
            Ok(None)
        }
    }
}

/// `POST /apps/crm/contacts/{id}/edit`: the inline edit form.
pub async fn edit(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let tenant = user.tenant();
    state.services.contact(tenant, id).await?;
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    if let Some(mut patch) = patch_of(&data, &mut form)?
        && let Some(company) = resolve_company(&state, tenant, &mut form, &data).await?
    {
        patch.company_id = Some(company);
        match state.services.update_contact(tenant, id, patch).await {
            Ok(_) => {
                return Ok(redirect_toast(
                    &format!("/apps/crm/lead-details?id={id}"),
                    ToastKind::Success,
                    "Contact updated",
                ));
            }
            Err(DomainError::Conflict { .. }) => {
                form.add_error("email", "You already have a contact with this e-mail.");
            }
            Err(DomainError::NotFound { .. }) => return Err(PageError::NotFound),
            Err(err) => form.absorb(err, &[("company_id", "company_name")])?,
        }
    }
    let params = PanelParams {
        id: Some(id.to_string()),
        ..PanelParams::default()
    };
    render(
        &req,
        &state,
        &user,
        &params,
        Some(form),
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /apps/crm/contacts/{id}/delete`.
pub async fn delete(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
) -> PageResult {
    let tenant = user.tenant();
    let id = id.into_inner();
    let contact = state.services.contact(tenant, id).await?;
    state.services.repos().contacts.delete(tenant, id).await?;
    Ok(redirect_toast(
        "/apps/crm/deals",
        ToastKind::Success,
        &format!("Contact {} deleted", contact_name(&contact)),
    ))
}

/// `POST /apps/crm/lead-details/activities?id=`: an add form of the activity panel.
pub async fn add_activity(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<PanelParams>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id_of(&params)?;
    let tenant = user.tenant();
    state.services.contact(tenant, id).await?;
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    if let Some((kind, mut input)) = activity::parse_form(&data, &mut form) {
        input.contact_id = Some(id);
        if activity::log(&state, tenant, input, &mut form)
            .await?
            .is_some()
        {
            let back = local_path(data.opt("return_to"))
                .unwrap_or_else(|| format!("/apps/crm/lead-details?id={id}"));
            let back = format!("{}#activity", back.split('#').next().unwrap_or(&back));
            return Ok(redirect_toast(
                &back,
                ToastKind::Success,
                activity::logged_message(kind),
            ));
        }
    }
    let params = PanelParams {
        id: Some(id.to_string()),
        tab: Some(activity::tab_of(data.opt("type")).to_owned()),
        ..PanelParams::default()
    };
    render(
        &req,
        &state,
        &user,
        &params,
        None,
        Some(form),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}
