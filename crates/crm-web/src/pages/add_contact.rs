//! `/apps/crm/add-contact`: the three-step form Personal → Company → Lead. Every step posts
//! the whole form (the other steps' fields ride along as hidden inputs); the server checks
//! the steps before the one asked for and shows the first one that fails, with its errors in
//! place. "Save" creates the contact and its company in one transaction
//! (`Services::create_contact` with a `CompanyChoice`) and redirects to the lead page.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, web};
use askama::Template;
use crm_domain::contact::ContactInput;
use crm_domain::{CompanyChoice, DomainError, NewCompany, NewContact, PageRequest, Tenant};
use crm_http::AppState;
use uuid::Uuid;

use crate::error::PageResult;
use crate::form::{FormData, FormState};
use crate::frame::{Frame, html, redirect_toast};
use crate::pages::contacts::ImportView;
use crate::session::{PageUser, SameOrigin, ToastKind};
use crate::views::{Choice, lead_source_choices, lead_status_choices, user_choices};

/// The steps, in order.
const STEPS: [(&str, &str); 3] = [
    ("personal", "Personal"),
    ("company", "Company"),
    ("lead", "Lead"),
];

/// The fields of each step.
const FIELDS: [&[&str]; 3] = [
    &[
        "first_name",
        "last_name",
        "email",
        "phone",
        "title",
        "linkedin_url",
        "avatar_url",
        "personal_note",
    ],
    &[
        "company_mode",
        "company_name",
        "company_id",
        "new_company_name",
        "industry",
        "website",
        "logo_url",
    ],
    &[
        "lead_source",
        "lead_status",
        "contact_owner_id",
        "lead_note",
    ],
];

/// One entry of the stepper.
struct StepView {
    key: &'static str,
    label: &'static str,
    number: usize,
    state: &'static str,
}

/// The form page.
#[derive(Template)]
#[template(path = "add_contact.html")]
struct AddContactPage {
    frame: Frame,
    step: &'static str,
    steps: Vec<StepView>,
    form: FormState,
    hidden: Vec<(String, String)>,
    users: Vec<Choice>,
    sources: Vec<Choice>,
    statuses: Vec<Choice>,
    is_last: bool,
    previous: &'static str,
    next: &'static str,
    import: ImportView,
}

fn index_of(step: &str) -> usize {
    STEPS.iter().position(|(k, _)| *k == step).unwrap_or(0)
}

async fn render(
    req: &HttpRequest,
    state: &AppState,
    user: &PageUser,
    step: usize,
    mut form: FormState,
    status: StatusCode,
) -> PageResult {
    form.default_value("company_mode", "existing");
    form.default_value("contact_owner_id", user.user.id.to_string());
    let hidden = FIELDS
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != step)
        .flat_map(|(_, fields)| fields.iter())
        .map(|f| ((*f).to_owned(), form.value(f).to_owned()))
        .collect();
    let steps = STEPS
        .iter()
        .enumerate()
        .map(|(i, (key, label))| StepView {
            key,
            label,
            number: i + 1,
            state: match i.cmp(&step) {
                std::cmp::Ordering::Less => "done",
                std::cmp::Ordering::Equal => "current",
                std::cmp::Ordering::Greater => "todo",
            },
        })
        .collect();
    let users = state.services.repos().users.search(None, 200).await?;
    let page = AddContactPage {
        frame: Frame::new(req, user, "add-contact", "Add contact"),
        step: STEPS[step].0,
        steps,
        form,
        hidden,
        users: user_choices(&users),
        sources: lead_source_choices(),
        statuses: lead_status_choices(),
        is_last: step == STEPS.len() - 1,
        previous: STEPS[step.saturating_sub(1)].0,
        next: STEPS[(step + 1).min(STEPS.len() - 1)].0,
        import: ImportView::default(),
    };
    html(req, status, page.render())
}

/// `GET /apps/crm/add-contact`.
pub async fn page(req: HttpRequest, state: web::Data<AppState>, user: PageUser) -> PageResult {
    render(&req, &state, &user, 0, FormState::new(), StatusCode::OK).await
}

