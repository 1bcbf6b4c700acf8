//! Activities: the log of calls, e-mails, meetings, notes, tasks and automatic stage changes
//! attached to a contact and/or a deal. Each type has its own metadata shape; unknown keys
//! are refused, so what is stored is always what the pages and analytics understand.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use uuid::Uuid;

use crate::calendar;
use crate::deal::Priority;
use crate::error::{DomainError, Result, Validator};
use crate::page::PageRequest;
use crate::text;

crate::string_enum! {
    /// The kind of an activity.
    ActivityType, "type" {
        Call => "call",
        Email => "email",
        Meeting => "meeting",
        Note => "note",
        Task => "task",
        StageChange => "stage_change",
    }
}

crate::string_enum! {
    /// How the other side felt (feeds the customer-feedback chart).
    Sentiment, "sentiment" {
        Positive => "positive",
        Neutral => "neutral",
        Negative => "negative",
    }
}

crate::string_enum! {
    /// Who called whom.
    CallDirection, "direction" {
        Inbound => "inbound",
        Outbound => "outbound",
    }
}

/// Metadata of a call.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CallMeta {
    /// Inbound or outbound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub direction: Option<CallDirection>,
    /// Length of the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
    /// What came of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// How it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
    /// Transcript.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transcript: Option<String>,
}

/// An e-mail attachment's name and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Attachment {
    /// File name.
    pub name: String,
    /// Size in bytes.
    pub size_bytes: u64,
}

/// Metadata of an e-mail.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailMeta {
    /// Sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// Copies.
    #[serde(default)]
    pub cc: Vec<String>,
    /// Attachments.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Tone of the reply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
}

/// Metadata of a meeting.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MeetingMeta {
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// End (not before the start).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// Place or link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Who attended.
    #[serde(default)]
    pub attendees: Vec<String>,
    /// How it went.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<Sentiment>,
}

/// Metadata of a task.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TaskMeta {
    /// Due time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_at: Option<DateTime<Utc>>,
    /// Completion time; `None` while open.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
    /// Urgency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Priority>,
}

/// Metadata of a note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteMeta {
    /// Optional title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// Metadata of an automatic stage change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageChangeMeta {
    /// Previous stage name (`None` on creation).
    pub from: Option<String>,
    /// New stage name.
    pub to: String,
}

/// Typed metadata, one variant per activity type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActivityMetadata {
    /// Call.
    Call(CallMeta),
    /// E-mail.
    Email(EmailMeta),
    /// Meeting.
    Meeting(MeetingMeta),
    /// Note.
    Note(NoteMeta),
    /// Task.
    Task(TaskMeta),
    /// Stage change (system only).
    StageChange(StageChangeMeta),
}

/// Most elements a metadata list may hold (recipients, attendees, attachments).
const LIST_MAX: usize = 100;

impl ActivityMetadata {
    /// Parses and checks `value` as the metadata of `kind` to be written. `null` means empty
    /// metadata.
    ///
    /// # Errors
    /// [`DomainError::Validation`] on `metadata` for unknown keys, wrong types, lists longer
    /// than 100, texts over the limits, a meeting that ends before it starts, or a time
    /// outside the calendar the CRM stores ([`calendar`]).
    pub fn parse(kind: ActivityType, value: Value) -> Result<Self> {
        let meta = Self::read(kind, value)?;
        meta.check_times()?;
        Ok(meta)
    }

