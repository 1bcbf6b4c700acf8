//! Users (the tenants) and the tenant context every scoped call carries.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Result, Validator};
use crate::text;

/// The caller on whose behalf a tenant-scoped call runs. Every contact, deal, activity, stage
/// and spend row read or written through a repository belongs to this user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tenant {
    /// The user id (the JWT `sub`).
    pub user_id: Uuid,
}

impl Tenant {
    /// The tenant of `user_id`.
    pub fn new(user_id: Uuid) -> Self {
        Self { user_id }
    }
}

/// A user as the rest of the application sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id (also the tenant id).
    pub id: Uuid,
    /// Lower-cased e-mail address.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// Optional avatar.
    pub avatar_url: Option<String>,
    /// When the user signed up or was provisioned.
    pub created_at: DateTime<Utc>,
}

/// A user's id, name and avatar, as shown on cards and pickers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// Id.
    pub id: Uuid,
    /// Name shown in the UI.
    pub display_name: String,
    /// Optional avatar.
    pub avatar_url: Option<String>,
}

impl From<&User> for UserSummary {
    fn from(user: &User) -> Self {
        Self {
            id: user.id,
            display_name: user.display_name.clone(),
            avatar_url: user.avatar_url.clone(),
        }
    }
}

/// A user and their password hash, for sign-in only.
#[derive(Debug, Clone)]
pub struct UserCredentials {
    /// The user.
    pub user: User,
    /// argon2id PHC string; `None` for users provisioned from an external token.
    pub password_hash: Option<String>,
}

/// A validated new user.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Id; the caller chooses it (a JWT `sub` when provisioning).
    pub id: Uuid,
    /// Normalised e-mail.
    pub email: String,
    /// Name shown in the UI.
    pub display_name: String,
    /// argon2id hash, if the user signs in with a password.
    pub password_hash: Option<String>,
}

impl NewUser {
    /// Validates a new user. An empty display name becomes the e-mail's local part.
    ///
    /// # Errors
    /// [`crate::DomainError::Validation`] on `email` or `display_name`.
    pub fn new(
        id: Uuid,
        email: &str,
        display_name: Option<&str>,
        password_hash: Option<String>,
    ) -> Result<Self> {
        let mut v = Validator::new();
        let email = v.check("email", text::email(email));
        let name = v.check("display_name", text::optional(display_name, text::NAME_MAX));
        v.finish()?;
        let email = email.unwrap_or_default();
        let display_name = name
            .flatten()
            .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_owned());
        Ok(Self {
            id,
            email,
            display_name,
            password_hash,
        })
    }
}
