//! The shared company directory.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::Utc;
use crm_domain::company::name_key;
use crm_domain::repo::CompanyRepository;
use crm_domain::{
    Company, CompanyPatch, CompanySummary, DomainError, NewCompany, Page, PageRequest, Result,
    Tenant,
};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use super::columns::Columns;
use super::{contains_pattern, ilike, search_term};
use crate::Store;
use crate::entity::companies;
use crate::error::map_db_err;

pub(crate) fn to_company(model: companies::Model) -> Company {
    Company {
        id: model.id,
        name: model.name,
        logo_url: model.logo_url,
        industry: model.industry,
        website: model.website,
        created_by: model.created_by,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }
}

pub(crate) fn to_summary(model: &companies::Model) -> CompanySummary {
    CompanySummary {
        id: model.id,
        name: model.name.clone(),
        logo_url: model.logo_url.clone(),
    }
}

/// Finds a company by case-insensitive name or inserts it, on `conn` (a transaction).
///
/// The insert is `ON CONFLICT (name_key) DO NOTHING`: when another transaction adds the same
/// name at the same time, PostgreSQL waits for it and this one then reads its row, instead of
/// failing the whole caller (e.g. a contact being created with that company) on the unique key.
pub(crate) async fn get_or_create_on<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    company: NewCompany,
) -> Result<(companies::Model, bool)> {
    let key = name_key(&company.name);
    let find = || {
        companies::Entity::find()
            .filter(companies::Column::NameKey.eq(key.clone()))
            .one(conn)
    };
    if let Some(existing) = find().await.map_err(map_db_err)? {
        return Ok((existing, false));
    }
    let now = Utc::now();
    let model = companies::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(company.name),
        name_key: Set(key.clone()),
        logo_url: Set(company.logo_url),
        industry: Set(company.industry),
        website: Set(company.website),
        created_by: Set(Some(tenant.user_id)),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let inserted = companies::Entity::insert(model)
        .on_conflict(
            OnConflict::column(companies::Column::NameKey)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await
        .map_err(map_db_err)?;
    let found = find()
        .await
        .map_err(map_db_err)?
        .ok_or_else(|| DomainError::Unexpected(format!("company {key:?} vanished")))?;
    Ok((found, inserted == 1))
}

/// Loads companies by id.
pub(crate) async fn load_many<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> Result<Vec<companies::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    companies::Entity::find()
        .filter(companies::Column::Id.is_in(ids))
        .all(conn)
        .await
        .map_err(map_db_err)
}

/// What a deal card shows of some companies, by id: only the three columns of a
/// [`CompanySummary`] are read (a board names dozens of companies and shows only their names
/// and logos).
pub(crate) async fn load_summaries<C: ConnectionTrait>(
    conn: &C,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, CompanySummary>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let select = companies::Entity::find()
        .select_only()
        .columns([
            companies::Column::Id,
            companies::Column::Name,
            companies::Column::LogoUrl,
        ])
        .filter(companies::Column::Id.is_in(ids));
    let rows = conn
        .query_all(select.as_query())
        .await
        .map_err(map_db_err)?;
    let mut summaries = HashMap::with_capacity(rows.len());
    for row in &rows {
        let columns = Columns::of(row);
        let summary = CompanySummary {
            id: columns.get(0).map_err(map_db_err)?,
            name: columns.get(1).map_err(map_db_err)?,
            logo_url: columns.get(2).map_err(map_db_err)?,
        };
        summaries.insert(summary.id, summary);
    }
    Ok(summaries)
}

#[async_trait]
impl CompanyRepository for Store {
    async fn get_or_create(&self, tenant: Tenant, company: NewCompany) -> Result<(Company, bool)> {
        let txn = self.write(tenant).await?;
        let result = get_or_create_on(&txn, tenant, company.clone()).await;
        let (model, created) = match result {
            Ok(found) => found,
            // Lost a race with another creator of the same name: read theirs.
            Err(DomainError::Conflict { .. }) => {
                drop(txn);
                let key = name_key(&company.name);
                let model = companies::Entity::find()
                    .filter(companies::Column::NameKey.eq(key))
                    .one(self.connection())
                    .await
                    .map_err(map_db_err)?
                    .ok_or_else(|| {
                        DomainError::conflict("companies_name_key", "company name taken")
                    })?;
                return Ok((to_company(model), false));
            }
            Err(other) => return Err(other),
        };
        txn.commit().await.map_err(map_db_err)?;
        Ok((to_company(model), created))
    }

    async fn find(&self, id: Uuid) -> Result<Option<Company>> {
        let found = companies::Entity::find_by_id(id)
            .one(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(found.map(to_company))
    }

    async fn list(&self, q: Option<String>, page: PageRequest) -> Result<Page<Company>> {
        let mut query = companies::Entity::find()
            .order_by_asc(companies::Column::NameKey)
            .order_by_asc(companies::Column::Id);
        if let Some(q) = search_term(q.as_deref()) {
            query = query.filter(ilike(
                companies::Column::Name.into_expr(),
                contains_pattern(q),
            ));
        }
        let rows = query
            .offset(page.cursor.offset())
            .limit(u64::from(page.limit) + 1)
            .all(self.connection())
            .await
            .map_err(map_db_err)?;
        Ok(page.page_from(rows).map(to_company))
    }

    async fn update(&self, tenant: Tenant, id: Uuid, patch: CompanyPatch) -> Result<Company> {
        // As the tenant: on PostgreSQL the policy also allows only the creator's update.
        let txn = self.write(tenant).await?;
        let current = companies::Entity::find_by_id(id)
            .one(&txn)
            .await
            .map_err(map_db_err)?
            .ok_or_else(|| DomainError::not_found("company"))?;
        if current.created_by != Some(tenant.user_id) {
            return Err(DomainError::Forbidden(
                "only the user who added a company may edit it".to_owned(),
            ));
        }
        let mut model = current.into_active_model();
        if let Some(name) = patch.name {
            model.name_key = Set(name_key(&name));
            model.name = Set(name);
        }
        if let Some(logo_url) = patch.logo_url {
            model.logo_url = Set(logo_url);
        }
        if let Some(industry) = patch.industry {
            model.industry = Set(industry);
        }
        if let Some(website) = patch.website {
            model.website = Set(website);
        }
        model.updated_at = Set(Utc::now());
        let updated = companies::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(to_company(updated))
    }
}
