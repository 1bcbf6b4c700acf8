//! Repository traits: what the use cases need from storage. `crm-store` implements them on
//! SeaORM; tests of the services use the `mockall` mocks generated behind the `mock` feature.
//!
//! Every tenant-scoped method takes the [`Tenant`] first and must only ever read or write that
//! tenant's rows. A row of another tenant is reported exactly like a missing one.

use async_trait::async_trait;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::activity::{Activity, ActivityPatch, ActivityQuery, NewActivity};
use crate::company::{Company, CompanyChoice, CompanyPatch, NewCompany};
use crate::contact::{ContactPatch, ContactQuery, ContactWithCompany};
use crate::deal::{
    BoardColumn, BoardQuery, ColumnPage, Deal, DealDetail, DealMove, DealPatch, NewDeal,
    StageChange,
};
use crate::error::Result;
use crate::import::{ImportOptions, ImportReport, ImportRow};
use crate::page::{Page, PageRequest};
use crate::spend::{MarketingSpend, NewMarketingSpend};
use crate::stage::{NewStage, PipelineStage, StagePatch};
use crate::task::TaskQuery;
use crate::user::{NewUser, Tenant, User, UserCredentials};

/// Users (the tenants themselves).
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Inserts a user together with their initial pipeline, in one transaction.
    ///
    /// # Errors
    /// `Conflict` when the e-mail or id is taken.
    async fn create(&self, user: NewUser, stages: Vec<NewStage>) -> Result<User>;
    /// Finds a user by id.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn find(&self, id: Uuid) -> Result<Option<User>>;
    /// Finds a user and their password hash by (normalised) e-mail.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn credentials(&self, email: &str) -> Result<Option<UserCredentials>>;
    /// Colleagues for pickers, by name or e-mail prefix search.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn search(&self, q: Option<String>, limit: u32) -> Result<Vec<User>>;
    /// Which of `ids` are existing users.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn existing(&self, ids: Vec<Uuid>) -> Result<Vec<Uuid>>;
}

/// The shared company directory.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait CompanyRepository: Send + Sync {
    /// Returns the company with this name (case-insensitively) or adds it; `true` when added.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn get_or_create(&self, tenant: Tenant, company: NewCompany) -> Result<(Company, bool)>;
    /// Finds a company.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn find(&self, id: Uuid) -> Result<Option<Company>>;
    /// Lists companies by name, optionally filtered.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn list(&self, q: Option<String>, page: PageRequest) -> Result<Page<Company>>;
    /// Edits a company; only its creator may.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden` (not the creator), `Conflict` (name taken).
    async fn update(&self, tenant: Tenant, id: Uuid, patch: CompanyPatch) -> Result<Company>;
}

/// A user's contacts.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ContactRepository: Send + Sync {
    /// Inserts a contact; a company to get-or-create is handled in the same transaction.
    ///
    /// # Errors
    /// `Conflict` on a duplicate e-mail; `NotFound` for an unknown existing company.
    async fn create(
        &self,
        tenant: Tenant,
        contact: crate::contact::NewContact,
        company: CompanyChoice,
    ) -> Result<ContactWithCompany>;
    /// Finds one of the tenant's contacts.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<ContactWithCompany>>;
    /// Lists the tenant's contacts.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn list(&self, tenant: Tenant, query: ContactQuery) -> Result<Page<ContactWithCompany>>;
    /// Edits a contact.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` on a duplicate e-mail.
    async fn update(
        &self,
        tenant: Tenant,
        id: Uuid,
        patch: ContactPatch,
    ) -> Result<ContactWithCompany>;
    /// Deletes a contact: its deals stay with `contact_id` cleared, its activities go.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()>;
    /// Imports one batch of rows in one transaction (rolled back on a dry run): companies are
    /// got or created by name, owners looked up by e-mail, and a row matching an existing
    /// contact (by `match_id`, else by e-mail) is skipped or updated. A row that cannot be
    /// written (unknown owner, e-mail of another contact) is reported, never half-written.
    ///
    /// # Errors
    /// `Unexpected` on storage failure (the whole batch is then rolled back).
    async fn import_batch(
        &self,
        tenant: Tenant,
        rows: Vec<ImportRow>,
        options: ImportOptions,
    ) -> Result<ImportReport>;
}