/// The contact of the form, checked (personal and lead fields together).
fn contact_of(data: &FormData, lead: bool) -> Result<NewContact, DomainError> {
    let notes = match (
        data.opt("personal_note"),
        data.opt("lead_note").filter(|_| lead),
    ) {
        (Some(a), Some(b)) => Some(format!("{a}\n\n{b}")),
        (Some(a), None) => Some(a.to_owned()),
        (None, Some(b)) => Some(b.to_owned()),
        (None, None) => None,
    };
    let owner = data
        .uuid("contact_owner_id")
        .map_err(|_| DomainError::field("contact_owner_id", "is not a valid choice"))?;
    let input = ContactInput {
        first_name: data.raw("first_name"),
        last_name: data.raw("last_name"),
        email: data.opt("email"),
        phone: data.opt("phone"),
        title: data.opt("title"),
        lead_source: data.opt("lead_source").filter(|_| lead),
        lead_status: data.opt("lead_status").filter(|_| lead),
        contact_owner_id: owner.filter(|_| lead),
        avatar_url: data.opt("avatar_url"),
        linkedin_url: data.opt("linkedin_url"),
        notes: notes.as_deref(),
    };
    NewContact::new(&input)
}

const PERSONAL_RENAMES: &[(&str, &str)] = &[("notes", "personal_note")];

/// Checks the personal step.
fn check_personal(data: &FormData, form: &mut FormState) -> PageResult<bool> {
    let mut step = FormState::new();
    if let Err(err) = contact_of(data, false) {
        step.absorb(err, PERSONAL_RENAMES)?;
    }
    merge(form, &step, FIELDS[0]);
    Ok(!FIELDS[0].iter().any(|f| form.has_error(f)))
}

/// Checks the company step and returns the choice it makes.
async fn check_company(
    state: &AppState,
    data: &FormData,
    form: &mut FormState,
) -> PageResult<Option<CompanyChoice>> {
    let repos = state.services.repos();
    match data.opt("company_mode").unwrap_or("existing") {
        "none" => Ok(Some(CompanyChoice::None)),
        "new" => match NewCompany::new(
            data.raw("new_company_name"),
            data.opt("logo_url"),
            data.opt("industry"),
            data.opt("website"),
        ) {
            Ok(company) => Ok(Some(CompanyChoice::GetOrCreate(company))),
            Err(err) => {
                form.absorb(err, &[("name", "new_company_name")])?;
                Ok(None)
            }
        },
        _ => {
            let Some(name) = data.opt("company_name") else {
                form.add_error(
                    "company_name",
                    "Choose a company, or pick “New company” or “No company”.",
                );
                return Ok(None);
            };
            if let Ok(Some(id)) = data.uuid("company_id")
                && repos.companies.find(id).await?.is_some()
            {
                return Ok(Some(CompanyChoice::Existing(id)));
            }
            let found = repos
                .companies
                .list(
                    Some(name.to_owned()),
                    PageRequest {
                        limit: 50,
                        ..PageRequest::default()
                    },
                )
                .await?;
            match found
                .data
                .iter()
                .find(|c| c.name.trim().eq_ignore_ascii_case(name))
            {
                Some(company) => {
                    form.set("company_id", company.id.to_string());
                    Ok(Some(CompanyChoice::Existing(company.id)))
                }
                None => {
                    form.add_error(
                        "company_name",
                        "No company has this name: choose one from the suggestions, or pick “New company”.",
                    );
                    Ok(None)
                }
            }
        }
    }
}

/// Checks the lead step.
async fn check_lead(state: &AppState, data: &FormData, form: &mut FormState) -> PageResult<bool> {
    let mut step = FormState::new();
    for (field, result) in [
        (
            "lead_source",
            data.opt("lead_source")
                .map(|v| v.parse::<crm_domain::LeadSource>().map(|_| ()))
                .unwrap_or(Ok(())),
        ),
        (
            "lead_status",
            data.opt("lead_status")
                .map(|v| v.parse::<crm_domain::LeadStatus>().map(|_| ()))
                .unwrap_or(Ok(())),
        ),
        (
            "lead_note",
            crm_domain::text::optional(data.opt("lead_note"), crm_domain::text::LONG_TEXT_MAX)
                .map(|_| ()),
        ),
    ] {
        step.check(field, result);
    }
    match data.uuid("contact_owner_id") {
        Ok(Some(owner)) => {
            if state
                .services
                .repos()
                .users
                .existing(vec![owner])
                .await?
                .is_empty()
            {
                step.add_error("contact_owner_id", "Choose a colleague from the list.");
            }
        }
        Ok(None) => {}
        Err(_) => step.add_error("contact_owner_id", "Choose a colleague from the list."),
    }
    merge(form, &step, FIELDS[2]);
    Ok(!FIELDS[2].iter().any(|f| form.has_error(f)))
}

