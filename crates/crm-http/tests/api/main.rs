//! The HTTP suite of `crm-http`: the real application on a random port against a fresh
//! database per test, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL. Every case
//! is an `async fn case(store: Store)` turned into `<case>_on_sqlite` and `<case>_on_postgres`
//! by `crm_store::backend_tests!`; [`helpers::TestApp`] serves the app on that store.
//!
//! One module per resource (`analytics`: the dashboard and deal analytics), plus the
//! cross-cutting ones: `tokens` (401 on every protected route), `tenancy` (another user's
//! ids and data), `errors` (the error body and its statuses), `dates` (dates at and beyond
//! the stored calendar, 422 when out of range), `fuzz_regressions` (what
//! property-based fuzzing found, and the input limits and security headers) and `openapi` (the
//! document lists exactly the served routes).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod helpers;

mod activities;
mod analytics;
mod auth;
mod companies;
mod concurrency;
mod contacts;
mod contacts_csv;
mod dates;
mod deals;
mod errors;
mod fuzz_regressions;
mod health;
mod openapi;
mod spend;
mod stages;
mod tasks;
mod tenancy;
mod tokens;
mod users;
