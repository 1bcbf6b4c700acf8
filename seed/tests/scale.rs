//! `seed --scale` on each backend (SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set):
//! the rows keep the rules the services keep, the users can sign in, and a second run needs
//! `reset`.

// Helpers of a test binary are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use crm_domain::repo::{DealRepository, UserRepository};
use crm_domain::{ActivityMetadata, ActivityType, BoardQuery, Tenant};
use crm_store::Store;
use crm_store::entity::{activities, deal_collaborators, deal_stage_changes, deals};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use seed::{SCALE_PASSWORD, ScaleError, ScaleOptions, scale_email, seed_scale};

fn sizes() -> ScaleOptions {
    ScaleOptions {
        users: 3,
        deals_per_user: 40,
        contacts: 15,
        companies: 4,
        activities: 600,
        collaborator_percent: 50,
        spend_days: 2,
    }
}

async fn scale_rows_keep_the_rules(store: Store) {
    let report = seed_scale(&store, &sizes(), false).await.unwrap();
    let rows: HashMap<&str, u64> = report.rows.iter().copied().collect();
    assert_eq!(rows["users"], 3);
    assert_eq!(rows["companies"], 4);
    assert_eq!(rows["pipeline_stages"], 18);
    assert_eq!(rows["contacts"], 15);
    assert_eq!(rows["deals"], 120);
    assert_eq!(rows["activities"], 600);
    assert_eq!(rows["marketing_spend"], 3 * 2 * 10);
    assert!(rows["deal_collaborators"] > 0);
    assert!(report.rows_per_second() > 0.0);

    // Every user signs in with the one password.
    let credentials = store.credentials(&scale_email(2)).await.unwrap().unwrap();
    let hash = PasswordHash::new(credentials.password_hash.as_deref().unwrap()).unwrap();
    assert!(
        Argon2::default()
            .verify_password(SCALE_PASSWORD.as_bytes(), &hash)
            .is_ok()
    );

    // The board reads back through the store: 40 cards, positions 0..n-1 per column.
    let tenant = Tenant::new(credentials.user.id);
    let board = store
        .board(tenant, BoardQuery::default(), 500)
        .await
        .unwrap();
    assert_eq!(board.len(), 6);
    assert_eq!(board.iter().map(|c| c.deals.len()).sum::<usize>(), 40);
    for column in &board {
        let orders: Vec<u32> = column.deals.iter().map(|d| d.stage_order).collect();
        assert_eq!(orders, (0..column.deals.len() as u32).collect::<Vec<_>>());
        // Every history starts with the creation and ends in the deal's stage.
        for deal in column.deals.iter().take(5) {
            let history = store.stage_history(tenant, deal.id).await.unwrap();
            assert!(history.first().unwrap().from_stage_id.is_none());
            assert_eq!(history.last().unwrap().to_stage_id, deal.stage_id);
        }
    }

    // Every activity's metadata has the shape its type allows.
    let all = activities::Entity::find()
        .order_by_asc(activities::Column::Id)
        .all(store.connection())
        .await
        .unwrap();
    for activity in &all {
        let kind: ActivityType = activity.kind.parse().unwrap();
        ActivityMetadata::parse(kind, activity.metadata.clone())
            .unwrap_or_else(|e| panic!("{kind:?} metadata {}: {e}", activity.metadata));
    }
    let moves = deal_stage_changes::Entity::find()
        .filter(deal_stage_changes::Column::FromStageId.is_not_null())
        .count(store.connection())
        .await
        .unwrap();
    let stage_change_activities = activities::Entity::find()
        .filter(activities::Column::Kind.eq("stage_change"))
        .count(store.connection())
        .await
        .unwrap();
    assert_eq!(moves, stage_change_activities);
    // Collaborators are never the deal's owner.
    for row in deal_collaborators::Entity::find()
        .all(store.connection())
        .await
        .unwrap()
    {
        assert_ne!(row.owner_id, row.user_id);
    }

    // A second run needs reset, which starts over.
    assert!(matches!(
        seed_scale(&store, &sizes(), false).await,
        Err(ScaleError::AlreadySeeded(_))
    ));
    let again = seed_scale(&store, &sizes(), true).await.unwrap();
    assert!(again.deleted_rows.unwrap() > 0);
    let deals = deals::Entity::find()
        .count(store.connection())
        .await
        .unwrap();
    assert_eq!(deals, 120);
}

crm_store::backend_tests!(scale_rows_keep_the_rules);
