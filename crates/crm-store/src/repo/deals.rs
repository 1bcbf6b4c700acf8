//! A user's deals: the board, moves, collaborators and stage history.
//!
//! Positions: within one (`user_id`, `stage_id`) the `stage_order` values are exactly
//! 0..n-1 after every commit. Every writer that changes a column first takes the tenant's
//! board lock ([`lock_board`]) and then shifts neighbours with one `UPDATE … SET stage_order =
//! stage_order ± 1`, so concurrent moves are serialised and never leave gaps or duplicates.

use std::collections::HashMap;
use std::sync::OnceLock;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use crm_domain::activity::StageChangeMeta;
use crm_domain::repo::DealRepository;
use crm_domain::{
    ActivityMetadata, ActivityQuery, BoardColumn, BoardQuery, ColumnPage, CompanySummary,
    ContactSummary, Deal, DealDetail, DealMove, DealPatch, DomainError, NewActivity, NewDeal, Page,
    PipelineStage, Progress, Result, StageChange, StageKind, Tenant, UserSummary,
};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SimpleExpr, Value, Values};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseBackend, DbErr, EntityTrait,
    FromQueryResult, IntoActiveModel, JoinType, PaginatorTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Related, Select, Statement,
};
use uuid::Uuid;

use super::activities::{
    insert_on as insert_activity, list_select as list_activities_select,
    page_of as page_of_activities,
};
use super::columns::Columns;
use super::companies::{load_summaries as load_company_summaries, to_company, to_summary};
use super::contacts::{
    SUMMARY_COLUMNS, load_summaries as load_contact_summaries, summary_at as contact_summary_at,
};
use super::stages::{
    list_on as list_stages, list_select as list_stages_select, lock_board, to_stage,
};
use super::{contains_pattern, ilike, money, parse_stored, search_term};
use crate::Store;
use crate::batch::ResultSets;
use crate::entity::{
    activities, companies, contacts, deal_collaborators, deal_stage_changes, deals,
    pipeline_stages, users,
};
use crate::error::map_db_err;

/// Number of deals in a column.
pub(crate) async fn column_len<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    stage_id: Uuid,
) -> Result<u64> {
    deals::Entity::find()
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::StageId.eq(stage_id))
        .count(conn)
        .await
        .map_err(map_db_err)
}

/// Adds `delta` to `stage_order` of the cards of a column at positions `from..=to`.
async fn shift<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    stage_id: Uuid,
    from: i32,
    to: i32,
    delta: i32,
) -> Result<()> {
    if from > to {
        return Ok(());
    }
    deals::Entity::update_many()
        .col_expr(
            deals::Column::StageOrder,
            Expr::col(deals::Column::StageOrder).add(delta),
        )
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::StageId.eq(stage_id))
        .filter(deals::Column::StageOrder.gte(from))
        .filter(deals::Column::StageOrder.lte(to))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    Ok(())
}

fn to_i32(value: u64) -> i32 {
    i32::try_from(value).unwrap_or(i32::MAX)
}

/// Writes the history row of a stage change and, for moves (not creations), the
/// `stage_change` activity on the deal.
async fn record_stage_change<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    deal: &deals::Model,
    from: Option<&PipelineStage>,
    to: &PipelineStage,
    at: DateTime<Utc>,
) -> Result<()> {
    let change = deal_stage_changes::ActiveModel {
        user_id: Set(tenant.user_id),
        id: Set(Uuid::now_v7()),
        deal_id: Set(deal.id),
        from_stage_id: Set(from.map(|s| s.id)),
        to_stage_id: Set(to.id),
        from_stage: Set(from.map(|s| s.name.clone())),
        to_stage: Set(to.name.clone()),
        to_kind: Set(to.kind.as_str().to_owned()),
        changed_by: Set(Some(tenant.user_id)),
        changed_at: Set(at),
    };
    deal_stage_changes::Entity::insert(change)
        .exec_without_returning(conn)
        .await
        .map_err(map_db_err)?;
    if let Some(from) = from {
        let activity = NewActivity {
            id: Uuid::now_v7(),
            contact_id: deal.contact_id,
            deal_id: Some(deal.id),
            subject: Some(format!("Moved from {} to {}", from.name, to.name)),
            description: None,
            metadata: ActivityMetadata::StageChange(StageChangeMeta {
                from: Some(from.name.clone()),
                to: to.name.clone(),
            }),
            created_at: Some(at),
        };
        insert_activity(conn, tenant, activity).await?;
    }
    Ok(())
}

/// Moves every card of column `from` to the end of column `to`, keeping their order, and
/// records the change for each (used when a stage is deleted).
pub(crate) async fn move_column<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    from: Uuid,
    to: Uuid,
) -> Result<()> {
    let stages = list_stages(conn, tenant).await?;
    let find = |id: Uuid| {
        stages
            .iter()
            .find(|s| s.id == id)
            .ok_or_else(|| DomainError::not_found("stage"))
    };
    let (source, target) = (find(from)?, find(to)?);
    let moved = deals::Entity::find()
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::StageId.eq(from))
        .all(conn)
        .await
        .map_err(map_db_err)?;
    let offset = to_i32(column_len(conn, tenant, to).await?);
    let now = Utc::now();
    deals::Entity::update_many()
        .col_expr(deals::Column::StageId, Expr::value(to))
        .col_expr(
            deals::Column::StageOrder,
            Expr::col(deals::Column::StageOrder).add(offset),
        )
        .col_expr(deals::Column::LastUpdate, Expr::value(now))
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::StageId.eq(from))
        .exec(conn)
        .await
        .map_err(map_db_err)?;
    for deal in &moved {
        record_stage_change(conn, tenant, deal, Some(source), target, now).await?;
    }
    Ok(())
}

