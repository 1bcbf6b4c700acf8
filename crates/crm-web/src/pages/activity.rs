//! The activity panel shared by the lead and deal pages: tabs (All, Email, Meeting, Call log,
//! Task, Notes), the timeline grouped by day with search and "load more", one add form per
//! type with the metadata fields of `schema.md`, and the task checklist.

use std::collections::BTreeMap;

use actix_web::web;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use crm_domain::activity::TaskMeta;
use crm_domain::page::MAX_LIMIT;
use crm_domain::{
    Activity, ActivityInput, ActivityMetadata, ActivityQuery, ActivityType, DomainError,
    PageRequest, Tenant,
};
use crm_http::AppState;
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::error::{PageError, PageResult};
use crate::form::{FormData, FormState};
use crate::format;
use crate::frame::redirect_toast;
use crate::session::{PageUser, SameOrigin, ToastKind, local_path};
use crate::views::{Choice, priority_choices};

/// The tabs: key (query value and stored type, except `all`) and label.
pub const TABS: [(&str, &str); 6] = [
    ("all", "All"),
    ("email", "Email"),
    ("meeting", "Meeting"),
    ("call", "Call log"),
    ("task", "Task"),
    ("note", "Notes"),
];

/// Entries per "page" of the timeline.
const STEP: u32 = 20;

/// Query of a page with an activity panel.
#[derive(Debug, Default, Deserialize)]
pub struct PanelParams {
    /// Contact or deal id.
    pub id: Option<String>,
    /// Tab key.
    pub tab: Option<String>,
    /// Search.
    pub q: Option<String>,
    /// How many entries to show.
    pub limit: Option<u32>,
}

/// Whose activities the panel shows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// A contact's.
    Contact(Uuid),
    /// A deal's.
    Deal(Uuid),
}

/// A tab link.
pub struct TabView {
    /// Key.
    pub key: &'static str,
    /// Label.
    pub label: &'static str,
    /// Link.
    pub href: String,
    /// Whether shown.
    pub active: bool,
}

/// An open or done task.
pub struct TaskView {
    /// Due date, formatted.
    pub due: Option<String>,
    /// Whether the due date passed on an open task.
    pub overdue: bool,
    /// Done.
    pub done: bool,
    /// Priority label.
    pub priority: Option<String>,
    /// The metadata as JSON, for the script's PATCH.
    pub metadata_json: String,
}

/// One entry of the timeline.
pub struct ActivityView {
    /// Id.
    pub id: Uuid,
    /// Stored type.
    pub kind: &'static str,
    /// Type label.
    pub kind_label: &'static str,
    /// Type symbol.
    pub icon: &'static str,
    /// Subject.
    pub subject: String,
    /// Body.
    pub description: Option<String>,
    /// Time of day.
    pub time: String,
    /// Full timestamp.
    pub when: String,
    /// Metadata lines.
    pub details: Vec<String>,
    /// Task state.
    pub task: Option<TaskView>,
}

/// A day of the timeline.
pub struct DayGroup {
    /// `12 Mar 2026`.
    pub label: String,
    /// Entries, newest first.
    pub items: Vec<ActivityView>,
}

/// Everything the panel template needs.
pub struct ActivityPanel {
    /// Active tab key.
    pub tab: &'static str,
    /// Add-form heading of the tab.
    pub tab_label: &'static str,
    /// Tabs.
    pub tabs: Vec<TabView>,
    /// Timeline.
    pub groups: Vec<DayGroup>,
    /// Search text.
    pub q: String,
    /// Link to more entries.
    pub more_href: Option<String>,
    /// The add form.
    pub form: FormState,
    /// Whether the add form is open (it came back with errors).
    pub form_open: bool,
    /// Where the add form posts.
    pub action: String,
    /// The page itself with tab and search, for `return_to`.
    pub here: String,
    /// The page without tab, for the search form.
    pub base: String,
    /// The id of the contact or deal (search form).
    pub owner_id: Uuid,
    /// Priorities, for the task form.
    pub priorities: Vec<Choice>,
    /// Sentiments.
    pub sentiments: Vec<Choice>,
    /// Call directions.
    pub directions: Vec<Choice>,
}

fn kind_label(kind: ActivityType) -> &'static str {
    match kind {
        ActivityType::Call => "Call",
        ActivityType::Email => "Email",
        ActivityType::Meeting => "Meeting",
        ActivityType::Note => "Note",
        ActivityType::Task => "Task",
        ActivityType::StageChange => "Stage change",
    }
}

fn sentiment_line(sentiment: Option<crm_domain::Sentiment>) -> Option<String> {
    sentiment.map(|s| format!("Sentiment: {}", format::label(s.as_str())))
}

