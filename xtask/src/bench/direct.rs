//! The limit: the SQL an endpoint issues, sent straight to PostgreSQL at the same concurrency,
//! with the same transaction and the same row-level-security setup as `crm_store::scope`
//! (`BEGIN`, then one `set_config` statement for the role, the claims, read-only and the
//! statement timeout), for a random user per request. The sign-in check's user lookup is not
//! replayed: the server keeps the users it has met (`crm_http::KnownUsers`), so in a run it
//! happens once per user. Statements are prepared once per connection (sqlx caches them),
//! as `pgbench -M prepared` would. The statements are the ones the store sends (as logged by
//! PostgreSQL with `log_statement = all`), with the `IN (…)` lists of the hydration step
//! built from the previous results exactly as the store builds them. The deal page is the
//! store's batch (`crm_store::Store::read_batch`): its statements prepared once per
//! connection, then one message per request.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use sea_orm::sqlx::postgres::PgRow;
use sea_orm::sqlx::{self, Connection as _, PgConnection, Row as _};
use uuid::Uuid;

use super::load::new_histogram;
use super::{Measurement, Scenario, Timing};

const DEAL_COLUMNS: &str = r#""deals"."user_id", "deals"."id", "deals"."name", "deals"."description", "deals"."amount_cents", "deals"."stage_id", "deals"."stage_order", "deals"."priority", "deals"."progress", "deals"."owner_id", "deals"."close_date", "deals"."create_date", "deals"."last_update", "deals"."created_by", "deals"."contact_id", "deals"."company_id""#;
const STAGE_SQL: &str = r#"SELECT "pipeline_stages"."user_id", "pipeline_stages"."id", "pipeline_stages"."name", "pipeline_stages"."position", "pipeline_stages"."kind", "pipeline_stages"."probability", "pipeline_stages"."created_at" FROM "pipeline_stages" WHERE "pipeline_stages"."user_id" = $1 ORDER BY "pipeline_stages"."position" ASC, "pipeline_stages"."id" ASC"#;
/// The company columns a card shows (the store's `companies::load_summaries`).
const COMPANY_COLUMNS: &str = r#""companies"."id", "companies"."name", "companies"."logo_url""#;

/// The deal page's first query: the deal and its company's other deals, each followed by its
/// contact's five summary columns (as the store writes it).
const DEAL_DETAIL_SQL: &str = r#"SELECT "deals"."user_id", "deals"."id", "deals"."name", "deals"."description", "deals"."amount_cents", "deals"."stage_id", "deals"."stage_order", "deals"."priority", "deals"."progress", "deals"."owner_id", "deals"."close_date", "deals"."create_date", "deals"."last_update", "deals"."created_by", "deals"."contact_id", "deals"."company_id", "contacts"."id", "contacts"."first_name", "contacts"."last_name", "contacts"."email", "contacts"."phone" FROM "deals" LEFT JOIN "contacts" ON "deals"."user_id" = "contacts"."user_id" AND "deals"."contact_id" = "contacts"."id" WHERE "deals"."user_id" = $1 AND ("deals"."id" = $2 OR "deals"."company_id" = (SELECT "company_id" FROM "deals" WHERE "deals"."user_id" = $3 AND "deals"."id" = $4)) ORDER BY "deals"."id" = $5 DESC, "deals"."create_date" DESC LIMIT $6"#;

