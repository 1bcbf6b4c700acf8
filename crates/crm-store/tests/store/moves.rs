//! Card moves: every column stays numbered 0..n-1, history and `stage_change` activities are
//! written exactly when the stage changes, and concurrent moves lose or duplicate nothing.

use std::collections::{BTreeMap, HashSet};

use crm_domain::deal::resequence;
use crm_domain::{
    ActivityMetadata, ActivityQuery, ActivityType, DealMove, DealPatch, PipelineStage, Services,
    StageKind, StageRef, Tenant,
};
use crm_store::Store;
use uuid::Uuid;

use crate::fixtures::{columns, deal, services, starting_line, user};
use crate::harness::store_tests;

store_tests! {
    moves_keep_every_column_numbered_from_zero_without_gaps,
    sixteen_concurrent_moves_leave_every_column_gap_free,
    concurrent_creates_moves_and_deletes_leave_every_column_gap_free,
}

/// What the board should look like: stage name to card ids in order.
type Model = BTreeMap<String, Vec<Uuid>>;

async fn stages(services: &Services, tenant: Tenant) -> Vec<PipelineStage> {
    services.repos().stages.list(tenant).await.unwrap()
}

/// Counts of history rows and `stage_change` activities of a deal.
async fn trail(services: &Services, tenant: Tenant, id: Uuid) -> (usize, usize) {
    let history = services
        .repos()
        .deals
        .stage_history(tenant, id)
        .await
        .unwrap();
    let activities = services
        .repos()
        .activities
        .list(
            tenant,
            ActivityQuery {
                deal_id: Some(id),
                kind: Some(ActivityType::StageChange),
                ..ActivityQuery::default()
            },
        )
        .await
        .unwrap();
    (history.len(), activities.data.len())
}

/// Moves `id` to `to` at `position` through the repository, applies the same move to `model`,
/// and checks the board, the history and the activity log against it.
async fn check_move(
    services: &Services,
    tenant: Tenant,
    model: &mut Model,
    id: Uuid,
    to: &str,
    position: Option<u32>,
) {
    let stages = stages(services, tenant).await;
    let target = stages.iter().find(|s| s.name == to).unwrap();
    let from = model
        .iter()
        .find(|(_, ids)| ids.contains(&id))
        .map(|(name, _)| name.clone())
        .unwrap();
    let before = trail(services, tenant, id).await;

    let moved = services
        .repos()
        .deals
        .move_deal(tenant, id, DealMove::to(target, position))
        .await
        .unwrap();

    model.get_mut(&from).unwrap().retain(|d| *d != id);
    let column = model.get_mut(to).unwrap();
    let landing = position.map_or(column.len(), |p| (p as usize).min(column.len()));
    resequence(column, id, landing as u32);
    assert_eq!(moved.stage, to);
    assert_eq!(moved.stage_order as usize, landing, "moved card's position");

    let board: Model = columns(services, tenant).await.into_iter().collect();
    assert_eq!(&board, model, "after moving to {to} at {position:?}");

    let after = trail(services, tenant, id).await;
    if from == to {
        assert_eq!(after, before, "a move within {to} is not a stage change");
    } else {
        assert_eq!(
            after,
            (before.0 + 1, before.1 + 1),
            "{from} -> {to} is recorded"
        );
        let history = services
            .repos()
            .deals
            .stage_history(tenant, id)
            .await
            .unwrap();
        let last = history.last().unwrap();
        assert_eq!(
            (last.from_stage.as_deref(), last.to_stage.as_str()),
            (Some(from.as_str()), to)
        );
        assert_eq!(last.to_stage_id, target.id);
        let logged = services
            .repos()
            .activities
            .list(
                tenant,
                ActivityQuery {
                    deal_id: Some(id),
                    kind: Some(ActivityType::StageChange),
                    ..ActivityQuery::default()
                },
            )
            .await
            .unwrap()
            .data;
        match &logged[0].metadata {
            ActivityMetadata::StageChange(meta) => {
                assert_eq!(
                    (meta.from.as_deref(), meta.to.as_str()),
                    (Some(from.as_str()), to)
                );
            }
            other => panic!("newest activity is not the stage change: {other:?}"),
        }
    }
}

