//! Pipeline stages: insert at a position, rename and move, delete with or without a target.

use crm_domain::{
    ActivityMetadata, ActivityQuery, ActivityType, NewStage, Probability, StageKind, StagePatch,
};
use crm_store::Store;

use crate::fixtures::{column, columns, conflict, deal, not_found, services, stage, user};
use crate::harness::store_tests;

store_tests! {
    creating_a_stage_at_a_position_shifts_the_later_ones,
    updating_a_stage_renames_and_moves_it_keeping_positions_gap_free,
    deleting_a_stage_appends_its_deals_to_the_target_in_order,
    concurrent_stage_inserts_and_moves_keep_positions_gap_free,
}

async fn names(services: &crm_domain::Services, tenant: crm_domain::Tenant) -> Vec<String> {
    let stages = services.repos().stages.list(tenant).await.unwrap();
    let positions: Vec<u32> = stages.iter().map(|s| s.position).collect();
    let expected: Vec<u32> = (0..stages.len() as u32).collect();
    assert_eq!(positions, expected, "stage positions are not 0..n-1");
    stages.into_iter().map(|s| s.name).collect()
}

async fn creating_a_stage_at_a_position_shifts_the_later_ones(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;

    let demo = services
        .create_stage(ann, "Demo", Some(2), None, None)
        .await
        .unwrap();
    assert_eq!(demo.position, 2);
    assert_eq!(demo.kind, StageKind::Open);
    assert_eq!(demo.probability.get(), 50);
    assert_eq!(
        names(&services, ann).await,
        [
            "Contact",
            "MQL",
            "Demo",
            "SQL",
            "Opportunity",
            "Won",
            "Lost"
        ]
    );

    // Without a position a stage goes before the first closing stage.
    services
        .create_stage(
            ann,
            "Proposal",
            None,
            None,
            Some(Probability::new(75).unwrap()),
        )
        .await
        .unwrap();
    // Past the end means at the end; at 0 means first.
    let parked = services
        .create_stage(ann, "Parked", Some(99), Some(StageKind::Lost), None)
        .await
        .unwrap();
    assert_eq!(parked.probability.get(), 0);
    services
        .create_stage(ann, "Inbox", Some(0), None, None)
        .await
        .unwrap();
    assert_eq!(
        names(&services, ann).await,
        [
            "Inbox",
            "Contact",
            "MQL",
            "Demo",
            "SQL",
            "Opportunity",
            "Proposal",
            "Won",
            "Lost",
            "Parked"
        ]
    );

    // Names are unique per user, whether the service or the database notices.
    conflict(services.create_stage(ann, "Demo", None, None, None).await);
    let duplicate =
        NewStage::new("Demo", 0, StageKind::Open, Probability::new(5).unwrap()).unwrap();
    let constraint = conflict(services.repos().stages.create(ann, duplicate).await);
    assert_eq!(constraint, "pipeline_stages_user_name_key");
    assert_eq!(
        names(&services, ann).await.len(),
        10,
        "the refused insert shifted nothing"
    );

    let bob = user(&services, "bob").await;
    services
        .create_stage(bob, "Demo", Some(1), None, None)
        .await
        .unwrap();
}

