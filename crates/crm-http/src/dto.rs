//! Wire types: what the API reads and writes. Domain types never reach the wire directly;
//! each response DTO is built from them here. Request bodies reject unknown fields, so owner
//! columns (`user_id`, `created_by`, `id`) can never be mass-assigned.

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain as d;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use crate::openapi::field;
use uuid::Uuid;

/// Reads a field that may be absent (`None`), `null` (`Some(None)`) or a value.
pub fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Reads a field that may be absent (`None`) or a value, but never `null`: a partial edit
/// cannot clear a required field, and saying `null` for one is a malformed body (400) rather
/// than a silent no-op.
pub fn non_null<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// Reads a whole number that may be written as `7` or `7.0` (JSON Schema counts both as
/// integers), absent (`None`) but never `null`.
pub fn whole_non_null<'de, T: TryFrom<i64>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    serde_json::Number::deserialize(deserializer)
        .and_then(to_whole)
        .map(Some)
}

/// Like [`whole_non_null`], but `null` is the same as absent.
pub fn whole_or_null<'de, T: TryFrom<i64>, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    Option::<serde_json::Number>::deserialize(deserializer)?
        .map(to_whole)
        .transpose()
}

fn to_whole<T: TryFrom<i64>, E: serde::de::Error>(number: serde_json::Number) -> Result<T, E> {
    let value = number.as_i64().or_else(|| {
        number
            .as_f64()
            .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e18)
            .map(|f| f as i64)
    });
    value
        .and_then(|v| T::try_from(v).ok())
        .ok_or_else(|| E::custom(format!("{number} is not a whole number in range")))
}

/// Why a day of a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayError {
    /// Not a calendar date written `YYYY-MM-DD` (nor with a longer or signed year): a
    /// malformed value, 400.
    Malformed,
    /// A calendar date (ISO 8601, possibly with an expanded year such as `+275760-09-13` or
    /// `99999-01-01`, or year `0000`) outside 0001-01-01..=9999-12-31: a well-formed value
    /// that breaks the range rule, 422 naming the field.
    OutOfRange,
}

/// Parses a day written exactly `YYYY-MM-DD` (year 0001 to 9999), the `format: date` of the
/// document.
///
/// # Errors
/// [`DayError::OutOfRange`] for a date whose year is outside 1..=9999 (year `0000`, or a year
/// with a sign or more than four digits; chrono alone would take some of those, and the
/// others it cannot even represent), [`DayError::Malformed`] for anything else that is not
/// such a date, including an in-range date written otherwise (`2026-1-1`, `+2026-01-01`).
pub fn parse_day(text: &str) -> Result<NaiveDate, DayError> {
    let (sign, rest) = match text.as_bytes().first() {
        Some(b'+' | b'-') => (true, &text[1..]),
        _ => (false, text),
    };
    let mut parts = rest.splitn(3, '-');
    let (Some(year), Some(month), Some(day)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(DayError::Malformed);
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if year.len() < 4 || month.len() != 2 || day.len() != 2 {
        return Err(DayError::Malformed);
    }
    if !(digits(year) && digits(month) && digits(day)) {
        return Err(DayError::Malformed);
    }
    let (month, day) = (
        month.parse::<u32>().unwrap_or_default(),
        day.parse::<u32>().unwrap_or_default(),
    );
    // Leap years repeat every 400 years, and 400 divides 10,000, so the last four digits of
    // any year (and its sign does not matter) tell whether it is one.
    let cycle: u32 = year[year.len() - 4..].parse().unwrap_or_default();
    let leap = cycle.is_multiple_of(4) && (!cycle.is_multiple_of(100) || cycle.is_multiple_of(400));
    let month_days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(DayError::Malformed),
    };
    if !(1..=month_days).contains(&day) {
        return Err(DayError::Malformed);
    }
    let significant = year.trim_start_matches('0');
    let in_range = !sign && year.len() == 4 && !significant.is_empty();
    if in_range {
        let year = significant.parse::<i32>().unwrap_or_default();
        return NaiveDate::from_ymd_opt(year, month, day).ok_or(DayError::Malformed);
    }
    let value_in_range =
        (!sign || text.starts_with('+')) && !significant.is_empty() && significant.len() <= 4;
    if value_in_range {
        // `+2026-01-01`, `02026-01-01`: a day of the range, not written as documented.
        Err(DayError::Malformed)
    } else {
        Err(DayError::OutOfRange)
    }
}