async fn moves_keep_every_column_numbered_from_zero_without_gaps(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let mut model: Model = stages(&services, ann)
        .await
        .into_iter()
        .map(|s| (s.name, Vec::new()))
        .collect();
    for i in 0..5 {
        let created = deal(&services, ann, &format!("a{i}"), "Contact", None).await;
        model.get_mut("Contact").unwrap().push(created.id);
    }
    for i in 0..3 {
        let created = deal(&services, ann, &format!("b{i}"), "MQL", None).await;
        model.get_mut("MQL").unwrap().push(created.id);
    }
    let initial: Model = columns(&services, ann).await.into_iter().collect();
    assert_eq!(initial, model);
    let card = |model: &Model, stage: &str, index: usize| model[stage][index];

    // Within one column: down, up, to the end, past the end, onto itself.
    let id = card(&model, "Contact", 0);
    check_move(&services, ann, &mut model, id, "Contact", Some(3)).await;
    let id = card(&model, "Contact", 4);
    check_move(&services, ann, &mut model, id, "Contact", Some(0)).await;
    let id = card(&model, "Contact", 1);
    check_move(&services, ann, &mut model, id, "Contact", None).await;
    let id = card(&model, "Contact", 0);
    check_move(&services, ann, &mut model, id, "Contact", Some(999)).await;
    let id = card(&model, "Contact", 2);
    check_move(&services, ann, &mut model, id, "Contact", Some(2)).await;
    // Across columns: into an empty one (past its end), to the top of another, to the end
    // of another, past the end of another, into the middle of another.
    let id = card(&model, "Contact", 1);
    check_move(&services, ann, &mut model, id, "SQL", Some(5)).await;
    let id = card(&model, "MQL", 2);
    check_move(&services, ann, &mut model, id, "Contact", Some(0)).await;
    let id = card(&model, "Contact", 4);
    check_move(&services, ann, &mut model, id, "MQL", None).await;
    let id = card(&model, "MQL", 0);
    check_move(&services, ann, &mut model, id, "SQL", Some(999)).await;
    let id = card(&model, "Contact", 0);
    check_move(&services, ann, &mut model, id, "MQL", Some(1)).await;
    // Emptying a column and filling it again.
    while let Some(&id) = model["SQL"].first() {
        check_move(&services, ann, &mut model, id, "Opportunity", Some(0)).await;
    }
    let id = card(&model, "Opportunity", 1);
    check_move(&services, ann, &mut model, id, "SQL", Some(0)).await;

    // Into a won stage: done. Through the service with a stage name and a position.
    let id = card(&model, "Contact", 0);
    check_move(&services, ann, &mut model, id, "Won", None).await;
    let won = services.deal(ann, id).await.unwrap();
    assert_eq!((won.stage_kind, won.progress.get()), (StageKind::Won, 100));
    let id = card(&model, "MQL", 0);
    let moved = services
        .update_deal(
            ann,
            id,
            DealPatch::default(),
            Some(StageRef::Name("Won".into())),
            Some(0),
        )
        .await
        .unwrap();
    model.get_mut("MQL").unwrap().retain(|d| *d != id);
    resequence(model.get_mut("Won").unwrap(), id, 0);
    assert_eq!(moved.stage_order, 0);
    let board: Model = columns(&services, ann).await.into_iter().collect();
    assert_eq!(board, model);
    // A position alone reorders within the current column.
    let id = card(&model, "Won", 0);
    services
        .update_deal(ann, id, DealPatch::default(), None, Some(7))
        .await
        .unwrap();
    let column = model.get_mut("Won").unwrap();
    column.retain(|d| *d != id);
    column.push(id);
    let board: Model = columns(&services, ann).await.into_iter().collect();
    assert_eq!(board, model);

    crate::fixtures::not_found(
        services
            .repos()
            .deals
            .move_deal(
                ann,
                Uuid::now_v7(),
                DealMove::to(&stages(&services, ann).await[0], None),
            )
            .await,
    );
}

/// A small deterministic generator: "random-ish" targets that are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % below as u64) as usize
    }
}