async fn updating_a_stage_renames_and_moves_it_keeping_positions_gap_free(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let mql = stage(&services, ann, "MQL").await;
    let card = deal(&services, ann, "Engine", "MQL", None).await;

    let renamed = services
        .update_stage(
            ann,
            mql.id,
            StagePatch {
                name: Some("  Marketing qualified ".into()),
                probability: Some(Probability::new(25).unwrap()),
                ..StagePatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.name, "Marketing qualified");
    assert_eq!(renamed.probability.get(), 25);
    assert_eq!(renamed.position, 1);
    let found = services.deal(ann, card.id).await.unwrap();
    assert_eq!(
        found.stage, "Marketing qualified",
        "deals follow the rename"
    );

    let lost = stage(&services, ann, "Lost").await;
    let moved = |position: u32| StagePatch {
        position: Some(position),
        ..StagePatch::default()
    };
    services.update_stage(ann, lost.id, moved(0)).await.unwrap();
    assert_eq!(
        names(&services, ann).await,
        [
            "Lost",
            "Contact",
            "Marketing qualified",
            "SQL",
            "Opportunity",
            "Won"
        ]
    );
    let contact = stage(&services, ann, "Contact").await;
    let at_three = services
        .update_stage(ann, contact.id, moved(3))
        .await
        .unwrap();
    assert_eq!(at_three.position, 3);
    assert_eq!(
        names(&services, ann).await,
        [
            "Lost",
            "Marketing qualified",
            "SQL",
            "Contact",
            "Opportunity",
            "Won"
        ]
    );
    let at_end = services
        .update_stage(ann, lost.id, moved(99))
        .await
        .unwrap();
    assert_eq!(at_end.position, 5, "clamped to the last position");
    assert_eq!(
        names(&services, ann).await,
        [
            "Marketing qualified",
            "SQL",
            "Contact",
            "Opportunity",
            "Won",
            "Lost"
        ]
    );
    // Straight through the repository, past the end as well.
    services
        .repos()
        .stages
        .update(ann, renamed.id, moved(1000))
        .await
        .unwrap();
    assert_eq!(
        names(&services, ann).await,
        [
            "SQL",
            "Contact",
            "Opportunity",
            "Won",
            "Lost",
            "Marketing qualified"
        ]
    );
    // Staying in place changes nothing.
    services
        .update_stage(ann, contact.id, moved(1))
        .await
        .unwrap();
    assert_eq!(names(&services, ann).await[1], "Contact");

    conflict(
        services
            .update_stage(
                ann,
                contact.id,
                StagePatch {
                    name: Some("SQL".into()),
                    ..StagePatch::default()
                },
            )
            .await,
    );
    let constraint = conflict(
        services
            .repos()
            .stages
            .update(
                ann,
                contact.id,
                StagePatch {
                    name: Some("SQL".into()),
                    position: Some(0),
                    ..StagePatch::default()
                },
            )
            .await,
    );
    assert_eq!(constraint, "pipeline_stages_user_name_key");
    assert_eq!(
        names(&services, ann).await,
        [
            "SQL",
            "Contact",
            "Opportunity",
            "Won",
            "Lost",
            "Marketing qualified"
        ],
        "a refused update moves nothing"
    );
    not_found(
        services
            .update_stage(ann, uuid::Uuid::now_v7(), moved(0))
            .await,
    );
}

async fn deleting_a_stage_appends_its_deals_to_the_target_in_order(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let mut doomed = Vec::new();
    for name in ["d1", "d2", "d3"] {
        doomed.push(deal(&services, ann, name, "MQL", None).await.id);
    }
    let mut staying = Vec::new();
    for name in ["e1", "e2"] {
        staying.push(deal(&services, ann, name, "SQL", None).await.id);
    }
    let mql = stage(&services, ann, "MQL").await;
    let sql = stage(&services, ann, "SQL").await;

    let constraint = conflict(services.delete_stage(ann, mql.id, None).await);
    assert_eq!(constraint, "stage_not_empty");
    conflict(repos.stages.delete(ann, mql.id, None).await);
    assert_eq!(column(&columns(&services, ann).await, "MQL"), doomed);

    services
        .delete_stage(ann, mql.id, Some("SQL"))
        .await
        .unwrap();
    let board = columns(&services, ann).await;
    assert_eq!(
        board
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["Contact", "SQL", "Opportunity", "Won", "Lost"]
    );
    let expected: Vec<_> = staying.iter().chain(&doomed).copied().collect();
    assert_eq!(column(&board, "SQL"), expected);

    for id in &doomed {
        let history = repos.deals.stage_history(ann, *id).await.unwrap();
        let steps: Vec<(Option<&str>, &str)> = history
            .iter()
            .map(|h| (h.from_stage.as_deref(), h.to_stage.as_str()))
            .collect();
        assert_eq!(steps, [(None, "MQL"), (Some("MQL"), "SQL")]);
        assert_eq!(history[1].from_stage_id, Some(mql.id));
        assert_eq!(history[1].to_stage_id, sql.id);
        assert_eq!(history[1].changed_by, Some(ann.user_id));
        let logged = repos
            .activities
            .list(
                ann,
                ActivityQuery {
                    deal_id: Some(*id),
                    kind: Some(ActivityType::StageChange),
                    ..ActivityQuery::default()
                },
            )
            .await
            .unwrap()
            .data;
        assert_eq!(logged.len(), 1);
        match &logged[0].metadata {
            ActivityMetadata::StageChange(meta) => {
                assert_eq!(meta.from.as_deref(), Some("MQL"));
                assert_eq!(meta.to, "SQL");
            }
            other => panic!("not a stage change: {other:?}"),
        }
    }
    for id in &staying {
        assert_eq!(repos.deals.stage_history(ann, *id).await.unwrap().len(), 1);
    }

    // An empty stage goes without a target; the last won stage never goes.
    let contact = stage(&services, ann, "Contact").await;
    repos.stages.delete(ann, contact.id, None).await.unwrap();
    let won = stage(&services, ann, "Won").await;
    conflict(services.delete_stage(ann, won.id, Some("Lost")).await);
    not_found(services.delete_stage(ann, contact.id, None).await);
    not_found(repos.stages.delete(ann, contact.id, None).await);
    let board = columns(&services, ann).await;
    assert_eq!(
        board
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>(),
        ["SQL", "Opportunity", "Won", "Lost"]
    );
}

async fn concurrent_stage_inserts_and_moves_keep_positions_gap_free(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let existing = services.repos().stages.list(ann).await.unwrap();
    let start = crate::fixtures::starting_line(&store, 6, 16).await;
    let mut tasks = Vec::new();
    for i in 0..16u32 {
        let services = services.clone();
        let start = start.clone();
        let moved = existing[(i as usize * 5) % existing.len()].id;
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            if i % 2 == 0 {
                services
                    .repos()
                    .stages
                    .create(
                        ann,
                        NewStage::new(
                            &format!("Stage {i}"),
                            (i * 7) % 9,
                            StageKind::Open,
                            Probability::new(50).unwrap(),
                        )
                        .unwrap(),
                    )
                    .await
                    .map(|_| ())
            } else {
                services
                    .repos()
                    .stages
                    .update(
                        ann,
                        moved,
                        StagePatch {
                            position: Some((i * 3) % 11),
                            ..StagePatch::default()
                        },
                    )
                    .await
                    .map(|_| ())
            }
        }));
    }
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let names = names(&services, ann).await;
    assert_eq!(names.len(), 14);
}
