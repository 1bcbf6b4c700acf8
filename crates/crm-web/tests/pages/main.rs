//! The page suite of `crm-web`: the real application (`crm_http::app` with
//! `crm_web::configure` mounted) on a random port against a fresh database per test, on SQLite
//! and (when `TEST_DATABASE_URL` is set) PostgreSQL, driven with plain HTTP like a browser
//! without script: forms post, redirects are asserted, HTML is searched for its key elements.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod helpers;

mod assets;
mod auth;
mod board;
mod contact_form;
mod contacts_page;
mod dashboard;
mod deal_page;
mod lead_page;
mod render;
mod tenancy;