/// A `YYYY-MM-DD` day of a request, read in two steps: a malformed value fails while reading
/// (400, like any malformed body or query), a well-formed date outside the stored calendar
/// is kept as [`DayInput::OutOfRange`] and refused by [`DayInput::check`] as a field error
/// (422), like every other rule a well-formed request can break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayInput {
    /// A day of 0001-01-01..=9999-12-31.
    Day(NaiveDate),
    /// A well-formed date outside that range.
    OutOfRange,
}

impl DayInput {
    /// The day, or the field error of `field`.
    ///
    /// # Errors
    /// [`d::DomainError::Validation`] on `field` when the date is out of range.
    pub fn check(self, field: &str) -> Result<NaiveDate, d::DomainError> {
        match self {
            Self::Day(day) => Ok(day),
            Self::OutOfRange => Err(d::DomainError::field(field, d::calendar::OUT_OF_RANGE)),
        }
    }
}

impl<'de> Deserialize<'de> for DayInput {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        match parse_day(&text) {
            Ok(day) => Ok(Self::Day(day)),
            Err(DayError::OutOfRange) => Ok(Self::OutOfRange),
            Err(DayError::Malformed) => Err(serde::de::Error::custom(format!(
                "{text:?} is not a date YYYY-MM-DD"
            ))),
        }
    }
}

// ---- shared -------------------------------------------------------------------------------

/// A user as a picker or card shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserSummaryDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub display_name: String,
    /// Avatar URL.
    pub avatar_url: Option<String>,
}

impl From<&d::UserSummary> for UserSummaryDto {
    fn from(u: &d::UserSummary) -> Self {
        Self {
            id: u.id,
            display_name: u.display_name.clone(),
            avatar_url: u.avatar_url.clone(),
        }
    }
}

impl From<d::UserSummary> for UserSummaryDto {
    fn from(u: d::UserSummary) -> Self {
        Self {
            id: u.id,
            display_name: u.display_name,
            avatar_url: u.avatar_url,
        }
    }
}

impl From<&d::User> for UserSummaryDto {
    fn from(u: &d::User) -> Self {
        Self {
            id: u.id,
            display_name: u.display_name.clone(),
            avatar_url: u.avatar_url.clone(),
        }
    }
}

/// `{"data": [...]}` without paging.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto<T: ToSchema> {
    /// The rows.
    pub data: Vec<T>,
}

/// `{"data": [...], "next_cursor": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageDto<T: ToSchema> {
    /// The rows of this page.
    pub data: Vec<T>,
    /// Cursor of the next page, `null` on the last.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> PageDto<T> {
    /// Maps a domain page.
    pub fn from_page<U>(page: d::Page<U>, f: impl FnMut(U) -> T) -> Self {
        Self {
            data: page.data.into_iter().map(f).collect(),
            next_cursor: page.next_cursor,
        }
    }
}

/// A money amount as sent: a decimal string such as `"12500.00"` (preferred) or a JSON number.
/// The handler checks it, so a negative or too precise amount is a 422 on its field, not a 400
/// for the whole body.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AmountInput {
    /// `"12500.00"`.
    Text(String),
    /// `12500.5`.
    Number(serde_json::Number),
}

impl AmountInput {
    /// The amount as money.
    ///
    /// # Errors
    /// Validation errors (under an empty field name) when it is not a valid amount.
    pub fn parse(&self) -> d::Result<d::Money> {
        let invalid = || d::DomainError::field("", "must be a decimal number such as \"12500.00\"");
        match self {
            Self::Text(text) if is_plain_amount(text) => text.parse(),
            Self::Text(_) => Err(invalid()),
            Self::Number(number) => match (number.as_u64(), number.as_f64()) {
                (Some(whole), _) => whole.to_string().parse(),
                (None, Some(value)) if (0.0..=crate::openapi::AMOUNT_MAX).contains(&value) => {
                    let cents = rust_decimal::Decimal::from_f64_retain(value)
                        .ok_or_else(invalid)?
                        .round_dp(2);
                    d::Money::from_decimal(cents)
                }
                _ => Err(d::DomainError::field(
                    "",
                    "must be between 0 and 9999999999999.99",
                )),
            },
        }
    }
}

