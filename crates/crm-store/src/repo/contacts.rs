//! A user's contacts.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use crm_domain::repo::ContactRepository;
use crm_domain::{
    CompanyChoice, Contact, ContactPatch, ContactQuery, ContactSort, ContactSummary,
    ContactWithCompany, DomainError, ImportOptions, ImportReport, ImportRow, NewContact, Page,
    Result, Tenant,
};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder, QueryResult, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::columns::Columns;
use super::companies::{get_or_create_on, load_many, to_summary};
use super::{contains_pattern, ilike, parse_stored, search_term};
use crate::Store;
use crate::entity::{activities, companies, contacts, deals};
use crate::error::map_db_err;

pub(crate) fn to_contact(model: contacts::Model) -> Result<Contact> {
    Ok(Contact {
        id: model.id,
        user_id: model.user_id,
        first_name: model.first_name,
        last_name: model.last_name,
        email: model.email,
        phone: model.phone,
        title: model.title,
        company_id: model.company_id,
        lead_source: model
            .lead_source
            .as_deref()
            .map(|s| parse_stored(s, "lead source"))
            .transpose()?,
        lead_status: model
            .lead_status
            .as_deref()
            .map(|s| parse_stored(s, "lead status"))
            .transpose()?,
        contact_owner_id: model.contact_owner_id,
        created_by: model.created_by,
        avatar_url: model.avatar_url,
        linkedin_url: model.linkedin_url,
        notes: model.notes,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

/// Joins contacts with their companies (one query for all companies).
async fn with_companies<C: ConnectionTrait>(
    conn: &C,
    models: Vec<contacts::Model>,
) -> Result<Vec<ContactWithCompany>> {
    let mut ids: Vec<Uuid> = models.iter().filter_map(|m| m.company_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let companies = load_many(conn, ids).await?;
    models
        .into_iter()
        .map(|model| {
            let company = model
                .company_id
                .and_then(|id| companies.iter().find(|c| c.id == id))
                .map(to_summary);
            Ok(ContactWithCompany {
                contact: to_contact(model)?,
                company,
            })
        })
        .collect()
}

/// Loads one of the tenant's contacts.
pub(crate) async fn find_model<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    id: Uuid,
) -> Result<Option<contacts::Model>> {
    contacts::Entity::find_by_id((tenant.user_id, id))
        .one(conn)
        .await
        .map_err(map_db_err)
}

/// The columns of a [`ContactSummary`], in the order [`summary_at`] reads them.
pub(crate) const SUMMARY_COLUMNS: [contacts::Column; 5] = [
    contacts::Column::Id,
    contacts::Column::FirstName,
    contacts::Column::LastName,
    contacts::Column::Email,
    contacts::Column::Phone,
];

/// The contact summary whose [`SUMMARY_COLUMNS`] start at column `start` of `row`, decoded by
/// position; `None` when its id is `NULL` (a deal without a contact, left-joined).
pub(crate) fn summary_at(
    row: &QueryResult,
    start: usize,
) -> std::result::Result<Option<ContactSummary>, DbErr> {
    let columns = Columns::of(row);
    let Some(id) = columns.get::<Option<Uuid>>(start)? else {
        return Ok(None);
    };
    Ok(Some(ContactSummary {
        id,
        first_name: columns.get(start + 1)?,
        last_name: columns.get(start + 2)?,
        email: columns.get(start + 3)?,
        phone: columns.get(start + 4)?,
    }))
}

/// What the cards show of some of the tenant's contacts, by id: only those five columns are
/// read (a board names hundreds of contacts, whose other twelve columns it never shows).
pub(crate) async fn load_summaries<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, ContactSummary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = contacts::Entity::find()
        .select_only()
        .columns(SUMMARY_COLUMNS)
        .filter(contacts::Column::UserId.eq(tenant.user_id))
        .filter(contacts::Column::Id.is_in(ids));
    let rows = conn
        .query_all(select.as_query())
        .await
        .map_err(map_db_err)?;
    let mut summaries = HashMap::with_capacity(rows.len());
    for row in &rows {
        if let Some(summary) = summary_at(row, 0).map_err(map_db_err)? {
            summaries.insert(summary.id, summary);
        }
    }
    Ok(summaries)
}

fn duplicate_email(err: DomainError) -> DomainError {
    match err {
        DomainError::Conflict { constraint, .. } if constraint.contains("email") => {
            DomainError::conflict(
                "contacts_user_email_key",
                "you already have a contact with this e-mail",
            )
        }
        other => other,
    }
}

#[async_trait]
impl ContactRepository for Store {
    async fn create(
        &self,
        tenant: Tenant,
        contact: NewContact,
        company: CompanyChoice,
    ) -> Result<ContactWithCompany> {
        let txn = self.write(tenant).await?;
        let company_id = match company {
            CompanyChoice::None => None,
            CompanyChoice::Existing(id) => {
                companies::Entity::find_by_id(id)
                    .one(&txn)
                    .await
                    .map_err(map_db_err)?
                    .ok_or_else(|| DomainError::field("company_id", "no such company"))?;
                Some(id)
            }
            CompanyChoice::GetOrCreate(new) => {
                Some(get_or_create_on(&txn, tenant, new).await?.0.id)
            }
        };
        let now = Utc::now();
        let model = contacts::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(contact.id),
            first_name: Set(contact.first_name),
            last_name: Set(contact.last_name),
            email: Set(contact.email),
            phone: Set(contact.phone),
            title: Set(contact.title),
            company_id: Set(company_id),
            lead_source: Set(contact.lead_source.map(|s| s.as_str().to_owned())),
            lead_status: Set(contact.lead_status.map(|s| s.as_str().to_owned())),
            contact_owner_id: Set(Some(contact.contact_owner_id.unwrap_or(tenant.user_id))),
            created_by: Set(tenant.user_id),
            avatar_url: Set(contact.avatar_url),
            linkedin_url: Set(contact.linkedin_url),
            notes: Set(contact.notes),
            created_at: Set(now),
            updated_at: Set(now),
        };
        let inserted = contacts::Entity::insert(model)
            .exec_with_returning(&txn)
            .await
            .map_err(|e| duplicate_email(map_db_err(e)))?;
        let mut joined = with_companies(&txn, vec![inserted]).await?;
        txn.commit().await.map_err(map_db_err)?;
        joined
            .pop()
            .ok_or_else(|| DomainError::Unexpected("insert returned nothing".into()))
    }

    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<ContactWithCompany>> {
        let txn = self.read(tenant).await?;
        let Some(model) = find_model(&txn, tenant, id).await? else {
            return Ok(None);
        };
        let mut joined = with_companies(&txn, vec![model]).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(joined.pop())
    }

    async fn list(&self, tenant: Tenant, query: ContactQuery) -> Result<Page<ContactWithCompany>> {
        let txn = self.read(tenant).await?;
        let mut select =
            contacts::Entity::find().filter(contacts::Column::UserId.eq(tenant.user_id));
        if let Some(q) = search_term(query.q.as_deref()) {
            let pattern = contains_pattern(q);
            // `||` concatenates on both backends.
            let full_name = Expr::cust("first_name || ' ' || last_name");
            select = select.filter(
                Condition::any()
                    .add(ilike(full_name, pattern.clone()))
                    .add(ilike(
                        contacts::Column::LastName.into_expr(),
                        pattern.clone(),
                    ))
                    .add(ilike(contacts::Column::Email.into_expr(), pattern.clone()))
                    .add(ilike(contacts::Column::Phone.into_expr(), pattern)),
            );
        }
        if let Some(status) = query.lead_status {
            select = select.filter(contacts::Column::LeadStatus.eq(status.as_str()));
        }
        if let Some(source) = query.lead_source {
            select = select.filter(contacts::Column::LeadSource.eq(source.as_str()));
        }
        if let Some(company) = query.company_id {
            select = select.filter(contacts::Column::CompanyId.eq(company));
        }
        select = match query.sort {
            ContactSort::CreatedDesc => select
                .order_by_desc(contacts::Column::CreatedAt)
                .order_by_desc(contacts::Column::Id),
            ContactSort::CreatedAsc => select
                .order_by_asc(contacts::Column::CreatedAt)
                .order_by_asc(contacts::Column::Id),
            ContactSort::NameAsc => select
                .order_by_asc(contacts::Column::LastName)
                .order_by_asc(contacts::Column::FirstName)
                .order_by_asc(contacts::Column::Id),
            ContactSort::NameDesc => select
                .order_by_desc(contacts::Column::LastName)
                .order_by_desc(contacts::Column::FirstName)
                .order_by_desc(contacts::Column::Id),
        };
        let rows = select
            .offset(query.page.cursor.offset())
            .limit(u64::from(query.page.limit) + 1)
            .all(&txn)
            .await
            .map_err(map_db_err)?;
        let page = query.page.page_from(rows);
        let data = with_companies(&txn, page.data).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(Page {
            data,
            next_cursor: page.next_cursor,
        })
    }

    async fn update(
        &self,
        tenant: Tenant,
        id: Uuid,
        patch: ContactPatch,
    ) -> Result<ContactWithCompany> {
        let txn = self.write(tenant).await?;
        let current = find_model(&txn, tenant, id)
            .await?
            .ok_or_else(|| DomainError::not_found("contact"))?;
        let mut model = current.into_active_model();
        if let Some(v) = patch.first_name {
            model.first_name = Set(v);
        }
        if let Some(v) = patch.last_name {
            model.last_name = Set(v);
        }
        if let Some(v) = patch.email {
            model.email = Set(v);
        }
        if let Some(v) = patch.phone {
            model.phone = Set(v);
        }
        if let Some(v) = patch.title {
            model.title = Set(v);
        }
        if let Some(v) = patch.company_id {
            model.company_id = Set(v);
        }
        if let Some(v) = patch.lead_source {
            model.lead_source = Set(v.map(|s| s.as_str().to_owned()));
        }
        if let Some(v) = patch.lead_status {
            model.lead_status = Set(v.map(|s| s.as_str().to_owned()));
        }
        if let Some(v) = patch.contact_owner_id {
            model.contact_owner_id = Set(v);
        }
        if let Some(v) = patch.avatar_url {
            model.avatar_url = Set(v);
        }
        if let Some(v) = patch.linkedin_url {
            model.linkedin_url = Set(v);
        }
        if let Some(v) = patch.notes {
            model.notes = Set(v);
        }
        model.updated_at = Set(Utc::now());
        // The primary key (user_id, id) scopes the update to the tenant.
        let updated = contacts::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(|e| duplicate_email(map_db_err(e)))?;
        let mut joined = with_companies(&txn, vec![updated]).await?;
        txn.commit().await.map_err(map_db_err)?;
        joined
            .pop()
            .ok_or_else(|| DomainError::not_found("contact"))
    }

    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()> {
        let txn = self.write(tenant).await?;
        // Deals stay: clear their reference first (never ON DELETE SET NULL on a composite key).
        deals::Entity::update_many()
            .col_expr(deals::Column::ContactId, Expr::value(Option::<Uuid>::None))
            .filter(deals::Column::UserId.eq(tenant.user_id))
            .filter(deals::Column::ContactId.eq(id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        // The history of those deals stays too: their activities (stage changes, calls about
        // the deal) lose the contact instead of cascading away with it. Activities about the
        // contact alone go with it.
        activities::Entity::update_many()
            .col_expr(
                activities::Column::ContactId,
                Expr::value(Option::<Uuid>::None),
            )
            .filter(activities::Column::UserId.eq(tenant.user_id))
            .filter(activities::Column::ContactId.eq(id))
            .filter(activities::Column::DealId.is_not_null())
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        let result = contacts::Entity::delete_many()
            .filter(contacts::Column::UserId.eq(tenant.user_id))
            .filter(contacts::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        if result.rows_affected == 0 {
            return Err(DomainError::not_found("contact"));
        }
        txn.commit().await.map_err(map_db_err)?;
        Ok(())
    }

    async fn import_batch(
        &self,
        tenant: Tenant,
        rows: Vec<ImportRow>,
        options: ImportOptions,
    ) -> Result<ImportReport> {
        super::contact_import::import_batch(self, tenant, rows, options).await
    }
}
