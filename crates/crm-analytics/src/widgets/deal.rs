//! The analytics of one deal (the deal page's drawer): probability and forecast, win/loss
//! with the same company, pipeline position, recent engagement against the owner's open
//! deals, and an activity summary.
//!
//! "The owner" is the deal's tenant: the figures cover that user's own deals only. Win/loss
//! counts deals by their **current** stage (a deal page shows what is closed now), unlike the
//! dashboard, which dates wins and losses by history.
//!
//! Four statements: the deal with its stage (primary keys, `pipeline_stages (user_id,
//! position)`, `deal_stage_changes (user_id, deal_id, changed_at)`); win/loss (`deals
//! (user_id, company_id)`); engagement and counts (`activities (user_id, deal_id,
//! created_at)`, `activities (user_id, created_at)`, `deals (user_id, stage_id,
//! stage_order)`); the latest activities (`activities (user_id, deal_id, created_at)`).

use chrono::{DateTime, Duration, Utc};
use crm_domain::{DomainError, Result, StageKind, Tenant};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

use crate::calc::{
    forecast_category, format_cents, pct, pipeline_position_pct, round1, weighted_cents,
};
use crate::model::{ActivityItem, ActivitySummary, DealAnalytics, Engagement, WinLoss};
use crate::sql::{Sql, all, get, int, one};
use crate::widgets::active::counts;

/// Length of the engagement window, days.
pub(crate) const ENGAGEMENT_DAYS: i64 = 30;

/// Number of latest activities shown.
pub(crate) const LATEST: u32 = 4;

/// The deal and its stage: `$1` tenant, `$2` deal.
pub(crate) fn deal_statement(q: Sql, tenant: Tenant, deal_id: Uuid) -> Statement {
    q.stmt(
        "SELECT d.progress, d.amount_cents, d.company_id, d.create_date, s.kind, s.probability,
       (SELECT count(*) FROM pipeline_stages o
        WHERE o.user_id = $1 AND o.kind = 'open') AS open_stages,
       (SELECT count(*) FROM pipeline_stages o
        WHERE o.user_id = $1 AND o.kind = 'open' AND o.position < s.position) AS open_before,
       (SELECT max(h.changed_at) FROM deal_stage_changes h
        WHERE h.user_id = $1 AND h.deal_id = d.id AND h.to_stage_id = d.stage_id) AS entered_at
FROM deals d
JOIN pipeline_stages s ON s.user_id = $1 AND s.id = d.stage_id
WHERE d.user_id = $1 AND d.id = $2",
        vec![tenant.user_id.into(), deal_id.into()],
    )
}

/// Won and lost deals now, with `company` (`$2`) or all of them.
pub(crate) fn win_loss_statement(q: Sql, tenant: Tenant, company: Option<Uuid>) -> Statement {
    let head = "SELECT count(*) FILTER (WHERE s.kind = 'won') AS won,
       count(*) FILTER (WHERE s.kind = 'lost') AS lost
FROM deals d
JOIN pipeline_stages s ON s.user_id = $1 AND s.id = d.stage_id
WHERE d.user_id = $1";
    match company {
        Some(company) => q.stmt(
            &format!("{head} AND d.company_id = $2"),
            vec![tenant.user_id.into(), company.into()],
        ),
        None => q.stmt(head, vec![tenant.user_id.into()]),
    }
}

