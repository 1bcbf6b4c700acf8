//! Sales funnel: for each open stage and the first won stage, in pipeline order, how many
//! deals created in the range reached it, how many were lost there, and the same conversion
//! for the deals created in the current calendar month.
//!
//! History decides, not the deals' current stage: a deal reached stage S when its
//! `deal_stage_changes` show it in S or in any later stage of kind `open` or `won` (entering a
//! `lost` stage reaches nothing). History rows name stages by id, so renaming a stage keeps
//! its history; a row of a since-deleted `won` stage still counts as reaching the won stage.
//! A deal was lost at S when its latest closing entry is `lost` and the latest `open` entry
//! before it is S.
//!
//! One statement, a single pass over the cohorts' history: the cohorts (deals created in the
//! range or in the current month) come from `deals (user_id, create_date)` and their history
//! from `deal_stage_changes (user_id, deal_id, changed_at)`; each deal's entries are numbered
//! (`row_number()`), window maxima find its latest closing entry and the last open entry
//! before it, and one `GROUP BY` gives each deal its furthest stage and where it was lost.
//! No self-join and no look-up per deal, so the cost grows with the cohort's history only.
//! The cohort is `MATERIALIZED` and joined to the history with `CROSS JOIN`, which SQLite (it
//! has no statistics) takes as "this side is the outer loop", so it reads the cohort's history
//! only; PostgreSQL treats that `CROSS JOIN … WHERE` as the inner join it is.

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::calc::pct;
use crate::model::{FunnelStage, SalesFunnel};
use crate::range::{DateRange, first_of_month, midnight, month_label};
use crate::sql::{Sql, all, get, int};

/// `$1` tenant, `$2`/`$3` the range, `$4`/`$5` the current month.
pub(crate) fn statement(
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
    today: chrono::NaiveDate,
) -> Statement {
    let month_start = first_of_month(today);
    let month_end = month_start
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(month_start);
    let sql = "WITH stages AS (
    SELECT id, name, position, kind FROM pipeline_stages WHERE user_id = $1
),
first_won AS (
    SELECT min(position) AS position FROM stages WHERE kind = 'won'
),
cohort AS MATERIALIZED (
    SELECT id,
           CASE WHEN create_date >= $2 AND create_date < $3 THEN 1 ELSE 0 END AS in_range,
           CASE WHEN create_date >= $4 AND create_date < $5 THEN 1 ELSE 0 END AS in_month
    FROM deals
    WHERE user_id = $1
      AND ((create_date >= $2 AND create_date < $3) OR (create_date >= $4 AND create_date < $5))
),
history AS (
    SELECT h.deal_id, cohort.in_range, cohort.in_month, h.to_kind,
           CASE WHEN s.kind IN ('open', 'won') THEN s.position
                WHEN s.id IS NULL AND h.to_kind = 'won' THEN (SELECT position FROM first_won)
           END AS reach,
           CASE WHEN s.kind = 'open' THEN s.position END AS open_position,
           row_number() OVER (PARTITION BY h.deal_id ORDER BY h.changed_at, h.id) AS seq
    FROM cohort
    CROSS JOIN deal_stage_changes h
    LEFT JOIN stages s ON s.id = h.to_stage_id
    WHERE h.user_id = $1 AND h.deal_id = cohort.id
),
closing AS (
    SELECT history.*,
           max(CASE WHEN to_kind IN ('won', 'lost') THEN seq END)
               OVER (PARTITION BY deal_id) AS close_seq
    FROM history
),
marked AS (
    SELECT closing.*,
           max(CASE WHEN to_kind = 'open' AND seq < close_seq THEN seq END)
               OVER (PARTITION BY deal_id) AS open_seq,
           max(CASE WHEN seq = close_seq THEN to_kind END)
               OVER (PARTITION BY deal_id) AS close_kind
    FROM closing
),
per_deal AS (
    SELECT deal_id, in_range, in_month, max(reach) AS reached,
           max(CASE WHEN close_kind = 'lost' AND seq = open_seq THEN open_position END)
               AS lost_position
    FROM marked
    GROUP BY deal_id, in_range, in_month
)
SELECT s.id, s.name, s.kind, s.position,
       count(p.reached) FILTER (WHERE p.in_range = 1) AS reached,
       count(p.reached) FILTER (WHERE p.in_range = 1 AND p.lost_position = s.position) AS lost,
       count(p.reached) FILTER (WHERE p.in_month = 1) AS month_reached
FROM stages s
LEFT JOIN per_deal p ON p.reached >= s.position
WHERE s.kind = 'open' OR (s.kind = 'won' AND s.position = (SELECT position FROM first_won))
GROUP BY s.id, s.name, s.kind, s.position
ORDER BY s.position";
    q.stmt(
        sql,
        vec![
            tenant.user_id.into(),
            range.start().into(),
            range.end().into(),
            midnight(month_start).into(),
            midnight(month_end).into(),
        ],
    )
}

/// Computes the funnel, `today` deciding the current month.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
    today: chrono::NaiveDate,
) -> Result<SalesFunnel> {
    let mut rows = Vec::new();
    for row in all(conn, statement(q, tenant, range, today)).await? {
        rows.push((
            get::<Uuid>(&row, "id")?,
            get::<String>(&row, "name")?,
            get::<String>(&row, "kind")?,
            int(&row, "reached")?,
            int(&row, "lost")?,
            int(&row, "month_reached")?,
        ));
    }
    let first = rows.first().map_or(0, |r| r.3);
    let first_month = rows.first().map_or(0, |r| r.5);
    let stages = rows
        .into_iter()
        .map(
            |(stage_id, stage, kind, reached, lost, this_month_reached)| FunnelStage {
                stage_id,
                stage,
                kind,
                reached,
                conversion_pct: pct(reached, first),
                lost,
                lost_pct: pct(lost, reached),
                this_month_reached,
                this_month_pct: pct(this_month_reached, first_month),
            },
        )
        .collect();
    Ok(SalesFunnel {
        month: month_label(today),
        stages,
    })
}
