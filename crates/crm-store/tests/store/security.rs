//! Row-level security, checked in the database itself (PostgreSQL), the schema's readiness for
//! distributed PostgreSQL, and the pool never carrying one user's identity into the next
//! request (both backends).
//!
//! The RLS cases bypass the repositories on purpose: they act as the request role with user
//! B's claims and run raw SQL, as application code that forgot a filter would.

use crm_domain::{ActivityInput, DealInput, NewMarketingSpend, StageRef, Tenant};
use crm_store::{Store, StoreConfig};
use migration::{Migrator, MigratorTrait, REQUEST_ROLE, TENANT_TABLES};
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, QueryResult, Statement,
    TransactionTrait,
};
use uuid::Uuid;

use crate::fixtures::{contact, deal, services, user};
use crate::harness::{on_postgres, store_tests};

/// Two users, each with a row in every tenant table.
struct World {
    a: Tenant,
    b: Tenant,
    a_contact: Uuid,
    a_deal: Uuid,
}

async fn world(store: &Store) -> World {
    let services = services(store);
    let a = user(&services, "ann").await;
    let b = user(&services, "bob").await;
    let mut ids = Vec::new();
    for (tenant, other) in [(a, b), (b, a)] {
        let person = contact(&services, tenant, "Cleo", "Doe", Some("cleo@example.com")).await;
        let card = deal(&services, tenant, "Deal", "Contact", Some("10.00")).await;
        services
            .update_deal(
                tenant,
                card.id,
                Default::default(),
                Some(StageRef::Name("SQL".into())),
                None,
            )
            .await
            .unwrap();
        services
            .add_collaborator(tenant, card.id, other.user_id)
            .await
            .unwrap();
        services
            .log_activity(
                tenant,
                ActivityInput {
                    kind: "note".into(),
                    contact_id: Some(person.contact.id),
                    metadata: serde_json::json!({"title": "hi"}),
                    ..ActivityInput::default()
                },
            )
            .await
            .unwrap();
        let spend = NewMarketingSpend {
            spent_on: chrono::Utc::now().date_naive(),
            lead_source: crm_domain::LeadSource::Referral,
            allotted: "5.00".parse().unwrap(),
            used: "4.00".parse().unwrap(),
        };
        services.repos().spend.upsert(tenant, spend).await.unwrap();
        ids.push((person.contact.id, card.id));
    }
    let _ = DealInput::default();
    World {
        a,
        b,
        a_contact: ids[0].0,
        a_deal: ids[0].1,
    }
}

/// A transaction acting as the request role with `claims` (none when `None`).
async fn as_request_role(store: &Store, claims: Option<String>) -> DatabaseTransaction {
    let txn = store.connection().begin().await.unwrap();
    let sql = "SELECT set_config('role', $1, true), set_config('request.jwt.claims', $2, true)";
    txn.query_one_raw(Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql,
        [REQUEST_ROLE.into(), claims.unwrap_or_default().into()],
    ))
    .await
    .unwrap();
    txn
}

fn claims_of(tenant: Tenant) -> Option<String> {
    Some(format!(
        r#"{{"sub":"{}","role":"authenticated"}}"#,
        tenant.user_id
    ))
}

async fn one(conn: &impl ConnectionTrait, sql: &str) -> Result<Option<QueryResult>, DbErr> {
    conn.query_one_raw(Statement::from_string(DbBackend::Postgres, sql.to_owned()))
        .await
}

async fn count(conn: &impl ConnectionTrait, sql: &str) -> i64 {
    one(conn, sql)
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index::<i64>(0)
        .unwrap()
}

async fn exec(conn: &impl ConnectionTrait, sql: &str) -> Result<u64, DbErr> {
    conn.execute_unprepared(sql)
        .await
        .map(|r| r.rows_affected())
}

async fn row_counts(store: &Store, w: &World) -> Vec<(i64, i64)> {
    let mut counts = Vec::new();
    for (table, column) in TENANT_TABLES {
        let a = count(
            store.connection(),
            &format!(
                "SELECT count(*) FROM {table} WHERE {column} = '{}'",
                w.a.user_id
            ),
        )
        .await;
        let b = count(
            store.connection(),
            &format!(
                "SELECT count(*) FROM {table} WHERE {column} = '{}'",
                w.b.user_id
            ),
        )
        .await;
        counts.push((a, b));
    }
    counts
}

