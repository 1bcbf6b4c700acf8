//! One batch of a contact import, in one tenant transaction: a handful of set-based statements
//! (companies by name, owners by e-mail, existing contacts by id and e-mail, one multi-row
//! insert) plus one update per changed contact, so 100,000 rows take a few hundred round trips.

use std::collections::HashMap;

use chrono::Utc;
use crm_domain::company::name_key;
use crm_domain::{ImportOptions, ImportReport, ImportRow, OnDuplicate, Result, RowError, Tenant};
use sea_orm::sea_query::{Condition, OnConflict};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::{NotSet, Set, Unchanged},
    ColumnTrait, ConnectionTrait, DatabaseBackend, DatabaseTransaction, EntityTrait,
    IntoActiveModel, QueryFilter, QuerySelect,
};
use uuid::Uuid;

use crate::Store;
use crate::entity::{companies, contacts, users};
use crate::error::map_db_err;

/// The tenant's contacts a batch may touch, by id and by e-mail.
#[derive(Default)]
struct Existing {
    by_id: HashMap<Uuid, contacts::Model>,
    by_email: HashMap<String, Uuid>,
}

impl Existing {
    fn matching(&self, row: &ImportRow) -> Option<&contacts::Model> {
        row.match_id.and_then(|id| self.by_id.get(&id)).or_else(|| {
            row.email()
                .and_then(|email| self.by_email.get(email))
                .and_then(|id| self.by_id.get(id))
        })
    }
}

/// What a batch looked up once for all its rows.
struct Lookups {
    companies: HashMap<String, Uuid>,
    owners: HashMap<String, Uuid>,
    existing: Existing,
}

/// What becomes of one row.
enum Plan {
    Create(contacts::ActiveModel),
    Update(contacts::ActiveModel),
    Skip,
    Reject(RowError),
}

/// Imports `rows` in one transaction of `tenant`; see `ContactRepository::import_batch`.
pub(crate) async fn import_batch(
    store: &Store,
    tenant: Tenant,
    rows: Vec<ImportRow>,
    options: ImportOptions,
) -> Result<ImportReport> {
    let txn = store.write(tenant).await?;
    if store.backend() == DatabaseBackend::Postgres {
        // The batches repeat the same statements, which PostgreSQL would soon run with a
        // generic plan made while the tenant had few contacts: a sequential scan that grows
        // with every batch. Plan each with its values instead.
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan")
            .await
            .map_err(map_db_err)?;
    }
    let lookups = Lookups {
        companies: company_ids(&txn, tenant, &rows).await?,
        owners: owner_ids(&txn, &rows).await?,
        existing: existing_contacts(&txn, tenant, &rows).await?,
    };
    let mut report = ImportReport::default();
    let mut creates = Vec::new();
    let mut updates = Vec::new();
    let mut touched: HashMap<Uuid, u64> = HashMap::new();
    for row in rows {
        let (line, id) = (row.line, row.contact.id);
        // Two lines of one batch must not both change one contact.
        if let Some(target) = lookups.existing.matching(&row).map(|m| m.id)
            && let Some(first) = touched.insert(target, line)
        {
            report.reject(RowError::new(
                line,
                "email",
                format!("matches the same contact as line {first}"),
            ));
            continue;
        }
        match plan(tenant, row, &lookups, options) {
            Plan::Create(model) => creates.push((line, id, model)),
            Plan::Update(model) => updates.push(model),
            Plan::Skip => report.skipped += 1,
            Plan::Reject(error) => report.reject(error),
        }
    }
    report.created = insert_new(&txn, tenant, creates, &mut report).await?;
    for model in updates {
        contacts::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        report.updated += 1;
    }
    if options.dry_run {
        txn.rollback().await.map_err(map_db_err)?;
    } else {
        txn.commit().await.map_err(map_db_err)?;
    }
    Ok(report)
}

