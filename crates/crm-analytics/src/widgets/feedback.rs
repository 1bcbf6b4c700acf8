//! Customer feedback: per calendar month, the activities whose `metadata.sentiment` is
//! `positive` or `negative` (by `created_at`), for the 13 months ending with the range's last
//! day, and `net` = positive − negative.
//!
//! One statement of two grouped branches, positive and negative. Each branch's `WHERE`
//! repeats the predicate of a partial index of the analytics migration,
//! `activities_user_id_created_at_positive_idx` (`(user_id, created_at) WHERE
//! metadata->>'sentiment' = 'positive'`) and its `_negative_` twin, so only the activities of
//! that sentiment are read, and on PostgreSQL from the index alone (an index-only scan: the
//! predicate's column need not be in the index).

use std::collections::HashMap;

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::model::{CustomerFeedback, FeedbackMonth};
use crate::range::{Bucket, DateRange, midnight, months_ending};
use crate::sql::{Sql, Unit, all, get, int};

/// Number of months on the chart.
pub(crate) const MONTHS: u32 = 13;

fn months(range: &DateRange) -> Vec<Bucket> {
    months_ending(range.last_day(), MONTHS)
}

/// `$1` tenant, `$2` first month's start, `$3` last month's end.
pub(crate) fn statement(q: Sql, tenant: Tenant, range: &DateRange) -> Option<Statement> {
    let months = months(range);
    let (start, end) = (months.first()?.start, months.last()?.end);
    let key = q.bucket(Unit::Month, "created_at");
    let month = q.label(Unit::Month, &key);
    let sentiment = q.sentiment();
    // One branch per partial index; each branch's WHERE repeats its index's predicate.
    let branch = |value: &str| {
        format!(
            "SELECT '{value}' AS sentiment, {month} AS month, count(*) AS activities
FROM activities
WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 AND {sentiment} = '{value}'
GROUP BY {key}"
        )
    };
    let sql = format!("{}\nUNION ALL\n{}", branch("positive"), branch("negative"));
    Some(q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            midnight(start).into(),
            midnight(end).into(),
        ],
    ))
}

/// Computes the chart.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<CustomerFeedback> {
    let mut found: HashMap<String, (i64, i64)> = HashMap::new();
    if let Some(stmt) = statement(q, tenant, range) {
        for row in all(conn, stmt).await? {
            let counts = found.entry(get::<String>(&row, "month")?).or_default();
            let activities = int(&row, "activities")?;
            if get::<String>(&row, "sentiment")? == "positive" {
                counts.0 = activities;
            } else {
                counts.1 = activities;
            }
        }
    }
    let months = months(range)
        .into_iter()
        .map(|bucket| {
            let (positive, negative) = found.get(&bucket.label).copied().unwrap_or((0, 0));
            FeedbackMonth {
                month: bucket.label,
                positive,
                negative,
                net: positive - negative,
            }
        })
        .collect();
    Ok(CustomerFeedback { months })
}