fn merge(form: &mut FormState, step: &FormState, fields: &[&str]) {
    for field in fields {
        if step.has_error(field) {
            form.add_error(field, step.error(field));
        }
    }
    if let Some(message) = &step.message {
        form.message = Some(message.clone());
    }
}

/// Checks the steps before `upto` (all when `upto` is the step count); the index of the
/// first failing one, or `None` when all pass, with the company choice.
async fn check_steps(
    state: &AppState,
    data: &FormData,
    form: &mut FormState,
    upto: usize,
) -> PageResult<(Option<usize>, Option<CompanyChoice>)> {
    if upto > 0 && !check_personal(data, form)? {
        return Ok((Some(0), None));
    }
    let mut choice = None;
    if upto > 1 {
        choice = check_company(state, data, form).await?;
        if choice.is_none() {
            return Ok((Some(1), None));
        }
    }
    if upto > 2 && !check_lead(state, data, form).await? {
        return Ok((Some(2), choice));
    }
    Ok((None, choice))
}

/// `POST /apps/crm/add-contact`: moves between steps or saves.
pub async fn submit(
    req: HttpRequest,
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let data = FormData::new(body.into_inner());
    let mut form = FormState::from_data(&data);
    let current = index_of(data.raw("step"));
    let go = data.raw("go");
    if go != "save" {
        let target = index_of(go);
        if target <= current {
            return render(&req, &state, &user, target, form, StatusCode::OK).await;
        }
        let (failed, _) = check_steps(&state, &data, &mut form, target).await?;
        return match failed {
            Some(step) => {
                render(
                    &req,
                    &state,
                    &user,
                    step,
                    form,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => render(&req, &state, &user, target, form, StatusCode::OK).await,
        };
    }
    let (failed, choice) = check_steps(&state, &data, &mut form, STEPS.len()).await?;
    if let Some(step) = failed {
        return render(
            &req,
            &state,
            &user,
            step,
            form,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let contact = match contact_of(&data, true) {
        Ok(contact) => contact,
        Err(err) => {
            form.absorb(err, PERSONAL_RENAMES)?;
            return render(
                &req,
                &state,
                &user,
                0,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let choice = choice.unwrap_or(CompanyChoice::None);
    match create(&state, user.tenant(), contact, choice).await? {
        Ok(id) => Ok(redirect_toast(
            &format!("/apps/crm/lead-details?id={id}"),
            ToastKind::Success,
            "Contact created",
        )),
        Err((step, message, field)) => {
            form.add_error(field, message);
            render(
                &req,
                &state,
                &user,
                step,
                form,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

/// Creates the contact; a refusal comes back as (step, message, field).
async fn create(
    state: &AppState,
    tenant: Tenant,
    contact: NewContact,
    choice: CompanyChoice,
) -> PageResult<Result<Uuid, (usize, String, &'static str)>> {
    match state.services.create_contact(tenant, contact, choice).await {
        Ok(created) => Ok(Ok(created.contact.id)),
        Err(DomainError::Conflict { .. }) => Ok(Err((
            0,
            "You already have a contact with this e-mail.".to_owned(),
            "email",
        ))),
        Err(DomainError::Validation(fields)) => {
            let (step, field) = if fields.contains_key("company_id") {
                (1, "company_name")
            } else if fields.contains_key("contact_owner_id") {
                (2, "contact_owner_id")
            } else {
                (0, "first_name")
            };
            let message = fields
                .into_values()
                .flatten()
                .collect::<Vec<_>>()
                .join("; ");
            Ok(Err((step, message, field)))
        }
        Err(DomainError::NotFound { .. }) => Ok(Err((
            1,
            "That company no longer exists.".to_owned(),
            "company_name",
        ))),
        Err(err) => Err(err.into()),
    }
}