/// Reads the deal rows `select` picks (all columns, as `deals::Entity::find()` selects them),
/// decoding each by position: SeaORM's derived decoding looks every column up by name, which
/// was a visible share of the time spent on a board's hundreds of cards.
async fn card_rows<C: ConnectionTrait>(
    conn: &C,
    select: Select<deals::Entity>,
) -> Result<Vec<deals::Model>> {
    let rows = conn
        .query_all(select.as_query())
        .await
        .map_err(map_db_err)?;
    // Sized up front: collecting through `Result` would grow the vector from empty,
    // copying every card already decoded each time.
    let mut models = Vec::with_capacity(rows.len());
    for row in &rows {
        models.push(deal_at(row).map_err(map_db_err)?);
    }
    Ok(models)
}

/// The number of columns `deals::Entity::find()` selects (and [`deal_at`] reads).
const DEAL_COLUMNS: usize = 16;

/// The deal in the first [`DEAL_COLUMNS`] columns of `row`, in the model's field order (the
/// order of the columns `deals::Entity::find()` selects).
fn deal_at(row: &QueryResult) -> std::result::Result<deals::Model, DbErr> {
    let columns = Columns::of(row);
    Ok(deals::Model {
        user_id: columns.get(0)?,
        id: columns.get(1)?,
        name: columns.get(2)?,
        description: columns.get(3)?,
        amount_cents: columns.get(4)?,
        stage_id: columns.get(5)?,
        stage_order: columns.get(6)?,
        priority: columns.get(7)?,
        progress: columns.get(8)?,
        owner_id: columns.get(9)?,
        close_date: columns.get(10)?,
        create_date: columns.get(11)?,
        last_update: columns.get(12)?,
        created_by: columns.get(13)?,
        contact_id: columns.get(14)?,
        company_id: columns.get(15)?,
    })
}

/// Loads the relations of `models` (stages, companies, contacts, collaborators) and builds
/// domain deals, in the input order.
async fn hydrate<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    models: Vec<deals::Model>,
) -> Result<Vec<Deal>> {
    if models.is_empty() {
        return Ok(Vec::new());
    }
    let stages = list_stages(conn, tenant).await?;
    let relations = Relations::load(conn, tenant, &models).await?;
    let mut deals = Vec::with_capacity(models.len());
    for model in models {
        deals.push(to_deal(model, &stages, &relations)?);
    }
    Ok(deals)
}

/// The companies, contacts and collaborators of some deals, by id.
struct Relations {
    companies: HashMap<Uuid, CompanySummary>,
    contacts: HashMap<Uuid, ContactSummary>,
    collaborators: HashMap<Uuid, Vec<UserSummary>>,
}

impl Relations {
    /// Loads them in at most three queries (contacts, companies, collaborators with their
    /// users).
    async fn load<C: ConnectionTrait>(
        conn: &C,
        tenant: Tenant,
        models: &[deals::Model],
    ) -> Result<Self> {
        let contact_ids = distinct_ids(models, |m| m.contact_id);
        let contacts = load_contact_summaries(conn, tenant, contact_ids).await?;
        let companies =
            load_company_summaries(conn, distinct_ids(models, |m| m.company_id)).await?;
        let collaborators =
            load_collaborators(conn, tenant, models.iter().map(|m| m.id).collect()).await?;
        Ok(Self {
            companies,
            contacts,
            collaborators,
        })
    }
}

/// The distinct ids that `id_of` names in `models`, sorted. They are sorted as `u128`s (the
/// same order as `Uuid`'s byte order, compared in two instructions instead of a byte loop).
fn distinct_ids(
    models: &[deals::Model],
    id_of: impl Fn(&deals::Model) -> Option<Uuid>,
) -> Vec<Uuid> {
    let mut ids: Vec<u128> = models
        .iter()
        .filter_map(|model| id_of(model).map(|id| id.as_u128()))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter().map(Uuid::from_u128).collect()
}

/// Builds a domain deal from its row, the tenant's stages and the loaded relations.
fn to_deal(model: deals::Model, stages: &[PipelineStage], relations: &Relations) -> Result<Deal> {
    let stage = stages
        .iter()
        .find(|s| s.id == model.stage_id)
        .ok_or_else(|| DomainError::Unexpected(format!("deal {} has no stage", model.id)))?;
    Ok(Deal {
        id: model.id,
        user_id: model.user_id,
        description: model.description,
        amount: money(model.amount_cents)?,
        stage_id: model.stage_id,
        stage: stage.name.clone(),
        stage_kind: stage.kind,
        stage_order: u32::try_from(model.stage_order).unwrap_or_default(),
        priority: parse_stored(&model.priority, "priority")?,
        progress: Progress::new(i64::from(model.progress))?,
        close_date: model.close_date,
        create_date: model.create_date,
        last_update: model.last_update,
        owner_id: model.owner_id,
        created_by: model.created_by,
        contact_id: model.contact_id,
        company_id: model.company_id,
        company: model
            .company_id
            .and_then(|id| relations.companies.get(&id))
            .cloned(),
        contact: model
            .contact_id
            .and_then(|id| relations.contacts.get(&id))
            .cloned(),
        collaborators: relations
            .collaborators
            .get(&model.id)
            .cloned()
            .unwrap_or_default(),
        name: model.name,
    })
}

