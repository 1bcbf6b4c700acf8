//! Use-case services: the operations the HTTP layer (and any other Rust caller) performs.
//! They check what a single row cannot (references belong to the caller, stages exist, a
//! pipeline keeps its won and lost stages) and leave atomicity to the repositories.

use std::sync::Arc;

use uuid::Uuid;

use crate::activity::{
    Activity, ActivityInput, ActivityMetadata, ActivityPatch, ActivityType, NewActivity,
};
use crate::calendar;
use crate::company::CompanyChoice;
use crate::contact::{ContactPatch, ContactWithCompany, NewContact};
use crate::deal::{Deal, DealDetail, DealInput, DealMove, DealPatch, NewDeal};
use crate::error::{DomainError, Result, Validator};
use crate::repo::{
    ActivityRepository, CompanyRepository, ContactRepository, DealRepository, SpendRepository,
    StageRepository, UserRepository,
};
use crate::stage::{self, NewStage, PipelineStage, Probability, StageKind, StagePatch, StageRef};
use crate::user::{NewUser, Tenant, User};

/// Every repository the services need, as trait objects.
#[derive(Clone)]
pub struct Repositories {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Companies.
    pub companies: Arc<dyn CompanyRepository>,
    /// Contacts.
    pub contacts: Arc<dyn ContactRepository>,
    /// Stages.
    pub stages: Arc<dyn StageRepository>,
    /// Deals.
    pub deals: Arc<dyn DealRepository>,
    /// Activities.
    pub activities: Arc<dyn ActivityRepository>,
    /// Marketing spend.
    pub spend: Arc<dyn SpendRepository>,
}

/// The use cases of the CRM.
#[derive(Clone)]
pub struct Services {
    repos: Repositories,
}

impl Services {
    /// Builds the services over `repos`.
    pub fn new(repos: Repositories) -> Self {
        Self { repos }
    }

    /// The repositories, for plain reads that need no rule.
    pub fn repos(&self) -> &Repositories {
        &self.repos
    }

    // ---- users -------------------------------------------------------------------------

    /// Registers a user with the default pipeline.
    ///
    /// # Errors
    /// `Conflict` when the e-mail is taken.
    pub async fn register(&self, user: NewUser) -> Result<User> {
        self.repos.users.create(user, stage::default_stages()).await
    }

    /// Returns the user of a verified token, provisioning them on first sight (a token issued
    /// elsewhere with the shared secret, e.g. by a Supabase project).
    ///
    /// # Errors
    /// `Validation` for an unusable e-mail claim; `Conflict` when the e-mail belongs to
    /// another id.
    pub async fn user_for_token(&self, id: Uuid, email: Option<&str>) -> Result<User> {
        if let Some(user) = self.repos.users.find(id).await? {
            return Ok(user);
        }
        let email = email
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{}@users.invalid", id.simple()));
        let user = NewUser::new(id, &email, None, None)?;
        match self.register(user).await {
            Ok(user) => Ok(user),
            // Two first requests of the same new user may race: the loser reads the winner's row.
            Err(DomainError::Conflict { .. }) => {
                self.repos.users.find(id).await?.ok_or_else(|| {
                    DomainError::conflict("users_email_key", "e-mail already registered")
                })
            }
            Err(other) => Err(other),
        }
    }