fn plan(tenant: Tenant, row: ImportRow, lookups: &Lookups, options: ImportOptions) -> Plan {
    let owner = match &row.owner_email {
        Some(email) => match lookups.owners.get(email) {
            Some(id) => Some(*id),
            None => return Plan::Reject(RowError::new(row.line, "owner", "no such user")),
        },
        None => None,
    };
    let company = row
        .company
        .as_ref()
        .and_then(|c| lookups.companies.get(&name_key(&c.name)).copied());
    let Some(current) = lookups.existing.matching(&row) else {
        return Plan::Create(new_model(tenant, row, company, owner));
    };
    if options.on_duplicate == OnDuplicate::Skip {
        return Plan::Skip;
    }
    if let Some(email) = row.email()
        && lookups
            .existing
            .by_email
            .get(email)
            .is_some_and(|id| *id != current.id)
    {
        return Plan::Reject(RowError::new(
            row.line,
            "email",
            "another of your contacts has this e-mail",
        ));
    }
    let changed = apply(current.clone(), row, company, owner, options);
    if changed == *current {
        Plan::Skip
    } else {
        // Every column is written (the primary key only selects the row); `updated_at` moves.
        let mut model = changed.into_active_model().reset_all();
        model.user_id = Unchanged(tenant.user_id);
        model.id = Unchanged(current.id);
        model.created_at = NotSet;
        model.created_by = NotSet;
        model.updated_at = Set(Utc::now());
        Plan::Update(model)
    }
}

/// `current` with the columns the file has replaced by the row's values.
fn apply(
    mut current: contacts::Model,
    row: ImportRow,
    company: Option<Uuid>,
    owner: Option<Uuid>,
    options: ImportOptions,
) -> contacts::Model {
    let columns = options.columns;
    let c = row.contact;
    current.first_name = c.first_name;
    current.last_name = c.last_name;
    let put = |present: bool, field: &mut Option<String>, value: Option<String>| {
        if present {
            *field = value;
        }
    };
    put(columns.email, &mut current.email, c.email);
    put(columns.phone, &mut current.phone, c.phone);
    put(columns.title, &mut current.title, c.title);
    put(
        columns.lead_source,
        &mut current.lead_source,
        c.lead_source.map(|s| s.as_str().to_owned()),
    );
    put(
        columns.lead_status,
        &mut current.lead_status,
        c.lead_status.map(|s| s.as_str().to_owned()),
    );
    put(columns.avatar_url, &mut current.avatar_url, c.avatar_url);
    put(
        columns.linkedin_url,
        &mut current.linkedin_url,
        c.linkedin_url,
    );
    put(columns.notes, &mut current.notes, c.notes);
    if columns.company {
        current.company_id = company;
    }
    if columns.owner {
        current.contact_owner_id = owner;
    }
    current
}