/// The collaborators of some deals with their names, in the order they were added: one
/// query joining `users` (only its public columns: the request role may not read password
/// hashes).
async fn load_collaborators<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    deal_ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, Vec<UserSummary>>> {
    let select = collaborators_select(tenant, deal_collaborators::Column::DealId.is_in(deal_ids));
    let rows = conn
        .query_all(select.as_query())
        .await
        .map_err(map_db_err)?;
    Ok(collaborators_by_deal(decode_rows(&rows, collaborator_at)?))
}

/// A [`CollaboratorRow`] decoded by position.
fn collaborator_at(row: &QueryResult) -> std::result::Result<CollaboratorRow, DbErr> {
    let columns = Columns::of(row);
    Ok((
        columns.get(0)?,
        columns.get(1)?,
        columns.get(2)?,
        columns.get(3)?,
    ))
}

/// A collaborator row: the deal, the user, the user's name and avatar.
type CollaboratorRow = (Uuid, Uuid, String, Option<String>);

/// The query of the collaborators of the deals `deals` picks, as [`CollaboratorRow`]s.
fn collaborators_select(tenant: Tenant, deals: SimpleExpr) -> Select<deal_collaborators::Entity> {
    let to_user = deal_collaborators::Entity::belongs_to(users::Entity)
        .from(deal_collaborators::Column::UserId)
        .to(users::Column::Id)
        .into();
    deal_collaborators::Entity::find()
        .select_only()
        .column(deal_collaborators::Column::DealId)
        .column(deal_collaborators::Column::UserId)
        .column(users::Column::DisplayName)
        .column(users::Column::AvatarUrl)
        .join(JoinType::InnerJoin, to_user)
        .filter(deal_collaborators::Column::OwnerId.eq(tenant.user_id))
        .filter(deals)
        .order_by_asc(deal_collaborators::Column::AddedAt)
}

/// Groups collaborator rows by deal, keeping their order.
fn collaborators_by_deal(rows: Vec<CollaboratorRow>) -> HashMap<Uuid, Vec<UserSummary>> {
    let mut by_deal: HashMap<Uuid, Vec<UserSummary>> = HashMap::new();
    for (deal_id, id, display_name, avatar_url) in rows {
        by_deal.entry(deal_id).or_default().push(UserSummary {
            id,
            display_name,
            avatar_url,
        });
    }
    by_deal
}

/// The tenant condition plus the board filters (`q` matches deal, company or contact names).
fn board_condition(tenant: Tenant, query: &BoardQuery) -> Condition {
    let mut condition = Condition::all().add(deals::Column::UserId.eq(tenant.user_id));
    if let Some(priority) = query.priority {
        condition = condition.add(deals::Column::Priority.eq(priority.as_str()));
    }
    if let Some(owner) = query.owner_id {
        condition = condition.add(deals::Column::OwnerId.eq(owner));
    }
    if let Some(q) = search_term(query.q.as_deref()) {
        let pattern = contains_pattern(q);
        let matching_companies = Query::select()
            .column(companies::Column::Id)
            .from(companies::Entity)
            .and_where(ilike(
                Expr::col((companies::Entity, companies::Column::Name)),
                pattern.clone(),
            ))
            .to_owned();
        let matching_contacts = Query::select()
            .column(contacts::Column::Id)
            .from(contacts::Entity)
            .and_where(Expr::col((contacts::Entity, contacts::Column::UserId)).eq(tenant.user_id))
            .and_where(ilike(
                Expr::cust("contacts.first_name || ' ' || contacts.last_name"),
                pattern.clone(),
            ))
            .to_owned();
        condition = condition.add(
            Condition::any()
                .add(ilike(
                    Expr::col((deals::Entity, deals::Column::Name)),
                    pattern,
                ))
                .add(deals::Column::CompanyId.in_subquery(matching_companies))
                .add(deals::Column::ContactId.in_subquery(matching_contacts)),
        );
    }
    condition
}

fn is_filtered(query: &BoardQuery) -> bool {
    search_term(query.q.as_deref()).is_some()
        || query.priority.is_some()
        || query.owner_id.is_some()
}

async fn find_model<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    id: Uuid,
) -> Result<deals::Model> {
    deals::Entity::find_by_id((tenant.user_id, id))
        .one(conn)
        .await
        .map_err(map_db_err)?
        .ok_or_else(|| DomainError::not_found("deal"))
}

async fn find_on<C: ConnectionTrait>(conn: &C, tenant: Tenant, id: Uuid) -> Result<Deal> {
    let model = find_model(conn, tenant, id).await?;
    hydrate(conn, tenant, vec![model])
        .await?
        .pop()
        .ok_or_else(|| DomainError::not_found("deal"))
}

