//! The greeting counters and the five KPI cards, current and previous period, in one
//! statement.
//!
//! Indexes: `deals (user_id, create_date)` for deals created, `deal_stage_changes (user_id,
//! to_kind, changed_at)` (+ `(user_id, deal_id, changed_at)`) for deals closed, `contacts
//! (user_id, created_at)` for new contacts, `deals (user_id, stage_id, stage_order)` for the
//! open pipeline now.
//!
//! The open pipeline at the start of the range is rebuilt from history without a look-up per
//! deal: a deal that has not moved since then (no `deal_stage_changes` row from that instant
//! on, found with `(user_id, to_kind, changed_at)`) was in the kind of stage it is in now; a
//! deal that moved since was, at the start, in the stage its first move since then left
//! (`from_stage_id`, a stage of the user's pipeline; a since-deleted stage counts as not
//! open).

use crm_domain::{Result, Tenant};
use sea_orm::{ConnectionTrait, Statement};

use crate::calc::{change_pct, pct, round1, trend};
use crate::model::{Counter, Kpi, KpiUnit, KpiValue, Kpis};
use crate::range::DateRange;
use crate::sql::{Sql, closed_cte, int, one};

/// `$1` tenant, `$2` previous range start, `$3` range start, `$4` range end.
pub(crate) fn statement(q: Sql, tenant: Tenant, range: &DateRange) -> Statement {
    let closed = closed_cte(q, Some("$2"), "$4", false);
    let cycle = q.seconds_between("closed_at", "create_date");
    let by_kind = q.indexed_by("deal_stage_changes_user_id_to_kind_changed_at_idx");
    let sql = format!(
        "WITH {closed},
closed_deals AS (
    SELECT to_kind, closed_at, amount_cents, {cycle} AS cycle_seconds FROM closed
),
moved AS MATERIALIZED (
    SELECT deal_id, from_stage_id
    FROM (
        SELECT deal_id, from_stage_id,
               row_number() OVER (PARTITION BY deal_id ORDER BY changed_at, id) AS earliest
        FROM deal_stage_changes{by_kind}
        WHERE user_id = $1 AND to_kind IN ('open', 'won', 'lost') AND changed_at >= $3
    ) AS changes
    WHERE earliest = 1
)
SELECT created.*, closing.*, people.*, pipeline.*, moved_pipeline.*
FROM (
    SELECT count(*) FILTER (WHERE create_date >= $3) AS created_cur,
           count(*) FILTER (WHERE create_date < $3) AS created_prev
    FROM deals
    WHERE user_id = $1 AND create_date >= $2 AND create_date < $4
) created
CROSS JOIN (
    SELECT count(*) FILTER (WHERE closed_at >= $3) AS closed_cur,
           count(*) FILTER (WHERE closed_at < $3) AS closed_prev,
           count(*) FILTER (WHERE closed_at >= $3 AND to_kind = 'won') AS won_cur,
           count(*) FILTER (WHERE closed_at < $3 AND to_kind = 'won') AS won_prev,
           CAST(COALESCE(sum(amount_cents) FILTER (WHERE closed_at >= $3 AND to_kind = 'won'), 0)
                AS BIGINT) AS won_cents_cur,
           CAST(COALESCE(sum(amount_cents) FILTER (WHERE closed_at < $3 AND to_kind = 'won'), 0)
                AS BIGINT) AS won_cents_prev,
           CAST(COALESCE(sum(cycle_seconds) FILTER (WHERE closed_at >= $3 AND to_kind = 'won'), 0)
                AS BIGINT) AS cycle_seconds_cur,
           CAST(COALESCE(sum(cycle_seconds) FILTER (WHERE closed_at < $3 AND to_kind = 'won'), 0)
                AS BIGINT) AS cycle_seconds_prev
    FROM closed_deals
) closing
CROSS JOIN (
    SELECT count(*) FILTER (WHERE created_at >= $3) AS contacts_cur,
           count(*) FILTER (WHERE created_at < $3) AS contacts_prev
    FROM contacts
    WHERE user_id = $1 AND created_at >= $2 AND created_at < $4
) people
CROSS JOIN (
    SELECT CAST(COALESCE(sum(d.amount_cents), 0) AS BIGINT) AS open_cents_cur,
           CAST(COALESCE(sum(d.amount_cents) FILTER (
               WHERE d.create_date < $3 AND d.id NOT IN (SELECT deal_id FROM moved)
           ), 0) AS BIGINT) AS open_cents_unmoved
    FROM pipeline_stages s
    CROSS JOIN deals d
    WHERE s.user_id = $1 AND s.kind = 'open' AND d.user_id = $1 AND d.stage_id = s.id
) pipeline
CROSS JOIN (
    SELECT CAST(COALESCE(sum(d.amount_cents), 0) AS BIGINT) AS open_cents_moved
    FROM moved
    JOIN pipeline_stages s ON s.user_id = $1 AND s.id = moved.from_stage_id
    JOIN deals d ON d.user_id = $1 AND d.id = moved.deal_id
    WHERE s.kind = 'open' AND d.create_date < $3
) moved_pipeline"
    );
    let previous = range.previous();
    q.stmt(
        &sql,
        vec![
            tenant.user_id.into(),
            previous.start().into(),
            range.start().into(),
            range.end().into(),
        ],
    )
}