/// `true` for `digits[.d[d]]` with at most 13 digits before the point: the one spelling of
/// money the API reads (the schema's pattern says the same).
fn is_plain_amount(text: &str) -> bool {
    let (whole, cents) = text.split_once('.').unwrap_or((text, "0"));
    let digits = |part: &str, max: usize| {
        !part.is_empty() && part.len() <= max && part.bytes().all(|b| b.is_ascii_digit())
    };
    digits(whole, 13) && digits(cents, 2)
}

/// Paging parameters of list routes.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Rows per page (default 50; clamped into 1..=200).
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
    /// Cursor from the previous page.
    #[param(schema_with = field::cursor)]
    pub cursor: Option<String>,
}

// ---- auth ---------------------------------------------------------------------------------

/// Sign-up body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// E-mail.
    #[schema(schema_with = field::email_required)]
    pub email: String,
    /// Password, 8 to 256 characters.
    #[schema(min_length = 8, max_length = 256)]
    pub password: String,
    /// Name shown in the UI.
    #[schema(schema_with = field::short_text)]
    pub display_name: Option<String>,
}

/// Sign-in body.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeDto {
    /// Id.
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Avatar URL.
    pub avatar_url: Option<String>,
}

impl From<&d::User> for MeDto {
    fn from(u: &d::User) -> Self {
        Self {
            id: u.id,
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            avatar_url: u.avatar_url.clone(),
        }
    }
}

/// A user in the session answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionUserDto {
    /// Id.
    pub id: Uuid,
    /// E-mail.
    pub email: String,
    /// Name.
    pub display_name: String,
}

/// Answer of sign-up and sign-in.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// The user.
    pub user: SessionUserDto,
    /// HS256 JWT.
    pub access_token: String,
    /// Always `bearer`.
    pub token_type: String,
    /// Lifetime in seconds.
    pub expires_in: u64,
}

// ---- companies ----------------------------------------------------------------------------

/// A company of the shared directory.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Logo URL.
    pub logo_url: Option<String>,
    /// Industry.
    pub industry: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Who added it.
    pub created_by: Option<Uuid>,
    /// When.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub created_at: DateTime<Utc>,
    /// Last edit.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl From<d::Company> for CompanyDto {
    fn from(c: d::Company) -> Self {
        Self {
            id: c.id,
            name: c.name,
            logo_url: c.logo_url,
            industry: c.industry,
            website: c.website,
            created_by: c.created_by,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// Id, name and logo of a company.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanySummaryDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Logo URL.
    pub logo_url: Option<String>,
}

impl From<d::CompanySummary> for CompanySummaryDto {
    fn from(c: d::CompanySummary) -> Self {
        Self {
            id: c.id,
            name: c.name,
            logo_url: c.logo_url,
        }
    }
}

impl From<&d::CompanySummary> for CompanySummaryDto {
    fn from(c: &d::CompanySummary) -> Self {
        Self {
            id: c.id,
            name: c.name.clone(),
            logo_url: c.logo_url.clone(),
        }
    }
}

/// A company to get or create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyRequest {
    /// Name (unique, case-insensitively).
    #[schema(schema_with = field::name)]
    pub name: String,
    /// Logo URL.
    #[schema(schema_with = field::url_or_null)]
    pub logo_url: Option<String>,
    /// Industry.
    #[schema(schema_with = field::short_text)]
    pub industry: Option<String>,
    /// Web site.
    #[schema(schema_with = field::url_or_null)]
    pub website: Option<String>,
}

impl CompanyRequest {
    /// Validates into a domain company.
    ///
    /// # Errors
    /// Validation errors per field.
    pub fn into_domain(self) -> d::Result<d::NewCompany> {
        d::NewCompany::new(
            &self.name,
            self.logo_url.as_deref(),
            self.industry.as_deref(),
            self.website.as_deref(),
        )
    }
}

/// A partial edit of a company.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CompanyPatchRequest {
    /// Name.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::name)]
    pub name: Option<String>,
    /// Logo URL (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::url_or_null)]
    pub logo_url: Option<Option<String>>,
    /// Industry (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::short_text)]
    pub industry: Option<Option<String>>,
    /// Web site (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::url_or_null)]
    pub website: Option<Option<String>>,
}