/// [`hydrate`] for the board, whose stages are read already: the cards go straight into one
/// vector per stage, each sized from a first count and ordered by `stage_order`, so no card
/// is moved twice.
async fn hydrate_by_stage<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    models: Vec<deals::Model>,
    stages: &[PipelineStage],
) -> Result<HashMap<Uuid, Vec<Deal>>> {
    if models.is_empty() {
        return Ok(HashMap::new());
    }
    let relations = Relations::load(conn, tenant, &models).await?;
    let mut sizes: HashMap<Uuid, usize> = HashMap::with_capacity(stages.len());
    for model in &models {
        *sizes.entry(model.stage_id).or_default() += 1;
    }
    let mut by_stage: HashMap<Uuid, Vec<Deal>> = sizes
        .into_iter()
        .map(|(stage, size)| (stage, Vec::with_capacity(size)))
        .collect();
    for model in models {
        let deal = to_deal(model, stages, &relations)?;
        by_stage.entry(deal.stage_id).or_default().push(deal);
    }
    for column in by_stage.values_mut() {
        column.sort_by_key(|d| d.stage_order);
    }
    Ok(by_stage)
}

/// The query of a deal's stage history, oldest first.
fn history_select(tenant: Tenant, deal_id: Uuid) -> Select<deal_stage_changes::Entity> {
    deal_stage_changes::Entity::find()
        .filter(deal_stage_changes::Column::UserId.eq(tenant.user_id))
        .filter(deal_stage_changes::Column::DealId.eq(deal_id))
        .order_by_asc(deal_stage_changes::Column::ChangedAt)
        .order_by_asc(deal_stage_changes::Column::Id)
}

/// The stage history of a deal, oldest first, on `conn`.
async fn history_on<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    deal_id: Uuid,
) -> Result<Vec<StageChange>> {
    history_select(tenant, deal_id)
        .all(conn)
        .await
        .map_err(map_db_err)?
        .into_iter()
        .map(to_stage_change)
        .collect()
}

fn to_stage_change(row: deal_stage_changes::Model) -> Result<StageChange> {
    Ok(StageChange {
        id: row.id,
        deal_id: row.deal_id,
        from_stage_id: row.from_stage_id,
        to_stage_id: row.to_stage_id,
        from_stage: row.from_stage,
        to_stage: row.to_stage,
        to_kind: parse_stored(&row.to_kind, "stage kind")?,
        changed_by: row.changed_by,
        changed_at: row.changed_at,
    })
}

/// The newest deals (at most 200) of the tenant with a company, as rows.
async fn company_deal_rows<C: ConnectionTrait>(
    conn: &C,
    tenant: Tenant,
    company_id: Uuid,
) -> Result<Vec<deals::Model>> {
    deals::Entity::find()
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(deals::Column::CompanyId.eq(company_id))
        .order_by_desc(deals::Column::CreateDate)
        .limit(200)
        .all(conn)
        .await
        .map_err(map_db_err)
}

/// A deal row with its contact.
type DealRow = (deals::Model, Option<ContactSummary>);

/// How many deals the deal page reads: the deal and the newest 200 other deals of its company.
const DEAL_PAGE_ROWS: u64 = 201;

/// The deals of the deal page: the deal `id` first, then the newest 200 other deals of the
/// tenant with its company. The company comes from a scalar subquery, so PostgreSQL reads both
/// through indexes; no rows when the tenant has no such deal.
fn deal_page_deals(tenant: Tenant, id: Uuid) -> Select<deals::Entity> {
    deals::Entity::find()
        .filter(deals::Column::UserId.eq(tenant.user_id))
        .filter(Condition::any().add(deals::Column::Id.eq(id)).add(
            Expr::col((deals::Entity, deals::Column::CompanyId)).eq(company_id_of(tenant, id)),
        ))
        .order_by_desc(Expr::col((deals::Entity, deals::Column::Id)).eq(id))
        .order_by_desc(deals::Column::CreateDate)
        .limit(DEAL_PAGE_ROWS)
}

/// The company of the tenant's deal `id`, as a scalar subquery (`= (SELECT …)`, which
/// PostgreSQL reads through the `(user_id, company_id)` index; `IN (SELECT …)` made it filter
/// all the tenant's deals instead).
fn company_id_of(tenant: Tenant, id: Uuid) -> SimpleExpr {
    let select = Query::select()
        .column(deals::Column::CompanyId)
        .from(deals::Entity)
        .and_where(Expr::col((deals::Entity, deals::Column::UserId)).eq(tenant.user_id))
        .and_where(Expr::col((deals::Entity, deals::Column::Id)).eq(id))
        .to_owned();
    Expr::SubQuery(None, Box::new(select.into()))
}

