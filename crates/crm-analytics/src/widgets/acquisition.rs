//! Customer acquisition cost: the marketing spend of the range summed per weekday (Monday to
//! Sunday), and per lead source `cac` = budget used / contacts of that source with a deal won
//! in the range (`null` when there is none).
//!
//! Two grouped statements: spend per weekday on `marketing_spend (user_id, spent_on,
//! lead_source)`; spend and customers per source, the customers through the deals closed in
//! the range (`deal_stage_changes (user_id, to_kind, changed_at)`), their deals and contacts
//! by primary key.

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::calc::{cents_per, format_cents};
use crate::model::{AcquisitionCost, SourceCac, WeekdaySpend};
use crate::range::DateRange;
use crate::sql::{Sql, all, closed_cte, get, int};

/// Weekday labels, Monday first.
pub(crate) const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// Spend per weekday: `$1` tenant, `$2` first day, `$3` first day after.
pub(crate) fn weekday_statement(q: Sql, tenant: Tenant, range: &DateRange) -> Statement {
    let weekday = q.weekday_of("spent_on");
    let sql = format!(
        "SELECT {weekday} AS weekday,
       CAST(sum(allotted_cents) AS BIGINT) AS allotted,
       CAST(sum(used_cents) AS BIGINT) AS used
FROM marketing_spend
WHERE user_id = $1 AND spent_on >= $2 AND spent_on < $3
GROUP BY weekday"
    );
    q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            range.from().into(),
            range.to().into(),
        ],
    )
}

/// Spend and customers per source: `$1` tenant, `$2`/`$3` first day / first day after,
/// `$4`/`$5` the same as timestamps.
pub(crate) fn source_statement(q: Sql, tenant: Tenant, range: &DateRange) -> Statement {
    let closed = closed_cte(q, Some("$4"), "$5", true);
    let sql = format!(
        "WITH {closed},
customers AS (
    SELECT contact_source AS source, count(DISTINCT contact_id) AS customers
    FROM closed
    WHERE to_kind = 'won' AND contact_source IS NOT NULL
    GROUP BY contact_source
),
spend AS (
    SELECT lead_source AS source, CAST(sum(used_cents) AS BIGINT) AS used
    FROM marketing_spend
    WHERE user_id = $1 AND spent_on >= $2 AND spent_on < $3
    GROUP BY lead_source
)
SELECT source,
       CAST(sum(used) AS BIGINT) AS used,
       CAST(sum(customers) AS BIGINT) AS customers
FROM (
    SELECT source, used, 0 AS customers FROM spend
    UNION ALL
    SELECT source, 0 AS used, customers FROM customers
) AS per_source
GROUP BY source
ORDER BY source"
    );
    q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            range.from().into(),
            range.to().into(),
            range.start().into(),
            range.end().into(),
        ],
    )
}

/// Computes the chart and the table.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<AcquisitionCost> {
    let mut per_day = [(0i64, 0i64); 7];
    for row in all(conn, weekday_statement(q, tenant, range)).await? {
        let day = usize::try_from(int(&row, "weekday")?).unwrap_or(usize::MAX);
        if let Some(slot) = per_day.get_mut(day) {
            *slot = (int(&row, "allotted")?, int(&row, "used")?);
        }
    }
    let mut sources = Vec::new();
    for row in all(conn, source_statement(q, tenant, range)).await? {
        let used = int(&row, "used")?;
        let customers = int(&row, "customers")?;
        sources.push(SourceCac {
            source: get::<String>(&row, "source")?,
            used: format_cents(i128::from(used)),
            customers,
            cac: cents_per(i128::from(used), customers).map(format_cents),
        });
    }
    let allotted: i128 = per_day.iter().map(|(a, _)| i128::from(*a)).sum();
    let used: i128 = per_day.iter().map(|(_, u)| i128::from(*u)).sum();
    Ok(AcquisitionCost {
        allotted: format_cents(allotted),
        used: format_cents(used),
        weekdays: WEEKDAYS
            .iter()
            .zip(per_day)
            .map(|(weekday, (allotted, used))| WeekdaySpend {
                weekday: (*weekday).to_owned(),
                allotted: format_cents(i128::from(allotted)),
                used: format_cents(i128::from(used)),
            })
            .collect(),
        sources,
    })
}