async fn a_raw_select_on_every_tenant_table_returns_only_the_callers_rows(store: Store) {
    let w = world(&store).await;
    let txn = as_request_role(&store, claims_of(w.b)).await;
    for (table, column) in TENANT_TABLES {
        let all = count(
            &txn,
            &format!("SELECT count(*) FROM (SELECT * FROM {table}) t"),
        )
        .await;
        let own = count(
            &txn,
            &format!(
                "SELECT count(*) FROM {table} WHERE {column} = '{}'",
                w.b.user_id
            ),
        )
        .await;
        assert!(own > 0, "{table}: B has rows");
        assert_eq!(all, own, "{table}: B sees only B's rows");
    }
    txn.rollback().await.unwrap();
}

async fn updates_and_deletes_aimed_at_another_users_rows_affect_nothing(store: Store) {
    let w = world(&store).await;
    let before = row_counts(&store, &w).await;
    let txn = as_request_role(&store, claims_of(w.b)).await;
    // Children first, so that B's own rows can go without breaking B's own foreign keys.
    for &(table, column) in TENANT_TABLES.iter().rev() {
        let a = w.a.user_id;
        let updated = exec(
            &txn,
            &format!("UPDATE {table} SET {column} = {column} WHERE {column} = '{a}'"),
        )
        .await
        .unwrap();
        assert_eq!(updated, 0, "{table}: update of A's rows");
        let deleted = exec(&txn, &format!("DELETE FROM {table} WHERE {column} = '{a}'"))
            .await
            .unwrap();
        assert_eq!(deleted, 0, "{table}: delete of A's rows");
        let everything = exec(&txn, &format!("DELETE FROM {table} WHERE true"))
            .await
            .unwrap();
        assert!(
            everything
                <= before[TENANT_TABLES.iter().position(|(t, _)| *t == table).unwrap()].1 as u64
        );
    }
    txn.rollback().await.unwrap();
    assert_eq!(
        row_counts(&store, &w).await,
        before,
        "A's and B's rows are unchanged"
    );
}

async fn inserting_a_row_for_another_user_or_pointing_at_their_rows_fails(store: Store) {
    let w = world(&store).await;
    let (a, b) = (w.a.user_id, w.b.user_id);
    let attempts = [
        format!(
            "INSERT INTO contacts (user_id, id, first_name, last_name, created_by, created_at, updated_at) VALUES ('{a}', '{}', 'x', 'y', '{b}', now(), now())",
            Uuid::now_v7()
        ),
        format!(
            "INSERT INTO marketing_spend (user_id, id, spent_on, lead_source, allotted_cents, used_cents, created_at) VALUES ('{a}', '{}', '2020-01-01', 'other', 1, 1, now())",
            Uuid::now_v7()
        ),
        // B's own row naming A's contact: the composite foreign key refuses it.
        format!(
            "INSERT INTO deals (user_id, id, name, stage_id, priority, progress, create_date, last_update, created_by, contact_id) SELECT '{b}', '{}', 'x', id, 'low', 0, now(), now(), '{b}', '{}' FROM pipeline_stages WHERE user_id = '{b}' LIMIT 1",
            Uuid::now_v7(),
            w.a_contact
        ),
        format!(
            "INSERT INTO activities (user_id, id, type, deal_id, metadata, created_by, created_at, updated_at) VALUES ('{b}', '{}', 'note', '{}', '{{}}', '{b}', now(), now())",
            Uuid::now_v7(),
            w.a_deal
        ),
        format!(
            "INSERT INTO deal_collaborators (owner_id, deal_id, user_id, added_at) VALUES ('{a}', '{}', '{b}', now())",
            w.a_deal
        ),
    ];
    for sql in attempts {
        let txn = as_request_role(&store, claims_of(w.b)).await;
        assert!(exec(&txn, &sql).await.is_err(), "accepted: {sql}");
        txn.rollback().await.unwrap();
    }
}

