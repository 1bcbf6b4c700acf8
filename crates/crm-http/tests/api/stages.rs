//! Pipeline stages: the default pipeline, inserts at a position, duplicates, renames that show
//! on deals, reordering, and deletion with and without `move_to`.

use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id, keys, unknown_id};

crm_store::backend_tests!(
    the_pipeline_starts_with_the_six_default_stages_in_order,
    a_new_stage_goes_before_won_by_default_or_at_the_given_position,
    a_duplicate_stage_name_is_409,
    stage_fields_are_validated_with_422,
    renaming_a_stage_shows_on_its_deals_at_once,
    moving_a_stage_keeps_positions_gap_free_and_clamps,
    deleting_a_stage_that_holds_deals_is_409_without_move_to,
    deleting_a_stage_with_move_to_moves_its_deals_to_the_end_of_that_stage,
    deleting_an_empty_stage_is_204_and_the_last_won_stage_is_kept,
);

/// `(name, position, kind)` of the caller's pipeline, checking positions are `0..n-1`.
async fn pipeline(app: &TestApp, user: &User) -> Vec<(String, String)> {
    let stages = app
        .get(&user.token, "/api/crm/pipeline-stages")
        .await
        .expect(200);
    let stages = stages.as_array().expect("a plain array");
    for (index, stage) in stages.iter().enumerate() {
        assert_eq!(stage["position"], index as u64, "{stages:?}");
    }
    stages
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn names(pipeline: &[(String, String)]) -> Vec<&str> {
    pipeline.iter().map(|(name, _)| name.as_str()).collect()
}

async fn the_pipeline_starts_with_the_six_default_stages_in_order(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let stages = app
        .get(&ann.token, "/api/crm/pipeline-stages")
        .await
        .expect(200);
    let stages = stages.as_array().unwrap();
    assert_eq!(
        keys(&stages[0]),
        ["id", "kind", "name", "position", "probability"]
    );
    let summary: Vec<(String, u64, String, u64)> = stages
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["position"].as_u64().unwrap(),
                s["kind"].as_str().unwrap().to_owned(),
                s["probability"].as_u64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("Contact", 0, "open", 10),
        ("MQL", 1, "open", 20),
        ("SQL", 2, "open", 40),
        ("Opportunity", 3, "open", 60),
        ("Won", 4, "won", 100),
        ("Lost", 5, "lost", 0),
    ]
    .map(|(n, p, k, pr)| (n.to_owned(), p, k.to_owned(), pr));
    assert_eq!(summary, expected);
}

async fn a_new_stage_goes_before_won_by_default_or_at_the_given_position(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let demo = app
        .post(
            &ann.token,
            "/api/crm/pipeline-stages",
            json!({"name": "Demo"}),
        )
        .await
        .expect(201);
    assert_eq!(demo["position"], 4);
    assert_eq!(demo["kind"], "open");
    assert_eq!(demo["probability"], 50);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        [
            "Contact",
            "MQL",
            "SQL",
            "Opportunity",
            "Demo",
            "Won",
            "Lost"
        ]
    );

    let intro = app
        .post(
            &ann.token,
            "/api/crm/pipeline-stages",
            json!({"name": "Intro", "position": 0, "probability": 5}),
        )
        .await
        .expect(201);
    assert_eq!(intro["position"], 0);
    assert_eq!(intro["probability"], 5);

    let churned = app
        .post(
            &ann.token,
            "/api/crm/pipeline-stages",
            json!({"name": "Churned", "kind": "lost", "position": 99}),
        )
        .await
        .expect(201);
    assert_eq!(churned["position"], 8);
    assert_eq!(churned["probability"], 0);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        [
            "Intro",
            "Contact",
            "MQL",
            "SQL",
            "Opportunity",
            "Demo",
            "Won",
            "Lost",
            "Churned"
        ]
    );
}

