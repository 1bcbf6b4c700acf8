//! The suite's short names for this crate's `testing` feature: a fresh database per test on
//! SQLite and PostgreSQL (see `crm_store::testing` for how the PostgreSQL template is built
//! and why it is kept across runs), and the macro that runs one case on both.

/// `store_tests! { case, … }` generates `<case>_on_sqlite` and `<case>_on_postgres`.
pub(crate) use crm_store::backend_tests as store_tests;
pub use crm_store::testing::on_postgres;