/// The deal page's company: the company of the deal, by a scalar subquery.
const DEAL_COMPANY_SQL: &str = r#"SELECT "companies"."id", "companies"."name", "companies"."name_key", "companies"."logo_url", "companies"."industry", "companies"."website", "companies"."created_by", "companies"."created_at", "companies"."updated_at" FROM "companies" WHERE "companies"."id" = (SELECT "company_id" FROM "deals" WHERE "deals"."user_id" = $1 AND "deals"."id" = $2)"#;
/// The collaborators of the deal page's deals (the deals as a subquery).
const DEAL_COLLABORATORS_SQL: &str = r#"SELECT "deal_collaborators"."deal_id", "deal_collaborators"."user_id", "users"."display_name", "users"."avatar_url" FROM "deal_collaborators" INNER JOIN "users" ON "deal_collaborators"."user_id" = "users"."id" WHERE "deal_collaborators"."owner_id" = $1 AND "deal_collaborators"."deal_id" IN (SELECT "deals"."id" FROM "deals" WHERE "deals"."user_id" = $2 AND ("deals"."id" = $3 OR "deals"."company_id" = (SELECT "company_id" FROM "deals" WHERE "deals"."user_id" = $4 AND "deals"."id" = $5)) ORDER BY "deals"."id" = $6 DESC, "deals"."create_date" DESC LIMIT $7) ORDER BY "deal_collaborators"."added_at" ASC"#;
/// The deal's stage history.
const DEAL_HISTORY_SQL: &str = r#"SELECT "deal_stage_changes"."user_id", "deal_stage_changes"."id", "deal_stage_changes"."deal_id", "deal_stage_changes"."from_stage_id", "deal_stage_changes"."to_stage_id", "deal_stage_changes"."from_stage", "deal_stage_changes"."to_stage", "deal_stage_changes"."to_kind", "deal_stage_changes"."changed_by", "deal_stage_changes"."changed_at" FROM "deal_stage_changes" WHERE "deal_stage_changes"."user_id" = $1 AND "deal_stage_changes"."deal_id" = $2 ORDER BY "deal_stage_changes"."changed_at" ASC, "deal_stage_changes"."id" ASC"#;
/// The deal's first page of activities.
const DEAL_ACTIVITIES_SQL: &str = r#"SELECT "activities"."user_id", "activities"."id", "activities"."type", "activities"."contact_id", "activities"."deal_id", "activities"."subject", "activities"."description", "activities"."metadata", "activities"."created_by", "activities"."created_at", "activities"."updated_at" FROM "activities" WHERE "activities"."user_id" = $1 AND "activities"."deal_id" = $2 ORDER BY "activities"."created_at" DESC, "activities"."id" DESC LIMIT $3 OFFSET $4"#;
/// The deal page's statements in the store's order, each prepared once per connection as the
/// store's batch does (`crm_store::Store::read_batch`).
const DEAL_PAGE_STATEMENTS: [&str; 6] = [
    DEAL_DETAIL_SQL,
    DEAL_COMPANY_SQL,
    DEAL_COLLABORATORS_SQL,
    STAGE_SQL,
    DEAL_HISTORY_SQL,
    DEAL_ACTIVITIES_SQL,
];

/// The scenarios with a direct-SQL twin.
#[derive(Debug, Clone, Copy)]
enum Twin {
    /// The board with `per_stage` cards per column.
    Board(i32),
    /// The deal page's data.
    DealDetails,
}

/// Runs the direct-SQL twin of `scenario`, if it has one, over `connections` connections.
pub async fn run(
    url: &str,
    scenario: Scenario,
    users: Arc<Vec<Uuid>>,
    deals: Arc<Vec<(Uuid, Uuid)>>,
    connections: usize,
    timing: Timing,
) -> anyhow::Result<Option<Measurement>> {
    let twin = match scenario {
        Scenario::BoardFull => Twin::Board(500),
        Scenario::BoardPage => Twin::Board(100),
        Scenario::DealDetails => Twin::DealDetails,
        _ => return Ok(None),
    };
    let start = Instant::now();
    let record_from = start + timing.warmup;
    let end = record_from + timing.duration;
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..connections {
        let (url, users, deals) = (url.to_owned(), Arc::clone(&users), Arc::clone(&deals));
        tasks.spawn(async move {
            let mut conn = PgConnection::connect(&url)
                .await
                .context("direct SQL: cannot connect")?;
            if let Twin::DealDetails = twin {
                prepare_deal_page(&mut conn).await?;
            }
            let mut rng = StdRng::seed_from_u64(0xD1EC_7000 + worker as u64);
            let mut histogram = new_histogram()?;
            let (mut errors, mut first_error) = (0u64, None);
            while Instant::now() < end {
                let sent = Instant::now();
                let outcome = match twin {
                    Twin::Board(per_stage) => match users.choose(&mut rng) {
                        Some(user) => board(&mut conn, *user, per_stage).await,
                        None => Ok(()),
                    },
                    Twin::DealDetails => match deals.choose(&mut rng) {
                        Some((user, deal)) => deal_details(&mut conn, *user, *deal).await,
                        None => Ok(()),
                    },
                };
                if sent < record_from {
                    continue;
                }
                match outcome {
                    Ok(()) => {
                        let micros = u64::try_from(sent.elapsed().as_micros()).unwrap_or(u64::MAX);
                        histogram.saturating_record(micros.max(1));
                    }
                    Err(err) => {
                        errors += 1;
                        first_error.get_or_insert(format!("{err:#}"));
                        // A failed transaction leaves the connection inside it.
                        sqlx::raw_sql("ROLLBACK").execute(&mut conn).await.ok();
                    }
                }
            }
            conn.close().await.ok();
            anyhow::Ok((histogram, errors, first_error))
        });
    }
    let mut histogram = new_histogram()?;
    let (mut errors, mut first_error) = (0, None);
    while let Some(joined) = tasks.join_next().await {
        let (h, e, f) = joined.context("a direct-SQL worker panicked")??;
        histogram.add(&h)?;
        errors += e;
        first_error = first_error.or(f);
    }
    let elapsed = Instant::now().saturating_duration_since(record_from);
    Ok(Some(Measurement::from_histogram(
        &histogram,
        errors,
        first_error,
        elapsed,
    )))
}

