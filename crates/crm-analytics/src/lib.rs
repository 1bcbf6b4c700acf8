//! Dashboard and deal analytics: the SQL of every aggregate of `analytics.md` and the formulas
//! on top of it.
//!
//! [`Analytics`] answers one widget per method (or all of them with
//! [`Analytics::dashboard`]), each for one tenant and one [`DateRange`]. Every figure comes
//! from stored rows:
//!
//! - Aggregation happens in the database (`GROUP BY`, `FILTER`, window functions,
//!   `percentile_cont` on PostgreSQL), set-based, with no look-up per row; Rust only fills
//!   empty buckets, adds running totals, divides, rounds, and interpolates percentiles on
//!   SQLite, which has no such aggregate.
//! - Each widget runs in the tenant's read transaction from [`Store::begin_read`] (on
//!   PostgreSQL it runs as the row-level-security role), and every statement also names
//!   `user_id = $1` itself, which is the only wall on SQLite.
//! - The same data gives the same answer on PostgreSQL and SQLite: both run the same
//!   statements but for a few dialect expressions (the private `sql` module), values are bound
//!   as typed parameters, and sums and durations are integers (cents, seconds) until the final
//!   division.
//!
//! Codemap: [`range`] (date ranges and calendar buckets), [`calc`] (pure formulas), [`model`]
//! (the answers), `widgets` (one module per widget: its statements and arithmetic), `sql` (the
//! dialect layer and the shared "closed deals" CTE). Definitions, design notes, indexes and
//! `EXPLAIN` observations: `docs/analytics.md`.

pub mod calc;
pub mod model;
pub mod range;
mod sql;
mod widgets;

use chrono::{DateTime, Utc};
use crm_domain::Tenant;
use crm_store::{Store, map_db_err};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement};
use serde::Serialize;
use tracing::instrument;
use uuid::Uuid;

pub use calc::{
    ForecastCategory, Trend, change_pct, forecast_category, percentile_cont, pipeline_position_pct,
    trend,
};
pub use model::{
    AcquisitionCost, ActiveDay, ActiveUsers, ActivityCounts, ActivityItem, ActivitySummary,
    Counter, CustomerFeedback, Dashboard, DealAnalytics, Engagement, FeedbackMonth, FunnelStage,
    Kpi, KpiUnit, KpiValue, Kpis, LeadSourceShare, LeadSources, LifetimePoint, LifetimeValue,
    Revenue, RevenueQuarter, SalesFunnel, SourceCac, WeekdaySpend, WinLoss,
};
pub use range::{
    ActiveDays, Bucket, DateRange, MAX_RANGE_DAYS, days_ending, months_ending, quarter_label,
    quarters_ending,
};

/// Result alias of this crate: failures are the domain's (`NotFound`, `Validation`,
/// `Unexpected`).
pub type Result<T, E = crm_domain::DomainError> = std::result::Result<T, E>;

/// The analytics of the CRM over a [`Store`]. Cheap to clone.
///
/// "Now" comes from the system clock unless fixed with [`Analytics::at`]; it decides the
/// current calendar month of the sales funnel and the windows of the deal analytics. Dashboard
/// ranges are always explicit.
#[derive(Debug, Clone)]
pub struct Analytics {
    store: Store,
    now: Option<DateTime<Utc>>,
}

/// How [`Analytics::explain`] asks for plans.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExplainOptions {
    /// PostgreSQL only: `SET LOCAL enable_seqscan = off`, so that a tiny test database still
    /// shows which index a query *can* use.
    pub discourage_seq_scans: bool,
    /// PostgreSQL only: run the statements (`EXPLAIN (ANALYZE, BUFFERS)`) and report actual
    /// rows and times per node.
    pub analyze: bool,
}

/// One statement's query plan, from [`Analytics::explain`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryPlan {
    /// The widget the statement belongs to, e.g. `kpis` or `revenue`.
    pub widget: &'static str,
    /// The plan as the database prints it (`EXPLAIN` on PostgreSQL, `EXPLAIN QUERY PLAN` on
    /// SQLite), one line per node.
    pub plan: String,
}

impl Analytics {
    /// Analytics over `store`, on the system clock.
    pub fn new(store: Store) -> Self {
        Self { store, now: None }
    }

    /// The same analytics with the clock fixed at `now` (tests, reproducible reports).
    pub fn at(mut self, now: DateTime<Utc>) -> Self {
        self.now = Some(now);
        self
    }

