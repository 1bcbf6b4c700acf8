//! Indexes the dashboard needs beyond those of the tables' own migrations.
//!
//! Customer feedback counts, per month of `created_at`, the activities whose
//! `metadata.sentiment` is `positive` or `negative`: a third of all activities at most, spread
//! over 13 months. Two partial indexes on (`user_id`, `created_at`), one per sentiment, hold
//! exactly those rows. The predicate's column need not be in the index, so on PostgreSQL the
//! query (which repeats the predicate word for word) is answered by an index-only scan,
//! without reading a single activity row or parsing its JSON; on SQLite it reads only the
//! rows of that sentiment. Partial indexes are ordinary indexes for distributed PostgreSQL
//! too: non-unique, led by `user_id`.
//!
//! The JSON expression differs per backend (`->>` on JSONB, `json_extract` on JSON text), so
//! this migration writes SQL per backend; each statement names its index, and `down` drops
//! them by name.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

/// Creates the partial sentiment indexes on `activities`.
#[derive(DeriveMigrationName)]
pub(crate) struct Migration;

/// The sentiments the customer-feedback chart counts, and so the indexes.
const SENTIMENTS: [&str; 2] = ["positive", "negative"];

fn create(backend: DbBackend, sentiment: &str) -> String {
    let sentiment_of = match backend {
        DbBackend::Postgres => "(metadata ->> 'sentiment')",
        _ => "json_extract(metadata, '$.sentiment')",
    };
    format!(
        "CREATE INDEX activities_user_id_created_at_{sentiment}_idx \
         ON activities (user_id, created_at) WHERE {sentiment_of} = '{sentiment}'"
    )
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for sentiment in SENTIMENTS {
            db.execute_unprepared(&create(backend, sentiment)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for sentiment in SENTIMENTS {
            db.execute_unprepared(&format!(
                "DROP INDEX IF EXISTS activities_user_id_created_at_{sentiment}_idx"
            ))
            .await?;
        }
        Ok(())
    }
}