async fn a_duplicate_stage_name_is_409(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.post(
        &ann.token,
        "/api/crm/pipeline-stages",
        json!({"name": "SQL"}),
    )
    .await
    .expect_error(409, "conflict");
    app.post(
        &ann.token,
        "/api/crm/pipeline-stages",
        json!({"name": " SQL "}),
    )
    .await
    .expect_error(409, "conflict");
    let mql = app.stage_id(&ann, "MQL").await;
    app.patch(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{mql}"),
        json!({"name": "SQL"}),
    )
    .await
    .expect_error(409, "conflict");
    assert_eq!(pipeline(&app, &ann).await.len(), 6);
    // Another user's pipeline is separate: the same name is fine there.
    let ben = app.signup("ben@example.com").await;
    app.post(
        &ben.token,
        "/api/crm/pipeline-stages",
        json!({"name": "Demo"}),
    )
    .await
    .expect(201);
    app.post(
        &ann.token,
        "/api/crm/pipeline-stages",
        json!({"name": "Demo"}),
    )
    .await
    .expect(201);
}

async fn stage_fields_are_validated_with_422(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let post = |body: Value| app.post(&ann.token, "/api/crm/pipeline-stages", body);
    assert_eq!(post(json!({"name": ""})).await.expect_fields(), ["name"]);
    assert_eq!(
        post(json!({"name": "x".repeat(201)})).await.expect_fields(),
        ["name"]
    );
    assert_eq!(
        post(json!({"name": "Demo", "probability": 101}))
            .await
            .expect_fields(),
        ["probability"]
    );
    assert_eq!(
        post(json!({"name": "Demo", "kind": "maybe"}))
            .await
            .expect_fields(),
        ["kind"]
    );
    post(json!({"name": "Demo", "position": -1}))
        .await
        .expect_error(400, "bad_request");
    post(json!({"name": "Demo", "user_id": unknown_id()}))
        .await
        .expect_error(400, "bad_request");
    let sql = app.stage_id(&ann, "SQL").await;
    let path = format!("/api/crm/pipeline-stages/{sql}");
    assert_eq!(
        app.patch(&ann.token, &path, json!({"probability": -1}))
            .await
            .expect_fields(),
        ["probability"]
    );
    assert_eq!(
        app.patch(&ann.token, &path, json!({"name": "  "}))
            .await
            .expect_fields(),
        ["name"]
    );
    for body in [
        json!({"kind": "won"}),
        json!({"name": null}),
        json!({"position": null}),
    ] {
        app.patch(&ann.token, &path, body)
            .await
            .expect_error(400, "bad_request");
    }
    assert_eq!(pipeline(&app, &ann).await.len(), 6);
}

async fn renaming_a_stage_shows_on_its_deals_at_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let deal = app.deal(&ann, "Engine", "SQL").await;
    let sql = app.stage_id(&ann, "SQL").await;
    let renamed = app
        .patch(
            &ann.token,
            &format!("/api/crm/pipeline-stages/{sql}"),
            json!({"name": "Qualified", "probability": 45}),
        )
        .await
        .expect(200);
    assert_eq!(renamed["id"], sql.as_str());
    assert_eq!(renamed["name"], "Qualified");
    assert_eq!(renamed["probability"], 45);
    assert_eq!(renamed["position"], 2);

    let reread = app
        .get(&ann.token, &format!("/api/crm/deals/{}", id(&deal)))
        .await
        .expect(200);
    assert_eq!(reread["stage"], "Qualified");
    assert_eq!(reread["stage_id"], sql.as_str());
    assert_eq!(app.column(&ann, "Qualified").await, ["Engine"]);
    // The new name is the one deals are filed under now.
    app.deal(&ann, "Second", "Qualified").await;
    app.post(
        &ann.token,
        "/api/crm/deals",
        json!({"name": "Third", "stage": "SQL"}),
    )
    .await
    .expect_fields();
}

