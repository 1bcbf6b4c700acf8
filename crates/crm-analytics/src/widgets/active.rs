//! Active engagement: per day of the last 7, 15 or 30 days ending with the range, the
//! activities per type (the stacked bars) and the distinct contacts with an activity that day.
//!
//! One grouped statement on `activities (user_id, created_at)`.

use std::collections::HashMap;

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::model::{ActiveDay, ActiveUsers, ActivityCounts};
use crate::range::{ActiveDays, DateRange, days_ending, midnight};
use crate::sql::{Sql, Unit, all, get, int};

/// `$1` tenant, `$2` first day's start, `$3` range end.
pub(crate) fn statement(
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
    days: ActiveDays,
) -> Option<Statement> {
    let start = *days_ending(range.to(), u32::from(days.get())).first()?;
    let key = q.bucket(Unit::Day, "created_at");
    let day = q.label(Unit::Day, &key);
    let sql = format!(
        "SELECT {day} AS day,
       count(*) FILTER (WHERE \"type\" = 'call') AS call,
       count(*) FILTER (WHERE \"type\" = 'email') AS email,
       count(*) FILTER (WHERE \"type\" = 'meeting') AS meeting,
       count(*) FILTER (WHERE \"type\" = 'note') AS note,
       count(*) FILTER (WHERE \"type\" = 'task') AS task,
       count(*) FILTER (WHERE \"type\" = 'stage_change') AS stage_change,
       count(DISTINCT contact_id) AS engaged_contacts
FROM activities
WHERE user_id = $1 AND created_at >= $2 AND created_at < $3
GROUP BY {key}"
    );
    Some(q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            midnight(start).into(),
            range.end().into(),
        ],
    ))
}

/// Reads the per-type counts of a row that has them.
pub(crate) fn counts(row: &sea_orm::QueryResult) -> Result<ActivityCounts> {
    Ok(ActivityCounts {
        call: int(row, "call")?,
        email: int(row, "email")?,
        meeting: int(row, "meeting")?,
        note: int(row, "note")?,
        task: int(row, "task")?,
        stage_change: int(row, "stage_change")?,
    })
}

/// Computes the bars.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
    days: ActiveDays,
) -> Result<ActiveUsers> {
    let mut found: HashMap<String, (ActivityCounts, i64)> = HashMap::new();
    if let Some(stmt) = statement(q, tenant, range, days) {
        for row in all(conn, stmt).await? {
            found.insert(
                get::<String>(&row, "day")?,
                (counts(&row)?, int(&row, "engaged_contacts")?),
            );
        }
    }
    let points = days_ending(range.to(), u32::from(days.get()))
        .into_iter()
        .map(|date| {
            let (counts, engaged_contacts) = found
                .get(&date.format("%Y-%m-%d").to_string())
                .copied()
                .unwrap_or_default();
            ActiveDay {
                date,
                total: counts.call
                    + counts.email
                    + counts.meeting
                    + counts.note
                    + counts.task
                    + counts.stage_change,
                counts,
                engaged_contacts,
            }
        })
        .collect();
    Ok(ActiveUsers {
        days: days.get(),
        points,
    })
}