/// A company with the caller's deals with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CompanyDetailDto {
    /// The company.
    #[serde(flatten)]
    pub company: CompanyDto,
    /// The caller's open deals with it.
    pub ongoing: Vec<DealDto>,
    /// The caller's won or lost deals with it.
    pub past: Vec<DealDto>,
}

// ---- contacts -----------------------------------------------------------------------------

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDto {
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
    /// Job title.
    pub title: Option<String>,
    /// Company id.
    pub company_id: Option<Uuid>,
    /// Company.
    pub company: Option<CompanySummaryDto>,
    /// Lead source.
    pub lead_source: Option<String>,
    /// Lead status.
    pub lead_status: Option<String>,
    /// Owner colleague.
    pub contact_owner_id: Option<Uuid>,
    /// Creator.
    pub created_by: Uuid,
    /// Avatar URL.
    pub avatar_url: Option<String>,
    /// LinkedIn URL.
    pub linkedin_url: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Created.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub created_at: DateTime<Utc>,
    /// Last edit.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl From<d::ContactWithCompany> for ContactDto {
    fn from(c: d::ContactWithCompany) -> Self {
        let company = c.company.as_ref().map(CompanySummaryDto::from);
        let c = c.contact;
        Self {
            id: c.id,
            first_name: c.first_name,
            last_name: c.last_name,
            email: c.email,
            phone: c.phone,
            title: c.title,
            company_id: c.company_id,
            company,
            lead_source: c.lead_source.map(|s| s.as_str().to_owned()),
            lead_status: c.lead_status.map(|s| s.as_str().to_owned()),
            contact_owner_id: c.contact_owner_id,
            created_by: c.created_by,
            avatar_url: c.avatar_url,
            linkedin_url: c.linkedin_url,
            notes: c.notes,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A contact with its deals (and the pipeline, for the steppers).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactDetailDto {
    /// The contact.
    #[serde(flatten)]
    pub contact: ContactDto,
    /// Its deals.
    pub deals: Vec<DealDto>,
    /// The caller's pipeline.
    pub stages: Vec<StageDto>,
}

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactRequest {
    /// Given name.
    #[schema(schema_with = field::name)]
    pub first_name: String,
    /// Family name.
    #[schema(schema_with = field::name)]
    pub last_name: String,
    /// E-mail (unique among your contacts).
    #[schema(schema_with = field::email_or_null)]
    pub email: Option<String>,
    /// Phone.
    #[schema(schema_with = field::phone)]
    pub phone: Option<String>,
    /// Job title.
    #[schema(schema_with = field::short_text)]
    pub title: Option<String>,
    /// An existing company.
    pub company_id: Option<Uuid>,
    /// A company to get or create.
    pub company: Option<CompanyRequest>,
    /// Lead source.
    #[schema(schema_with = field::lead_source_or_null)]
    pub lead_source: Option<String>,
    /// Lead status.
    #[schema(schema_with = field::lead_status_or_null)]
    pub lead_status: Option<String>,
    /// Owner colleague (default: you).
    pub contact_owner_id: Option<Uuid>,
    /// Avatar URL.
    #[schema(schema_with = field::url_or_null)]
    pub avatar_url: Option<String>,
    /// LinkedIn URL.
    #[schema(schema_with = field::url_or_null)]
    pub linkedin_url: Option<String>,
    /// Notes.
    #[schema(schema_with = field::long_text)]
    pub notes: Option<String>,
}

/// A partial edit of a contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPatchRequest {
    /// Given name.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::name)]
    pub first_name: Option<String>,
    /// Family name.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::name)]
    pub last_name: Option<String>,
    /// E-mail (`null` clears).
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::email_or_null)]
    pub email: Option<Option<String>>,
    /// Phone.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::phone)]
    pub phone: Option<Option<String>>,
    /// Job title.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::short_text)]
    pub title: Option<Option<String>>,
    /// Company.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub company_id: Option<Option<Uuid>>,
    /// Lead source.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::lead_source_or_null)]
    pub lead_source: Option<Option<String>>,
    /// Lead status.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::lead_status_or_null)]
    pub lead_status: Option<Option<String>>,
    /// Owner colleague.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub contact_owner_id: Option<Option<Uuid>>,
    /// Avatar URL.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::url_or_null)]
    pub avatar_url: Option<Option<String>>,
    /// LinkedIn URL.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::url_or_null)]
    pub linkedin_url: Option<Option<String>>,
    /// Notes.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::long_text)]
    pub notes: Option<Option<String>>,
}

