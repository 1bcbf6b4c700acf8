//! The HTTP suite of `crm-http`: the real application on a random port against a fresh
//! database per test, on SQLite and (when `TEST_DATABASE_URL` is set) PostgreSQL. Every case
//! is an `async fn case(store: Store)` turned into `<case>_on_sqlite` and `<case>_on_postgres`
//! by `crm_store::backend_tests!`; [`helpers::TestApp`] serves the app on that store.
//!
//! One module per resource, plus the cross-cutting ones: `tokens` (401 on every protected
//! route), `tenancy` (another user's ids), `errors` (the error body and its statuses) and
//! `openapi` (the document lists exactly the served routes).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod helpers;

mod activities;
mod auth;
mod companies;
mod contacts;
mod deals;
mod errors;
mod health;
mod openapi;
mod spend;
mod stages;
mod tenancy;
mod tokens;
mod users;
