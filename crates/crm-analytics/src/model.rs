//! The answers of the analytics, as they go on the wire (field names of `analytics.md`).
//!
//! Money is a decimal string with two places (`"12500.00"`), percentages are numbers rounded
//! to one decimal, dates are `YYYY-MM-DD`. No field is ever NaN: empty data gives zeros and
//! empty lists, and only the figures the spec allows to be undefined are `null`.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::calc::{ForecastCategory, Trend};
use crate::range::DateRange;

/// A counter of the greeting, against the previous period.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Counter {
    /// In the range.
    pub count: i64,
    /// In the previous range.
    pub previous: i64,
    /// Change in percent, one decimal; `null` when `previous` is 0.
    pub change_pct: Option<f64>,
    /// Direction of the change.
    pub trend: Trend,
}

/// The value of a KPI card: money as a decimal string, counts as integers, the rest as
/// numbers. Its schema is `anyOf` string or number (written by hand: a derived `oneOf` of
/// integer and number is broken, as every integer is also a number).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum KpiValue {
    /// Money, e.g. `"12500.00"`.
    Amount(String),
    /// A count.
    Count(i64),
    /// A percentage or a number of days, one decimal.
    Number(f64),
}

impl utoipa::PartialSchema for KpiValue {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
        AnyOfBuilder::new()
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .description(Some("Money, e.g. `\"12500.00\"`.")),
            )
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::Number)
                    .description(Some("A count, a percentage or a number of days.")),
            )
            .description(Some(
                "The value of a KPI card: money as a decimal string, counts as integers, the \
                 rest as numbers with one decimal.",
            ))
            .into()
    }
}

impl ToSchema for KpiValue {}

/// What a KPI value measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiUnit {
    /// Money (decimal string).
    Currency,
    /// Percent.
    Percent,
    /// A count.
    Count,
    /// Days.
    Days,
}

/// One KPI card.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Kpi {
    /// `open_pipeline`, `won_revenue`, `win_rate`, `new_contacts` or `avg_sales_cycle_days`.
    pub key: String,
    /// Card title.
    pub title: String,
    /// In the range (for `open_pipeline`: now).
    pub value: KpiValue,
    /// In the previous range (for `open_pipeline`: at the start of the range).
    pub previous: KpiValue,
    /// Change in percent, one decimal; `null` when `previous` is 0.
    pub change_pct: Option<f64>,
    /// Direction of the change.
    pub trend: Trend,
    /// Unit of `value` and `previous`.
    pub unit: KpiUnit,
}

/// The greeting counters and the five KPI cards.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Kpis {
    /// The range asked about.
    pub range: DateRange,
    /// The comparison range (same length, just before).
    pub previous_range: DateRange,
    /// Deals created in the range.
    pub deals_created: Counter,
    /// Deals won or lost in the range.
    pub deals_closed: Counter,
    /// `open_pipeline`, `won_revenue`, `win_rate`, `new_contacts`, `avg_sales_cycle_days`.
    pub cards: Vec<Kpi>,
}

/// Won deals of one calendar quarter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct RevenueQuarter {
    /// `"YYYY Qn"`.
    pub label: String,
    /// 25th percentile of the amounts.
    pub p25: String,
    /// Median amount.
    pub p50: String,
    /// 75th percentile of the amounts.
    pub p75: String,
    /// Sum of the amounts.
    pub sum: String,
    /// Number of deals won (with or without an amount).
    pub deals: i64,
}

/// Revenue generated: the 7 quarters ending with the range's last quarter, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Revenue {
    /// One entry per quarter, always 7.
    pub quarters: Vec<RevenueQuarter>,
}

/// Sentiment of one calendar month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FeedbackMonth {
    /// `"YYYY-MM"`.
    pub month: String,
    /// Activities with `metadata.sentiment = positive`.
    pub positive: i64,
    /// Activities with `metadata.sentiment = negative`.
    pub negative: i64,
    /// `positive − negative`.
    pub net: i64,
}

/// Customer feedback: the 13 months ending with the range's last month, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CustomerFeedback {
    /// One entry per month, always 13.
    pub months: Vec<FeedbackMonth>,
}

/// Contacts of one lead source.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeadSourceShare {
    /// Lead source, `unknown` when none was recorded.
    pub source: String,
    /// Contacts created in the range with this source.
    pub count: i64,
    /// Share of `total` in percent, one decimal.
    pub pct: f64,
}

/// Lead sources of the contacts created in the range, largest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LeadSources {
    /// Contacts created in the range.
    pub total: i64,
    /// Per source, by count descending then name.
    pub sources: Vec<LeadSourceShare>,
}

/// Marketing spend of one weekday.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct WeekdaySpend {
    /// `Mon` … `Sun`.
    pub weekday: String,
    /// Budget allotted on that weekday in the range.
    pub allotted: String,
    /// Budget used on that weekday in the range.
    pub used: String,
}

/// Customer acquisition cost of one lead source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SourceCac {
    /// Lead source.
    pub source: String,
    /// Budget used in the range.
    pub used: String,
    /// Contacts of this source with a deal won in the range.
    pub customers: i64,
    /// `used / customers`; `null` when there is no such customer.
    pub cac: Option<String>,
}

/// Customer acquisition cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AcquisitionCost {
    /// Budget allotted in the range.
    pub allotted: String,
    /// Budget used in the range.
    pub used: String,
    /// Monday to Sunday, always 7.
    pub weekdays: Vec<WeekdaySpend>,
    /// Per lead source with spend or customers in the range, by name.
    pub sources: Vec<SourceCac>,
}