fn new_model(
    tenant: Tenant,
    row: ImportRow,
    company: Option<Uuid>,
    owner: Option<Uuid>,
) -> contacts::ActiveModel {
    let now = Utc::now();
    let c = row.contact;
    contacts::ActiveModel {
        user_id: Set(tenant.user_id),
        id: Set(c.id),
        first_name: Set(c.first_name),
        last_name: Set(c.last_name),
        email: Set(c.email),
        phone: Set(c.phone),
        title: Set(c.title),
        company_id: Set(company),
        lead_source: Set(c.lead_source.map(|s| s.as_str().to_owned())),
        lead_status: Set(c.lead_status.map(|s| s.as_str().to_owned())),
        contact_owner_id: Set(Some(owner.unwrap_or(tenant.user_id))),
        created_by: Set(tenant.user_id),
        avatar_url: Set(c.avatar_url),
        linkedin_url: Set(c.linkedin_url),
        notes: Set(c.notes),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

/// Inserts the new contacts with one statement; a row that collides with a contact another
/// request added since the lookup is reported instead of failing the batch. Returns how many
/// were inserted.
async fn insert_new(
    txn: &DatabaseTransaction,
    tenant: Tenant,
    creates: Vec<(u64, Uuid, contacts::ActiveModel)>,
    report: &mut ImportReport,
) -> Result<u64> {
    if creates.is_empty() {
        return Ok(0);
    }
    let ids: Vec<(u64, Uuid)> = creates.iter().map(|(line, id, _)| (*line, *id)).collect();
    let expected = creates.len() as u64;
    let inserted = contacts::Entity::insert_many(creates.into_iter().map(|(_, _, m)| m))
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_without_returning(txn)
        .await
        .map_err(map_db_err)?;
    if inserted < expected {
        let stored: Vec<Uuid> = contacts::Entity::find()
            .select_only()
            .column(contacts::Column::Id)
            .filter(contacts::Column::UserId.eq(tenant.user_id))
            .filter(contacts::Column::Id.is_in(ids.iter().map(|(_, id)| *id)))
            .into_tuple()
            .all(txn)
            .await
            .map_err(map_db_err)?;
        for (line, id) in ids {
            if !stored.contains(&id) {
                report.reject(RowError::new(
                    line,
                    "email",
                    "a contact with this e-mail was added meanwhile",
                ));
            }
        }
    }
    Ok(inserted)
}

/// The ids of the batch's companies by name key, adding the missing ones to the directory.
async fn company_ids(
    txn: &DatabaseTransaction,
    tenant: Tenant,
    rows: &[ImportRow],
) -> Result<HashMap<String, Uuid>> {
    let mut wanted: HashMap<String, &crm_domain::NewCompany> = HashMap::new();
    for company in rows.iter().filter_map(|r| r.company.as_ref()) {
        wanted.entry(name_key(&company.name)).or_insert(company);
    }
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut found = companies_by_key(txn, wanted.keys().cloned().collect()).await?;
    let now = Utc::now();
    let missing: Vec<companies::ActiveModel> = wanted
        .iter()
        .filter(|(key, _)| !found.contains_key(*key))
        .map(|(key, company)| companies::ActiveModel {
            id: Set(Uuid::now_v7()),
            name: Set(company.name.clone()),
            name_key: Set(key.clone()),
            logo_url: Set(company.logo_url.clone()),
            industry: Set(company.industry.clone()),
            website: Set(company.website.clone()),
            created_by: Set(Some(tenant.user_id)),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    if !missing.is_empty() {
        // A company another request adds meanwhile wins; its row is read below.
        companies::Entity::insert_many(missing)
            .on_conflict(
                OnConflict::column(companies::Column::NameKey)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(txn)
            .await
            .map_err(map_db_err)?;
        let keys = wanted
            .keys()
            .filter(|k| !found.contains_key(*k))
            .cloned()
            .collect();
        found.extend(companies_by_key(txn, keys).await?);
    }
    Ok(found)
}

async fn companies_by_key(
    txn: &DatabaseTransaction,
    keys: Vec<String>,
) -> Result<HashMap<String, Uuid>> {
    let rows: Vec<(String, Uuid)> = companies::Entity::find()
        .select_only()
        .column(companies::Column::NameKey)
        .column(companies::Column::Id)
        .filter(companies::Column::NameKey.is_in(keys))
        .into_tuple()
        .all(txn)
        .await
        .map_err(map_db_err)?;
    Ok(rows.into_iter().collect())
}

/// The ids of the batch's owners by (normalised) e-mail.
async fn owner_ids(txn: &DatabaseTransaction, rows: &[ImportRow]) -> Result<HashMap<String, Uuid>> {
    let mut emails: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.owner_email.as_deref())
        .collect();
    emails.sort_unstable();
    emails.dedup();
    if emails.is_empty() {
        return Ok(HashMap::new());
    }
    let found: Vec<(String, Uuid)> = users::Entity::find()
        .select_only()
        .column(users::Column::Email)
        .column(users::Column::Id)
        .filter(users::Column::Email.is_in(emails))
        .into_tuple()
        .all(txn)
        .await
        .map_err(map_db_err)?;
    Ok(found.into_iter().collect())
}

/// The tenant's contacts with an id or e-mail of the batch.
async fn existing_contacts<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    rows: &[ImportRow],
) -> Result<Existing> {
    let ids: Vec<Uuid> = rows.iter().filter_map(|r| r.match_id).collect();
    let emails: Vec<&str> = rows.iter().filter_map(ImportRow::email).collect();
    if ids.is_empty() && emails.is_empty() {
        return Ok(Existing::default());
    }
    let models = contacts::Entity::find()
        .filter(contacts::Column::UserId.eq(tenant.user_id))
        .filter(
            Condition::any()
                .add(contacts::Column::Id.is_in(ids))
                .add(contacts::Column::Email.is_in(emails)),
        )
        .all(conn)
        .await
        .map_err(map_db_err)?;
    let mut existing = Existing::default();
    for model in models {
        if let Some(email) = &model.email {
            existing.by_email.insert(email.clone(), model.id);
        }
        existing.by_id.insert(model.id, model);
    }
    Ok(existing)
}