    async fn check_users(&self, v: &mut Validator, field: &str, ids: &[Uuid]) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let existing = self.repos.users.existing(ids.to_vec()).await?;
        if ids.iter().any(|id| !existing.contains(id)) {
            v.push(field, "no such user");
        }
        Ok(())
    }

    async fn check_company(&self, v: &mut Validator, company_id: Option<Uuid>) -> Result<()> {
        if let Some(id) = company_id
            && self.repos.companies.find(id).await?.is_none()
        {
            v.push("company_id", "no such company");
        }
        Ok(())
    }

    async fn check_contact(
        &self,
        v: &mut Validator,
        tenant: Tenant,
        contact_id: Option<Uuid>,
    ) -> Result<()> {
        if let Some(id) = contact_id
            && self.repos.contacts.find(tenant, id).await?.is_none()
        {
            v.push("contact_id", "no such contact");
        }
        Ok(())
    }

    async fn check_deal(
        &self,
        v: &mut Validator,
        tenant: Tenant,
        deal_id: Option<Uuid>,
    ) -> Result<()> {
        if let Some(id) = deal_id
            && self.repos.deals.find(tenant, id).await?.is_none()
        {
            v.push("deal_id", "no such deal");
        }
        Ok(())
    }

    // ---- contacts ----------------------------------------------------------------------

    /// Creates a contact, getting or creating its company in the same transaction. The owner
    /// defaults to the caller.
    ///
    /// # Errors
    /// `Validation` for an unknown owner or company; `Conflict` on a duplicate e-mail.
    pub async fn create_contact(
        &self,
        tenant: Tenant,
        mut contact: NewContact,
        company: CompanyChoice,
    ) -> Result<ContactWithCompany> {
        let owner = *contact.contact_owner_id.get_or_insert(tenant.user_id);
        let mut v = Validator::new();
        self.check_users(&mut v, "contact_owner_id", &[owner])
            .await?;
        if let CompanyChoice::Existing(id) = company {
            self.check_company(&mut v, Some(id)).await?;
        }
        v.finish()?;
        self.repos.contacts.create(tenant, contact, company).await
    }

    /// One of the caller's contacts.
    ///
    /// # Errors
    /// `NotFound` when missing or another user's.
    pub async fn contact(&self, tenant: Tenant, id: Uuid) -> Result<ContactWithCompany> {
        self.repos
            .contacts
            .find(tenant, id)
            .await?
            .ok_or_else(|| DomainError::not_found("contact"))
    }

    /// Edits a contact after checking its new references.
    ///
    /// # Errors
    /// `NotFound`, `Validation`, `Conflict`.
    pub async fn update_contact(
        &self,
        tenant: Tenant,
        id: Uuid,
        patch: ContactPatch,
    ) -> Result<ContactWithCompany> {
        let mut v = Validator::new();
        if let Some(Some(owner)) = patch.contact_owner_id {
            self.check_users(&mut v, "contact_owner_id", &[owner])
                .await?;
        }
        if let Some(company) = patch.company_id {
            self.check_company(&mut v, company).await?;
        }
        v.finish()?;
        self.repos.contacts.update(tenant, id, patch).await
    }

    // ---- stages ------------------------------------------------------------------------

    /// Adds a stage at `position` (default: before the first won/lost stage), shifting later
    /// ones.
    ///
    /// # Errors
    /// `Validation` for a bad name; `Conflict` for a duplicate one.
    pub async fn create_stage(
        &self,
        tenant: Tenant,
        name: &str,
        position: Option<u32>,
        kind: Option<StageKind>,
        probability: Option<Probability>,
    ) -> Result<PipelineStage> {
        let stages = self.repos.stages.list(tenant).await?;
        let position = position
            .unwrap_or_else(|| stage::default_insert_position(&stages))
            .min(stages.len() as u32);
        let kind = kind.unwrap_or(StageKind::Open);
        let probability = match (probability, kind) {
            (Some(p), _) => p,
            (None, StageKind::Won) => Probability::new(100)?,
            (None, StageKind::Lost) => Probability::new(0)?,
            (None, StageKind::Open) => Probability::new(50)?,
        };
        let stage = NewStage::new(name, position, kind, probability)?;
        if stages.iter().any(|s| s.name == stage.name) {
            return Err(duplicate_stage());
        }
        self.repos.stages.create(tenant, stage).await
    }

    /// Renames, moves or re-weights a stage.
    ///
    /// # Errors
    /// `NotFound`, `Validation`, `Conflict` for a duplicate name.
    pub async fn update_stage(
        &self,
        tenant: Tenant,
        id: Uuid,
        mut patch: StagePatch,
    ) -> Result<PipelineStage> {
        let stages = self.repos.stages.list(tenant).await?;
        if !stages.iter().any(|s| s.id == id) {
            return Err(DomainError::not_found("stage"));
        }
        if let Some(name) = &patch.name {
            let name = stage::stage_name(name)?;
            if stages.iter().any(|s| s.name == name && s.id != id) {
                return Err(duplicate_stage());
            }
            patch.name = Some(name);
        }
        patch.position = patch.position.map(|p| p.min(stages.len() as u32 - 1));
        self.repos.stages.update(tenant, id, patch).await
    }

    /// Deletes a stage, first moving its deals to the stage named `move_to`.
    ///
    /// # Errors
    /// `NotFound`; `Validation` for an unknown `move_to`; `Conflict` when it holds deals and
    /// no `move_to` is given, or when it is the last won or lost stage.
    pub async fn delete_stage(
        &self,
        tenant: Tenant,
        id: Uuid,
        move_to: Option<&str>,
    ) -> Result<()> {
        let stages = self.repos.stages.list(tenant).await?;
        let stage = stages
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| DomainError::not_found("stage"))?;
        stage::ensure_closing_stages_remain(&stages, stage)?;
        let target = match move_to {
            Some(name) => {
                let target = StageRef::Name(name.to_owned())
                    .resolve(&stages)
                    .map_err(|_| DomainError::field("move_to", "no such stage in your pipeline"))?;
                if target.id == id {
                    return Err(DomainError::field("move_to", "must be another stage"));
                }
                Some(target.id)
            }
            None => None,
        };
        self.repos.stages.delete(tenant, id, target).await
    }

    // ---- deals -------------------------------------------------------------------------

    /// Creates a deal at the end of its stage's column. The owner defaults to the caller.
    ///
    /// # Errors
    /// `Validation` for bad fields or references that are not the caller's.
    pub async fn create_deal(&self, tenant: Tenant, input: DealInput) -> Result<Deal> {
        let stages = self.repos.stages.list(tenant).await?;
        let mut deal = NewDeal::new(input, &stages)?;
        let owner = *deal.owner_id.get_or_insert(tenant.user_id);
        let mut v = Validator::new();
        self.check_users(&mut v, "owner_id", &[owner]).await?;
        self.check_users(&mut v, "collaborator_ids", &deal.collaborator_ids)
            .await?;
        self.check_contact(&mut v, tenant, deal.contact_id).await?;
        self.check_company(&mut v, deal.company_id).await?;
        v.finish()?;
        self.repos.deals.create(tenant, deal).await
    }

    /// One of the caller's deals.
    ///
    /// # Errors
    /// `NotFound` when missing or another user's.
    pub async fn deal(&self, tenant: Tenant, id: Uuid) -> Result<Deal> {
        self.repos
            .deals
            .find(tenant, id)
            .await?
            .ok_or_else(|| DomainError::not_found("deal"))
    }

    /// One of the caller's deals with everything its page shows, read in one transaction.
    ///
    /// # Errors
    /// `NotFound` when missing or another user's.
    pub async fn deal_detail(&self, tenant: Tenant, id: Uuid) -> Result<DealDetail> {
        self.repos
            .deals
            .detail(tenant, id)
            .await?
            .ok_or_else(|| DomainError::not_found("deal"))
    }

    /// Edits a deal's fields and/or moves it. A move names a stage (or keeps the current one
    /// to reorder within the column) and an optional position.
    ///
    /// # Errors
    /// `NotFound`; `Validation` for bad references or an unknown stage.
    pub async fn update_deal(
        &self,
        tenant: Tenant,
        id: Uuid,
        patch: DealPatch,
        stage: Option<StageRef>,
        stage_order: Option<u32>,
    ) -> Result<Deal> {
        let mut deal = self.deal(tenant, id).await?;
        let mut v = Validator::new();
        if let Some(Some(close_date)) = patch.close_date {
            v.check("close_date", calendar::day(close_date));
        }
        if let Some(Some(owner)) = patch.owner_id {
            self.check_users(&mut v, "owner_id", &[owner]).await?;
        }
        if let Some(contact) = patch.contact_id {
            self.check_contact(&mut v, tenant, contact).await?;
        }
        if let Some(company) = patch.company_id {
            self.check_company(&mut v, company).await?;
        }
        let mv = if stage.is_some() || stage_order.is_some() {
            let stages = self.repos.stages.list(tenant).await?;
            let target = stage.unwrap_or(StageRef::Id(deal.stage_id));
            v.check(
                "stage",
                target
                    .resolve(&stages)
                    .map(|s| DealMove::to(s, stage_order)),
            )
        } else {
            None
        };
        v.finish()?;
        if !patch.is_empty() {
            deal = self.repos.deals.update(tenant, id, patch).await?;
        }
        if let Some(mv) = mv {
            deal = self.repos.deals.move_deal(tenant, id, mv).await?;
        }
        Ok(deal)
    }

    /// Moves a deal to the first stage of `kind` (the deal page's Open / Won / Lost menu).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn set_deal_status(&self, tenant: Tenant, id: Uuid, kind: StageKind) -> Result<Deal> {
        let stages = self.repos.stages.list(tenant).await?;
        let target = stages
            .iter()
            .find(|s| s.kind == kind)
            .ok_or_else(|| DomainError::not_found("stage"))?;
        self.deal(tenant, id).await?;
        self.repos
            .deals
            .move_deal(tenant, id, DealMove::to(target, None))
            .await
    }

    /// Lists a colleague on a deal; `false` when already listed.
    ///
    /// # Errors
    /// `NotFound` for the deal; `Validation` for an unknown user.
    pub async fn add_collaborator(
        &self,
        tenant: Tenant,
        deal_id: Uuid,
        user_id: Uuid,
    ) -> Result<bool> {
        self.deal(tenant, deal_id).await?;
        let mut v = Validator::new();
        self.check_users(&mut v, "user_id", &[user_id]).await?;
        v.finish()?;
        self.repos
            .deals
            .add_collaborator(tenant, deal_id, user_id)
            .await
    }

    // ---- activities --------------------------------------------------------------------

    /// Logs an activity on one of the caller's contacts and/or deals.
    ///
    /// # Errors
    /// `Validation` for bad fields, metadata or references.
    pub async fn log_activity(&self, tenant: Tenant, input: ActivityInput) -> Result<Activity> {
        let activity = NewActivity::new(input)?;
        let mut v = Validator::new();
        self.check_contact(&mut v, tenant, activity.contact_id)
            .await?;
        self.check_deal(&mut v, tenant, activity.deal_id).await?;
        v.finish()?;
        self.repos.activities.create(tenant, activity).await
    }

    /// Edits an activity; its metadata is checked against its type. System stage-change
    /// entries cannot be edited.
    ///
    /// # Errors
    /// `NotFound`; `Validation`.
    pub async fn update_activity(
        &self,
        tenant: Tenant,
        id: Uuid,
        subject: Option<Option<String>>,
        description: Option<Option<String>>,
        metadata: Option<serde_json::Value>,
    ) -> Result<Activity> {
        let current = self
            .repos
            .activities
            .find(tenant, id)
            .await?
            .ok_or_else(|| DomainError::not_found("activity"))?;
        let kind = current.metadata.kind();
        if kind == ActivityType::StageChange {
            return Err(DomainError::field(
                "type",
                "stage_change activities are written by the system",
            ));
        }
        let mut v = Validator::new();
        let subject = subject.map(|s| {
            v.check(
                "subject",
                crate::text::optional(s.as_deref(), crate::text::NAME_MAX),
            )
            .flatten()
        });
        let description = description.map(|d| {
            v.check(
                "description",
                crate::text::optional(d.as_deref(), crate::text::LONG_TEXT_MAX),
            )
            .flatten()
        });
        let metadata = metadata.and_then(|m| v.check("metadata", ActivityMetadata::parse(kind, m)));
        v.finish()?;
        let patch = ActivityPatch {
            subject,
            description,
            metadata,
        };
        self.repos.activities.update(tenant, id, patch).await
    }
}

fn duplicate_stage() -> DomainError {
    DomainError::conflict(
        "pipeline_stages_user_name_key",
        "a stage with this name already exists",
    )
}

mod import;

#[cfg(test)]
mod tests;