// ---- stages -------------------------------------------------------------------------------

/// A pipeline stage.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// 0-based position.
    pub position: u32,
    /// `open`, `won` or `lost`.
    pub kind: String,
    /// Default win probability in percent.
    pub probability: u8,
}

impl From<&d::PipelineStage> for StageDto {
    fn from(s: &d::PipelineStage) -> Self {
        Self {
            id: s.id,
            name: s.name.clone(),
            position: s.position,
            kind: s.kind.as_str().to_owned(),
            probability: s.probability.get(),
        }
    }
}

/// A new stage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StageRequest {
    /// Name (unique in your pipeline).
    #[schema(schema_with = field::name)]
    pub name: String,
    /// Position (default: before the first won/lost stage; past the end: last).
    #[serde(default, deserialize_with = "whole_or_null")]
    #[schema(schema_with = field::position_or_null)]
    pub position: Option<u32>,
    /// `open` (default), `won` or `lost`.
    #[schema(schema_with = field::stage_kind_or_null)]
    pub kind: Option<String>,
    /// Default probability, 0..=100.
    #[serde(default, deserialize_with = "whole_or_null")]
    #[schema(schema_with = field::percent_or_null)]
    pub probability: Option<i64>,
}

/// A partial edit of a stage.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StagePatchRequest {
    /// New name.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::name)]
    pub name: Option<String>,
    /// New position (past the end: last).
    #[serde(default, deserialize_with = "whole_non_null")]
    #[schema(schema_with = field::position)]
    pub position: Option<u32>,
    /// New default probability.
    #[serde(default, deserialize_with = "whole_non_null")]
    #[schema(schema_with = field::percent)]
    pub probability: Option<i64>,
}

/// Query of a stage deletion.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StageDeleteParams {
    /// Name of the stage that receives the deleted stage's deals.
    #[param(schema_with = field::plain)]
    pub move_to: Option<String>,
}

// ---- deals --------------------------------------------------------------------------------

/// What a deal card shows of its contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactSummaryDto {
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

/// A deal.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealDto {
    /// Id.
    pub id: Uuid,
    /// Title.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Budget, a decimal string such as `"12500.00"`.
    pub amount: Option<String>,
    /// Stage name.
    pub stage: String,
    /// Stage id.
    pub stage_id: Uuid,
    /// Stage kind.
    pub stage_kind: &'static str,
    /// Position in the column.
    pub stage_order: u32,
    /// `low`, `medium`, `high`, `urgent`.
    pub priority: &'static str,
    /// 0..=100.
    pub progress: u8,
    /// Closing date.
    #[serde(serialize_with = "crate::rfc3339::serialize_date")]
    pub close_date: Option<NaiveDate>,
    /// Created.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub create_date: DateTime<Utc>,
    /// Last change.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub last_update: DateTime<Utc>,
    /// Owner.
    pub owner_id: Option<Uuid>,
    /// Company.
    pub company: Option<CompanySummaryDto>,
    /// Contact.
    pub contact: Option<ContactSummaryDto>,
    /// Collaborators.
    pub collaborators: Vec<UserSummaryDto>,
}

/// Moves the deal's strings into the answer (the board converts thousands of cards).
impl From<d::Deal> for DealDto {
    fn from(deal: d::Deal) -> Self {
        Self {
            id: deal.id,
            amount: deal.amount.map(|m| m.to_string()),
            name: deal.name,
            description: deal.description,
            stage: deal.stage,
            stage_id: deal.stage_id,
            stage_kind: deal.stage_kind.as_str(),
            stage_order: deal.stage_order,
            priority: deal.priority.as_str(),
            progress: deal.progress.get(),
            close_date: deal.close_date,
            create_date: deal.create_date,
            last_update: deal.last_update,
            owner_id: deal.owner_id,
            company: deal.company.map(CompanySummaryDto::from),
            contact: deal.contact.map(|c| ContactSummaryDto {
                id: c.id,
                first_name: c.first_name,
                last_name: c.last_name,
                email: c.email,
                phone: c.phone,
            }),
            collaborators: deal
                .collaborators
                .into_iter()
                .map(UserSummaryDto::from)
                .collect(),
        }
    }
}

