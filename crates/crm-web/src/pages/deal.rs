//! `/apps/crm/deal-details?id=`: a deal's page. Header with the status menu (Open / Won /
//! Lost → first stage of that kind), inline edit and delete; the clickable pipeline stepper;
//! owner and collaborators; the associated contact; the account (company) with the caller's
//! other deals with it; the activity panel (stage changes included); and the "More details"
//! drawer with the 13 information rows and the deal analytics of `crm-analytics`.

use std::str::FromStr;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use crm_analytics::{Analytics, DealAnalytics};
use crm_domain::{Deal, DealDetail, DealPatch, DomainError, Priority, Progress, StageKind, text};
use crm_http::AppState;
use uuid::Uuid;

use super::activity::{self, ActivityPanel, PanelParams, Scope};
use super::board::{parse_amount, parse_date, resolve_company, resolve_contact};
use super::lead::id_of;
use crate::charts::{self, Chart};
use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::format;
use crate::frame::{Frame, html, redirect_toast};
use crate::session::{PageUser, SameOrigin, ToastKind};
use crate::views::{AvatarView, CardView, Choice, Step, priority_choices, stepper, user_choices};

/// A row of the drawer.
pub struct InfoRow {
    /// Label.
    pub label: &'static str,
    /// Value.
    pub value: String,
}

/// A collaborator with its remove form.
pub struct Collaborator {
    /// User id.
    pub id: Uuid,
    /// Badge.
    pub avatar: AvatarView,
}

/// The associated contact.
pub struct ContactCard {
    /// Id.
    pub id: Uuid,
    /// Badge.
    pub avatar: AvatarView,
    /// Name.
    pub name: String,
    /// Title.
    pub title: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// Contact owner.
    pub owner: Option<String>,
}

/// The account.
pub struct AccountCard {
    /// Badge.
    pub logo: AvatarView,
    /// Name.
    pub name: String,
    /// Industry.
    pub industry: Option<String>,
    /// Website.
    pub website: Option<String>,
    /// Board link filtered to the company.
    pub href: String,
    /// The caller's other open deals with it.
    pub ongoing: Vec<CardView>,
    /// The caller's other closed deals with it.
    pub past: Vec<CardView>,
}

/// The analytics of the drawer.
pub struct AnalyticsView {
    /// Win/loss donut.
    pub win_loss: Chart,
    /// Scope sentence of the donut.
    pub win_loss_scope: String,
    /// Bars: progress, probability, pipeline position, engagement.
    pub bars: Chart,
    /// Activity counts bars.
    pub counts: Chart,
    /// Weighted amount.
    pub weighted: String,
    /// Days in the current stage.
    pub days_in_stage: i64,
    /// Engagement sentence.
    pub engagement: String,
    /// Latest activities.
    pub latest: Vec<(String, String, String)>,
}

/// The deal page.
#[derive(Template)]
#[template(path = "deal.html")]
struct DealPage {
    frame: Frame,
    id: Uuid,
    card: CardView,
    description: Option<String>,
    status: &'static str,
    steps: Vec<Step>,
    here: String,
    owner: Option<AvatarView>,
    owner_id: String,
    collaborators: Vec<Collaborator>,
    addable: Vec<Choice>,
    users: Vec<Choice>,
    priorities: Vec<Choice>,
    contact: Option<ContactCard>,
    account: Option<AccountCard>,
    rows: Vec<InfoRow>,
    analytics: AnalyticsView,
    drawer_open: bool,
    edit: FormState,
    edit_open: bool,
    panel: ActivityPanel,
}

/// Query of the deal page.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DealParams {
    id: Option<String>,
    tab: Option<String>,
    q: Option<String>,
    limit: Option<u32>,
    details: Option<String>,
}

impl DealParams {
    fn panel(&self) -> PanelParams {
        PanelParams {
            id: self.id.clone(),
            tab: self.tab.clone(),
            q: self.q.clone(),
            limit: self.limit,
        }
    }
}