fn view(activity: &Activity) -> ActivityView {
    let kind = activity.metadata.kind();
    let mut details = Vec::new();
    let mut task = None;
    let mut subject = activity.subject.clone();
    match &activity.metadata {
        ActivityMetadata::Email(m) => {
            if let Some(from) = &m.from {
                details.push(format!("From {from}"));
            }
            if !m.to.is_empty() {
                details.push(format!("To {}", m.to.join(", ")));
            }
            if !m.cc.is_empty() {
                details.push(format!("Cc {}", m.cc.join(", ")));
            }
            if !m.attachments.is_empty() {
                let names: Vec<&str> = m.attachments.iter().map(|a| a.name.as_str()).collect();
                details.push(format!("Attachments: {}", names.join(", ")));
            }
            details.extend(sentiment_line(m.sentiment));
        }
        ActivityMetadata::Meeting(m) => {
            match (m.starts_at, m.ends_at) {
                (Some(s), Some(e)) => {
                    details.push(format!("{} – {}", format::datetime(s), format::time(e)))
                }
                (Some(s), None) => details.push(format!("Starts {}", format::datetime(s))),
                _ => {}
            }
            if let Some(location) = &m.location {
                details.push(format!("Location: {location}"));
            }
            if !m.attendees.is_empty() {
                details.push(format!("Attendees: {}", m.attendees.join(", ")));
            }
            details.extend(sentiment_line(m.sentiment));
        }
        ActivityMetadata::Call(m) => {
            let mut line = Vec::new();
            if let Some(d) = m.direction {
                line.push(format::label(d.as_str()));
            }
            if let Some(seconds) = m.duration_seconds {
                line.push(if seconds >= 60 {
                    format!("{} min", seconds.div_ceil(60))
                } else {
                    format!("{seconds} s")
                });
            }
            if !line.is_empty() {
                details.push(line.join(" · "));
            }
            if let Some(outcome) = &m.outcome {
                details.push(format!("Outcome: {outcome}"));
            }
            details.extend(sentiment_line(m.sentiment));
            if let Some(t) = &m.transcript {
                details.push(format!("Transcript: {t}"));
            }
        }
        ActivityMetadata::Task(m) => {
            let today = Utc::now();
            task = Some(TaskView {
                due: m.due_at.map(|d| format::date(d.date_naive())),
                overdue: m.completed_at.is_none() && m.due_at.is_some_and(|d| d < today),
                done: m.completed_at.is_some(),
                priority: m.priority.map(|p| format::label(p.as_str())),
                metadata_json: activity.metadata.to_json().to_string(),
            });
        }
        ActivityMetadata::Note(m) => {
            if subject.is_none() {
                subject.clone_from(&m.title);
            }
        }
        ActivityMetadata::StageChange(m) => {
            let moved = match &m.from {
                Some(from) => format!("Moved from {from} to {}", m.to),
                None => format!("Created in {}", m.to),
            };
            match &subject {
                Some(s) if *s == moved => {}
                Some(_) => details.push(moved),
                None => subject = Some(moved),
            }
        }
    }
    ActivityView {
        id: activity.id,
        kind: kind.as_str(),
        kind_label: kind_label(kind),
        icon: match kind {
            ActivityType::Call => "☎",
            ActivityType::Email => "✉",
            ActivityType::Meeting => "◷",
            ActivityType::Note => "✎",
            ActivityType::Task => "✓",
            ActivityType::StageChange => "→",
        },
        subject: subject.unwrap_or_else(|| kind_label(kind).to_owned()),
        description: activity.description.clone(),
        time: format::time(activity.created_at),
        when: format::datetime(activity.created_at),
        details,
        task,
    }
}

fn group(activities: &[Activity]) -> Vec<DayGroup> {
    let mut groups: Vec<DayGroup> = Vec::new();
    for activity in activities {
        let label = format::date(activity.created_at.date_naive());
        match groups.last_mut() {
            Some(g) if g.label == label => g.items.push(view(activity)),
            _ => groups.push(DayGroup {
                label,
                items: vec![view(activity)],
            }),
        }
    }
    groups
}

fn enc(value: &str) -> String {
    utf8_percent_encode(value, NON_ALPHANUMERIC).to_string()
}

/// The tab key of a query value (`all` when unknown).
pub fn tab_of(value: Option<&str>) -> &'static str {
    TABS.iter()
        .map(|(k, _)| *k)
        .find(|k| Some(*k) == value)
        .unwrap_or("all")
}