impl From<&d::Deal> for DealDto {
    fn from(deal: &d::Deal) -> Self {
        Self::from(deal.clone())
    }
}

/// One column of the board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardColumnDto {
    /// Stage id.
    pub id: Uuid,
    /// Stage name.
    pub name: String,
    /// Position.
    pub position: u32,
    /// Kind.
    pub kind: String,
    /// Default probability.
    pub probability: u8,
    /// Deals in the whole column (matching the filters).
    pub count: u64,
    /// Sum of their amounts.
    pub total_amount: String,
    /// The first cards.
    pub deals: Vec<DealDto>,
    /// Cursor of the next cards of this column.
    pub next_cursor: Option<String>,
}

impl From<d::BoardColumn> for BoardColumnDto {
    fn from(c: d::BoardColumn) -> Self {
        Self {
            id: c.stage.id,
            kind: c.stage.kind.as_str().to_owned(),
            position: c.stage.position,
            probability: c.stage.probability.get(),
            name: c.stage.name,
            count: c.count,
            total_amount: d::Money::format_cents_sum(c.total_amount_cents),
            deals: c.deals.into_iter().map(DealDto::from).collect(),
            next_cursor: c.next_cursor,
        }
    }
}

/// The board.
#[derive(Debug, Serialize, ToSchema)]
pub struct BoardDto {
    /// Columns in pipeline order.
    pub stages: Vec<BoardColumnDto>,
}

/// The answer of `GET /api/crm/deals`: the board, or one column's page when `stage` is given
/// (for the document only; the handler writes one or the other).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum BoardAnswer {
    /// Without `stage`: every column with its first cards.
    Board(BoardDto),
    /// With `stage`: a page of that column.
    Column(PageDto<DealDto>),
}

/// Query of the board.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BoardParams {
    /// Cards per column (default 100; clamped into 1..=500).
    #[param(schema_with = field::limit)]
    pub per_stage: Option<u32>,
    /// Page through this one column (stage name): the answer is `{data, next_cursor}`.
    #[param(schema_with = field::plain)]
    pub stage: Option<String>,
    /// Cursor of a column (with `stage`).
    #[param(schema_with = field::cursor)]
    pub cursor: Option<String>,
    /// Page size of a column (with `stage`; clamped into 1..=500).
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
    /// Search in deal, company and contact names.
    #[param(schema_with = field::search)]
    pub q: Option<String>,
    /// Only this priority.
    #[param(schema_with = field::priority_filter)]
    pub priority: Option<String>,
    /// Only this owner.
    pub owner_id: Option<Uuid>,
}

/// A new deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealRequest {
    /// Title.
    #[schema(schema_with = field::name)]
    pub name: String,
    /// Stage name (or `stage_id`).
    pub stage: Option<String>,
    /// Stage id (or `stage`).
    pub stage_id: Option<Uuid>,
    /// Budget, decimal string or number.
    #[schema(schema_with = field::amount_or_null)]
    pub amount: Option<AmountInput>,
    /// Description.
    #[schema(schema_with = field::long_text)]
    pub description: Option<String>,
    /// Company.
    pub company_id: Option<Uuid>,
    /// Contact (one of yours).
    pub contact_id: Option<Uuid>,
    /// Priority (default `medium`).
    #[schema(schema_with = field::priority_or_null)]
    pub priority: Option<String>,
    /// Progress, 0..=100.
    #[serde(default, deserialize_with = "whole_or_null")]
    #[schema(schema_with = field::percent_or_null)]
    pub progress: Option<i64>,
    /// Closing date, 0001-01-01 to 9999-12-31.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub close_date: Option<DayInput>,
    /// Owner (default: you).
    pub owner_id: Option<Uuid>,
    /// Collaborators.
    #[serde(default)]
    pub collaborator_ids: Vec<Uuid>,
}

