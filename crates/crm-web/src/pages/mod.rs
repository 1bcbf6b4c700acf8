//! The page handlers, one module per page.

pub mod activity;
pub mod add_contact;
pub mod auth;
pub mod board;
pub mod contacts;
pub mod dashboard;
pub mod deal;
pub mod lead;
pub mod open_tasks;
pub mod search;