async fn moving_a_stage_keeps_positions_gap_free_and_clamps(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let lost = app.stage_id(&ann, "Lost").await;
    let path = format!("/api/crm/pipeline-stages/{lost}");
    let moved = app
        .patch(&ann.token, &path, json!({"position": 0}))
        .await
        .expect(200);
    assert_eq!(moved["position"], 0);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        ["Lost", "Contact", "MQL", "SQL", "Opportunity", "Won"]
    );
    let contact = app.stage_id(&ann, "Contact").await;
    app.patch(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{contact}"),
        json!({"position": 3}),
    )
    .await
    .expect(200);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        ["Lost", "MQL", "SQL", "Contact", "Opportunity", "Won"]
    );
    let clamped = app
        .patch(&ann.token, &path, json!({"position": 99}))
        .await
        .expect(200);
    assert_eq!(clamped["position"], 5);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        ["MQL", "SQL", "Contact", "Opportunity", "Won", "Lost"]
    );
    // The board follows the pipeline order.
    let board = app.board(&ann).await;
    let columns: Vec<&str> = board["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        ["MQL", "SQL", "Contact", "Opportunity", "Won", "Lost"]
    );
}

async fn deleting_a_stage_that_holds_deals_is_409_without_move_to(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.deal(&ann, "Engine", "SQL").await;
    let sql = app.stage_id(&ann, "SQL").await;
    app.delete(&ann.token, &format!("/api/crm/pipeline-stages/{sql}"))
        .await
        .expect_error(409, "conflict");
    assert_eq!(pipeline(&app, &ann).await.len(), 6);
    assert_eq!(app.column(&ann, "SQL").await, ["Engine"]);
    let unknown = app
        .delete(
            &ann.token,
            &format!("/api/crm/pipeline-stages/{sql}?move_to=Nowhere"),
        )
        .await;
    assert_eq!(unknown.expect_fields(), ["move_to"]);
    let itself = app
        .delete(
            &ann.token,
            &format!("/api/crm/pipeline-stages/{sql}?move_to=SQL"),
        )
        .await;
    assert_eq!(itself.expect_fields(), ["move_to"]);
    assert_eq!(pipeline(&app, &ann).await.len(), 6);
}

async fn deleting_a_stage_with_move_to_moves_its_deals_to_the_end_of_that_stage(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.deal(&ann, "Already in MQL", "MQL").await;
    let first = app.deal(&ann, "First", "SQL").await;
    app.deal(&ann, "Second", "SQL").await;
    let sql = app.stage_id(&ann, "SQL").await;
    let deleted = app
        .delete(
            &ann.token,
            &format!("/api/crm/pipeline-stages/{sql}?move_to=MQL"),
        )
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        ["Contact", "MQL", "Opportunity", "Won", "Lost"]
    );
    assert_eq!(
        app.column(&ann, "MQL").await,
        ["Already in MQL", "First", "Second"]
    );
    let detail = app
        .get(&ann.token, &format!("/api/crm/deals/{}", id(&first)))
        .await
        .expect(200);
    assert_eq!(detail["stage"], "MQL");
    let history: Vec<(Value, Value)> = detail["stage_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from_stage"].clone(), h["to_stage"].clone()))
        .collect();
    assert_eq!(
        history,
        [(Value::Null, json!("SQL")), (json!("SQL"), json!("MQL"))]
    );
    app.delete(&ann.token, &format!("/api/crm/pipeline-stages/{sql}"))
        .await
        .expect_error(404, "not_found");
}

async fn deleting_an_empty_stage_is_204_and_the_last_won_stage_is_kept(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mql = app.stage_id(&ann, "MQL").await;
    let deleted = app
        .delete(&ann.token, &format!("/api/crm/pipeline-stages/{mql}"))
        .await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert_eq!(
        names(&pipeline(&app, &ann).await),
        ["Contact", "SQL", "Opportunity", "Won", "Lost"]
    );
    let won = app.stage_id(&ann, "Won").await;
    app.delete(&ann.token, &format!("/api/crm/pipeline-stages/{won}"))
        .await
        .expect_error(409, "conflict");
    app.delete(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{}", unknown_id()),
    )
    .await
    .expect_error(404, "not_found");
    app.patch(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{}", unknown_id()),
        json!({"name": "Ghost"}),
    )
    .await
    .expect_error(404, "not_found");
}
