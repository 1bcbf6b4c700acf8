//! Revenue generated: per calendar quarter, the 25th/50th/75th percentile and the sum of the
//! amounts of the deals won in it, for the 7 quarters ending with the range's last day.
//!
//! One grouped statement: PostgreSQL computes the percentiles with `percentile_cont`; SQLite
//! has no such aggregate, so there a second statement lists the quarters' amounts in order
//! and [`percentile_cont`] interpolates them the same way. Deals without an amount count in
//! `deals` but not in the percentiles or the sum (as `percentile_cont` ignores NULLs).
//!
//! Index: `deal_stage_changes (user_id, to_kind, changed_at)`, then `deals` by primary key
//! (see [`crate::sql::closed_cte`]).

use std::collections::HashMap;

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::calc::{format_cents, format_cents_f64, percentile_cont};
use crate::model::{Revenue, RevenueQuarter};
use crate::range::{Bucket, DateRange, midnight, quarters_ending};
use crate::sql::{Sql, Unit, all, closed_cte, get, int};

/// Number of quarters on the chart.
pub(crate) const QUARTERS: u32 = 7;

fn quarters(range: &DateRange) -> Vec<Bucket> {
    quarters_ending(range.last_day(), QUARTERS)
}

fn bounds(
    quarters: &[Bucket],
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    Some((
        midnight(quarters.first()?.start),
        midnight(quarters.last()?.end),
    ))
}

/// `$1` tenant, `$2` first quarter's start, `$3` last quarter's end.
pub(crate) fn statements(q: Sql, tenant: Tenant, range: &DateRange) -> Vec<Statement> {
    let Some((start, end)) = bounds(&quarters(range)) else {
        return Vec::new();
    };
    let closed = closed_cte(q, Some("$2"), "$3", false);
    let key = q.bucket(Unit::Quarter, "closed_at");
    let quarter = q.label(Unit::Quarter, &key);
    let percentiles = if q.is_postgres() {
        ",
       percentile_cont(0.25) WITHIN GROUP (ORDER BY CAST(amount_cents AS DOUBLE PRECISION)) AS p25,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY CAST(amount_cents AS DOUBLE PRECISION)) AS p50,
       percentile_cont(0.75) WITHIN GROUP (ORDER BY CAST(amount_cents AS DOUBLE PRECISION)) AS p75"
    } else {
        ""
    };
    let grouped = format!(
        "WITH {closed}
SELECT {quarter} AS quarter,
       count(*) AS deals,
       CAST(COALESCE(sum(amount_cents), 0) AS BIGINT) AS total{percentiles}
FROM closed
WHERE to_kind = 'won'
GROUP BY {key}"
    );
    let values = || vec![tenant.user_id.into(), start.into(), end.into()];
    let mut statements = vec![q.stmt(&grouped, values())];
    if !q.is_postgres() {
        let amounts = format!(
            "WITH {closed}
SELECT {quarter} AS quarter, amount_cents
FROM closed
WHERE to_kind = 'won' AND amount_cents IS NOT NULL
ORDER BY {key}, amount_cents"
        );
        statements.push(q.stmt(&amounts, values()));
    }
    statements
}

#[derive(Default)]
struct Quarter {
    deals: i64,
    total: i64,
    percentiles: [Option<f64>; 3],
}

/// Computes the chart.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<Revenue> {
    let buckets = quarters(range);
    let mut statements = statements(q, tenant, range).into_iter();
    let mut found: HashMap<String, Quarter> = HashMap::new();
    if let Some(grouped) = statements.next() {
        for row in all(conn, grouped).await? {
            let mut quarter = Quarter {
                deals: int(&row, "deals")?,
                total: int(&row, "total")?,
                percentiles: [None; 3],
            };
            if q.is_postgres() {
                quarter.percentiles = [
                    get::<Option<f64>>(&row, "p25")?,
                    get::<Option<f64>>(&row, "p50")?,
                    get::<Option<f64>>(&row, "p75")?,
                ];
            }
            found.insert(get::<String>(&row, "quarter")?, quarter);
        }
    }
    if let Some(amounts) = statements.next() {
        let mut sorted: HashMap<String, Vec<i64>> = HashMap::new();
        for row in all(conn, amounts).await? {
            sorted
                .entry(get::<String>(&row, "quarter")?)
                .or_default()
                .push(int(&row, "amount_cents")?);
        }
        for (label, amounts) in sorted {
            let quarter = found.entry(label).or_default();
            quarter.percentiles = [0.25, 0.5, 0.75].map(|p| percentile_cont(&amounts, p));
        }
    }
    let quarters = buckets
        .into_iter()
        .map(|bucket| {
            let quarter = found.remove(&bucket.label).unwrap_or_default();
            let [p25, p50, p75] = quarter
                .percentiles
                .map(|p| format_cents_f64(p.unwrap_or(0.0)));
            RevenueQuarter {
                label: bucket.label,
                p25,
                p50,
                p75,
                sum: format_cents(i128::from(quarter.total)),
                deals: quarter.deals,
            }
        })
        .collect();
    Ok(Revenue { quarters })
}
