//! Contacts (leads): people a user sells to, each belonging to exactly one user.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::company::CompanySummary;
use crate::error::{Result, Validator};
use crate::page::PageRequest;
use crate::text;

crate::string_enum! {
    /// Where a lead came from.
    LeadSource, "lead_source" {
        OrganicSearch => "organic_search",
        PaidAds => "paid_ads",
        SocialMedia => "social_media",
        Referral => "referral",
        EmailCampaign => "email_campaign",
        Webinar => "webinar",
        Partner => "partner",
        Event => "event",
        ColdCall => "cold_call",
        Other => "other",
    }
}

crate::string_enum! {
    /// Where a lead stands.
    LeadStatus, "lead_status" {
        New => "new",
        Contacted => "contacted",
        Qualified => "qualified",
        Interested => "interested",
        Converted => "converted",
        Closed => "closed",
        Lost => "lost",
        Nurturing => "nurturing",
    }
}

/// A contact as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contact {
    /// Id.
    pub id: Uuid,
    /// Owning user (tenant).
    pub user_id: Uuid,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Lower-cased e-mail, unique among this user's contacts.
    pub email: Option<String>,
    /// Phone number, free text.
    pub phone: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Company in the shared directory.
    pub company_id: Option<Uuid>,
    /// Where the lead came from.
    pub lead_source: Option<LeadSource>,
    /// Lead status.
    pub lead_status: Option<LeadStatus>,
    /// The colleague responsible.
    pub contact_owner_id: Option<Uuid>,
    /// Who created it.
    pub created_by: Uuid,
    /// Avatar image URL.
    pub avatar_url: Option<String>,
    /// LinkedIn profile URL.
    pub linkedin_url: Option<String>,
    /// Free notes.
    pub notes: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub updated_at: DateTime<Utc>,
}

/// A contact with its company, as lists and pages show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactWithCompany {
    /// The contact.
    #[serde(flatten)]
    pub contact: Contact,
    /// Its company, if any.
    pub company: Option<CompanySummary>,
}

/// What a deal card shows of its contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContactSummary {
    /// Id.
    pub id: Uuid,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
}

/// The fields of a contact form, as received (unvalidated).
#[derive(Debug, Clone, Default)]
pub struct ContactInput<'a> {
    /// Given name (required).
    pub first_name: &'a str,
    /// Family name (required).
    pub last_name: &'a str,
    /// E-mail.
    pub email: Option<&'a str>,
    /// Phone.
    pub phone: Option<&'a str>,
    /// Job title.
    pub title: Option<&'a str>,
    /// Lead source, stored spelling.
    pub lead_source: Option<&'a str>,
    /// Lead status, stored spelling.
    pub lead_status: Option<&'a str>,
    /// Owner colleague.
    pub contact_owner_id: Option<Uuid>,
    /// Avatar URL.
    pub avatar_url: Option<&'a str>,
    /// LinkedIn URL.
    pub linkedin_url: Option<&'a str>,
    /// Notes.
    pub notes: Option<&'a str>,
}

/// A validated new contact (its company is chosen separately, see [`crate::CompanyChoice`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    /// Id chosen by the application.
    pub id: Uuid,
    /// Given name.
    pub first_name: String,
    /// Family name.
    pub last_name: String,
    /// Normalised e-mail.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Lead source.
    pub lead_source: Option<LeadSource>,
    /// Lead status.
    pub lead_status: Option<LeadStatus>,
    /// Owner colleague; defaults to the creator when `None` at the service.
    pub contact_owner_id: Option<Uuid>,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// LinkedIn URL.
    pub linkedin_url: Option<String>,
    /// Notes.
    pub notes: Option<String>,
}

impl NewContact {
    /// Validates every field, reporting all problems at once.
    ///
    /// # Errors
    /// [`crate::DomainError::Validation`] keyed by field name.
    pub fn new(input: &ContactInput<'_>) -> Result<Self> {
        let mut v = Validator::new();
        let first_name = v.check(
            "first_name",
            text::required(input.first_name, text::NAME_MAX),
        );
        let last_name = v.check("last_name", text::required(input.last_name, text::NAME_MAX));
        let email = v.check("email", optional_email(input.email));
        let phone = v.check("phone", text::optional(input.phone, 50));
        let title = v.check("title", text::optional(input.title, text::NAME_MAX));
        let lead_source = v.check("lead_source", input.lead_source.map(str::parse).transpose());
        let lead_status = v.check("lead_status", input.lead_status.map(str::parse).transpose());
        let avatar_url = v.check("avatar_url", text::optional_url(input.avatar_url));
        let linkedin_url = v.check("linkedin_url", text::optional_url(input.linkedin_url));
        let notes = v.check("notes", text::optional(input.notes, text::LONG_TEXT_MAX));
        v.finish()?;
        Ok(Self {
            id: Uuid::now_v7(),
            first_name: first_name.unwrap_or_default(),
            last_name: last_name.unwrap_or_default(),
            email: email.flatten(),
            phone: phone.flatten(),
            title: title.flatten(),
            lead_source: lead_source.flatten(),
            lead_status: lead_status.flatten(),
            contact_owner_id: input.contact_owner_id,
            avatar_url: avatar_url.flatten(),
            linkedin_url: linkedin_url.flatten(),
            notes: notes.flatten(),
        })
    }
}