/// A partial edit and/or move of a deal.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DealPatchRequest {
    /// Title.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::name)]
    pub name: Option<String>,
    /// Description.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::long_text)]
    pub description: Option<Option<String>>,
    /// Budget.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::amount_or_null)]
    pub amount: Option<Option<AmountInput>>,
    /// Priority.
    #[serde(default, deserialize_with = "non_null")]
    #[schema(schema_with = field::priority)]
    pub priority: Option<String>,
    /// Progress.
    #[serde(default, deserialize_with = "whole_non_null")]
    #[schema(schema_with = field::percent)]
    pub progress: Option<i64>,
    /// Closing date, 0001-01-01 to 9999-12-31.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub close_date: Option<Option<DayInput>>,
    /// Owner.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub owner_id: Option<Option<Uuid>>,
    /// Contact.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub contact_id: Option<Option<Uuid>>,
    /// Company.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub company_id: Option<Option<Uuid>>,
    /// Move to this stage (name).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = String)]
    pub stage: Option<String>,
    /// Move to this stage (id).
    #[serde(default, deserialize_with = "non_null")]
    #[schema(value_type = Uuid)]
    pub stage_id: Option<Uuid>,
    /// Land at this position.
    #[serde(default, deserialize_with = "whole_non_null")]
    #[schema(schema_with = field::position)]
    pub stage_order: Option<u32>,
}

/// A collaborator to add.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CollaboratorRequest {
    /// The colleague.
    pub user_id: Uuid,
}

/// One entry of a deal's stage history.
#[derive(Debug, Serialize, ToSchema)]
pub struct StageChangeDto {
    /// Id.
    pub id: Uuid,
    /// Previous stage name.
    pub from_stage: Option<String>,
    /// New stage name.
    pub to_stage: String,
    /// Previous stage id.
    pub from_stage_id: Option<Uuid>,
    /// New stage id.
    pub to_stage_id: Uuid,
    /// Who.
    pub changed_by: Option<Uuid>,
    /// When.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub changed_at: DateTime<Utc>,
}

impl From<&d::StageChange> for StageChangeDto {
    fn from(c: &d::StageChange) -> Self {
        Self {
            id: c.id,
            from_stage: c.from_stage.clone(),
            to_stage: c.to_stage.clone(),
            from_stage_id: c.from_stage_id,
            to_stage_id: c.to_stage_id,
            changed_by: c.changed_by,
            changed_at: c.changed_at,
        }
    }
}

/// A company with the caller's other deals with it.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealCompanyDto {
    /// The company.
    #[serde(flatten)]
    pub company: CompanyDto,
    /// The caller's other deals with it.
    pub deals: Vec<DealDto>,
}

/// A deal with everything the deal page shows.
#[derive(Debug, Serialize, ToSchema)]
pub struct DealDetailDto {
    /// The deal (with `company` replaced by the detailed company).
    #[serde(flatten)]
    pub deal: DealDto,
    /// The company with the caller's other deals.
    pub company_detail: Option<DealCompanyDto>,
    /// The stage history, oldest first.
    pub stage_history: Vec<StageChangeDto>,
    /// First page of activities, newest first.
    pub activities: Vec<ActivityDto>,
    /// The pipeline, for the stepper.
    pub stages: Vec<StageDto>,
}

// ---- activities ---------------------------------------------------------------------------

/// An activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    /// Id.
    pub id: Uuid,
    /// `call`, `email`, `meeting`, `note`, `task` or `stage_change`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Contact.
    pub contact_id: Option<Uuid>,
    /// Deal.
    pub deal_id: Option<Uuid>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub description: Option<String>,
    /// Type-specific metadata.
    #[schema(value_type = Object)]
    pub metadata: Value,
    /// Author.
    pub created_by: Uuid,
    /// Created.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub created_at: DateTime<Utc>,
    /// Last edit.
    #[serde(serialize_with = "crate::rfc3339::serialize")]
    pub updated_at: DateTime<Utc>,
}

impl From<&d::Activity> for ActivityDto {
    fn from(a: &d::Activity) -> Self {
        Self {
            id: a.id,
            kind: a.metadata.kind().as_str().to_owned(),
            contact_id: a.contact_id,
            deal_id: a.deal_id,
            subject: a.subject.clone(),
            description: a.description.clone(),
            metadata: a.metadata.to_json(),
            created_by: a.created_by,
            created_at: a.created_at,
            updated_at: a.updated_at,
        }
    }
}