/// Loads the panel of `scope` for `params`. `page` is the page path with `?id=…`.
pub async fn load_panel(
    state: &AppState,
    tenant: Tenant,
    scope: Scope,
    params: &PanelParams,
    page: &str,
    action: &str,
    form: Option<FormState>,
) -> PageResult<ActivityPanel> {
    let tab = tab_of(params.tab.as_deref());
    let q = params
        .q
        .as_deref()
        .map(str::trim)
        .filter(|q| !q.is_empty())
        .map(str::to_owned);
    let limit = params.limit.unwrap_or(STEP).clamp(1, MAX_LIMIT);
    let (contact_id, deal_id, owner_id) = match scope {
        Scope::Contact(id) => (Some(id), None, id),
        Scope::Deal(id) => (None, Some(id), id),
    };
    let kind = (tab != "all")
        .then(|| tab.parse::<ActivityType>().ok())
        .flatten();
    let list = state
        .services
        .repos()
        .activities
        .list(
            tenant,
            ActivityQuery {
                contact_id,
                deal_id,
                kind,
                q: q.clone(),
                page: PageRequest {
                    limit,
                    ..PageRequest::default()
                },
            },
        )
        .await?;
    let q = q.unwrap_or_default();
    let with = |tab: &str, limit: Option<u32>| {
        let mut href = format!("{page}&tab={tab}");
        if !q.is_empty() {
            href.push_str(&format!("&q={}", enc(&q)));
        }
        if let Some(limit) = limit {
            href.push_str(&format!("&limit={limit}"));
        }
        href
    };
    let more_href = (list.next_cursor.is_some() && limit < MAX_LIMIT).then(|| {
        format!(
            "{}#activity",
            with(tab, Some((limit + STEP).min(MAX_LIMIT)))
        )
    });
    let tabs = TABS
        .iter()
        .map(|(key, label)| TabView {
            key,
            label,
            href: format!("{}#activity", with(key, None)),
            active: *key == tab,
        })
        .collect();
    let tab_label = match tab {
        "email" => "Log an email",
        "meeting" => "Log a meeting",
        "call" => "Log a call",
        "task" => "Add a task",
        "note" => "Write a note",
        _ => "Log an activity",
    };
    let here = with(tab, params.limit);
    let form_open = form.as_ref().is_some_and(FormState::failed);
    let mut form = form.unwrap_or_default();
    form.default_value("type", if tab == "all" { "note" } else { tab });
    Ok(ActivityPanel {
        tab,
        tab_label,
        tabs,
        groups: group(&list.data),
        q,
        more_href,
        form,
        form_open,
        action: action.to_owned(),
        here,
        base: page.split('?').next().unwrap_or(page).to_owned(),
        owner_id,
        priorities: priority_choices(),
        sentiments: ["positive", "neutral", "negative"]
            .iter()
            .map(|s| Choice::new(*s, format::label(s)))
            .collect(),
        directions: ["outbound", "inbound"]
            .iter()
            .map(|s| Choice::new(*s, format::label(s)))
            .collect(),
    })
}