/// Opens a tenant read transaction the way `crm_store::scope` does, with the server's default
/// statement timeout.
async fn begin_read(conn: &mut PgConnection, user: Uuid) -> anyhow::Result<()> {
    sqlx::raw_sql("BEGIN").execute(&mut *conn).await?;
    let claims = format!(r#"{{"sub":"{user}","role":"authenticated","aud":"authenticated"}}"#);
    sqlx::query("SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), set_config('transaction_read_only', 'on', true), set_config('statement_timeout', $3, true)")
        .bind("crm_authenticated")
        .bind(claims)
        .bind("5000")
        .fetch_one(&mut *conn)
        .await?;
    Ok(())
}

async fn commit(conn: &mut PgConnection) -> anyhow::Result<()> {
    sqlx::raw_sql("COMMIT").execute(conn).await?;
    Ok(())
}

/// `DealRepository::board` without filters: stages, per-column totals, the first
/// `per_stage` cards of every column, then their hydration.
async fn board(conn: &mut PgConnection, user: Uuid, per_stage: i32) -> anyhow::Result<()> {
    begin_read(conn, user).await?;
    sqlx::query(STAGE_SQL)
        .bind(user)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query(
        r#"SELECT "deals"."stage_id", CAST(COUNT(*) AS BIGINT) AS "count", CAST(COALESCE(SUM(amount_cents), 0) AS BIGINT) AS "total" FROM "deals" WHERE "deals"."user_id" = $1 GROUP BY "deals"."stage_id""#,
    )
    .bind(user)
    .fetch_all(&mut *conn)
    .await?;
    let cards = sqlx::query(sqlx::AssertSqlSafe(format!(
        r#"SELECT {DEAL_COLUMNS} FROM "deals" WHERE "deals"."user_id" = $1 AND "deals"."stage_order" < $2 ORDER BY "deals"."stage_id" ASC, "deals"."stage_order" ASC"#
    )))
    .bind(user)
    .bind(per_stage)
    .fetch_all(&mut *conn)
    .await?;
    hydrate(conn, user, &cards).await?;
    commit(conn).await
}

/// The store's `hydrate_with` (the stages are read already): the contacts' card columns,
/// companies and collaborators with their users, each one query with an `IN` list of the ids
/// the cards name.
async fn hydrate(conn: &mut PgConnection, user: Uuid, cards: &[PgRow]) -> anyhow::Result<()> {
    if cards.is_empty() {
        return Ok(());
    }
    let ids = |column: &str| -> anyhow::Result<Vec<Uuid>> {
        let mut set = BTreeSet::new();
        for row in cards {
            if let Some(id) = row.try_get::<Option<Uuid>, _>(column)? {
                set.insert(id);
            }
        }
        Ok(set.into_iter().collect())
    };
    let contacts = ids("contact_id")?;
    if !contacts.is_empty() {
        let sql = format!(
            r#"SELECT "contacts"."id", "contacts"."first_name", "contacts"."last_name", "contacts"."email", "contacts"."phone" FROM "contacts" WHERE "contacts"."user_id" = $1 AND "contacts"."id" IN ({})"#,
            placeholders(2, contacts.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user);
        for id in &contacts {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *conn).await?;
    }
    let companies = ids("company_id")?;
    if !companies.is_empty() {
        let sql = format!(
            r#"SELECT {COMPANY_COLUMNS} FROM "companies" WHERE "companies"."id" IN ({})"#,
            placeholders(1, companies.len())
        );
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in &companies {
            query = query.bind(*id);
        }
        query.fetch_all(&mut *conn).await?;
    }
    let deal_ids: Vec<Uuid> = cards
        .iter()
        .map(|row| row.try_get::<Uuid, _>("id"))
        .collect::<Result<_, _>>()?;
    collaborators(conn, user, &deal_ids).await
}

async fn collaborators(conn: &mut PgConnection, user: Uuid, deals: &[Uuid]) -> anyhow::Result<()> {
    let sql = format!(
        r#"SELECT "deal_collaborators"."deal_id", "deal_collaborators"."user_id", "users"."display_name", "users"."avatar_url" FROM "deal_collaborators" INNER JOIN "users" ON "deal_collaborators"."user_id" = "users"."id" WHERE "deal_collaborators"."owner_id" = $1 AND "deal_collaborators"."deal_id" IN ({}) ORDER BY "deal_collaborators"."added_at" ASC"#,
        placeholders(2, deals.len())
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(user);
    for id in deals {
        query = query.bind(*id);
    }
    query.fetch_all(&mut *conn).await?;
    Ok(())
}

/// The store's scope statement of a read (`crm_store`'s `scope_statement`): the request role,
/// the claims, read-only and the statement timeout, for the implicit transaction of the batch.
const SCOPE_SQL: &str = "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true), \
     set_config('transaction_read_only', 'on', true), set_config('statement_timeout', $3, true)";

/// Prepares the deal page's statements and the scope statement on `conn`, as the store does
/// the first time a pooled connection meets them (`PREPARE deal_page_<n> AS …`).
async fn prepare_deal_page(conn: &mut PgConnection) -> anyhow::Result<()> {
    let prepare: Vec<String> = DEAL_PAGE_STATEMENTS
        .iter()
        .enumerate()
        .map(|(n, sql)| format!("PREPARE deal_page_{n} AS {sql}"))
        .chain([format!("PREPARE deal_page_scope AS {SCOPE_SQL}")])
        .collect();
    sqlx::raw_sql(sqlx::AssertSqlSafe(prepare.join(";\n")))
        .execute(conn)
        .await?;
    Ok(())
}

/// `GET /api/crm/deals/{id}` (`DealRepository::detail`): the store's batch, one message and one
/// round trip: the prepared scope statement (the implicit transaction's role, claims, read-only and
/// statement timeout), then the prepared statements of [`DEAL_PAGE_STATEMENTS`] with their
/// values: the deal and the newest 200 other deals with its company, each joined with its
/// contact; their company; their collaborators; the stages; the stage history; the first page
/// of activities.
async fn deal_details(conn: &mut PgConnection, user: Uuid, deal: Uuid) -> anyhow::Result<()> {
    let (u, d) = (format!("'{user}'"), format!("'{deal}'"));
    let message = format!(
        "EXECUTE deal_page_scope('crm_authenticated', \
         '{{\"sub\":\"{user}\",\"role\":\"authenticated\",\"aud\":\"authenticated\"}}', '5000');\n\
         EXECUTE deal_page_0({u}, {d}, {u}, {d}, {d}, 201);\n\
         EXECUTE deal_page_1({u}, {d});\n\
         EXECUTE deal_page_2({u}, {u}, {d}, {u}, {d}, {d}, 201);\n\
         EXECUTE deal_page_3({u});\n\
         EXECUTE deal_page_4({u}, {d});\n\
         EXECUTE deal_page_5({u}, {d}, 51, 0)"
    );
    let results = sqlx::raw_sql(sqlx::AssertSqlSafe(message))
        .fetch_all(conn)
        .await?;
    // The scope statement's row, then at least the deal's.
    anyhow::ensure!(results.len() > 1, "the deal page read no deal");
    Ok(())
}

/// `$first, $first+1, …` for `count` values.
fn placeholders(first: usize, count: usize) -> String {
    (first..first + count)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}