/// The statements of the deal page, in the order [`deal_page_from`] reads their results.
/// None needs another's result, so PostgreSQL answers them all in one round trip
/// ([`Store::read_batch`]):
/// - the deals of [`deal_page_deals`], each followed by its contact's [`SUMMARY_COLUMNS`],
///   decoded by position like the board's cards (by-name decoding of the deal and of all the
///   contact's columns was a fifth of the server's time on this page). The company is not
///   joined: PostgreSQL then hashes the whole shared directory, checking its
///   row-level-security policy on every row, which made the query twice as slow as a look-up
///   by id;
/// - the deal's company;
/// - the collaborators of those deals;
/// - the stages, the deal's stage history and its first page of activities.
fn build_deal_page_statements(
    backend: DatabaseBackend,
    tenant: Tenant,
    id: Uuid,
    activities: &ActivityQuery,
) -> Vec<Statement> {
    let page_deal_ids = deal_page_deals(tenant, id)
        .select_only()
        .column(deals::Column::Id)
        .into_query();
    vec![
        deal_page_deals(tenant, id)
            .join(
                JoinType::LeftJoin,
                <deals::Entity as Related<contacts::Entity>>::to(),
            )
            .columns(SUMMARY_COLUMNS)
            .build(backend),
        companies::Entity::find()
            .filter(
                Expr::col((companies::Entity, companies::Column::Id)).eq(company_id_of(tenant, id)),
            )
            .build(backend),
        collaborators_select(
            tenant,
            deal_collaborators::Column::DealId.in_subquery(page_deal_ids),
        )
        .build(backend),
        list_stages_select(tenant).build(backend),
        history_select(tenant, id).build(backend),
        list_activities_select(tenant, activities).build(backend),
    ]
}

/// The activities the deal page shows: the deal's first page.
fn deal_page_activities(id: Uuid) -> ActivityQuery {
    ActivityQuery {
        deal_id: Some(id),
        ..ActivityQuery::default()
    }
}

/// The tenant and deal ids the deal page's statement templates are built with
/// ([`deal_page_statements`]); random, so no stored id is ever one of them.
const TENANT_MARKER: Uuid = Uuid::from_u128(0x6d1c_3f0e_8a52_4b7d_9e41_0c5a_27f3_b8e6);
const DEAL_MARKER: Uuid = Uuid::from_u128(0xa4e7_90b2_15c8_4f63_b0d9_7e21_4c8a_f5d3);

/// [`build_deal_page_statements`] for `tenant`'s deal `id`. The SQL of the deal page is the
/// same on every request; only the two ids in its values change. So the statements are built
/// once per backend with marker ids, and each request copies them with its own ids in their
/// place (building them with sea-query on every request was an eighth of the server's time on
/// this page). A unit test checks the copies against statements built afresh.
fn deal_page_statements(backend: DatabaseBackend, tenant: Tenant, id: Uuid) -> Vec<Statement> {
    static POSTGRES: OnceLock<Vec<Statement>> = OnceLock::new();
    static SQLITE: OnceLock<Vec<Statement>> = OnceLock::new();
    let cell = match backend {
        DatabaseBackend::Postgres => &POSTGRES,
        DatabaseBackend::Sqlite => &SQLITE,
        _ => return build_deal_page_statements(backend, tenant, id, &deal_page_activities(id)),
    };
    let templates = cell.get_or_init(|| {
        let activities = deal_page_activities(DEAL_MARKER);
        build_deal_page_statements(
            backend,
            Tenant::new(TENANT_MARKER),
            DEAL_MARKER,
            &activities,
        )
    });
    let fill = |value: &Value| match value {
        Value::Uuid(Some(marker)) if *marker == TENANT_MARKER => Value::from(tenant.user_id),
        Value::Uuid(Some(marker)) if *marker == DEAL_MARKER => Value::from(id),
        other => other.clone(),
    };
    templates
        .iter()
        .map(|template| Statement {
            sql: template.sql.clone(),
            values: template
                .values
                .as_ref()
                .map(|values| Values(values.iter().map(fill).collect())),
            db_backend: template.db_backend,
        })
        .collect()
}

/// Decodes the rows of one result set of a batch.
fn decode_rows<T>(
    rows: &[QueryResult],
    decode: impl Fn(&QueryResult) -> std::result::Result<T, DbErr>,
) -> Result<Vec<T>> {
    rows.iter()
        .map(|row| decode(row).map_err(map_db_err))
        .collect()
}

/// Everything the deal page shows, from the result sets of [`deal_page_statements`]; `None`
/// when the tenant has no deal `id`.
fn deal_page_from(
    id: Uuid,
    activities_query: &ActivityQuery,
    sets: ResultSets,
) -> Result<Option<DealDetail>> {
    let [
        deal_rows,
        company,
        collaborators,
        stages,
        history,
        activities,
    ]: [Vec<QueryResult>; 6] = sets.try_into().map_err(|sets: ResultSets| {
        DomainError::Unexpected(format!("the deal page read {} result sets", sets.len()))
    })?;
    let rows: Vec<DealRow> = decode_rows(&deal_rows, |row| {
        Ok((deal_at(row)?, contact_summary_at(row, DEAL_COLUMNS)?))
    })?;
    if rows.first().is_none_or(|(row, _)| row.id != id) {
        return Ok(None);
    }
    let (mut models, contacts) = split_contacts(rows);
    // The deal's company, which all the page's other deals share (no company, no other deals).
    let company = decode_rows(&company, |row| companies::Model::from_query_result(row, ""))?
        .into_iter()
        .find(|c| models.first().and_then(|deal| deal.company_id) == Some(c.id));
    let relations = Relations {
        companies: company.iter().map(|c| (c.id, to_summary(c))).collect(),
        contacts,
        collaborators: collaborators_by_deal(decode_rows(&collaborators, collaborator_at)?),
    };
    let stages = decode_rows(&stages, |row| {
        pipeline_stages::Model::from_query_result(row, "")
    })?
    .into_iter()
    .map(to_stage)
    .collect::<Result<Vec<_>>>()?;
    // The deal goes last, where `pop` below takes it from.
    models.rotate_left(1);
    let mut deals = models
        .into_iter()
        .map(|row| to_deal(row, &stages, &relations))
        .collect::<Result<Vec<Deal>>>()?;
    let deal = deals
        .pop()
        .ok_or_else(|| DomainError::Unexpected(format!("deal {id} vanished")))?;
    let stage_history = decode_rows(&history, |row| {
        deal_stage_changes::Model::from_query_result(row, "")
    })?
    .into_iter()
    .map(to_stage_change)
    .collect::<Result<Vec<_>>>()?;
    let activities = page_of_activities(
        activities_query,
        decode_rows(&activities, |row| {
            activities::Model::from_query_result(row, "")
        })?,
    )?
    .data;
    Ok(Some(DealDetail {
        deal,
        company: company.map(to_company),
        company_deals: deals,
        stage_history,
        activities,
        stages,
    }))
}

