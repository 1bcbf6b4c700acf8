//! Creates `contacts`, the people each user sells to.
//!
//! Email uniqueness is per user (`contacts_user_email_key`): a global UNIQUE would tell one
//! user that another already has that address. Other tenant tables reference a contact with
//! the composite key (`user_id`, `id`), which is why that is the primary key. `company_id`
//! points at the shared directory, so a plain foreign key with `SET NULL` is fine there.

use sea_orm_migration::{
    prelude::*,
    schema::{text, text_null, timestamp_with_time_zone, uuid, uuid_null},
};

use super::common::{LEAD_SOURCES, LEAD_STATUSES, index, one_of};
use super::m20261126_000001_create_users::Users;
use super::m20261126_000002_create_companies::Companies;

/// Creates the `contacts` table.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contacts::Table)
                    .col(uuid(Contacts::UserId))
                    .col(uuid(Contacts::Id))
                    .col(text(Contacts::FirstName))
                    .col(text(Contacts::LastName))
                    .col(text_null(Contacts::Email))
                    .col(text_null(Contacts::Phone))
                    .col(text_null(Contacts::Title))
                    .col(uuid_null(Contacts::CompanyId))
                    .col(text_null(Contacts::LeadSource).check((
                        "contacts_lead_source_check",
                        one_of(Contacts::LeadSource, &LEAD_SOURCES),
                    )))
                    .col(text_null(Contacts::LeadStatus).check((
                        "contacts_lead_status_check",
                        one_of(Contacts::LeadStatus, &LEAD_STATUSES),
                    )))
                    .col(uuid_null(Contacts::ContactOwnerId))
                    .col(uuid(Contacts::CreatedBy))
                    .col(text_null(Contacts::AvatarUrl))
                    .col(text_null(Contacts::LinkedinUrl))
                    .col(text_null(Contacts::Notes))
                    .col(timestamp_with_time_zone(Contacts::CreatedAt))
                    .col(timestamp_with_time_zone(Contacts::UpdatedAt))
                    .primary_key(Index::create().col(Contacts::UserId).col(Contacts::Id))
                    .index(
                        Index::create()
                            .name("contacts_user_email_key")
                            .unique()
                            .col(Contacts::UserId)
                            .col(Contacts::Email),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contacts_user_id_fkey")
                            .from(Contacts::Table, Contacts::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contacts_company_id_fkey")
                            .from(Contacts::Table, Contacts::CompanyId)
                            .to(Companies::Table, Companies::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contacts_contact_owner_id_fkey")
                            .from(Contacts::Table, Contacts::ContactOwnerId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("contacts_created_by_fkey")
                            .from(Contacts::Table, Contacts::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;

        // A company's contacts, the newest contacts, and the alphabetical list.
        manager
            .create_index(
                index("contacts_user_id_company_id_idx", Contacts::Table)
                    .col(Contacts::UserId)
                    .col(Contacts::CompanyId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("contacts_user_id_created_at_idx", Contacts::Table)
                    .col(Contacts::UserId)
                    .col(Contacts::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index("contacts_user_id_last_name_first_name_idx", Contacts::Table)
                    .col(Contacts::UserId)
                    .col(Contacts::LastName)
                    .col(Contacts::FirstName)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Contacts::Table).to_owned())
            .await
    }
}

/// Identifiers of the `contacts` table.
#[derive(DeriveIden)]
pub(crate) enum Contacts {
    /// The table itself.
    Table,
    /// The tenant.
    UserId,
    /// Contact id, unique within the tenant.
    Id,
    /// Given name.
    FirstName,
    /// Family name.
    LastName,
    /// Email address, unique within the tenant when present.
    Email,
    /// Phone number, optional.
    Phone,
    /// Job title, optional.
    Title,
    /// The contact's company in the shared directory, optional.
    CompanyId,
    /// Where the lead came from, optional.
    LeadSource,
    /// Where the lead stands, optional.
    LeadStatus,
    /// The user responsible for the contact, optional.
    ContactOwnerId,
    /// The user who created the contact.
    CreatedBy,
    /// Picture URL, optional.
    AvatarUrl,
    /// LinkedIn profile URL, optional.
    LinkedinUrl,
    /// Free-form notes, optional.
    Notes,
    /// When the contact was created (UTC).
    CreatedAt,
    /// When the contact was last changed (UTC).
    UpdatedAt,
}