fn list_of(value: Option<&str>) -> Vec<String> {
    value
        .map(|v| {
            v.split([',', ';', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn datetime_of(form: &mut FormState, field: &str, value: Option<&str>) -> Option<DateTime<Utc>> {
    let value = value?;
    let parsed = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .map(|d| d.and_utc())
        .or_else(|_| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc())
        });
    match parsed {
        Ok(t) => Some(t),
        Err(_) => {
            form.add_error(field, "Enter a date and time.");
            None
        }
    }
}

fn put<T: serde::Serialize>(map: &mut Map<String, Value>, key: &str, value: Option<T>) {
    if let Some(value) = value {
        map.insert(key.to_owned(), json!(value));
    }
}

/// Reads an add form into the activity to log, or records its field errors in `form`.
pub fn parse_form(data: &FormData, form: &mut FormState) -> Option<(ActivityType, ActivityInput)> {
    let kind = match data.raw("type").parse::<ActivityType>() {
        Ok(ActivityType::StageChange) | Err(_) => {
            form.message = Some("Choose what to log.".to_owned());
            return None;
        }
        Ok(kind) => kind,
    };
    let mut meta = Map::new();
    let sentiment = data.opt("sentiment");
    match kind {
        ActivityType::Email => {
            put(&mut meta, "from", data.opt("from"));
            meta.insert("to".into(), json!(list_of(data.opt("to"))));
            meta.insert("cc".into(), json!(list_of(data.opt("cc"))));
            put(&mut meta, "sentiment", sentiment);
        }
        ActivityType::Meeting => {
            let starts = datetime_of(form, "starts_at", data.opt("starts_at"));
            let ends = datetime_of(form, "ends_at", data.opt("ends_at"));
            if let (Some(s), Some(e)) = (starts, ends)
                && e < s
            {
                form.add_error("ends_at", "The end must not be before the start.");
            }
            put(&mut meta, "starts_at", starts);
            put(&mut meta, "ends_at", ends);
            put(&mut meta, "location", data.opt("location"));
            meta.insert("attendees".into(), json!(list_of(data.opt("attendees"))));
            put(&mut meta, "sentiment", sentiment);
        }
        ActivityType::Call => {
            put(&mut meta, "direction", data.opt("direction"));
            if let Some(minutes) = data.opt("duration_minutes") {
                match minutes.parse::<f64>() {
                    Ok(m) if (0.0..=100_000.0).contains(&m) => {
                        put(
                            &mut meta,
                            "duration_seconds",
                            Some((m * 60.0).round() as u32),
                        );
                    }
                    _ => form.add_error("duration_minutes", "Enter a number of minutes."),
                }
            }
            put(&mut meta, "outcome", data.opt("outcome"));
            put(&mut meta, "sentiment", sentiment);
            put(&mut meta, "transcript", data.opt("transcript"));
        }
        ActivityType::Task => {
            let due = datetime_of(form, "due_at", data.opt("due_at"));
            put(&mut meta, "due_at", due);
            meta.insert("completed_at".into(), Value::Null);
            put(&mut meta, "priority", data.opt("priority"));
        }
        ActivityType::Note => {
            put(&mut meta, "title", data.opt("title"));
        }
        ActivityType::StageChange => {}
    }
    let needs_subject = matches!(
        kind,
        ActivityType::Email | ActivityType::Meeting | ActivityType::Call | ActivityType::Task
    );
    if needs_subject && data.opt("subject").is_none() {
        form.add_error("subject", "Enter a subject.");
    }
    if kind == ActivityType::Note && data.opt("description").is_none() {
        form.add_error("description", "Write the note first.");
    }
    if form.failed() {
        return None;
    }
    Some((
        kind,
        ActivityInput {
            kind: kind.as_str().to_owned(),
            contact_id: None,
            deal_id: None,
            subject: data.opt("subject").map(str::to_owned),
            description: data.opt("description").map(str::to_owned),
            metadata: Value::Object(meta),
        },
    ))
}

/// Logs `input`; validation problems land in `form` (metadata fields by their form names).
pub async fn log(
    state: &AppState,
    tenant: Tenant,
    input: ActivityInput,
    form: &mut FormState,
) -> PageResult<Option<Activity>> {
    match state.services.log_activity(tenant, input).await {
        Ok(activity) => Ok(Some(activity)),
        Err(DomainError::Validation(fields)) => {
            let mut renamed = BTreeMap::new();
            for (field, messages) in fields {
                let name = field.strip_prefix("metadata.").unwrap_or(&field).to_owned();
                let name = if name == "metadata" || name == "type" {
                    "form".to_owned()
                } else {
                    name
                };
                renamed.insert(name, messages);
            }
            form.absorb(DomainError::Validation(renamed), &[])?;
            Ok(None)
        }
        Err(err) => {
            form.absorb(err, &[])?;
            Ok(None)
        }
    }
}

/// The toast after logging an activity of `kind`.
pub fn logged_message(kind: ActivityType) -> &'static str {
    match kind {
        ActivityType::Email => "Email logged",
        ActivityType::Meeting => "Meeting logged",
        ActivityType::Call => "Call logged",
        ActivityType::Task => "Task added",
        ActivityType::Note => "Note added",
        ActivityType::StageChange => "Saved",
    }
}

/// `POST /apps/crm/activities/{id}/toggle`: ticks or unticks a task (the script does the
/// same through `PATCH /api/crm/activities/{id}`).
pub async fn toggle_task(
    _origin: SameOrigin,
    state: web::Data<AppState>,
    user: PageUser,
    id: web::Path<Uuid>,
    body: web::Form<Vec<(String, String)>>,
) -> PageResult {
    let id = id.into_inner();
    let data = FormData::new(body.into_inner());
    let tenant = user.tenant();
    let back = local_path(data.opt("return_to")).unwrap_or_else(|| "/apps/crm/deals".to_owned());
    let activity = state
        .services
        .repos()
        .activities
        .find(tenant, id)
        .await?
        .ok_or(PageError::NotFound)?;
    let ActivityMetadata::Task(task) = activity.metadata else {
        return Ok(redirect_toast(
            &back,
            ToastKind::Error,
            "Only tasks can be ticked.",
        ));
    };
    let done = task.completed_at.is_none();
    let updated = TaskMeta {
        completed_at: done.then(Utc::now),
        ..task
    };
    let metadata = serde_json::to_value(&updated).map_err(|e| PageError::internal(&e))?;
    state
        .services
        .update_activity(tenant, id, None, None, Some(metadata))
        .await?;
    let message = if done {
        "Task completed"
    } else {
        "Task reopened"
    };
    Ok(redirect_toast(&back, ToastKind::Success, message))
}
