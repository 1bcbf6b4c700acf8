//! Row-level security on PostgreSQL: the second wall behind the store's own tenant filters.
//!
//! Requests run inside a transaction that switches to the role `crm_authenticated`
//! (`NOLOGIN NOSUPERUSER NOBYPASSRLS`, owning nothing) and sets `request.jwt.claims`, the way
//! PostgREST and Supabase do. `auth.uid()` reads the `sub` claim exactly as Supabase defines
//! it, so the same policies work when the schema is pointed at a Supabase project.
//!
//! Every tenant table gets `ENABLE` and `FORCE ROW LEVEL SECURITY` and one policy per command
//! for the request role, written as `auth.uid() = user_id` (`owner_id` on
//! `deal_collaborators`) with no subquery, so the policies stay valid on distributed
//! PostgreSQL (Citus). The role that runs the migrations (the tables' owner) keeps one
//! permissive policy per table: migrations and seeding run as the owner, and `FORCE` would
//! otherwise lock the owner out too.
//!
//! `companies` is the shared directory: every signed-in request may read it and add to it,
//! only the creator may edit, nobody may delete. `users` has no RLS (it is the colleague
//! directory), and the request role may read only its public columns, never password hashes.
//!
//! SQLite has no RLS: this migration does nothing there, and the store scopes every statement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Tenant tables and their tenant column.
pub(crate) const TENANT_TABLES: [(&str, &str); 7] = [
    ("pipeline_stages", "user_id"),
    ("contacts", "user_id"),
    ("deals", "user_id"),
    ("deal_stage_changes", "user_id"),
    ("deal_collaborators", "owner_id"),
    ("activities", "user_id"),
    ("marketing_spend", "user_id"),
];

/// The role requests run as.
pub const REQUEST_ROLE: &str = "crm_authenticated";

/// Creates the `auth` schema, the request role, the grants and the policies.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

const SETUP: &str = r#"
CREATE SCHEMA IF NOT EXISTS auth;

-- Supabase's definition: the `sub` of the claims JSON, or the older single-claim setting.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
LANGUAGE sql STABLE
AS $$
  SELECT coalesce(
    nullif(current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub',
    nullif(current_setting('request.jwt.claim.sub', true), '')
  )::uuid
$$;

-- Roles are cluster-wide: another database of the cluster may have created it already, and
-- parallel migrations may race to create it.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'crm_authenticated') THEN
    BEGIN
      CREATE ROLE crm_authenticated NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
    END;
  END IF;
  EXECUTE format('GRANT crm_authenticated TO %I', current_user);
END
$$;

GRANT USAGE ON SCHEMA auth TO crm_authenticated;
GRANT EXECUTE ON FUNCTION auth.uid() TO crm_authenticated;
GRANT USAGE ON SCHEMA public TO crm_authenticated;
GRANT SELECT (id, email, display_name, avatar_url, created_at) ON users TO crm_authenticated;
GRANT SELECT, INSERT, UPDATE ON companies TO crm_authenticated;
"#;

fn tenant_table_sql(table: &str, column: &str) -> String {
    format!(
        r#"
GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO crm_authenticated;
ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;
ALTER TABLE {table} FORCE ROW LEVEL SECURITY;
CREATE POLICY {table}_select ON {table} FOR SELECT TO crm_authenticated
  USING (auth.uid() = {column});
CREATE POLICY {table}_insert ON {table} FOR INSERT TO crm_authenticated
  WITH CHECK (auth.uid() = {column});
CREATE POLICY {table}_update ON {table} FOR UPDATE TO crm_authenticated
  USING (auth.uid() = {column}) WITH CHECK (auth.uid() = {column});
CREATE POLICY {table}_delete ON {table} FOR DELETE TO crm_authenticated
  USING (auth.uid() = {column});
DO $$ BEGIN
  EXECUTE format('CREATE POLICY {table}_owner ON {table} TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
"#
    )
}

const COMPANIES: &str = r#"
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE companies FORCE ROW LEVEL SECURITY;
CREATE POLICY companies_select ON companies FOR SELECT TO crm_authenticated
  USING (auth.uid() IS NOT NULL);
CREATE POLICY companies_insert ON companies FOR INSERT TO crm_authenticated
  WITH CHECK (auth.uid() IS NOT NULL AND created_by = auth.uid());
CREATE POLICY companies_update ON companies FOR UPDATE TO crm_authenticated
  USING (created_by = auth.uid()) WITH CHECK (created_by = auth.uid());
DO $$ BEGIN
  EXECUTE format('CREATE POLICY companies_owner ON companies TO %I USING (true) WITH CHECK (true)', current_user);
END $$;
"#;

fn teardown_sql() -> String {
    let mut sql = String::new();
    for (table, _) in TENANT_TABLES.iter().chain([("companies", "")].iter()) {
        for command in ["select", "insert", "update", "delete", "owner"] {
            sql.push_str(&format!(
                "DROP POLICY IF EXISTS {table}_{command} ON {table};\n"
            ));
        }
        sql.push_str(&format!(
            "ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY;\nALTER TABLE {table} DISABLE ROW LEVEL SECURITY;\nREVOKE ALL ON {table} FROM crm_authenticated;\n"
        ));
    }
    // The role is cluster-wide and may serve other databases: revoke, do not drop it.
    sql.push_str(
        "REVOKE ALL ON users FROM crm_authenticated;\n\
         REVOKE USAGE ON SCHEMA public FROM crm_authenticated;\n\
         DROP FUNCTION IF EXISTS auth.uid();\n\
         DROP SCHEMA IF EXISTS auth;\n",
    );
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(SETUP).await?;
        for (table, column) in TENANT_TABLES {
            db.execute_unprepared(&tenant_table_sql(table, column))
                .await?;
        }
        db.execute_unprepared(COMPANIES).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(&teardown_sql())
            .await?;
        Ok(())
    }
}