    /// The current instant of this instance's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }

    fn sql(&self) -> sql::Sql {
        sql::Sql::new(self.store.backend())
    }

    /// Opens the tenant's read transaction. On PostgreSQL it also sets two planner settings
    /// for this transaction only (see `docs/analytics.md`, "Planner settings"):
    ///
    /// - `plan_cache_mode = force_custom_plan`: the driver prepares and caches every
    ///   statement, and after five runs PostgreSQL may switch a cached statement to a generic
    ///   plan, which cannot see the range's bounds; for these aggregates that picked nested
    ///   loops which took seconds instead of milliseconds. Planning each run costs well under a
    ///   millisecond.
    /// - `random_page_cost = 1.1`: the analytics read a user's rows, which sit in memory; at
    ///   the default (4, for spinning disks) the planner hashed a user's whole stage history
    ///   rather than look up the few hundred deals of a month, at twice the time.
    async fn begin(&self, tenant: Tenant) -> Result<DatabaseTransaction> {
        let txn = self.store.begin_read(tenant).await?;
        if self.sql().is_postgres() {
            txn.execute_unprepared(
                "SELECT set_config('plan_cache_mode', 'force_custom_plan', true), \
                        set_config('random_page_cost', '1.1', true)",
            )
            .await
            .map_err(map_db_err)?;
        }
        Ok(txn)
    }

