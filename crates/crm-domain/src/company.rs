//! Companies: a directory shared by all users. Anyone signed in may read and add; only the
//! creator may edit; nobody deletes through the API (other users' deals may point at one).

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::error::{Result, Validator};
use crate::text;

/// A company of the shared directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Company {
    /// Id.
    pub id: Uuid,
    /// Display name (unique, case-insensitively).
    pub name: String,
    /// Logo image URL.
    pub logo_url: Option<String>,
    /// Industry, free text.
    pub industry: Option<String>,
    /// Web site URL.
    pub website: Option<String>,
    /// Who added it, if known.
    pub created_by: Option<Uuid>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// Id, name and logo: what a deal card shows of its company.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompanySummary {
    /// Id.
    pub id: Uuid,
    /// Display name.
    pub name: String,
    /// Logo image URL.
    pub logo_url: Option<String>,
}

/// The key that makes company names unique regardless of case and surrounding spaces.
pub fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// A validated company to add to the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompany {
    /// Display name.
    pub name: String,
    /// Logo image URL.
    pub logo_url: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Web site URL.
    pub website: Option<String>,
}

impl NewCompany {
    /// Validates the fields of a new company.
    ///
    /// # Errors
    /// [`crate::DomainError::Validation`] with every field problem.
    pub fn new(
        name: &str,
        logo_url: Option<&str>,
        industry: Option<&str>,
        website: Option<&str>,
    ) -> Result<Self> {
        let mut v = Validator::new();
        let name = v.check("name", text::required(name, text::NAME_MAX));
        let logo_url = v.check("logo_url", text::optional_url(logo_url));
        let industry = v.check("industry", text::optional(industry, text::NAME_MAX));
        let website = v.check("website", text::optional_url(website));
        v.finish()?;
        Ok(Self {
            name: name.unwrap_or_default(),
            logo_url: logo_url.flatten(),
            industry: industry.flatten(),
            website: website.flatten(),
        })
    }
}

/// A partial edit of a company; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompanyPatch {
    /// New name.
    pub name: Option<String>,
    /// New logo URL.
    pub logo_url: Option<Option<String>>,
    /// New industry.
    pub industry: Option<Option<String>>,
    /// New web site.
    pub website: Option<Option<String>>,
}

/// How a new contact names its company.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompanyChoice {
    /// No company.
    None,
    /// An existing directory entry.
    Existing(Uuid),
    /// Find by name (case-insensitively) or add to the directory, in the same transaction.
    GetOrCreate(NewCompany),
}
