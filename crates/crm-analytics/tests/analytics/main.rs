//! The analytics suite: every widget of `analytics.md` computed on hand-built data whose
//! expected figures are written here as literals, once on SQLite and once on PostgreSQL.
//!
//! Each case is an `async fn(Store)`; `crm_store::backend_tests!` turns it into
//! `<case>_on_sqlite` and `<case>_on_postgres`. The PostgreSQL variants run only when
//! `TEST_DATABASE_URL` names a server, e.g.
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p crm-analytics`;
//! since both variants assert the same literals, a green run on both proves the backends
//! agree.
//!
//! Modules:
//! - [`fixtures`]: users, rows through the domain services, exact timestamps.
//! - [`scenario`]: the shared data set (a table of its deals is in its docs).
//! - [`kpis`], [`revenue`], [`feedback`], [`lead_sources`], [`acquisition`], [`funnel`],
//!   [`lifetime`], [`active`]: one per dashboard widget.
//! - [`closing`]: a deal that closes more than once counts once, at its latest closing.
//! - [`deal`]: the deal page's analytics.
//! - [`empty`]: no data, or a range without deals: zeros, never an error or NaN.
//! - [`tenancy`]: another user's data changes nothing.
//! - [`plans`]: the queries use the indexes of `schema.md`.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod fixtures;
mod scenario;

mod acquisition;
mod active;
mod closing;
mod deal;
mod empty;
mod feedback;
mod funnel;
mod kpis;
mod lead_sources;
mod lifetime;
mod plans;
mod revenue;
mod tenancy;