    /// Reads stored metadata: [`ActivityMetadata::parse`] without the calendar range, which
    /// rows written before it was enforced may break (they stay readable).
    ///
    /// # Errors
    /// As [`ActivityMetadata::parse`], but never for a time out of range.
    pub fn read(kind: ActivityType, value: Value) -> Result<Self> {
        let value = if value.is_null() {
            Value::Object(Default::default())
        } else {
            value
        };
        let invalid = |err: serde_json::Error| DomainError::field("metadata", err.to_string());
        let meta = match kind {
            ActivityType::Call => Self::Call(serde_json::from_value(value).map_err(invalid)?),
            ActivityType::Email => Self::Email(serde_json::from_value(value).map_err(invalid)?),
            ActivityType::Meeting => Self::Meeting(serde_json::from_value(value).map_err(invalid)?),
            ActivityType::Note => Self::Note(serde_json::from_value(value).map_err(invalid)?),
            ActivityType::Task => Self::Task(serde_json::from_value(value).map_err(invalid)?),
            ActivityType::StageChange => {
                Self::StageChange(serde_json::from_value(value).map_err(invalid)?)
            }
        };
        meta.check()?;
        Ok(meta)
    }

    fn check(&self) -> Result<()> {
        let mut v = Validator::new();
        let short = |v: &mut Validator, field: &str, value: &Option<String>| {
            v.check(field, text::optional(value.as_deref(), text::NAME_MAX));
        };
        let list = |v: &mut Validator, field: &str, items: &[String]| {
            if items.len() > LIST_MAX {
                v.push(field, format!("must have at most {LIST_MAX} entries"));
            }
            for item in items {
                v.check(field, text::required(item, 320));
            }
        };
        match self {
            Self::Call(call) => {
                short(&mut v, "metadata.outcome", &call.outcome);
                v.check(
                    "metadata.transcript",
                    text::optional(call.transcript.as_deref(), text::LONG_TEXT_MAX),
                );
            }
            Self::Email(email) => {
                short(&mut v, "metadata.from", &email.from);
                list(&mut v, "metadata.to", &email.to);
                list(&mut v, "metadata.cc", &email.cc);
                if email.attachments.len() > LIST_MAX {
                    v.push("metadata.attachments", "must have at most 100 entries");
                }
                for attachment in &email.attachments {
                    v.check(
                        "metadata.attachments",
                        text::required(&attachment.name, text::NAME_MAX),
                    );
                }
            }
            Self::Meeting(meeting) => {
                short(&mut v, "metadata.location", &meeting.location);
                list(&mut v, "metadata.attendees", &meeting.attendees);
                if let (Some(start), Some(end)) = (meeting.starts_at, meeting.ends_at)
                    && end < start
                {
                    v.push("metadata.ends_at", "must not be before starts_at");
                }
            }
            Self::Note(note) => short(&mut v, "metadata.title", &note.title),
            Self::Task(_) | Self::StageChange(_) => {}
        }
        v.finish()
    }

    /// Checks that every time the metadata holds is within the calendar the CRM stores.
    fn check_times(&self) -> Result<()> {
        let mut v = Validator::new();
        let times: &[(&str, Option<DateTime<Utc>>)] = match self {
            Self::Meeting(m) => &[
                ("metadata.starts_at", m.starts_at),
                ("metadata.ends_at", m.ends_at),
            ],
            Self::Task(t) => &[
                ("metadata.due_at", t.due_at),
                ("metadata.completed_at", t.completed_at),
            ],
            _ => &[],
        };
        for (field, time) in times {
            if let Some(time) = time {
                v.check(field, calendar::time(*time));
            }
        }
        v.finish()
    }

    /// The activity type this metadata belongs to.
    pub fn kind(&self) -> ActivityType {
        match self {
            Self::Call(_) => ActivityType::Call,
            Self::Email(_) => ActivityType::Email,
            Self::Meeting(_) => ActivityType::Meeting,
            Self::Note(_) => ActivityType::Note,
            Self::Task(_) => ActivityType::Task,
            Self::StageChange(_) => ActivityType::StageChange,
        }
    }

    /// The sentiment, for the types that carry one.
    pub fn sentiment(&self) -> Option<Sentiment> {
        match self {
            Self::Call(m) => m.sentiment,
            Self::Email(m) => m.sentiment,
            Self::Meeting(m) => m.sentiment,
            _ => None,
        }
    }

