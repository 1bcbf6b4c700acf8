//! Marketing spend per day and lead source; feeds acquisition cost and CAC.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::contact::LeadSource;
use crate::money::Money;

/// A stored day of spend on one lead source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MarketingSpend {
    /// Id.
    pub id: Uuid,
    /// The day.
    pub spent_on: NaiveDate,
    /// The channel.
    pub lead_source: LeadSource,
    /// Budget allotted.
    pub allotted: Money,
    /// Budget used.
    pub used: Money,
    /// When recorded.
    pub created_at: DateTime<Utc>,
}

/// A day of spend to upsert (one row per day and source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMarketingSpend {
    /// The day.
    pub spent_on: NaiveDate,
    /// The channel.
    pub lead_source: LeadSource,
    /// Budget allotted.
    pub allotted: Money,
    /// Budget used.
    pub used: Money,
}