/// A new activity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityRequest {
    /// `call`, `email`, `meeting`, `note` or `task`.
    #[serde(rename = "type")]
    #[schema(schema_with = field::activity_type)]
    pub kind: String,
    /// Contact (one of yours).
    pub contact_id: Option<Uuid>,
    /// Deal (one of yours).
    pub deal_id: Option<Uuid>,
    /// Subject.
    #[schema(schema_with = field::short_text)]
    pub subject: Option<String>,
    /// Body.
    #[schema(schema_with = field::long_text)]
    pub description: Option<String>,
    /// Type-specific metadata.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Value,
}

/// A partial edit of an activity.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityPatchRequest {
    /// Subject.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::short_text)]
    pub subject: Option<Option<String>>,
    /// Body.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(schema_with = field::long_text)]
    pub description: Option<Option<String>>,
    /// Replacement metadata.
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Value>,
}

/// Query of the activity list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityParams {
    /// Only this contact's.
    pub contact_id: Option<Uuid>,
    /// Only this deal's.
    pub deal_id: Option<Uuid>,
    /// Only this type.
    #[serde(rename = "type")]
    #[param(rename = "type", schema_with = field::activity_type_filter)]
    pub kind: Option<String>,
    /// Search in subject and description.
    #[param(schema_with = field::search)]
    pub q: Option<String>,
    /// Rows per page (default 50; clamped into 1..=200).
    #[param(schema_with = field::limit)]
    pub limit: Option<u32>,
    /// Cursor.
    #[param(schema_with = field::cursor)]
    pub cursor: Option<String>,
}

// ---- marketing spend ----------------------------------------------------------------------

/// A day of spend.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpendDto {
    /// Id.
    pub id: Uuid,
    /// Day.
    pub spent_on: NaiveDate,
    /// Channel.
    pub lead_source: String,
    /// Allotted.
    pub allotted: String,
    /// Used.
    pub used: String,
}

impl From<&d::MarketingSpend> for SpendDto {
    fn from(s: &d::MarketingSpend) -> Self {
        Self {
            id: s.id,
            spent_on: s.spent_on,
            lead_source: s.lead_source.as_str().to_owned(),
            allotted: s.allotted.to_string(),
            used: s.used.to_string(),
        }
    }
}

/// A day of spend to upsert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpendRequest {
    /// Day, 0001-01-01 to 9999-12-31.
    #[schema(value_type = NaiveDate)]
    pub spent_on: DayInput,
    /// Channel.
    #[schema(schema_with = field::lead_source)]
    pub lead_source: String,
    /// Allotted.
    #[schema(schema_with = field::amount_required)]
    pub allotted: AmountInput,
    /// Used.
    #[schema(schema_with = field::amount_required)]
    pub used: AmountInput,
}

/// Query of the spend list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RangeParams {
    /// First day (inclusive), default 30 days ago.
    #[serde(default)]
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<DayInput>,
    /// Last day (exclusive), default tomorrow.
    #[serde(default)]
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<DayInput>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_or_are_told_apart_as_malformed_or_out_of_range() {
        for (text, year) in [
            ("0001-01-01", 1),
            ("2024-02-29", 2024),
            ("9999-12-31", 9999),
        ] {
            assert_eq!(parse_day(text).unwrap().to_string(), text);
            assert_eq!(
                parse_day(text).unwrap().format("%Y").to_string(),
                format!("{year:04}")
            );
        }
        for text in [
            "0000-01-01",
            "-0001-12-31",
            "+12026-01-01",
            "99999-01-01",
            "+275760-09-13",
            "+2000000000000000000000-02-29",
            "-0000-01-01",
        ] {
            assert_eq!(parse_day(text), Err(DayError::OutOfRange), "{text}");
        }
        for text in [
            "",
            "abc",
            "2026-1-1",
            "2026-02-30",
            "2023-02-29",
            "+12100-02-29",
            "2026-13-01",
            "2026-00-10",
            " 2026-01-01",
            "2026-01-01 ",
            "2026-01-01T00:00:00Z",
            "+2026-01-01",
            "02026-01-01",
            "+-2026-01-01",
            "+",
            "226-01-01",
        ] {
            assert_eq!(parse_day(text), Err(DayError::Malformed), "{text}");
        }
    }
}
