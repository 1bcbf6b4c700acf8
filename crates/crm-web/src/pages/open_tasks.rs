//! The "Open tasks" panel of the dashboard (all the caller's tasks) and of the lead page (that
//! contact's): open tasks, the most overdue first, each ticked off like the activity panel's
//! checklist (the script PATCHes the task; without script the form posts the toggle route).

use chrono::Utc;
use crm_domain::task::is_overdue;
use crm_domain::{ActivityMetadata, PageRequest, TaskQuery, TaskStatus, Tenant};
use crm_http::AppState;
use uuid::Uuid;

use crate::error::PageResult;
use crate::format;

/// Tasks a panel shows.
const PANEL_LIMIT: u32 = 10;

/// One open task.
pub struct OpenTaskView {
    /// Activity id.
    pub id: Uuid,
    /// Subject.
    pub subject: String,
    /// Due date, formatted.
    pub due: Option<String>,
    /// Open and past due.
    pub overdue: bool,
    /// Priority label.
    pub priority: Option<String>,
    /// The lead page of its contact, when it has one.
    pub contact_href: Option<String>,
    /// The metadata as JSON, for the script's PATCH.
    pub metadata_json: String,
}

/// The panel: the first open tasks and whether there are more.
pub struct OpenTasks {
    /// Tasks, overdue first.
    pub items: Vec<OpenTaskView>,
    /// More open tasks exist than shown.
    pub more: bool,
    /// How many shown tasks are overdue.
    pub overdue: usize,
    /// Where the tick forms return to.
    pub return_to: String,
}

/// Loads the caller's open tasks (only `contact`'s when given).
pub async fn load(
    state: &AppState,
    tenant: Tenant,
    contact: Option<Uuid>,
    return_to: &str,
) -> PageResult<OpenTasks> {
    let page = state
        .services
        .repos()
        .activities
        .tasks(
            tenant,
            TaskQuery {
                status: TaskStatus::Open,
                contact_id: contact,
                deal_id: None,
                page: PageRequest {
                    limit: PANEL_LIMIT,
                    ..PageRequest::default()
                },
            },
        )
        .await?;
    let now = Utc::now();
    let items: Vec<OpenTaskView> = page
        .data
        .iter()
        .map(|task| {
            let (due, priority) = match &task.metadata {
                ActivityMetadata::Task(meta) => (
                    meta.due_at.map(|d| format::date(d.date_naive())),
                    meta.priority.map(|p| format::label(p.as_str())),
                ),
                _ => (None, None),
            };
            OpenTaskView {
                id: task.id,
                subject: task.subject.clone().unwrap_or_else(|| "Task".to_owned()),
                due,
                overdue: is_overdue(task, now),
                priority,
                contact_href: task
                    .contact_id
                    .map(|id| format!("/apps/crm/lead-details?id={id}")),
                metadata_json: task.metadata.to_json().to_string(),
            }
        })
        .collect();
    Ok(OpenTasks {
        overdue: items.iter().filter(|t| t.overdue).count(),
        more: page.next_cursor.is_some(),
        items,
        return_to: return_to.to_owned(),
    })
}