/// One bar of the sales funnel.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FunnelStage {
    /// Stage id.
    pub stage_id: Uuid,
    /// Current stage name.
    pub stage: String,
    /// `open` or `won`.
    pub kind: String,
    /// Deals created in the range that reached this stage or a later one.
    pub reached: i64,
    /// `reached` as a share of the first stage's, in percent.
    pub conversion_pct: f64,
    /// Of those, deals lost with this as their last open stage.
    pub lost: i64,
    /// `lost` as a share of `reached`, in percent.
    pub lost_pct: f64,
    /// Deals created in the current calendar month that reached this stage or a later one.
    pub this_month_reached: i64,
    /// `this_month_reached` as a share of the first stage's, in percent.
    pub this_month_pct: f64,
}

/// Sales funnel: the open stages and the first won stage, in pipeline order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SalesFunnel {
    /// The current calendar month of the `this_month_*` columns, `"YYYY-MM"`.
    pub month: String,
    /// The bars.
    pub stages: Vec<FunnelStage>,
}

/// Lifetime value on one day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LifetimePoint {
    /// The day.
    pub date: NaiveDate,
    /// Amount of the deals won up to and including that day.
    pub revenue: String,
    /// Budget used up to and including that day.
    pub spend: String,
    /// Distinct customers (companies, or contacts without company) with a won deal.
    pub customers: i64,
    /// `revenue / customers` ("0.00" without customers).
    pub ltv: String,
    /// `spend / customers` ("0.00" without customers).
    pub cac: String,
    /// `ltv / cac`, two decimals (0 when `cac` is 0).
    pub ratio: f64,
}

/// Lifetime value: one point per day over the 30 days ending with the range.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LifetimeValue {
    /// Always 30 points, oldest first.
    pub points: Vec<LifetimePoint>,
}

/// Activities per type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActivityCounts {
    /// Calls.
    pub call: i64,
    /// E-mails.
    pub email: i64,
    /// Meetings.
    pub meeting: i64,
    /// Notes.
    pub note: i64,
    /// Tasks.
    pub task: i64,
    /// Automatic stage changes.
    pub stage_change: i64,
}

/// Engagement on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActiveDay {
    /// The day.
    pub date: NaiveDate,
    /// Activities per type (the stacked bars).
    pub counts: ActivityCounts,
    /// All activities that day.
    pub total: i64,
    /// Distinct contacts with an activity that day.
    pub engaged_contacts: i64,
}

/// Active engagement: one point per day of the window ending with the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActiveUsers {
    /// The window: 7, 15 or 30 days.
    pub days: u8,
    /// One point per day, oldest first.
    pub points: Vec<ActiveDay>,
}

/// Every dashboard widget in one body.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Dashboard {
    /// Greeting counters and KPI cards.
    pub kpis: Kpis,
    /// Revenue by quarter.
    pub revenue: Revenue,
    /// Sentiment by month.
    pub customer_feedback: CustomerFeedback,
    /// Contacts by lead source.
    pub lead_sources: LeadSources,
    /// Spend per weekday and CAC per source.
    pub acquisition_cost: AcquisitionCost,
    /// Stage-to-stage conversion.
    pub sales_funnel: SalesFunnel,
    /// LTV, CAC and their ratio per day.
    pub lifetime_value: LifetimeValue,
    /// Activities per day.
    pub active_users: ActiveUsers,
}

/// Won and lost deals around a deal.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct WinLoss {
    /// `company` (the owner's deals with the deal's company) or `all` (the deal has none).
    pub scope: String,
    /// Deals now in a won stage.
    pub won: i64,
    /// Deals now in a lost stage.
    pub lost: i64,
    /// `won / (won + lost)` in percent, one decimal (0 when none is closed).
    pub ratio: f64,
}

/// Activity on a deal against the owner's other open deals.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Engagement {
    /// Length of the window, days.
    pub window_days: i64,
    /// Activities on this deal in the window.
    pub activities: i64,
    /// Activities per open deal of the owner in the window, one decimal.
    pub owner_mean_per_open_deal: f64,
    /// `activities / owner_mean_per_open_deal` in percent, one decimal (0 when the mean is 0).
    pub ratio_pct: f64,
}

/// An entry of a deal's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActivityItem {
    /// Id.
    pub id: Uuid,
    /// `call`, `email`, `meeting`, `note`, `task` or `stage_change`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Subject.
    pub subject: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// What has happened on a deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ActivitySummary {
    /// Activities on the deal per type, all time.
    pub counts: ActivityCounts,
    /// Whole days since the deal entered its current stage.
    pub days_in_stage: i64,
    /// The 4 newest activities, newest first.
    pub latest: Vec<ActivityItem>,
}

/// The analytics of the deal page's drawer.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DealAnalytics {
    /// The deal.
    pub deal_id: Uuid,
    /// The deal's progress, percent.
    pub progress: i64,
    /// Its stage's win probability, percent.
    pub probability: i64,
    /// Its amount, if any.
    pub amount: Option<String>,
    /// `amount × probability / 100`; `null` without an amount.
    pub weighted_amount: Option<String>,
    /// `closed`, `commit`, `best_case` or `pipeline`.
    pub forecast_category: ForecastCategory,
    /// Won and lost deals with the same company.
    pub win_loss: WinLoss,
    /// Position of the stage among the open stages, percent.
    pub pipeline_position_pct: f64,
    /// Recent activity against the owner's open deals.
    pub engagement: Engagement,
    /// Activity counts, time in stage and the latest entries.
    pub activity_summary: ActivitySummary,
}