/// Computes the counters and cards.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    range: &DateRange,
) -> Result<Kpis> {
    let row = one(conn, statement(q, tenant, range)).await?;
    let n = |name: &str| int(&row, name);

    let counter = |cur: i64, prev: i64| Counter {
        count: cur,
        previous: prev,
        change_pct: change_pct(cur as f64, prev as f64),
        trend: trend(cur as f64, prev as f64),
    };
    let money = |key: &str, title: &str, cur: i64, prev: i64| Kpi {
        key: key.to_owned(),
        title: title.to_owned(),
        value: KpiValue::Amount(crate::calc::format_cents(i128::from(cur))),
        previous: KpiValue::Amount(crate::calc::format_cents(i128::from(prev))),
        change_pct: change_pct(cur as f64, prev as f64),
        trend: trend(cur as f64, prev as f64),
        unit: KpiUnit::Currency,
    };
    let number = |key: &str, title: &str, cur: f64, prev: f64, unit: KpiUnit| Kpi {
        key: key.to_owned(),
        title: title.to_owned(),
        value: KpiValue::Number(cur),
        previous: KpiValue::Number(prev),
        change_pct: change_pct(cur, prev),
        trend: trend(cur, prev),
        unit,
    };

    let (closed_cur, closed_prev) = (n("closed_cur")?, n("closed_prev")?);
    let (won_cur, won_prev) = (n("won_cur")?, n("won_prev")?);
    let (contacts_cur, contacts_prev) = (n("contacts_cur")?, n("contacts_prev")?);
    let cycle_days = |seconds: i64, won: i64| {
        if won == 0 {
            0.0
        } else {
            round1(seconds as f64 / won as f64 / 86_400.0)
        }
    };

    Ok(Kpis {
        range: *range,
        previous_range: range.previous(),
        deals_created: counter(n("created_cur")?, n("created_prev")?),
        deals_closed: counter(closed_cur, closed_prev),
        cards: vec![
            money(
                "open_pipeline",
                "Open pipeline",
                n("open_cents_cur")?,
                n("open_cents_unmoved")? + n("open_cents_moved")?,
            ),
            money(
                "won_revenue",
                "Won revenue",
                n("won_cents_cur")?,
                n("won_cents_prev")?,
            ),
            number(
                "win_rate",
                "Win rate",
                pct(won_cur, closed_cur),
                pct(won_prev, closed_prev),
                KpiUnit::Percent,
            ),
            Kpi {
                key: "new_contacts".to_owned(),
                title: "New contacts".to_owned(),
                value: KpiValue::Count(contacts_cur),
                previous: KpiValue::Count(contacts_prev),
                change_pct: change_pct(contacts_cur as f64, contacts_prev as f64),
                trend: trend(contacts_cur as f64, contacts_prev as f64),
                unit: KpiUnit::Count,
            },
            number(
                "avg_sales_cycle_days",
                "Average sales cycle",
                cycle_days(n("cycle_seconds_cur")?, won_cur),
                cycle_days(n("cycle_seconds_prev")?, won_prev),
                KpiUnit::Days,
            ),
        ],
    })
}