    /// The greeting counters (`deals_created`, `deals_closed`) and the five KPI cards, against
    /// the previous range.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn kpis(&self, tenant: Tenant, range: DateRange) -> Result<Kpis> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::kpis::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Revenue generated: percentiles and sum of the amounts won per quarter, for the 7
    /// quarters ending with the range's last day.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn revenue(&self, tenant: Tenant, range: DateRange) -> Result<Revenue> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::revenue::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Customer feedback: positive and negative activities per month, for the 13 months
    /// ending with the range's last day.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn customer_feedback(
        &self,
        tenant: Tenant,
        range: DateRange,
    ) -> Result<CustomerFeedback> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::feedback::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Lead sources of the contacts created in the range.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn lead_sources(&self, tenant: Tenant, range: DateRange) -> Result<LeadSources> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::lead_sources::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Customer acquisition cost: spend per weekday and CAC per lead source in the range.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn acquisition_cost(
        &self,
        tenant: Tenant,
        range: DateRange,
    ) -> Result<AcquisitionCost> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::acquisition::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Sales funnel of the deals created in the range (and in the current month).
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn sales_funnel(&self, tenant: Tenant, range: DateRange) -> Result<SalesFunnel> {
        let today = self.now().date_naive();
        let txn = self.begin(tenant).await?;
        let answer = widgets::funnel::run(&txn, self.sql(), tenant, &range, today).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Lifetime value, CAC and their ratio per day over the 30 days ending with the range.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id))]
    pub async fn lifetime_value(&self, tenant: Tenant, range: DateRange) -> Result<LifetimeValue> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::lifetime::run(&txn, self.sql(), tenant, &range).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Active engagement per day over the `days` ending with the range.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id, days = days.get()))]
    pub async fn active_users(
        &self,
        tenant: Tenant,
        range: DateRange,
        days: ActiveDays,
    ) -> Result<ActiveUsers> {
        let txn = self.begin(tenant).await?;
        let answer = widgets::active::run(&txn, self.sql(), tenant, &range, days).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// Every widget in one body. The widgets are read concurrently, each in its own read
    /// transaction on its own pooled connection, so the body takes about as long as its
    /// slowest widget rather than the sum of all eight (each widget is consistent in itself;
    /// a write landing meanwhile may show in one widget and not yet in another).
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id, days = days.get()))]
    pub async fn dashboard(
        &self,
        tenant: Tenant,
        range: DateRange,
        days: ActiveDays,
    ) -> Result<Dashboard> {
        let (
            kpis,
            revenue,
            customer_feedback,
            lead_sources,
            acquisition_cost,
            sales_funnel,
            lifetime_value,
            active_users,
        ) = tokio::try_join!(
            self.kpis(tenant, range),
            self.revenue(tenant, range),
            self.customer_feedback(tenant, range),
            self.lead_sources(tenant, range),
            self.acquisition_cost(tenant, range),
            self.sales_funnel(tenant, range),
            self.lifetime_value(tenant, range),
            self.active_users(tenant, range, days),
        )?;
        Ok(Dashboard {
            kpis,
            revenue,
            customer_feedback,
            lead_sources,
            acquisition_cost,
            sales_funnel,
            lifetime_value,
            active_users,
        })
    }

    /// The analytics of one of the tenant's deals (the deal page's drawer), at this instance's
    /// clock.
    ///
    /// # Errors
    /// `NotFound` when the deal does not exist or is another user's; `Unexpected` when the
    /// database fails.
    #[instrument(skip_all, fields(user.id = %tenant.user_id, deal.id = %deal_id))]
    pub async fn deal_analytics(&self, tenant: Tenant, deal_id: Uuid) -> Result<DealAnalytics> {
        let now = self.now();
        let txn = self.begin(tenant).await?;
        let answer = widgets::deal::run(&txn, self.sql(), tenant, deal_id, now).await?;
        finish(txn).await?;
        Ok(answer)
    }

    /// The query plan of every statement the dashboard and the deal analytics run, with the
    /// same parameters, in the same kind of transaction (for benchmarks and index checks).
    /// SQLite answers `EXPLAIN QUERY PLAN` and ignores the options.
    ///
    /// # Errors
    /// `Unexpected` when the database fails.
    pub async fn explain(
        &self,
        tenant: Tenant,
        range: DateRange,
        days: ActiveDays,
        deal_id: Uuid,
        options: ExplainOptions,
    ) -> Result<Vec<QueryPlan>> {
        let q = self.sql();
        let now = self.now();
        let mut statements: Vec<(&'static str, Statement)> =
            vec![("kpis", widgets::kpis::statement(q, tenant, &range))];
        for stmt in widgets::revenue::statements(q, tenant, &range) {
            statements.push(("revenue", stmt));
        }
        statements.extend(
            widgets::feedback::statement(q, tenant, &range).map(|s| ("customer_feedback", s)),
        );
        statements.push((
            "lead_sources",
            widgets::lead_sources::statement(q, tenant, &range),
        ));
        statements.push((
            "acquisition_cost",
            widgets::acquisition::weekday_statement(q, tenant, &range),
        ));
        statements.push((
            "acquisition_cost",
            widgets::acquisition::source_statement(q, tenant, &range),
        ));
        statements.push((
            "sales_funnel",
            widgets::funnel::statement(q, tenant, &range, now.date_naive()),
        ));
        statements
            .extend(widgets::lifetime::statement(q, tenant, &range).map(|s| ("lifetime_value", s)));
        statements.extend(
            widgets::active::statement(q, tenant, &range, days).map(|s| ("active_users", s)),
        );
        statements.push((
            "deal_analytics",
            widgets::deal::deal_statement(q, tenant, deal_id),
        ));
        statements.push((
            "deal_analytics",
            widgets::deal::win_loss_statement(q, tenant, Some(Uuid::nil())),
        ));
        statements.push((
            "deal_analytics",
            widgets::deal::activity_statement(q, tenant, deal_id, now),
        ));
        statements.push((
            "deal_analytics",
            widgets::deal::latest_statement(q, tenant, deal_id),
        ));

        let txn = self.begin(tenant).await?;
        if q.is_postgres() && options.discourage_seq_scans {
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .map_err(map_db_err)?;
        }
        let mut plans = Vec::new();
        for (widget, stmt) in statements {
            let prefix = match (q.is_postgres(), options.analyze) {
                (true, true) => "EXPLAIN (ANALYZE, BUFFERS) ",
                (true, false) => "EXPLAIN ",
                (false, _) => "EXPLAIN QUERY PLAN ",
            };
            let explained = Statement {
                sql: format!("{prefix}{}", stmt.sql),
                ..stmt
            };
            let column = if q.is_postgres() {
                "QUERY PLAN"
            } else {
                "detail"
            };
            let mut lines = Vec::new();
            for row in sql::all(&txn, explained).await? {
                lines.push(sql::get::<String>(&row, column)?);
            }
            plans.push(QueryPlan {
                widget,
                plan: lines.join("\n"),
            });
        }
        finish(txn).await?;
        Ok(plans)
    }
}

/// Ends a read transaction.
async fn finish(txn: DatabaseTransaction) -> Result<()> {
    txn.commit().await.map_err(map_db_err)
}
