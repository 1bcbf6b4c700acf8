//! Tasks: the activities of type `task`, with a due time, a completion time and a priority
//! in their metadata ([`crate::activity::TaskMeta`]). The task list reads them across
//! contacts and deals, open ones first, the most overdue first.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::activity::{Activity, ActivityMetadata};
use crate::page::PageRequest;

crate::string_enum! {
    /// Which tasks a list shows.
    TaskStatus, "status" {
        Open => "open",
        Completed => "completed",
        All => "all",
    }
}

impl Default for TaskStatus {
    /// Lists show what is left to do.
    fn default() -> Self {
        Self::Open
    }
}

/// Filters of the task list. The order is fixed: open before completed, then by due time
/// (so overdue tasks come first), tasks without a due time last, then oldest first.
#[derive(Debug, Clone, Default)]
pub struct TaskQuery {
    /// Open, completed or all.
    pub status: TaskStatus,
    /// Only this contact's.
    pub contact_id: Option<Uuid>,
    /// Only this deal's.
    pub deal_id: Option<Uuid>,
    /// Page.
    pub page: PageRequest,
}

/// Whether `activity` is an open task whose due time is before `now`.
pub fn is_overdue(activity: &Activity, now: DateTime<Utc>) -> bool {
    match &activity.metadata {
        ActivityMetadata::Task(task) => {
            task.completed_at.is_none() && task.due_at.is_some_and(|due| due < now)
        }
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::activity::{NoteMeta, TaskMeta};

    fn activity(metadata: ActivityMetadata) -> Activity {
        let now = Utc::now();
        Activity {
            id: Uuid::nil(),
            user_id: Uuid::nil(),
            contact_id: Some(Uuid::nil()),
            deal_id: None,
            subject: None,
            description: None,
            metadata,
            created_by: Uuid::nil(),
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn only_open_tasks_past_their_due_time_are_overdue() {
        let now = Utc::now();
        let task = |due: Option<i64>, done: bool| {
            activity(ActivityMetadata::Task(TaskMeta {
                due_at: due.map(|h| now + Duration::hours(h)),
                completed_at: done.then_some(now),
                priority: None,
            }))
        };
        assert!(is_overdue(&task(Some(-1), false), now));
        assert!(!is_overdue(&task(Some(-1), true), now));
        assert!(!is_overdue(&task(Some(1), false), now));
        assert!(!is_overdue(&task(None, false), now));
        let note = activity(ActivityMetadata::Note(NoteMeta::default()));
        assert!(!is_overdue(&note, now));
    }
}