async fn a_request_without_claims_sees_nothing(store: Store) {
    let _ = world(&store).await;
    let txn = as_request_role(&store, None).await;
    for (table, _) in TENANT_TABLES {
        assert_eq!(
            count(&txn, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "{table}"
        );
    }
    txn.rollback().await.unwrap();
}

async fn the_request_role_can_not_read_password_hashes(store: Store) {
    let w = world(&store).await;
    let txn = as_request_role(&store, claims_of(w.b)).await;
    assert!(one(&txn, "SELECT password_hash FROM users").await.is_err());
    txn.rollback().await.unwrap();
}

async fn every_tenant_table_has_forced_rls_and_a_policy_per_command(store: Store) {
    let db = store.connection();
    for (table, _) in TENANT_TABLES.iter().chain([("companies", "")].iter()) {
        let forced = count(db, &format!("SELECT count(*) FROM pg_class WHERE oid = '{table}'::regclass AND relrowsecurity AND relforcerowsecurity")).await;
        assert_eq!(forced, 1, "{table}: RLS enabled and forced");
        let commands = if *table == "companies" { 3 } else { 4 };
        let policies = count(db, &format!(
            "SELECT count(DISTINCT cmd) FROM pg_policies WHERE tablename = '{table}' AND '{REQUEST_ROLE}' = ANY(roles) AND cmd IN ('SELECT','INSERT','UPDATE','DELETE')"
        )).await;
        assert_eq!(
            policies, commands,
            "{table}: one policy per command for the request role"
        );
    }
    let unsafe_role = count(db, &format!(
        "SELECT count(*) FROM pg_roles WHERE rolname = '{REQUEST_ROLE}' AND (rolsuper OR rolbypassrls OR rolcanlogin)"
    )).await;
    assert_eq!(
        unsafe_role, 0,
        "the request role cannot log in, is no superuser and cannot bypass RLS"
    );
    let owned = count(db, &format!(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = '{REQUEST_ROLE}'"
    )).await;
    assert_eq!(owned, 0, "the request role owns nothing");
    let views = count(
        db,
        &format!(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND has_table_privilege('{REQUEST_ROLE}', c.oid, 'SELECT') \
         AND NOT coalesce(c.reloptions::text[] @> ARRAY['security_invoker=true'], false)"
        ),
    )
    .await;
    assert_eq!(
        views, 0,
        "no view readable by the request role runs with its owner's rights"
    );
    let definers = count(
        db,
        &format!(
            "SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
         WHERE p.prosecdef AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         AND has_function_privilege('{REQUEST_ROLE}', p.oid, 'EXECUTE')"
        ),
    )
    .await;
    assert_eq!(
        definers, 0,
        "no SECURITY DEFINER function is reachable by the request role"
    );
}

/// The rules of `spec/schema.md` that keep the schema distributable by `user_id` (Citus).
async fn assert_distributable(db: &impl ConnectionTrait, step: &str) {
    let tenant_tables: Vec<String> = TENANT_TABLES
        .iter()
        .map(|(t, _)| format!("'{t}'"))
        .collect();
    let list = tenant_tables.join(",");
    let case = TENANT_TABLES
        .iter()
        .map(|(t, c)| format!("WHEN '{t}' THEN '{c}'"))
        .collect::<Vec<_>>()
        .join(" ");
    // Every primary key and unique index of a tenant table includes its tenant column.
    let bad_unique = count(
        db,
        &format!(
            "SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid \
         WHERE c.relname IN ({list}) AND i.indisunique AND NOT EXISTS ( \
           SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid \
           AND a.attname = (CASE c.relname {case} END) AND a.attnum = ANY(i.indkey))"
        ),
    )
    .await;
    assert_eq!(
        bad_unique, 0,
        "{step}: a unique index of a tenant table lacks its tenant column"
    );
    // Foreign keys between tenant tables include the tenant column on both sides, at the same
    // position, and use no ON UPDATE action and no SET NULL / SET DEFAULT.
    let bad_fk = count(db, &format!(
        "SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class f ON f.oid = k.confrelid \
         WHERE k.contype = 'f' AND c.relname IN ({list}) AND f.relname IN ({list}) AND ( \
           k.confupdtype <> 'a' OR k.confdeltype IN ('n', 'd') OR NOT EXISTS ( \
             SELECT 1 FROM generate_subscripts(k.conkey, 1) s \
             JOIN pg_attribute ca ON ca.attrelid = c.oid AND ca.attnum = k.conkey[s] \
             JOIN pg_attribute fa ON fa.attrelid = f.oid AND fa.attnum = k.confkey[s] \
             WHERE ca.attname = (CASE c.relname {case} END) AND fa.attname = (CASE f.relname {case} END)))"
    )).await;
    assert_eq!(
        bad_fk, 0,
        "{step}: a foreign key between tenant tables breaks the distribution rules"
    );
    let triggers = count(db, &format!(
        "SELECT count(*) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal AND c.relname IN ({list})"
    )).await;
    assert_eq!(triggers, 0, "{step}: tenant tables have no triggers");
    let subqueries = count(db,
        "SELECT count(*) FROM pg_policies WHERE coalesce(qual, '') ILIKE '%select%' OR coalesce(with_check, '') ILIKE '%select%'",
    ).await;
    assert_eq!(subqueries, 0, "{step}: no policy has a subquery");
}

async fn every_migration_keeps_the_schema_distributable_by_user(store: Store) {
    let db = store.connection();
    Migrator::down(db, None).await.unwrap();
    let total = Migrator::migrations().len();
    for step in 1..=total {
        Migrator::up(db, Some(1)).await.unwrap();
        assert_distributable(db, &format!("after migration {step} of {total}")).await;
    }
}

async fn a_pooled_connection_never_carries_a_user_into_the_next_request(store: Store) {
    let w = world(&store).await;
    // A store with a single connection: A and B take turns on the same session.
    let url = match store.backend() {
        DbBackend::Postgres => {
            let name: String = one(store.connection(), "SELECT current_database()")
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index(0)
                .unwrap();
            let base = std::env::var("TEST_DATABASE_URL").unwrap();
            crm_store::testing::with_database(&base, &name)
        }
        _ => sqlite_url(&store).await,
    };
    let single = Store::connect(&StoreConfig {
        url,
        max_connections: 1,
        ..StoreConfig::new("")
    })
    .await
    .unwrap();
    let services = services(&single);
    for round in 0..10 {
        for (me, other) in [(w.a, w.b), (w.b, w.a)] {
            let board = crate::fixtures::board(&services, me).await;
            for column in &board {
                for card in &column.deals {
                    assert_eq!(card.user_id, me.user_id, "round {round}: a foreign card");
                }
            }
            let contacts = services
                .repos()
                .contacts
                .list(me, Default::default())
                .await
                .unwrap();
            assert!(
                contacts
                    .data
                    .iter()
                    .all(|c| c.contact.user_id != other.user_id)
            );
        }
        // The deal page is read in one batch (one message on PostgreSQL).
        assert!(
            single
                .repositories()
                .deals
                .detail(w.a, w.a_deal)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(
            single
                .repositories()
                .deals
                .detail(w.b, w.a_deal)
                .await
                .unwrap(),
            None
        );
        if single.backend() == DbBackend::Postgres {
            let row = one(single.connection(), "SELECT current_user::text, coalesce(current_setting('request.jwt.claims', true), '')")
                .await
                .unwrap()
                .unwrap();
            let role: String = row.try_get_by_index(0).unwrap();
            let claims: String = row.try_get_by_index(1).unwrap();
            assert_ne!(role, REQUEST_ROLE, "the role outlived its transaction");
            assert_eq!(claims, "", "the claims outlived their transaction");
        }
    }
    single.close().await.unwrap();
}

async fn a_batch_runs_as_the_request_role_read_only_and_rolls_back_whole(store: Store) {
    let w = world(&store).await;
    let statement = |sql: &str| Statement::from_string(DbBackend::Postgres, sql);
    let sets = store
        .read_batch(
            w.b,
            &[
                statement("SELECT id FROM deals"),
                statement("SELECT current_user::text, current_setting('transaction_read_only')"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(sets.len(), 2);
    let deals: Vec<Uuid> = sets[0]
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert!(!deals.is_empty() && !deals.contains(&w.a_deal), "{deals:?}");
    let role: String = sets[1][0].try_get_by_index(0).unwrap();
    let read_only: String = sets[1][0].try_get_by_index(1).unwrap();
    assert_eq!((role.as_str(), read_only.as_str()), (REQUEST_ROLE, "on"));

    // A refused statement fails the whole batch and leaves nothing open on the connection.
    let refused = store
        .read_batch(
            w.a,
            &[statement("DELETE FROM deals"), statement("SELECT 1")],
        )
        .await;
    assert!(refused.is_err());
    let after = store
        .read_batch(w.a, &[statement("SELECT count(*) FROM deals")])
        .await
        .unwrap();
    let left: i64 = after[0][0].try_get_by_index(0).unwrap();
    assert!(left > 0, "the refused DELETE removed rows");
}

async fn sqlite_url(store: &Store) -> String {
    let row = store
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT file FROM pragma_database_list WHERE name = 'main'",
        ))
        .await
        .unwrap()
        .unwrap();
    let file: String = row.try_get_by_index(0).unwrap();
    format!("sqlite://{file}?mode=rw")
}

store_tests!(a_pooled_connection_never_carries_a_user_into_the_next_request);

macro_rules! postgres_only {
    ($($case:ident),+ $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                on_postgres(super::$case).await;
            }
        )+
    };
}

mod on_postgres_only {
    use super::*;

    postgres_only!(
        a_raw_select_on_every_tenant_table_returns_only_the_callers_rows,
        updates_and_deletes_aimed_at_another_users_rows_affect_nothing,
        inserting_a_row_for_another_user_or_pointing_at_their_rows_fails,
        a_request_without_claims_sees_nothing,
        the_request_role_can_not_read_password_hashes,
        every_tenant_table_has_forced_rls_and_a_policy_per_command,
        every_migration_keeps_the_schema_distributable_by_user,
        a_batch_runs_as_the_request_role_read_only_and_rolls_back_whole,
    );
}