    /// The JSON stored in the `metadata` column.
    pub fn to_json(&self) -> Value {
        let result = match self {
            Self::Call(m) => serde_json::to_value(m),
            Self::Email(m) => serde_json::to_value(m),
            Self::Meeting(m) => serde_json::to_value(m),
            Self::Note(m) => serde_json::to_value(m),
            Self::Task(m) => serde_json::to_value(m),
            Self::StageChange(m) => serde_json::to_value(m),
        };
        result.unwrap_or(Value::Null)
    }
}

/// A stored activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// Id.
    pub id: Uuid,
    /// Owning user (tenant).
    pub user_id: Uuid,
    /// Contact it is about.
    pub contact_id: Option<Uuid>,
    /// Deal it is about.
    pub deal_id: Option<Uuid>,
    /// Subject line.
    pub subject: Option<String>,
    /// Body.
    pub description: Option<String>,
    /// Type and typed metadata.
    pub metadata: ActivityMetadata,
    /// Author.
    pub created_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// The fields of an activity form, as received.
#[derive(Debug, Clone, Default)]
pub struct ActivityInput {
    /// Type, stored spelling.
    pub kind: String,
    /// Contact.
    pub contact_id: Option<Uuid>,
    /// Deal.
    pub deal_id: Option<Uuid>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub description: Option<String>,
    /// Raw metadata.
    pub metadata: Value,
}

/// A validated activity to insert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewActivity {
    /// Id chosen by the application.
    pub id: Uuid,
    /// Contact.
    pub contact_id: Option<Uuid>,
    /// Deal.
    pub deal_id: Option<Uuid>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub description: Option<String>,
    /// Type and metadata.
    pub metadata: ActivityMetadata,
    /// When it happened; now when `None`.
    pub created_at: Option<DateTime<Utc>>,
}

impl NewActivity {
    /// Validates a user-logged activity. `stage_change` is refused: only the system writes it.
    ///
    /// # Errors
    /// [`DomainError::Validation`] with every problem.
    pub fn new(input: ActivityInput) -> Result<Self> {
        let mut v = Validator::new();
        let kind = v.check("type", input.kind.parse::<ActivityType>());
        if kind == Some(ActivityType::StageChange) {
            v.push("type", "stage_change activities are written by the system");
        }
        if input.contact_id.is_none() && input.deal_id.is_none() {
            v.push("contact_id", "a contact_id or a deal_id is required");
        }
        let subject = v.check(
            "subject",
            text::optional(input.subject.as_deref(), text::NAME_MAX),
        );
        let description = v.check(
            "description",
            text::optional(input.description.as_deref(), text::LONG_TEXT_MAX),
        );
        let metadata =
            kind.and_then(|k| v.check("metadata", ActivityMetadata::parse(k, input.metadata)));
        v.finish()?;
        let metadata = metadata.ok_or_else(|| DomainError::field("type", "is required"))?;
        Ok(Self {
            id: Uuid::now_v7(),
            contact_id: input.contact_id,
            deal_id: input.deal_id,
            subject: subject.flatten(),
            description: description.flatten(),
            metadata,
            created_at: None,
        })
    }
}

/// A partial edit of an activity (its type never changes).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityPatch {
    /// Subject.
    pub subject: Option<Option<String>>,
    /// Body.
    pub description: Option<Option<String>>,
    /// Replacement metadata, already checked against the activity's type.
    pub metadata: Option<ActivityMetadata>,
}

