//! SeaORM models of the tables created by the `migration` crate. They never leave this crate:
//! repositories convert them to `crm-domain` types.

pub mod activities;
pub mod companies;
pub mod contacts;
pub mod deal_collaborators;
pub mod deal_stage_changes;
pub mod deals;
pub mod marketing_spend;
pub mod pipeline_stages;
pub mod users;