/// Asserts that the board holds exactly `expected` deals, each once, with gap-free columns,
/// and that each deal's history is a chain ending in its current stage.
async fn check_board_holds(services: &Services, tenant: Tenant, expected: &HashSet<Uuid>) {
    let board = crate::fixtures::board(services, tenant).await;
    crate::fixtures::assert_gap_free(&board);
    let mut seen = HashSet::new();
    for column in &board {
        for card in &column.deals {
            assert!(seen.insert(card.id), "deal {} shows twice", card.id);
            let history = services
                .repos()
                .deals
                .stage_history(tenant, card.id)
                .await
                .unwrap();
            assert_eq!(history[0].from_stage_id, None, "history starts at creation");
            for pair in history.windows(2) {
                assert_eq!(
                    pair[1].from_stage_id,
                    Some(pair[0].to_stage_id),
                    "history chains"
                );
            }
            assert_eq!(history.last().unwrap().to_stage_id, column.stage.id);
        }
    }
    assert_eq!(&seen, expected, "lost or extra deals");
}

async fn sixteen_concurrent_moves_leave_every_column_gap_free(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let stages = stages(&services, ann).await;
    let mut ids = Vec::new();
    for i in 0..12 {
        let stage = &stages[i % 4].name;
        ids.push(deal(&services, ann, &format!("d{i}"), stage, None).await.id);
    }
    let all: HashSet<Uuid> = ids.iter().copied().collect();

    let mut rng = Lcg(0x5eed);
    for round in 0..3 {
        let start = starting_line(&store, 6, 16).await;
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let start = start.clone();
            let id = ids[rng.next(ids.len())];
            let target = stages[rng.next(stages.len())].clone();
            let position = match rng.next(4) {
                0 => None,
                1 => Some(999),
                _ => Some(rng.next(6) as u32),
            };
            let deals = services.repos().deals.clone();
            tasks.push(tokio::spawn(async move {
                start.wait().await;
                deals
                    .move_deal(ann, id, DealMove::to(&target, position))
                    .await
            }));
        }
        for task in tasks {
            let moved = task.await.unwrap();
            assert!(moved.is_ok(), "round {round}: {moved:?}");
        }
        check_board_holds(&services, ann, &all).await;
    }
}

async fn concurrent_creates_moves_and_deletes_leave_every_column_gap_free(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    // Another user's board moves at the same time and must not be disturbed.
    let bob = user(&services, "bob").await;
    let stages = stages(&services, ann).await;
    let bob_stages = self::stages(&services, bob).await;
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(
            deal(&services, ann, &format!("d{i}"), &stages[i % 3].name, None)
                .await
                .id,
        );
    }
    let mut bob_ids = HashSet::new();
    for i in 0..4 {
        bob_ids.insert(
            deal(&services, bob, &format!("b{i}"), "Contact", None)
                .await
                .id,
        );
    }

    let mut rng = Lcg(42);
    let start = starting_line(&store, 6, 25).await;
    let mut tasks = Vec::new();
    let deleted: Vec<Uuid> = ids[..3].to_vec();
    for id in &deleted {
        let deals = services.repos().deals.clone();
        let id = *id;
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            deals.delete(ann, id).await.map(|()| None)
        }));
    }
    for i in 0..6 {
        let services = services.clone();
        let stage = stages[rng.next(3)].name.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            services
                .create_deal(
                    ann,
                    crm_domain::DealInput {
                        name: format!("new {i}"),
                        stage: Some(StageRef::Name(stage)),
                        ..crm_domain::DealInput::default()
                    },
                )
                .await
                .map(|d| Some(d.id))
        }));
    }
    for _ in 0..10 {
        let id = ids[3 + rng.next(5)];
        let target = stages[rng.next(stages.len())].clone();
        let position = Some(rng.next(5) as u32);
        let deals = services.repos().deals.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            deals
                .move_deal(ann, id, DealMove::to(&target, position))
                .await
                .map(|_| None)
        }));
    }
    for _ in 0..6 {
        let bob_deal = *bob_ids.iter().nth(rng.next(bob_ids.len())).unwrap();
        let target = bob_stages[rng.next(bob_stages.len())].clone();
        let deals = services.repos().deals.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            deals
                .move_deal(bob, bob_deal, DealMove::to(&target, Some(0)))
                .await
                .map(|_| None)
        }));
    }
    let mut expected: HashSet<Uuid> = ids[3..].iter().copied().collect();
    for task in tasks {
        match task.await.unwrap() {
            Ok(Some(created)) => {
                expected.insert(created);
            }
            Ok(None) => {}
            Err(err) => panic!("a concurrent write failed: {err:?}"),
        }
    }
    check_board_holds(&services, ann, &expected).await;
    check_board_holds(&services, bob, &bob_ids).await;
}