fn edit_form_of(deal: &Deal) -> FormState {
    let mut form = FormState::new();
    form.set("name", deal.name.clone());
    form.set("description", deal.description.clone().unwrap_or_default());
    form.set(
        "amount",
        deal.amount.map(|m| m.to_string()).unwrap_or_default(),
    );
    form.set("priority", deal.priority.as_str());
    form.set("progress", deal.progress.get().to_string());
    form.set(
        "close_date",
        deal.close_date.map(|d| d.to_string()).unwrap_or_default(),
    );
    if let Some(c) = &deal.company {
        form.set("company_name", c.name.clone());
        form.set("company_id", c.id.to_string());
    }
    if let Some(c) = &deal.contact {
        form.set("contact_name", format!("{} {}", c.first_name, c.last_name));
        form.set("contact_id", c.id.to_string());
    }
    form
}

fn count_fmt(v: f64) -> String {
    format::compact(v)
}

fn analytics_view(a: &DealAnalytics) -> AnalyticsView {
    let wl = &a.win_loss;
    let win_loss = charts::donut(
        "Won and lost deals",
        &[
            ("Won".to_owned(), wl.won as f64, "c3".to_owned()),
            ("Lost".to_owned(), wl.lost as f64, "c5".to_owned()),
        ],
        &format::pct(wl.ratio),
        "win rate",
        count_fmt,
    );
    let bars = charts::hbars(
        charts::HALF,
        "Deal position",
        &[
            (
                "Progress".to_owned(),
                a.progress as f64,
                format::pct(a.progress as f64),
                "c1".to_owned(),
            ),
            (
                "Stage probability".to_owned(),
                a.probability as f64,
                format::pct(a.probability as f64),
                "c2".to_owned(),
            ),
            (
                "Pipeline position".to_owned(),
                a.pipeline_position_pct,
                format::pct(a.pipeline_position_pct),
                "c4".to_owned(),
            ),
            (
                "Engagement vs. average".to_owned(),
                a.engagement.ratio_pct.min(200.0),
                format::pct(a.engagement.ratio_pct),
                "c6".to_owned(),
            ),
        ],
        100.0_f64.max(a.engagement.ratio_pct.min(200.0)),
    );
    let c = &a.activity_summary.counts;
    let counts = charts::bars(
        charts::HALF,
        "Activities on this deal",
        &["Calls", "Emails", "Meetings", "Notes", "Tasks"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<Vec<_>>(),
        &[charts::Series::new(
            "Activities",
            "c1",
            vec![
                c.call as f64,
                c.email as f64,
                c.meeting as f64,
                c.note as f64,
                c.task as f64,
            ],
        )],
        charts::BarMode::Grouped,
        None,
        count_fmt,
        count_fmt,
    );
    AnalyticsView {
        win_loss,
        win_loss_scope: if wl.scope == "company" {
            "Your closed deals with this company".to_owned()
        } else {
            "All your closed deals (this deal has no company)".to_owned()
        },
        bars,
        counts,
        weighted: a
            .weighted_amount
            .as_deref()
            .map_or_else(|| "—".to_owned(), format::decimal_str),
        days_in_stage: a.activity_summary.days_in_stage,
        engagement: format!(
            "{} activities in the last {} days; your open deals average {}.",
            a.engagement.activities,
            a.engagement.window_days,
            a.engagement.owner_mean_per_open_deal
        ),
        latest: a
            .activity_summary
            .latest
            .iter()
            .map(|l| {
                (
                    format::label(&l.kind),
                    l.subject.clone().unwrap_or_default(),
                    format::datetime(l.created_at),
                )
            })
            .collect(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    params: &DealParams,
    edit: Option<FormState>,
    activity_form: Option<FormState>,
    status: StatusCode,
) -> PageResult {
    let panel_params = params.panel();
    let id = id_of(&panel_params)?;
    let tenant = user.tenant();
    // The deal, its company with the caller's other deals with it, and the stages: one
    // read transaction.
    let DealDetail {
        deal,
        company,
        company_deals,
        stages,
        ..
    } = state.services.deal_detail(tenant, id).await?;
    let repos = state.services.repos();
    let users = repos.users.search(None, 200).await?;
    let find_user = |uid: Option<Uuid>| uid.and_then(|u| users.iter().find(|x| x.id == u));
    let owner = match deal.owner_id {
        Some(o) => match find_user(Some(o)) {
            Some(u) => Some(u.clone()),
            None => repos.users.find(o).await?,
        },
        None => None,
    };
    let creator = match find_user(Some(deal.created_by)) {
        Some(u) => Some(u.clone()),
        None => repos.users.find(deal.created_by).await?,
    };
    let contact = match deal.contact_id {
        Some(cid) => match repos.contacts.find(tenant, cid).await? {
            Some(c) => {
                let owner_name = match c.contact.contact_owner_id {
                    Some(o) => repos.users.find(o).await?.map(|u| u.display_name),
                    None => None,
                };
                let name = format!("{} {}", c.contact.first_name, c.contact.last_name);
                Some(ContactCard {
                    id: cid,
                    avatar: AvatarView::new(&name, c.contact.avatar_url.as_deref()),
                    name,
                    title: c.contact.title.clone(),
                    company: c.company.as_ref().map(|co| co.name.clone()),
                    phone: c.contact.phone.clone(),
                    email: c.contact.email.clone(),
                    owner: owner_name,
                })
            }
            None => None,
        },
        None => None,
    };
    let account = company.map(|company| {
        let (ongoing, past): (Vec<&Deal>, Vec<&Deal>) = company_deals
            .iter()
            .partition(|d| d.stage_kind == StageKind::Open);
        AccountCard {
            logo: AvatarView::new(&company.name, company.logo_url.as_deref()),
            href: format!(
                "/apps/crm/deals?q={}",
                percent_encoding::utf8_percent_encode(
                    &company.name,
                    percent_encoding::NON_ALPHANUMERIC
                )
            ),
            name: company.name,
            industry: company.industry,
            website: company.website,
            ongoing: ongoing.into_iter().map(CardView::from).collect(),
            past: past.into_iter().map(CardView::from).collect(),
        }
    });
    let analytics = Analytics::new(state.store.clone())
        .deal_analytics(tenant, id)
        .await?;
    let page_href = format!("/apps/crm/deal-details?id={id}");
    let panel = activity::load_panel(
        state,
        tenant,
        Scope::Deal(id),
        &panel_params,
        &page_href,
        &format!("/apps/crm/deal-details/activities?id={id}"),
        activity_form,
    )
    .await?;
    let card = CardView::from(&deal);
    let stage_probability = stages
        .iter()
        .find(|s| s.id == deal.stage_id)
        .map_or(0, |s| s.probability.get());
    let rows = vec![
        InfoRow {
            label: "Last updated",
            value: format::datetime(deal.last_update),
        },
        InfoRow {
            label: "Description",
            value: deal.description.clone().unwrap_or_else(|| "—".to_owned()),
        },
        InfoRow {
            label: "Create date",
            value: format::datetime(deal.create_date),
        },
        InfoRow {
            label: "Created by",
            value: creator.map_or_else(|| "—".to_owned(), |u| u.display_name),
        },
        InfoRow {
            label: "Current stage",
            value: deal.stage.clone(),
        },
        InfoRow {
            label: "Closing date",
            value: card.close_date.clone().unwrap_or_else(|| "—".to_owned()),
        },
        InfoRow {
            label: "Contact",
            value: contact
                .as_ref()
                .map_or_else(|| "—".to_owned(), |c| c.name.clone()),
        },
        InfoRow {
            label: "Priority",
            value: card.priority_label.clone(),
        },
        InfoRow {
            label: "Owner",
            value: owner
                .as_ref()
                .map_or_else(|| "—".to_owned(), |u| u.display_name.clone()),
        },
        InfoRow {
            label: "Collaborators",
            value: if card.collaborator_names.is_empty() {
                "—".to_owned()
            } else {
                card.collaborator_names.clone()
            },
        },
        InfoRow {
            label: "Budget",
            value: card.amount.clone(),
        },
        InfoRow {
            label: "Forecast category",
            value: format::label(
                serde_json::to_value(analytics.forecast_category)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default()
                    .as_str(),
            ),
        },
        InfoRow {
            label: "Probability",
            value: format::pct(f64::from(stage_probability)),
        },
    ];
    let collaborators: Vec<Collaborator> = deal
        .collaborators
        .iter()
        .map(|u| Collaborator {
            id: u.id,
            avatar: AvatarView::new(&u.display_name, u.avatar_url.as_deref()),
        })
        .collect();
    let addable = users
        .iter()
        .filter(|u| !deal.collaborators.iter().any(|c| c.id == u.id))
        .map(|u| Choice::new(u.id.to_string(), u.display_name.clone()))
        .collect();
    let edit_open = edit.is_some();
    let page = DealPage {
        frame: Frame::new(req, user, "deals", &deal.name),
        id,
        description: deal.description.clone(),
        status: deal.stage_kind.as_str(),
        steps: stepper(&stages, deal.stage_id),
        here: format!("/apps/crm/deal-details?id={id}"),
        owner: owner
            .as_ref()
            .map(|u| AvatarView::new(&u.display_name, u.avatar_url.as_deref())),
        owner_id: deal.owner_id.map(|u| u.to_string()).unwrap_or_default(),
        collaborators,
        addable,
        users: user_choices(&users),
        priorities: priority_choices(),
        contact,
        account,
        rows,
        analytics: analytics_view(&analytics),
        drawer_open: params.details.is_some(),
        edit: edit.unwrap_or_else(|| edit_form_of(&deal)),
        edit_open,
        panel,
        card,
    };
    html(req, status, page.render())
}

/// `GET /apps/crm/deal-details?id=`.
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    user: PageUser,
    params: web::Query<DealParams>,
) -> PageResult {
    render(&req, &state, &user, &params, None, None, StatusCode::OK).await
}

fn deal_href(id: Uuid) -> String {
    format!("/apps/crm/deal-details?id={id}")
}

/// `POST /apps/crm/deals/{id}/status`: Open / Won / Lost.
pub async fn set_status(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let kind = match data.raw("status") {
        "open" => StageKind::Open,
        "won" => StageKind::Won,
        "lost" => StageKind::Lost,
        _ => {
            return Ok(redirect_toast(
                &deal_href(id),
                ToastKind::Error,
                "Choose Open, Won or Lost.",
            ));
        }
    };
    let deal = state
        .services
        .set_deal_status(user.tenant(), id, kind)
        .await?;
    let message = match kind {
        StageKind::Open => format!("Deal reopened in {}", deal.stage),
        StageKind::Won => format!("Deal marked as won (moved to {})", deal.stage),
        StageKind::Lost => format!("Deal marked as lost (moved to {})", deal.stage),
    };
    Ok(redirect_toast(&deal_href(id), ToastKind::Success, &message))
}

/// `POST /apps/crm/deals/{id}/edit`: the inline edit form.
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
    state.services.deal(tenant, id).await?;
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    let name = form.check("name", text::required(data.raw("name"), text::NAME_MAX));
    let description = form
        .check(
            "description",
            text::optional(data.opt("description"), text::LONG_TEXT_MAX),
        )
        .flatten();
    let amount = form.check("amount", parse_amount(data.raw("amount")));
    let priority = data
        .opt("priority")
        .and_then(|p| form.check("priority", Priority::from_str(p)));
    let progress = match data.opt("progress").map(str::parse::<i64>) {
        Some(Ok(p)) => form.check("progress", Progress::new(p)),
        Some(Err(_)) => {
            form.add_error("progress", "Enter a whole number from 0 to 100.");
            None
        }
        None => None,
    };
    let close_date = form
        .check(
            "close_date",
            parse_date("close_date", data.opt("close_date")),
        )
        .flatten();
    let contact = resolve_contact(&state, tenant, &mut form, &data).await?;
    let company = if form.failed() {
        None
    } else {
        resolve_company(&state, tenant, &mut form, &data).await?
    };
    if let (false, Some(contact), Some(company)) = (form.failed(), contact, company) {
        let patch = DealPatch {
            name,
            description: Some(description),
            amount,
            priority,
            progress,
            close_date: Some(close_date),
            owner_id: None,
            contact_id: Some(contact),
            company_id: Some(company),
        };
        match state
            .services
            .update_deal(tenant, id, patch, None, None)
            .await
        {
            Ok(_) => {
                return Ok(redirect_toast(
                    &deal_href(id),
                    ToastKind::Success,
                    "Deal updated",
                ));
            }
            Err(DomainError::NotFound { .. }) => return Err(PageError::NotFound),
            Err(err) => form.absorb(
                err,
                &[
                    ("company_id", "company_name"),
                    ("contact_id", "contact_name"),
                ],
            )?,
        }
    }
    let params = DealParams {
        id: Some(id.to_string()),
        ..DealParams::default()
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

/// `POST /apps/crm/deals/{id}/delete`.
pub async fn delete(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
) -> PageResult {
    let tenant = user.tenant();
    let id = id.into_inner();
    let deal = state.services.deal(tenant, id).await?;
    state.services.repos().deals.delete(tenant, id).await?;
    Ok(redirect_toast(
        "/apps/crm/deals",
        ToastKind::Success,
        &format!("Deal “{}” deleted", deal.name),
    ))
}

/// `POST /apps/crm/deals/{id}/owner`.
pub async fn set_owner(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let Ok(owner) = data.uuid("owner_id") else {
        return Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Error,
            "Choose an owner.",
        ));
    };
    let patch = DealPatch {
        owner_id: Some(owner),
        ..DealPatch::default()
    };
    match state
        .services
        .update_deal(user.tenant(), id, patch, None, None)
        .await
    {
        Ok(_) => Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Success,
            "Owner changed",
        )),
        Err(DomainError::Validation(_)) => Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Error,
            "That colleague does not exist.",
        )),
        Err(err) => Err(err.into()),
    }
}

