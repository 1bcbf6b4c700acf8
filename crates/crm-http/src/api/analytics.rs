//! The dashboard and the deal analytics: every widget of `analytics.md` in one body or alone,
//! and the analytics of one deal. The figures come from `crm-analytics`, whose answers derive
//! `Serialize` and `ToSchema` and so go on the wire as they are; this module only reads the
//! query (the date range, the engagement window) and picks the widget.

use actix_web::{HttpResponse, get, web};
use chrono::{Days, Utc};
use crm_analytics::{
    AcquisitionCost, ActiveDays, ActiveUsers, Analytics, CustomerFeedback, Dashboard, DateRange,
    DealAnalytics, Kpis, LeadSources, LifetimeValue, Revenue, SalesFunnel,
};
use crm_domain::DomainError;
use crm_domain::error::Validator;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;
use uuid::Uuid;

use crate::AppState;
use crate::auth::AuthUser;
use crate::dto::{DayError, DayInput, parse_day};
use crate::error::{ApiError, ErrorBody, Result};

/// Registers the dashboard and deal-analytics routes.
pub fn configure(cfg: &mut ServiceConfig<'_>) {
    cfg.service(dashboard)
        .service(kpis)
        .service(revenue)
        .service(lead_sources)
        .service(acquisition_cost)
        .service(sales_funnel)
        .service(customer_feedback)
        .service(lifetime_value)
        .service(active_users)
        .service(deal_analytics);
}

/// The date range of every dashboard route. Both days are `YYYY-MM-DD`; without them the
/// range is the 30 days ending today (UTC). A day must be within 0001-01-01..=9999-12-31,
/// `from` before `to` and the range at most 731 days long (else 422 naming the parameter); a
/// day that does not parse is a 400 naming the parameter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeQuery {
    /// First day in the range (inclusive); default: 30 days before `to`.
    #[param(value_type = Option<String>, format = Date, example = "2026-10-28")]
    pub from: Option<String>,
    /// First day after the range (exclusive); default: tomorrow.
    #[param(value_type = Option<String>, format = Date, example = "2026-11-27")]
    pub to: Option<String>,
}

/// The window of the active-engagement chart.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// Days of the engagement chart ending with the range: 7, 15 (default) or 30; anything
    /// else is a 400.
    #[param(schema_with = days_schema, example = 15)]
    pub days: Option<String>,
}

/// `days`: 7, 15 or 30.
fn days_schema() -> utoipa::openapi::Schema {
    utoipa::openapi::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Integer)
        .enum_values(Some([7, 15, 30]))
        .into()
}

impl RangeQuery {
    /// The range asked for, with today's defaults.
    ///
    /// # Errors
    /// 400 when a day does not parse; 422 when a day is out of range, `from` is not before
    /// `to` or the range is longer than 731 days.
    fn range(&self) -> Result<DateRange> {
        let from = day("from", self.from.as_deref())?;
        let to = day("to", self.to.as_deref())?;
        let mut v = Validator::new();
        let from = from.and_then(|d| v.check("from", d.check("from")));
        let to = to.and_then(|d| v.check("to", d.check("to")));
        v.finish()?;
        let to = match to {
            Some(to) => to,
            None => DateRange::last_30_days(Utc::now().date_naive()).to(),
        };
        let from = from.unwrap_or_else(|| to.checked_sub_days(Days::new(30)).unwrap_or(to));
        Ok(DateRange::new(from, to)?)
    }
}

impl DaysQuery {
    /// The engagement window, 15 days when not given.
    ///
    /// # Errors
    /// 400 naming `days` unless it is 7, 15 or 30.
    fn window(&self) -> Result<ActiveDays> {
        match self.days.as_deref() {
            None => Ok(ActiveDays::default()),
            // Exactly the digits: the document's `enum: [7, 15, 30]`.
            Some(text) if !text.bytes().all(|b| b.is_ascii_digit()) || text.starts_with('0') => {
                Err(ApiError::bad_query(DomainError::field(
                    "days",
                    "must be 7, 15 or 30",
                )))
            }
            Some(text) => text
                .parse::<i64>()
                .map_err(|_| DomainError::field("days", "must be 7, 15 or 30"))
                .and_then(ActiveDays::new)
                .map_err(ApiError::bad_query),
        }
    }
}