/// Filters of the activity list (newest first).
#[derive(Debug, Clone, Default)]
pub struct ActivityQuery {
    /// Only this contact's.
    pub contact_id: Option<Uuid>,
    /// Only this deal's.
    pub deal_id: Option<Uuid>,
    /// Only this type.
    pub kind: Option<ActivityType>,
    /// Case-insensitive search in subject and description.
    pub q: Option<String>,
    /// Page.
    pub page: PageRequest,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn metadata_refuses_unknown_keys_and_wrong_values() {
        assert!(ActivityMetadata::parse(ActivityType::Call, json!({"mood": "ok"})).is_err());
        assert!(
            ActivityMetadata::parse(ActivityType::Call, json!({"sentiment": "ecstatic"})).is_err()
        );
        assert!(
            ActivityMetadata::parse(ActivityType::Call, json!({"duration_seconds": -1})).is_err()
        );
        assert!(ActivityMetadata::parse(ActivityType::Note, json!([1, 2])).is_err());
    }

    #[test]
    fn metadata_of_each_type_round_trips() {
        let cases = [
            (
                ActivityType::Call,
                json!({"direction": "inbound", "duration_seconds": 60, "sentiment": "positive"}),
            ),
            (
                ActivityType::Email,
                json!({"from": "a@x.io", "to": ["b@x.io"], "cc": [], "attachments": [{"name": "q.pdf", "size_bytes": 10}]}),
            ),
            (
                ActivityType::Meeting,
                json!({"starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T11:00:00Z", "attendees": ["Ann"]}),
            ),
            (ActivityType::Note, json!({"title": "Hello"})),
            (
                ActivityType::Task,
                json!({"due_at": "2026-01-01T10:00:00Z", "completed_at": null, "priority": "high"}),
            ),
        ];
        for (kind, value) in cases {
            let meta = ActivityMetadata::parse(kind, value).unwrap();
            assert_eq!(meta.kind(), kind);
            let again = ActivityMetadata::parse(kind, meta.to_json()).unwrap();
            assert_eq!(again, meta);
        }
    }

    #[test]
    fn a_meeting_cannot_end_before_it_starts() {
        let value = json!({"starts_at": "2026-01-01T10:00:00Z", "ends_at": "2026-01-01T09:00:00Z"});
        assert!(ActivityMetadata::parse(ActivityType::Meeting, value).is_err());
    }

    #[test]
    fn times_outside_the_stored_calendar_are_refused_but_stored_ones_still_read() {
        for (kind, value) in [
            (
                ActivityType::Task,
                json!({"due_at": "0000-12-31T23:59:59Z"}),
            ),
            (
                ActivityType::Task,
                json!({"completed_at": "+10000-01-01T00:00:00Z"}),
            ),
            (
                ActivityType::Meeting,
                json!({"starts_at": "-0001-06-01T10:00:00Z"}),
            ),
        ] {
            let Err(DomainError::Validation(fields)) = ActivityMetadata::parse(kind, value.clone())
            else {
                panic!("{value} accepted")
            };
            let (field, messages) = fields.iter().next().unwrap();
            assert!(field.starts_with("metadata."), "{field}");
            assert_eq!(messages, &[crate::calendar::OUT_OF_RANGE]);
            assert!(ActivityMetadata::read(kind, value).is_ok());
        }
        let edges =
            json!({"due_at": "0001-01-01T00:00:00Z", "completed_at": "9999-12-31T23:59:59.999Z"});
        assert!(ActivityMetadata::parse(ActivityType::Task, edges).is_ok());
    }

    #[test]
    fn users_cannot_log_stage_changes_or_orphans() {
        let input = ActivityInput {
            kind: "stage_change".into(),
            deal_id: Some(Uuid::nil()),
            metadata: json!({"from": null, "to": "SQL"}),
            ..ActivityInput::default()
        };
        assert!(NewActivity::new(input).is_err());
        let orphan = ActivityInput {
            kind: "note".into(),
            ..ActivityInput::default()
        };
        assert!(NewActivity::new(orphan).is_err());
    }

    #[test]
    fn lists_are_bounded() {
        let many: Vec<String> = (0..101).map(|i| format!("p{i}@x.io")).collect();
        assert!(ActivityMetadata::parse(ActivityType::Email, json!({"to": many})).is_err());
    }
}