/// Validates an optional e-mail (empty means none).
///
/// # Errors
/// [`crate::DomainError::Validation`] when malformed.
pub fn optional_email(value: Option<&str>) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(address) => text::email(address).map(Some),
    }
}

/// A partial, validated edit of a contact; `Some(None)` clears an optional field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactPatch {
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<Option<String>>,
    /// Phone.
    pub phone: Option<Option<String>>,
    /// Job title.
    pub title: Option<Option<String>>,
    /// Company.
    pub company_id: Option<Option<Uuid>>,
    /// Lead source.
    pub lead_source: Option<Option<LeadSource>>,
    /// Lead status.
    pub lead_status: Option<Option<LeadStatus>>,
    /// Owner colleague.
    pub contact_owner_id: Option<Option<Uuid>>,
    /// Avatar URL.
    pub avatar_url: Option<Option<String>>,
    /// LinkedIn URL.
    pub linkedin_url: Option<Option<String>>,
    /// Notes.
    pub notes: Option<Option<String>>,
}

/// Sort orders of the contact list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ContactSort {
    /// Newest first (default).
    #[default]
    CreatedDesc,
    /// Oldest first.
    CreatedAsc,
    /// By last then first name, A→Z.
    NameAsc,
    /// By last then first name, Z→A.
    NameDesc,
}

impl ContactSort {
    /// Parses `field` or `-field` for `created_at` and `name`.
    ///
    /// # Errors
    /// [`crate::DomainError::Validation`] on `sort`.
    pub fn parse(value: &str) -> Result<Self> {
        match value {
            "-created_at" => Ok(Self::CreatedDesc),
            "created_at" => Ok(Self::CreatedAsc),
            "name" | "last_name" => Ok(Self::NameAsc),
            "-name" | "-last_name" => Ok(Self::NameDesc),
            _ => Err(crate::DomainError::field(
                "sort",
                "must be one of created_at, -created_at, name, -name",
            )),
        }
    }
}

/// Filters of the contact list.
#[derive(Debug, Clone, Default)]
pub struct ContactQuery {
    /// Case-insensitive search in names, e-mail and phone.
    pub q: Option<String>,
    /// Only this status.
    pub lead_status: Option<LeadStatus>,
    /// Only this source.
    pub lead_source: Option<LeadSource>,
    /// Only this company.
    pub company_id: Option<Uuid>,
    /// Order.
    pub sort: ContactSort,
    /// Page.
    pub page: PageRequest,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_needs_both_names_and_reports_every_problem() {
        let input = ContactInput {
            first_name: " ",
            last_name: "",
            email: Some("nope"),
            lead_source: Some("carrier_pigeon"),
            ..ContactInput::default()
        };
        let Err(crate::DomainError::Validation(fields)) = NewContact::new(&input) else {
            panic!("accepted")
        };
        let keys: Vec<_> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["email", "first_name", "last_name", "lead_source"]);
    }

    #[test]
    fn a_valid_contact_is_normalised() {
        let input = ContactInput {
            first_name: " Ada ",
            last_name: "Lovelace",
            email: Some("ADA@Example.com"),
            lead_source: Some("referral"),
            lead_status: Some("new"),
            ..ContactInput::default()
        };
        let contact = NewContact::new(&input).unwrap();
        assert_eq!(contact.first_name, "Ada");
        assert_eq!(contact.email.as_deref(), Some("ada@example.com"));
        assert_eq!(contact.lead_source, Some(LeadSource::Referral));
    }

    #[test]
    fn sort_accepts_field_and_minus_field() {
        assert_eq!(
            ContactSort::parse("-created_at").unwrap(),
            ContactSort::CreatedDesc
        );
        assert_eq!(ContactSort::parse("name").unwrap(), ContactSort::NameAsc);
        assert!(ContactSort::parse("password").is_err());
    }
}
