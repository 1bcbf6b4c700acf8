//! The store contract suite: every case runs through the real repositories (and the services
//! on top of them) against a fresh database, once on SQLite and once on PostgreSQL.
//!
//! Each case is an `async fn(Store)`; [`harness::store_tests!`] (this crate's `testing`
//! feature, which also makes the fresh databases) turns it into `<case>_on_sqlite` and
//! `<case>_on_postgres`. The PostgreSQL variants run only when
//! `TEST_DATABASE_URL` names a server, e.g.
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p crm-store`;
//! without it they return at once with a note. Cases share nothing, so they run in parallel.
//!
//! Modules, one per aggregate or cross-cutting rule:
//! - [`users`]: registration, the default pipeline, the shared company directory.
//! - [`contacts`]: contact CRUD, listing, per-user e-mail uniqueness, deletion.
//! - [`stages`]: pipeline stage insert, move, rename and delete.
//! - [`deals`]: deal CRUD, the board, column paging, exact money.
//! - [`moves`]: card moves, alone and concurrent.
//! - [`activities`]: the activity log.
//! - [`spend`]: marketing spend.
//! - [`constraints`]: CHECKs and foreign keys refuse bad rows with a domain error.
//! - [`tenancy`]: one user never sees or touches another's rows.
//! - [`security`]: PostgreSQL row-level security in the database itself, the schema's
//!   readiness for distributed PostgreSQL, and pooled connections that forget the caller.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod harness;

mod activities;
mod constraints;
mod contacts;
mod deals;
mod fixtures;
mod moves;
mod security;
mod spend;
mod stages;
mod tenancy;
mod users;