/// Reads an optional `YYYY-MM-DD` query value: a malformed one is a 400 naming `field`; a
/// well-formed date out of range is kept for [`DayInput::check`] (422).
fn day(field: &str, value: Option<&str>) -> Result<Option<DayInput>> {
    match value.map(parse_day) {
        None => Ok(None),
        Some(Ok(day)) => Ok(Some(DayInput::Day(day))),
        Some(Err(DayError::OutOfRange)) => Ok(Some(DayInput::OutOfRange)),
        Some(Err(DayError::Malformed)) => Err(ApiError::bad_query(DomainError::field(
            field,
            "must be a date YYYY-MM-DD",
        ))),
    }
}

/// The analytics over the application's store, on the system clock.
fn analytics(state: &AppState) -> Analytics {
    Analytics::new(state.store.clone())
}

/// Every dashboard widget in one body (one round trip for the page).
#[utoipa::path(tag = "dashboard", params(RangeQuery, DaysQuery), security(("bearer" = [])),
    responses((status = 200, body = Dashboard), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/dashboard")]
pub async fn dashboard(
    state: web::Data<AppState>,
    user: AuthUser,
    range: web::Query<RangeQuery>,
    window: web::Query<DaysQuery>,
) -> Result<HttpResponse> {
    let (range, days) = (range.range()?, window.window()?);
    let answer = analytics(&state)
        .dashboard(user.tenant(), range, days)
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// A dashboard widget over the date range alone: a documented `GET` handler named after the
/// `Analytics` method it calls, answering that method's type.
macro_rules! range_widget {
    ($(#[doc = $doc:literal])* $name:ident, $path:literal, $answer:ident) => {
        $(#[doc = $doc])*
        #[utoipa::path(tag = "dashboard", params(RangeQuery), security(("bearer" = [])),
            responses((status = 200, body = $answer), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
                (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
        #[get($path)]
        pub async fn $name(
            state: web::Data<AppState>,
            user: AuthUser,
            range: web::Query<RangeQuery>,
        ) -> Result<HttpResponse> {
            let answer = analytics(&state).$name(user.tenant(), range.range()?).await?;
            Ok(HttpResponse::Ok().json(answer))
        }
    };
}

range_widget!(
    /// The greeting counters and the five KPI cards, against the previous range of the same
    /// length.
    kpis, "/dashboard/kpis", Kpis
);
range_widget!(
    /// Revenue generated: percentiles and sum of the amounts won in each of the 7 quarters
    /// ending with the range's last day.
    revenue, "/dashboard/revenue", Revenue
);
range_widget!(
    /// Lead sources of the contacts created in the range.
    lead_sources, "/dashboard/lead-sources", LeadSources
);
range_widget!(
    /// Customer acquisition cost: marketing spend per weekday and CAC per lead source.
    acquisition_cost, "/dashboard/acquisition-cost", AcquisitionCost
);
range_widget!(
    /// Sales funnel of the deals created in the range (and of those created this month).
    sales_funnel, "/dashboard/sales-funnel", SalesFunnel
);
range_widget!(
    /// Customer feedback: positive and negative activities in each of the 13 months ending
    /// with the range's last day.
    customer_feedback, "/dashboard/customer-feedback", CustomerFeedback
);
range_widget!(
    /// Lifetime value, CAC and their ratio on each of the 30 days ending with the range.
    lifetime_value, "/dashboard/lifetime-value", LifetimeValue
);

/// Active engagement: activities per type and engaged contacts on each of the `days` ending
/// with the range.
#[utoipa::path(tag = "dashboard", params(RangeQuery, DaysQuery), security(("bearer" = [])),
    responses((status = 200, body = ActiveUsers), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/dashboard/active-users")]
pub async fn active_users(
    state: web::Data<AppState>,
    user: AuthUser,
    range: web::Query<RangeQuery>,
    window: web::Query<DaysQuery>,
) -> Result<HttpResponse> {
    let (range, days) = (range.range()?, window.window()?);
    let answer = analytics(&state)
        .active_users(user.tenant(), range, days)
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

/// The analytics of one of the caller's deals (the deal page's drawer). Another user's deal
/// is a 404, like an unknown id.
#[utoipa::path(tag = "deals", params(("id" = Uuid, Path)), security(("bearer" = [])),
    responses((status = 200, body = DealAnalytics), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 500, body = ErrorBody)))]
#[get("/deals/{id}/analytics")]
pub async fn deal_analytics(
    state: web::Data<AppState>,
    user: AuthUser,
    id: web::Path<Uuid>,
) -> Result<HttpResponse> {
    let answer = analytics(&state)
        .deal_analytics(user.tenant(), id.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}