/// `POST /apps/crm/deals/{id}/collaborators`: adds one.
pub async fn add_collaborator(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let Ok(Some(collaborator)) = data.uuid("user_id") else {
        return Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Error,
            "Choose a colleague to add.",
        ));
    };
    match state
        .services
        .add_collaborator(user.tenant(), id, collaborator)
        .await
    {
        Ok(true) => Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Success,
            "Collaborator added",
        )),
        Ok(false) => Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Success,
            "Already a collaborator",
        )),
        Err(DomainError::Validation(_)) => Ok(redirect_toast(
            &deal_href(id),
            ToastKind::Error,
            "That colleague does not exist.",
        )),
        Err(err) => Err(err.into()),
    }
}

/// `POST /apps/crm/deals/{id}/collaborators/{user_id}/remove`.
pub async fn remove_collaborator(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    path: web::Path<(Uuid, Uuid)>,
) -> PageResult {
    let (id, collaborator) = path.into_inner();
    let tenant = user.tenant();
    state.services.deal(tenant, id).await?;
    state
        .services
        .repos()
        .deals
        .remove_collaborator(tenant, id, collaborator)
        .await?;
    Ok(redirect_toast(
        &deal_href(id),
        ToastKind::Success,
        "Collaborator removed",
    ))
}

/// `POST /apps/crm/deal-details/activities?id=`: an add form of the activity panel.
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
    let deal = state.services.deal(tenant, id).await?;
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    if let Some((kind, mut input)) = activity::parse_form(&data, &mut form) {
        input.deal_id = Some(id);
        input.contact_id = deal.contact_id;
        if activity::log(&state, tenant, input, &mut form)
            .await?
            .is_some()
        {
            let back =
                crate::session::local_path(data.opt("return_to")).unwrap_or_else(|| deal_href(id));
            let back = format!("{}#activity", back.split('#').next().unwrap_or(&back));
            return Ok(redirect_toast(
                &back,
                ToastKind::Success,
                activity::logged_message(kind),
            ));
        }
    }
    let params = DealParams {
        id: Some(id.to_string()),
        tab: Some(activity::tab_of(data.opt("type")).to_owned()),
        ..DealParams::default()
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