/// Splits joined rows into the deal rows and the contacts they name.
fn split_contacts(rows: Vec<DealRow>) -> (Vec<deals::Model>, HashMap<Uuid, ContactSummary>) {
    let mut models = Vec::with_capacity(rows.len());
    let mut contacts = HashMap::new();
    for (deal, contact) in rows {
        if let Some(contact) = contact {
            contacts.entry(contact.id).or_insert(contact);
        }
        models.push(deal);
    }
    (models, contacts)
}

#[async_trait]
impl DealRepository for Store {
    async fn create(&self, tenant: Tenant, deal: NewDeal) -> Result<Deal> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let stages = list_stages(&txn, tenant).await?;
        let stage = stages
            .iter()
            .find(|s| s.id == deal.stage_id)
            .ok_or_else(|| DomainError::field("stage", "no such stage in your pipeline"))?;
        let position = to_i32(column_len(&txn, tenant, stage.id).await?);
        let now = Utc::now();
        let model = deals::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(deal.id),
            name: Set(deal.name),
            description: Set(deal.description),
            amount_cents: Set(deal.amount.map(|m| m.cents())),
            stage_id: Set(stage.id),
            stage_order: Set(position),
            priority: Set(deal.priority.as_str().to_owned()),
            progress: Set(i32::from(deal.progress.get())),
            owner_id: Set(Some(deal.owner_id.unwrap_or(tenant.user_id))),
            close_date: Set(deal.close_date),
            create_date: Set(now),
            last_update: Set(now),
            created_by: Set(tenant.user_id),
            contact_id: Set(deal.contact_id),
            company_id: Set(deal.company_id),
        };
        let inserted = deals::Entity::insert(model)
            .exec_with_returning(&txn)
            .await
            .map_err(map_db_err)?;
        if !deal.collaborator_ids.is_empty() {
            let rows =
                deal.collaborator_ids
                    .iter()
                    .map(|user_id| deal_collaborators::ActiveModel {
                        owner_id: Set(tenant.user_id),
                        deal_id: Set(inserted.id),
                        user_id: Set(*user_id),
                        added_at: Set(now),
                    });
            deal_collaborators::Entity::insert_many(rows)
                .exec_without_returning(&txn)
                .await
                .map_err(map_db_err)?;
        }
        record_stage_change(&txn, tenant, &inserted, None, stage, now).await?;
        let created = find_on(&txn, tenant, inserted.id).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(created)
    }

    async fn find(&self, tenant: Tenant, id: Uuid) -> Result<Option<Deal>> {
        let txn = self.read(tenant).await?;
        let found = match find_on(&txn, tenant, id).await {
            Ok(deal) => Some(deal),
            Err(DomainError::NotFound { .. }) => None,
            Err(other) => return Err(other),
        };
        txn.commit().await.map_err(map_db_err)?;
        Ok(found)
    }

    async fn detail(&self, tenant: Tenant, id: Uuid) -> Result<Option<DealDetail>> {
        let activities = deal_page_activities(id);
        let statements = deal_page_statements(self.backend(), tenant, id);
        let sets = self.read_batch(tenant, &statements).await?;
        deal_page_from(id, &activities, sets)
    }

    async fn board(
        &self,
        tenant: Tenant,
        query: BoardQuery,
        per_stage: u32,
    ) -> Result<Vec<BoardColumn>> {
        let txn = self.read(tenant).await?;
        let stages = list_stages(&txn, tenant).await?;
        let condition = board_condition(tenant, &query);
        let totals: Vec<(Uuid, i64, i64)> = deals::Entity::find()
            .select_only()
            .column(deals::Column::StageId)
            .column_as(Expr::cust("CAST(COUNT(*) AS BIGINT)"), "count")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT)"),
                "total",
            )
            .filter(condition.clone())
            .group_by(deals::Column::StageId)
            .into_tuple()
            .all(&txn)
            .await
            .map_err(map_db_err)?;
        let per_stage_i32 = to_i32(u64::from(per_stage));
        let cards = if is_filtered(&query) {
            let mut cards = Vec::new();
            for stage in &stages {
                let column = deals::Entity::find()
                    .filter(condition.clone())
                    .filter(deals::Column::StageId.eq(stage.id))
                    .order_by_asc(deals::Column::StageOrder)
                    .limit(u64::from(per_stage));
                cards.extend(card_rows(&txn, column).await?);
            }
            cards
        } else {
            // Positions are gap-free, so the first `per_stage` cards of every column are
            // exactly those with `stage_order < per_stage`: one query for the whole board.
            let board = deals::Entity::find()
                .filter(condition)
                .filter(deals::Column::StageOrder.lt(per_stage_i32))
                .order_by_asc(deals::Column::StageId)
                .order_by_asc(deals::Column::StageOrder);
            card_rows(&txn, board).await?
        };
        let mut by_stage = hydrate_by_stage(&txn, tenant, cards, &stages).await?;
        txn.commit().await.map_err(map_db_err)?;
        let columns = stages
            .into_iter()
            .map(|stage| {
                let (count, total) = totals
                    .iter()
                    .find(|(id, _, _)| *id == stage.id)
                    .map_or((0, 0), |(_, count, total)| (*count, *total));
                let deals = by_stage.remove(&stage.id).unwrap_or_default();
                let count = u64::try_from(count).unwrap_or_default();
                let next_cursor = (count > deals.len() as u64)
                    .then(|| crm_domain::Cursor::at(deals.len() as u64).encode());
                BoardColumn {
                    stage,
                    count,
                    total_amount_cents: i128::from(total),
                    deals,
                    next_cursor,
                }
            })
            .collect();
        Ok(columns)
    }

    async fn column(
        &self,
        tenant: Tenant,
        query: BoardQuery,
        page: ColumnPage,
    ) -> Result<Page<Deal>> {
        let txn = self.read(tenant).await?;
        let column = deals::Entity::find()
            .filter(board_condition(tenant, &query))
            .filter(deals::Column::StageId.eq(page.stage_id))
            .order_by_asc(deals::Column::StageOrder)
            .offset(page.page.cursor.offset())
            .limit(u64::from(page.page.limit) + 1);
        let rows = card_rows(&txn, column).await?;
        let rows = page.page.page_from(rows);
        let data = hydrate(&txn, tenant, rows.data).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(Page {
            data,
            next_cursor: rows.next_cursor,
        })
    }

    async fn with_company(&self, tenant: Tenant, company_id: Uuid) -> Result<Vec<Deal>> {
        let txn = self.read(tenant).await?;
        let rows = company_deal_rows(&txn, tenant, company_id).await?;
        let deals = hydrate(&txn, tenant, rows).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(deals)
    }

    async fn with_contact(&self, tenant: Tenant, contact_id: Uuid) -> Result<Vec<Deal>> {
        let txn = self.read(tenant).await?;
        let rows = deals::Entity::find()
            .filter(deals::Column::UserId.eq(tenant.user_id))
            .filter(deals::Column::ContactId.eq(contact_id))
            .order_by_desc(deals::Column::CreateDate)
            .limit(200)
            .all(&txn)
            .await
            .map_err(map_db_err)?;
        let deals = hydrate(&txn, tenant, rows).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(deals)
    }

    async fn update(&self, tenant: Tenant, id: Uuid, patch: DealPatch) -> Result<Deal> {
        let txn = self.write(tenant).await?;
        let mut model = find_model(&txn, tenant, id).await?.into_active_model();
        if let Some(v) = patch.name {
            model.name = Set(v);
        }
        if let Some(v) = patch.description {
            model.description = Set(v);
        }
        if let Some(v) = patch.amount {
            model.amount_cents = Set(v.map(|m| m.cents()));
        }
        if let Some(v) = patch.priority {
            model.priority = Set(v.as_str().to_owned());
        }
        if let Some(v) = patch.progress {
            model.progress = Set(i32::from(v.get()));
        }
        if let Some(v) = patch.close_date {
            model.close_date = Set(v);
        }
        if let Some(v) = patch.owner_id {
            model.owner_id = Set(v);
        }
        if let Some(v) = patch.contact_id {
            model.contact_id = Set(v);
        }
        if let Some(v) = patch.company_id {
            model.company_id = Set(v);
        }
        model.last_update = Set(Utc::now());
        deals::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        let updated = find_on(&txn, tenant, id).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(updated)
    }

    async fn move_deal(&self, tenant: Tenant, id: Uuid, to: DealMove) -> Result<Deal> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let current = find_model(&txn, tenant, id).await?;
        let stages = list_stages(&txn, tenant).await?;
        let target = stages
            .iter()
            .find(|s| s.id == to.stage_id())
            .ok_or_else(|| DomainError::field("stage", "no such stage in your pipeline"))?;
        let old = current.stage_order;
        let now = Utc::now();
        let same_column = current.stage_id == target.id;
        let others = column_len(&txn, tenant, target.id).await? - u64::from(same_column);
        let landing = to_i32(u64::from(
            to.landing_position(u32::try_from(others).unwrap_or(u32::MAX)),
        ));
        if same_column {
            if landing < old {
                shift(&txn, tenant, target.id, landing, old - 1, 1).await?;
            } else if landing > old {
                shift(&txn, tenant, target.id, old + 1, landing, -1).await?;
            }
        } else {
            shift(&txn, tenant, current.stage_id, old + 1, i32::MAX, -1).await?;
            shift(&txn, tenant, target.id, landing, i32::MAX, 1).await?;
        }
        let mut model = current.clone().into_active_model();
        model.stage_id = Set(target.id);
        model.stage_order = Set(landing);
        model.last_update = Set(now);
        if target.kind == StageKind::Won {
            model.progress = Set(100);
        }
        deals::Entity::update(model)
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        if !same_column {
            let source = stages.iter().find(|s| s.id == current.stage_id);
            record_stage_change(&txn, tenant, &current, source, target, now).await?;
        }
        let moved = find_on(&txn, tenant, id).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(moved)
    }

    async fn delete(&self, tenant: Tenant, id: Uuid) -> Result<()> {
        let txn = self.write(tenant).await?;
        lock_board(&txn, tenant).await?;
        let current = find_model(&txn, tenant, id).await?;
        deals::Entity::delete_many()
            .filter(deals::Column::UserId.eq(tenant.user_id))
            .filter(deals::Column::Id.eq(id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        shift(
            &txn,
            tenant,
            current.stage_id,
            current.stage_order + 1,
            i32::MAX,
            -1,
        )
        .await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(())
    }

    async fn add_collaborator(&self, tenant: Tenant, deal_id: Uuid, user_id: Uuid) -> Result<bool> {
        let txn = self.write(tenant).await?;
        find_model(&txn, tenant, deal_id).await?;
        let existing = deal_collaborators::Entity::find_by_id((tenant.user_id, deal_id, user_id))
            .one(&txn)
            .await
            .map_err(map_db_err)?;
        if existing.is_some() {
            return Ok(false);
        }
        let row = deal_collaborators::ActiveModel {
            owner_id: Set(tenant.user_id),
            deal_id: Set(deal_id),
            user_id: Set(user_id),
            added_at: Set(Utc::now()),
        };
        deal_collaborators::Entity::insert(row)
            .exec_without_returning(&txn)
            .await
            .map_err(|err| match map_db_err(err) {
                DomainError::Conflict { .. } => DomainError::field("user_id", "no such user"),
                other => other,
            })?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(true)
    }

    async fn remove_collaborator(
        &self,
        tenant: Tenant,
        deal_id: Uuid,
        user_id: Uuid,
    ) -> Result<()> {
        let txn = self.write(tenant).await?;
        find_model(&txn, tenant, deal_id).await?;
        let result = deal_collaborators::Entity::delete_many()
            .filter(deal_collaborators::Column::OwnerId.eq(tenant.user_id))
            .filter(deal_collaborators::Column::DealId.eq(deal_id))
            .filter(deal_collaborators::Column::UserId.eq(user_id))
            .exec(&txn)
            .await
            .map_err(map_db_err)?;
        if result.rows_affected == 0 {
            return Err(DomainError::not_found("collaborator"));
        }
        txn.commit().await.map_err(map_db_err)?;
        Ok(())
    }

    async fn stage_history(&self, tenant: Tenant, deal_id: Uuid) -> Result<Vec<StageChange>> {
        let txn = self.read(tenant).await?;
        let history = history_on(&txn, tenant, deal_id).await?;
        txn.commit().await.map_err(map_db_err)?;
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{DatabaseBackend, EntityTrait, QueryTrait};

    use super::*;

    /// [`deal_at`] reads column `i` as the model's field `i`: the select list must stay in
    /// that order.
    #[test]
    fn deals_are_selected_in_the_order_deal_at_reads_them() {
        let sql = deals::Entity::find().build(DatabaseBackend::Sqlite).sql;
        let expected = [
            "user_id",
            "id",
            "name",
            "description",
            "amount_cents",
            "stage_id",
            "stage_order",
            "priority",
            "progress",
            "owner_id",
            "close_date",
            "create_date",
            "last_update",
            "created_by",
            "contact_id",
            "company_id",
        ]
        .map(|column| format!(r#""deals"."{column}""#))
        .join(", ");
        assert_eq!(sql, format!(r#"SELECT {expected} FROM "deals""#));
        assert_eq!(expected.split(", ").count(), DEAL_COLUMNS);
    }

    /// The deal page's statements copied from the templates are the statements built afresh
    /// for the same tenant and deal, on both backends.
    #[test]
    fn deal_page_templates_fill_in_the_request_ids() {
        for backend in [DatabaseBackend::Postgres, DatabaseBackend::Sqlite] {
            for _ in 0..3 {
                let (tenant, id) = (Tenant::new(Uuid::new_v4()), Uuid::now_v7());
                let fresh =
                    build_deal_page_statements(backend, tenant, id, &deal_page_activities(id));
                let filled = deal_page_statements(backend, tenant, id);
                assert_eq!(filled.len(), 6);
                for (filled, fresh) in filled.iter().zip(&fresh) {
                    assert_eq!(filled.sql, fresh.sql);
                    assert_eq!(filled.values, fresh.values);
                    assert_eq!(filled.db_backend, fresh.db_backend);
                }
                let values = filled
                    .iter()
                    .flat_map(|s| s.values.iter().flat_map(|v| &v.0));
                let ids: Vec<&Value> = values.filter(|v| matches!(v, Value::Uuid(_))).collect();
                assert!(ids.contains(&&Value::from(tenant.user_id)));
                assert!(ids.contains(&&Value::from(id)));
                assert!(!ids.contains(&&Value::from(TENANT_MARKER)));
                assert!(!ids.contains(&&Value::from(DEAL_MARKER)));
            }
        }
    }
}