/// A user's pipeline stages.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait StageRepository: Send + Sync {
    /// The tenant's stages in pipeline order.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn list(&self, tenant: Tenant) -> Result<Vec<PipelineStage>>;
    /// Inserts a stage at its position, shifting later ones.
    ///
    /// # Errors
    /// `Conflict` on a duplicate name.
    async fn create(&self, tenant: Tenant, stage: NewStage) -> Result<PipelineStage>;
    /// Renames, moves or re-weights a stage (positions stay 0..n-1).
    ///
    /// # Errors
    /// `NotFound`, `Conflict` on a duplicate name.
    async fn update(&self, tenant: Tenant, id: Uuid, patch: StagePatch) -> Result<PipelineStage>;
    /// Deletes a stage; its deals first move to the end of `move_to`, in the same transaction.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when it holds deals and `move_to` is `None`.
    async fn delete(&self, tenant: Tenant, id: Uuid, move_to: Option<Uuid>) -> Result<()>;
}

/// A user's deals, their moves, collaborators and history.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait DealRepository: Send + Sync {
    /// Inserts a deal at the end of its column and records its first stage in the history.
    ///
    /// # Errors
    /// `Conflict` when a reference is refused by the database.
    async fn create(&self, tenant: Tenant, deal: NewDeal) -> Result<Deal>;
    /// Finds one of the tenant's deals.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<Deal>>;
    /// One of the tenant's deals with everything its page shows ([`DealDetail`]), read in
    /// one transaction.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn detail(&self, tenant: Tenant, id: Uuid) -> Result<Option<DealDetail>>;
    /// The board: every stage with its whole-column count and total and its first cards.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn board(
        &self,
        tenant: Tenant,
        query: BoardQuery,
        per_stage: u32,
    ) -> Result<Vec<BoardColumn>>;
    /// More cards of one column.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn column(
        &self,
        tenant: Tenant,
        query: BoardQuery,
        page: ColumnPage,
    ) -> Result<Page<Deal>>;
    /// Deals of the tenant with a company, newest first.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn with_company(&self, tenant: Tenant, company_id: Uuid) -> Result<Vec<Deal>>;
    /// Deals of the tenant with a contact, newest first.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn with_contact(&self, tenant: Tenant, contact_id: Uuid) -> Result<Vec<Deal>>;
    /// Edits a deal's fields and sets `last_update`.
    ///
    /// # Errors
    /// `NotFound`; `Conflict` when a reference is refused.
    async fn update(&self, tenant: Tenant, id: Uuid, patch: DealPatch) -> Result<Deal>;
    /// Moves a card, in one transaction: lands it at the clamped position, resequences both
    /// columns to 0..n-1 and, when the stage changed, writes the history row and a
    /// `stage_change` activity.
    ///
    /// # Errors
    /// `NotFound` for an unknown deal.
    async fn move_deal(&self, tenant: Tenant, id: Uuid, to: DealMove) -> Result<Deal>;
    /// Deletes a deal and closes the gap in its column.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()>;
    /// Lists a user as collaborator; `false` when already listed.
    ///
    /// # Errors
    /// `NotFound` for an unknown deal or user.
    async fn add_collaborator(&self, tenant: Tenant, deal_id: Uuid, user_id: Uuid) -> Result<bool>;
    /// Removes a collaborator.
    ///
    /// # Errors
    /// `NotFound` when the deal or the listing does not exist.
    async fn remove_collaborator(&self, tenant: Tenant, deal_id: Uuid, user_id: Uuid)
    -> Result<()>;
    /// The stage history of a deal, oldest first.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn stage_history(&self, tenant: Tenant, deal_id: Uuid) -> Result<Vec<StageChange>>;
}

/// A user's activity log.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait ActivityRepository: Send + Sync {
    /// Inserts an activity.
    ///
    /// # Errors
    /// `Conflict` when the contact or deal is not the tenant's (refused by the database).
    async fn create(&self, tenant: Tenant, activity: NewActivity) -> Result<Activity>;
    /// Finds one activity.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<Activity>>;
    /// Lists activities newest first.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn list(&self, tenant: Tenant, query: ActivityQuery) -> Result<Page<Activity>>;
    /// Edits an activity.
    ///
    /// # Errors
    /// `NotFound`.
    async fn update(&self, tenant: Tenant, id: Uuid, patch: ActivityPatch) -> Result<Activity>;
    /// Deletes an activity.
    ///
    /// # Errors
    /// `NotFound`.
    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()>;
    /// Task activities in the order of [`TaskQuery`]: open first, by due time (overdue first),
    /// undated last.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn tasks(&self, tenant: Tenant, query: TaskQuery) -> Result<Page<Activity>>;
}

/// A user's marketing spend.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait SpendRepository: Send + Sync {
    /// Inserts or replaces the row of that day and source; `true` when inserted.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn upsert(
        &self,
        tenant: Tenant,
        spend: NewMarketingSpend,
    ) -> Result<(MarketingSpend, bool)>;
    /// Rows with `from <= spent_on < to`, by day.
    ///
    /// # Errors
    /// `Unexpected` on storage failure.
    async fn list(
        &self,
        tenant: Tenant,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<MarketingSpend>>;
}
