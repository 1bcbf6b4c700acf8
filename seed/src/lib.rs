//! Demo data for the CRM, written through `crm-store` and the domain services so every rule
//! applies. (Being written: see the foundation issue.)

use crm_store::Store;

/// A demo sign-in: e-mail, password and display name.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    /// E-mail.
    pub email: &'static str,
    /// Password.
    pub password: &'static str,
    /// Display name.
    pub display_name: &'static str,
}

/// The demo users the server prints at start.
pub const DEMO_USERS: &[DemoUser] = &[];

/// What a seeding run did.
#[derive(Debug, Default, Clone)]
pub struct SeedReport {
    /// Users created.
    pub users: usize,
}

/// Errors of seeding.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    /// A domain or store failure.
    #[error("seeding failed: {0}")]
    Domain(#[from] crm_domain::DomainError),
}

/// Seeds the demo data. With `reset`, first deletes every row.
///
/// # Errors
/// [`SeedError`] when a write fails.
pub async fn seed_demo(store: &Store, reset: bool) -> Result<SeedReport, SeedError> {
    let _ = (store, reset);
    Ok(SeedReport::default())
}
