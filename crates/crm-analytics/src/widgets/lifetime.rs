//! Lifetime value: one point per day over the 30 days ending with the range. On each day,
//! `ltv` = amount of the deals won up to that day / customers, `cac` = budget used up to that
//! day / customers, `ratio` = ltv / cac, where the customers are the distinct companies (the
//! deal's, else its contact's) or, without a company, contacts with a won deal.
//!
//! One statement returns, for revenue, new customers (by their first win) and spend, one sum
//! for everything before the window and one per day inside it; the running totals are added
//! up here. Indexes: `deal_stage_changes (user_id, to_kind, changed_at)`, `deals` and
//! `contacts` by primary key, `marketing_spend (user_id, spent_on, lead_source)`.

use std::collections::HashMap;

use chrono::NaiveDate;
use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::calc::{cents_per, format_cents, ratio};
use crate::model::{LifetimePoint, LifetimeValue};
use crate::range::{DateRange, days_ending, midnight};
use crate::sql::{Sql, Unit, all, closed_cte, get, int};

/// Number of days on the chart.
pub(crate) const DAYS: u32 = 30;

/// `$1` tenant, `$2`/`$3` window start and end as timestamps, `$4`/`$5` as dates.
pub(crate) fn statement(q: Sql, tenant: Tenant, range: &DateRange) -> Option<Statement> {
    let days = days_ending(range.to(), DAYS);
    let start = *days.first()?;
    let closed = closed_cte(q, None, "$3", true);
    let won_day = q.bucket(Unit::Day, "closed_at");
    let first_day = q.bucket(Unit::Day, "first_at");
    let day = q.label(Unit::Day, "bucket");
    let spend_day = q.date_text("bucket");
    let sql = format!(
        "WITH {closed},
won AS MATERIALIZED (
    SELECT closed_at, amount_cents,
           COALESCE(company_id, contact_company_id) AS company_key,
           CASE WHEN company_id IS NULL AND contact_company_id IS NULL THEN contact_id END
               AS contact_key
    FROM closed
    WHERE to_kind = 'won'
),
firsts AS (
    SELECT min(closed_at) AS first_at FROM won WHERE company_key IS NOT NULL
    GROUP BY company_key
    UNION ALL
    SELECT min(closed_at) AS first_at FROM won WHERE contact_key IS NOT NULL
    GROUP BY contact_key
)
SELECT 'revenue' AS series, {day} AS day, CAST(sum(cents) AS BIGINT) AS amount
FROM (
    SELECT CASE WHEN closed_at >= $2 THEN {won_day} END AS bucket,
           COALESCE(amount_cents, 0) AS cents
    FROM won
) AS revenue
GROUP BY bucket
UNION ALL
SELECT 'customers' AS series, {day} AS day, count(*) AS amount
FROM (
    SELECT CASE WHEN first_at >= $2 THEN {first_day} END AS bucket FROM firsts
) AS customers
GROUP BY bucket
UNION ALL
SELECT 'spend' AS series, {spend_day} AS day, CAST(sum(used_cents) AS BIGINT) AS amount
FROM (
    SELECT CASE WHEN spent_on >= $4 THEN spent_on END AS bucket, used_cents
    FROM marketing_spend
    WHERE user_id = $1 AND spent_on < $5
) AS spend
GROUP BY bucket"
    );
    Some(q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            midnight(start).into(),
            range.end().into(),
            start.into(),
            range.to().into(),
        ],
    ))
}

/// Computes the points.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<LifetimeValue> {
    // (series, day) → amount; the day `None` is everything before the window.
    let mut sums: HashMap<(String, Option<String>), i64> = HashMap::new();
    if let Some(stmt) = statement(q, tenant, range) {
        for row in all(conn, stmt).await? {
            sums.insert(
                (
                    get::<String>(&row, "series")?,
                    get::<Option<String>>(&row, "day")?,
                ),
                int(&row, "amount")?,
            );
        }
    }
    let sum = |series: &str, day: Option<&str>| {
        sums.get(&(series.to_owned(), day.map(str::to_owned)))
            .copied()
            .map_or(0, i128::from)
    };
    let (mut revenue, mut customers, mut spend) = (
        sum("revenue", None),
        sum("customers", None),
        sum("spend", None),
    );
    let points = days_ending(range.to(), DAYS)
        .into_iter()
        .map(|date: NaiveDate| {
            let day = date.format("%Y-%m-%d").to_string();
            revenue += sum("revenue", Some(&day));
            customers += sum("customers", Some(&day));
            spend += sum("spend", Some(&day));
            let count = i64::try_from(customers).unwrap_or(i64::MAX);
            LifetimePoint {
                date,
                revenue: format_cents(revenue),
                spend: format_cents(spend),
                customers: count,
                ltv: format_cents(cents_per(revenue, count).unwrap_or(0)),
                cac: format_cents(cents_per(spend, count).unwrap_or(0)),
                ratio: if count == 0 {
                    0.0
                } else {
                    ratio(revenue, spend)
                },
            }
        })
        .collect();
    Ok(LifetimeValue { points })
}