/// Engagement in `[$3, $4]` and all-time counts per type: `$1` tenant, `$2` deal.
pub(crate) fn activity_statement(
    q: Sql,
    tenant: Tenant,
    deal_id: Uuid,
    now: DateTime<Utc>,
) -> Statement {
    let since = now - Duration::days(ENGAGEMENT_DAYS);
    q.stmt(
        "SELECT recent.*, per_type.*
FROM (
    SELECT (
        SELECT count(*) FROM activities
        WHERE user_id = $1 AND deal_id = $2 AND created_at >= $3 AND created_at <= $4
    ) AS on_deal, (
        SELECT count(*) FROM activities a
        JOIN deals d ON d.user_id = $1 AND d.id = a.deal_id
        JOIN pipeline_stages s ON s.user_id = $1 AND s.id = d.stage_id
        WHERE a.user_id = $1 AND a.created_at >= $3 AND a.created_at <= $4 AND s.kind = 'open'
    ) AS on_open_deals, (
        SELECT count(*) FROM pipeline_stages s
        CROSS JOIN deals d
        WHERE s.user_id = $1 AND s.kind = 'open' AND d.user_id = $1 AND d.stage_id = s.id
    ) AS open_deals
) recent
CROSS JOIN (
    SELECT count(*) FILTER (WHERE \"type\" = 'call') AS call,
           count(*) FILTER (WHERE \"type\" = 'email') AS email,
           count(*) FILTER (WHERE \"type\" = 'meeting') AS meeting,
           count(*) FILTER (WHERE \"type\" = 'note') AS note,
           count(*) FILTER (WHERE \"type\" = 'task') AS task,
           count(*) FILTER (WHERE \"type\" = 'stage_change') AS stage_change
    FROM activities
    WHERE user_id = $1 AND deal_id = $2
) per_type",
        vec![
            tenant.user_id.into(),
            deal_id.into(),
            since.into(),
            now.into(),
        ],
    )
}

/// The newest activities on the deal: `$1` tenant, `$2` deal.
pub(crate) fn latest_statement(q: Sql, tenant: Tenant, deal_id: Uuid) -> Statement {
    q.stmt(
        &format!(
            "SELECT id, \"type\" AS kind, subject, created_at
FROM activities
WHERE user_id = $1 AND deal_id = $2
ORDER BY created_at DESC, id DESC
LIMIT {LATEST}"
        ),
        vec![tenant.user_id.into(), deal_id.into()],
    )
}

/// Computes the drawer's figures at `now`.
pub(crate) async fn run<C: ConnectionTrait>(
    conn: &C,
    q: Sql,
    tenant: Tenant,
    deal_id: Uuid,
    now: DateTime<Utc>,
) -> Result<DealAnalytics> {
    let deal = conn
        .query_one_raw(deal_statement(q, tenant, deal_id))
        .await
        .map_err(crm_store::map_db_err)?
        .ok_or_else(|| DomainError::not_found("deal"))?;
    let kind: StageKind = get::<String>(&deal, "kind")?
        .parse()
        .map_err(|_| DomainError::Unexpected("unknown stored stage kind".to_owned()))?;
    let probability = get::<i32>(&deal, "probability")?;
    let probability_pct = u8::try_from(probability.clamp(0, 100)).unwrap_or(0);
    let amount = get::<Option<i64>>(&deal, "amount_cents")?;
    let company = get::<Option<Uuid>>(&deal, "company_id")?;
    let created = get::<DateTime<Utc>>(&deal, "create_date")?;
    let entered = get::<Option<DateTime<Utc>>>(&deal, "entered_at")?.unwrap_or(created);
    let open_stages = usize::try_from(int(&deal, "open_stages")?).unwrap_or(0);
    let open_before = usize::try_from(int(&deal, "open_before")?).unwrap_or(0);

    let win_loss = one(conn, win_loss_statement(q, tenant, company)).await?;
    let (won, lost) = (int(&win_loss, "won")?, int(&win_loss, "lost")?);

    let activity = one(conn, activity_statement(q, tenant, deal_id, now)).await?;
    let on_deal = int(&activity, "on_deal")?;
    let on_open_deals = int(&activity, "on_open_deals")?;
    let open_deals = int(&activity, "open_deals")?;
    let mean = if open_deals == 0 {
        0.0
    } else {
        on_open_deals as f64 / open_deals as f64
    };
    let ratio_pct = if mean == 0.0 {
        0.0
    } else {
        round1(on_deal as f64 / mean * 100.0)
    };

    let mut latest = Vec::new();
    for row in all(conn, latest_statement(q, tenant, deal_id)).await? {
        latest.push(ActivityItem {
            id: get::<Uuid>(&row, "id")?,
            kind: get::<String>(&row, "kind")?,
            subject: get::<Option<String>>(&row, "subject")?,
            created_at: get::<DateTime<Utc>>(&row, "created_at")?,
        });
    }

    Ok(DealAnalytics {
        deal_id,
        progress: i64::from(get::<i32>(&deal, "progress")?),
        probability: i64::from(probability),
        amount: amount.map(|cents| format_cents(i128::from(cents))),
        weighted_amount: amount.map(|cents| format_cents(weighted_cents(cents, probability_pct))),
        forecast_category: forecast_category(kind, probability_pct),
        win_loss: WinLoss {
            scope: if company.is_some() { "company" } else { "all" }.to_owned(),
            won,
            lost,
            ratio: pct(won, won + lost),
        },
        pipeline_position_pct: pipeline_position_pct(kind, open_before, open_stages),
        engagement: Engagement {
            window_days: ENGAGEMENT_DAYS,
            activities: on_deal,
            owner_mean_per_open_deal: round1(mean),
            ratio_pct,
        },
        activity_summary: ActivitySummary {
            counts: counts(&activity)?,
            days_in_stage: (now - entered).num_days().max(0),
            latest,
        },
    })
}
