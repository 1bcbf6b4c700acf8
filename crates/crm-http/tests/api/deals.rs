//! Deals: creation at the end of a column, the board with whole-column figures and column
//! paging, filters, the deal page, the move semantics of `spec/api.md`, partial edits,
//! deletion and collaborators.

use std::collections::HashSet;

use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id, keys, ts, unknown_id};

crm_store::backend_tests!(
    a_new_deal_is_appended_at_the_end_of_its_column_with_the_full_shape,
    a_deal_may_name_its_stage_by_id,
    creating_a_deal_refuses_bad_fields_with_422_and_unknown_fields_with_400,
    the_board_has_every_stage_in_order_with_whole_column_count_and_total,
    a_column_pages_with_stage_and_cursor_through_every_card_once,
    the_board_filters_by_search_priority_and_owner,
    a_deal_page_shows_company_history_activities_and_stages,
    moving_a_deal_to_another_column_lands_at_the_position_and_resequences_both,
    moving_a_deal_within_its_column_reorders_without_a_stage_change,
    a_move_past_the_end_of_a_column_clamps_to_its_last_position,
    a_stage_change_writes_one_history_row_and_one_activity,
    concurrent_moves_never_produce_duplicate_or_missing_positions,
    patching_deal_fields_is_partial_and_null_clears,
    deleting_a_deal_is_204_then_404_and_closes_the_gap,
    collaborators_are_added_once_and_removed_once,
);

/// The keys of a deal in any response (`spec/api.md`, plus `stage_kind`), sorted.
fn deal_keys() -> Vec<&'static str> {
    let mut keys = vec![
        "id",
        "name",
        "description",
        "amount",
        "stage",
        "stage_id",
        "stage_kind",
        "stage_order",
        "priority",
        "progress",
        "close_date",
        "create_date",
        "last_update",
        "owner_id",
        "company",
        "contact",
        "collaborators",
    ];
    keys.sort_unstable();
    keys
}

async fn move_deal(app: &TestApp, user: &User, deal: &Value, body: Value) -> Value {
    app.patch(&user.token, &format!("/api/crm/deals/{}", id(deal)), body)
        .await
        .expect(200)
}

async fn detail(app: &TestApp, user: &User, deal: &Value) -> Value {
    app.get(&user.token, &format!("/api/crm/deals/{}", id(deal)))
        .await
        .expect(200)
}

fn column<'a>(board: &'a Value, stage: &str) -> &'a Value {
    board["stages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == stage)
        .unwrap_or_else(|| panic!("no column {stage}"))
}

async fn a_new_deal_is_appended_at_the_end_of_its_column_with_the_full_shape(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let company = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "Acme", "logo_url": "https://acme.test/logo.png"}),
        )
        .await
        .expect(201);
    let contact = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com", "phone": "555"}),
        )
        .await
        .expect(201);
    let first = app
        .deal_with(
            &ann,
            "Big one",
            "SQL",
            json!({"amount": "12500", "description": "A big one", "company_id": id(&company),
                   "contact_id": id(&contact), "priority": "high", "progress": 30,
                   "close_date": "2026-06-30"}),
        )
        .await;
    assert_eq!(keys(&first), deal_keys());
    assert_eq!(first["name"], "Big one");
    assert_eq!(first["amount"], "12500.00");
    assert_eq!(first["stage"], "SQL");
    assert_eq!(first["stage_kind"], "open");
    assert_eq!(first["stage_order"], 0);
    assert_eq!(first["priority"], "high");
    assert_eq!(first["progress"], 30);
    assert_eq!(first["close_date"], "2026-06-30");
    assert_eq!(first["owner_id"], ann.id.as_str());
    assert_eq!(
        first["company"],
        json!({"id": company["id"], "name": "Acme", "logo_url": "https://acme.test/logo.png"})
    );
    assert_eq!(
        first["contact"],
        json!({"id": contact["id"], "first_name": "Ada", "last_name": "Lovelace",
               "email": "ada@example.com", "phone": "555"})
    );
    assert_eq!(first["collaborators"], json!([]));
    assert_eq!(first["create_date"], first["last_update"]);

    let second = app
        .deal_with(&ann, "Small one", "SQL", json!({"amount": 99.5}))
        .await;
    assert_eq!(second["stage_order"], 1);
    assert_eq!(second["amount"], "99.50");
    assert_eq!(second["priority"], "medium");
    assert_eq!(second["progress"], 0);
    let third = app.deal(&ann, "No amount", "SQL").await;
    assert_eq!(third["stage_order"], 2);
    assert_eq!(third["amount"], Value::Null);
    let elsewhere = app.deal(&ann, "Elsewhere", "MQL").await;
    assert_eq!(elsewhere["stage_order"], 0);
    assert_eq!(
        app.column(&ann, "SQL").await,
        ["Big one", "Small one", "No amount"]
    );
}

async fn a_deal_may_name_its_stage_by_id(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let won = app.stage_id(&ann, "Won").await;
    let deal = app
        .post(
            &ann.token,
            "/api/crm/deals",
            json!({"name": "By id", "stage_id": won}),
        )
        .await
        .expect(201);
    assert_eq!(deal["stage"], "Won");
    assert_eq!(deal["stage_kind"], "won");
}

async fn creating_a_deal_refuses_bad_fields_with_422_and_unknown_fields_with_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let ben_stage = app.stage_id(&ben, "SQL").await;
    let post = |body: Value| app.post(&ann.token, "/api/crm/deals", body);
    let cases = [
        (json!({"name": "X", "stage": "Nope"}), vec!["stage"]),
        (json!({"name": "X", "stage": "sql"}), vec!["stage"]),
        (json!({"name": "X", "stage_id": ben_stage}), vec!["stage"]),
        (json!({"name": "X"}), vec!["stage"]),
        (
            json!({"name": " ", "stage": "SQL", "progress": 101}),
            vec!["name", "progress"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "amount": "-5"}),
            vec!["amount"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "amount": "1.001"}),
            vec!["amount"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "amount": "lots"}),
            vec!["amount"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "amount": "10000000000000"}),
            vec!["amount"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "priority": "whenever"}),
            vec!["priority"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "owner_id": unknown_id()}),
            vec!["owner_id"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "collaborator_ids": [ben.id, unknown_id()]}),
            vec!["collaborator_ids"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "contact_id": unknown_id()}),
            vec!["contact_id"],
        ),
        (
            json!({"name": "X", "stage": "SQL", "company_id": unknown_id()}),
            vec!["company_id"],
        ),
    ];
    for (body, fields) in cases {
        let answer = post(body.clone()).await;
        assert_eq!(answer.expect_fields(), fields, "{body}");
    }
    for body in [
        json!({"name": "X", "stage": "SQL", "stage_order": 0}),
        json!({"name": "X", "stage": "SQL", "user_id": ben.id}),
        json!({"name": "X", "stage": "SQL", "created_by": ben.id}),
        json!({"name": "X", "stage": "SQL", "close_date": "soon"}),
        json!({"name": 5, "stage": "SQL"}),
    ] {
        post(body).await.expect_error(400, "bad_request");
    }
    assert_eq!(app.board(&ann).await["stages"][2]["count"], 0);
}

async fn the_board_has_every_stage_in_order_with_whole_column_count_and_total(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for (i, amount) in ["1000.50", "2000", "0.25", "9999999999999.99", "300"]
        .iter()
        .enumerate()
    {
        app.deal_with(&ann, &format!("SQL {i}"), "SQL", json!({"amount": amount}))
            .await;
    }
    app.deal(&ann, "No amount", "SQL").await;
    app.deal_with(&ann, "Won deal", "Won", json!({"amount": "10"}))
        .await;

    let board = app
        .get(&ann.token, "/api/crm/deals?per_stage=2")
        .await
        .expect(200);
    assert_eq!(keys(&board), ["stages"]);
    let stages = board["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["Contact", "MQL", "SQL", "Opportunity", "Won", "Lost"]
    );
    for (index, column) in stages.iter().enumerate() {
        assert_eq!(
            keys(column),
            [
                "count",
                "deals",
                "id",
                "kind",
                "name",
                "next_cursor",
                "position",
                "probability",
                "total_amount"
            ]
        );
        assert_eq!(column["position"], index as u64);
    }
    let sql = column(&board, "SQL");
    assert_eq!(sql["count"], 6);
    // The sum of the whole column, beyond one amount's maximum, exact to the cent.
    assert_eq!(sql["total_amount"], "10000000003300.74");
    let cards: Vec<(&str, u64)> = sql["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["name"].as_str().unwrap(),
                d["stage_order"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(cards, [("SQL 0", 0), ("SQL 1", 1)]);
    assert!(sql["next_cursor"].is_string());
    let won = column(&board, "Won");
    assert_eq!(won["count"], 1);
    assert_eq!(won["total_amount"], "10.00");
    assert_eq!(won["next_cursor"], Value::Null);
    let empty = column(&board, "Contact");
    assert_eq!(empty["count"], 0);
    assert_eq!(empty["total_amount"], "0.00");
    assert_eq!(empty["deals"], json!([]));
    assert_eq!(empty["next_cursor"], Value::Null);

    // The default shows up to 100 cards; 0 is clamped to 1.
    let full = app.get(&ann.token, "/api/crm/deals").await.expect(200);
    assert_eq!(column(&full, "SQL")["deals"].as_array().unwrap().len(), 6);
    assert_eq!(column(&full, "SQL")["next_cursor"], Value::Null);
    let one = app
        .get(&ann.token, "/api/crm/deals?per_stage=0")
        .await
        .expect(200);
    assert_eq!(column(&one, "SQL")["deals"].as_array().unwrap().len(), 1);
}

async fn a_column_pages_with_stage_and_cursor_through_every_card_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for i in 0..5 {
        app.deal(&ann, &format!("Card {i}"), "SQL").await;
    }
    app.deal(&ann, "Other column", "MQL").await;
    let board = app
        .get(&ann.token, "/api/crm/deals?per_stage=2")
        .await
        .expect(200);
    let sql = column(&board, "SQL");
    let mut seen: Vec<String> = sql["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap().to_owned())
        .collect();
    let mut cursor = sql["next_cursor"].as_str().unwrap().to_owned();
    let mut pages = 0;
    loop {
        let page = app
            .get(
                &ann.token,
                &format!("/api/crm/deals?stage=SQL&cursor={cursor}&limit=2"),
            )
            .await
            .expect(200);
        assert_eq!(keys(&page), ["data", "next_cursor"]);
        pages += 1;
        for deal in page["data"].as_array().unwrap() {
            assert_eq!(deal["stage"], "SQL");
            seen.push(deal["name"].as_str().unwrap().to_owned());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(seen, ["Card 0", "Card 1", "Card 2", "Card 3", "Card 4"]);

    // From the start of a column, without a cursor.
    let first = app
        .get(&ann.token, "/api/crm/deals?stage=MQL")
        .await
        .expect(200);
    assert_eq!(first["data"].as_array().unwrap().len(), 1);
    assert_eq!(first["next_cursor"], Value::Null);

    let unknown = app
        .get(&ann.token, "/api/crm/deals?stage=Nope&cursor=o2")
        .await;
    assert_eq!(unknown.expect_fields(), ["stage"]);
    app.get(&ann.token, "/api/crm/deals?stage=SQL&cursor=garbage")
        .await
        .expect_bad_query();
}

async fn the_board_filters_by_search_priority_and_owner(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let acme = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "Acme Robotics"}),
        )
        .await
        .expect(201);
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    app.deal_with(
        &ann,
        "Robots",
        "SQL",
        json!({"company_id": id(&acme), "amount": "100", "priority": "high"}),
    )
    .await;
    app.deal_with(
        &ann,
        "Engines",
        "SQL",
        json!({"contact_id": id(&ada), "amount": "200", "owner_id": ben.id}),
    )
    .await;
    app.deal_with(
        &ann,
        "Weekend robotics fair",
        "Won",
        json!({"amount": "300", "priority": "high", "owner_id": ben.id}),
    )
    .await;
    app.deal_with(&ann, "Plain", "SQL", json!({"amount": "400"}))
        .await;

    let summary = |board: &Value| -> Vec<(String, u64, String, Vec<String>)> {
        board["stages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["count"].as_u64().unwrap() > 0)
            .map(|c| {
                (
                    c["name"].as_str().unwrap().to_owned(),
                    c["count"].as_u64().unwrap(),
                    c["total_amount"].as_str().unwrap().to_owned(),
                    c["deals"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|d| d["name"].as_str().unwrap().to_owned())
                        .collect(),
                )
            })
            .collect()
    };
    let get = |query: String| {
        let token = ann.token.clone();
        let app = &app;
        async move {
            app.get(&token, &format!("/api/crm/deals?{query}"))
                .await
                .expect(200)
        }
    };
    let s = |name: &str, count: u64, total: &str, deals: &[&str]| {
        (
            name.to_owned(),
            count,
            total.to_owned(),
            deals.iter().map(|d| (*d).to_owned()).collect::<Vec<_>>(),
        )
    };

    // `q` matches deal, company and contact names, case-insensitively.
    assert_eq!(
        summary(&get("q=ROBOT".into()).await),
        [
            s("SQL", 1, "100.00", &["Robots"]),
            s("Won", 1, "300.00", &["Weekend robotics fair"])
        ]
    );
    assert_eq!(
        summary(&get("q=acme".into()).await),
        [s("SQL", 1, "100.00", &["Robots"])]
    );
    assert_eq!(
        summary(&get("q=lovelace".into()).await),
        [s("SQL", 1, "200.00", &["Engines"])]
    );
    assert_eq!(
        summary(&get("priority=high".into()).await),
        [
            s("SQL", 1, "100.00", &["Robots"]),
            s("Won", 1, "300.00", &["Weekend robotics fair"])
        ]
    );
    assert_eq!(
        summary(&get(format!("owner_id={}", ben.id)).await),
        [
            s("SQL", 1, "200.00", &["Engines"]),
            s("Won", 1, "300.00", &["Weekend robotics fair"])
        ]
    );
    assert_eq!(
        summary(&get(format!("owner_id={}&priority=high&q=fair", ben.id)).await),
        [s("Won", 1, "300.00", &["Weekend robotics fair"])]
    );
    // Filters apply to column paging too.
    let page = get("stage=SQL&priority=high".into()).await;
    let names: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Robots"]);

    assert_eq!(
        app.get(&ann.token, "/api/crm/deals?priority=whenever")
            .await
            .expect_bad_query(),
        ["priority"]
    );
    app.get(&ann.token, "/api/crm/deals?owner_id=ben")
        .await
        .expect_error(400, "bad_request");
}

async fn a_deal_page_shows_company_history_activities_and_stages(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup_named("ben@example.com", "Ben Okafor").await;
    let acme = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Acme"}))
        .await
        .expect(201);
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app
        .deal_with(
            &ann,
            "Robots",
            "SQL",
            json!({"company_id": id(&acme), "contact_id": id(&ada), "collaborator_ids": [ben.id]}),
        )
        .await;
    let other = app
        .deal_with(&ann, "More robots", "Won", json!({"company_id": id(&acme)}))
        .await;
    move_deal(&app, &ann, &deal, json!({"stage": "Opportunity"})).await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "note", "deal_id": id(&deal), "subject": "Call back on Monday"}),
    )
    .await
    .expect(201);

    let page = detail(&app, &ann, &deal).await;
    let mut expected = deal_keys();
    expected.extend(["activities", "company_detail", "stage_history", "stages"]);
    expected.sort_unstable();
    assert_eq!(keys(&page), expected);
    assert_eq!(page["stage"], "Opportunity");
    assert_eq!(page["contact"]["id"], ada["id"]);
    assert_eq!(
        page["collaborators"],
        json!([{"id": ben.id, "display_name": "Ben Okafor", "avatar_url": null}])
    );
    assert_eq!(page["company_detail"]["id"], acme["id"]);
    assert_eq!(page["company_detail"]["name"], "Acme");
    let others: Vec<String> = page["company_detail"]["deals"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(others, [id(&other)]);

    let history: Vec<(Value, Value)> = page["stage_history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| (h["from_stage"].clone(), h["to_stage"].clone()))
        .collect();
    assert_eq!(
        history,
        [
            (Value::Null, json!("SQL")),
            (json!("SQL"), json!("Opportunity"))
        ]
    );
    assert_eq!(page["stage_history"][1]["changed_by"], ann.id.as_str());

    let activities: Vec<&str> = page["activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap())
        .collect();
    assert_eq!(activities, ["note", "stage_change"], "newest first");
    let stages: Vec<&str> = page["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["Contact", "MQL", "SQL", "Opportunity", "Won", "Lost"]
    );

    let bare = app.deal(&ann, "Bare", "MQL").await;
    let bare = detail(&app, &ann, &bare).await;
    assert_eq!(bare["company_detail"], Value::Null);
    assert_eq!(bare["contact"], Value::Null);
    assert_eq!(bare["activities"], json!([]));

    app.get(&ann.token, &format!("/api/crm/deals/{}", unknown_id()))
        .await
        .expect_error(404, "not_found");
}

async fn moving_a_deal_to_another_column_lands_at_the_position_and_resequences_both(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.deal(&ann, "a", "SQL").await;
    let b = app.deal(&ann, "b", "SQL").await;
    app.deal(&ann, "c", "SQL").await;
    app.deal(&ann, "x", "Opportunity").await;
    app.deal(&ann, "y", "Opportunity").await;

    let moved = move_deal(
        &app,
        &ann,
        &b,
        json!({"stage": "Opportunity", "stage_order": 1}),
    )
    .await;
    assert_eq!(moved["stage"], "Opportunity");
    assert_eq!(moved["stage_order"], 1);
    assert!(ts(&moved["last_update"]) > ts(&b["last_update"]));
    assert_eq!(app.column(&ann, "SQL").await, ["a", "c"]);
    assert_eq!(app.column(&ann, "Opportunity").await, ["x", "b", "y"]);

    // By stage id, to the front.
    let sql = app.stage_id(&ann, "SQL").await;
    move_deal(&app, &ann, &b, json!({"stage_id": sql, "stage_order": 0})).await;
    assert_eq!(app.column(&ann, "SQL").await, ["b", "a", "c"]);
    assert_eq!(app.column(&ann, "Opportunity").await, ["x", "y"]);

    // Without a position: the end of the target column.
    let moved = move_deal(&app, &ann, &b, json!({"stage": "Opportunity"})).await;
    assert_eq!(moved["stage_order"], 2);
    assert_eq!(app.column(&ann, "Opportunity").await, ["x", "y", "b"]);

    // Into an empty column.
    let moved = move_deal(
        &app,
        &ann,
        &b,
        json!({"stage": "Contact", "stage_order": 3}),
    )
    .await;
    assert_eq!(moved["stage_order"], 0);
    assert_eq!(app.column(&ann, "Contact").await, ["b"]);

    let unknown = app
        .patch(
            &ann.token,
            &format!("/api/crm/deals/{}", id(&b)),
            json!({"stage": "Nope", "stage_order": 0}),
        )
        .await;
    assert_eq!(unknown.expect_fields(), ["stage"]);
    app.patch(
        &ann.token,
        &format!("/api/crm/deals/{}", id(&b)),
        json!({"stage_order": -1}),
    )
    .await
    .expect_error(400, "bad_request");
    assert_eq!(app.column(&ann, "Contact").await, ["b"]);
}

async fn moving_a_deal_within_its_column_reorders_without_a_stage_change(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let a = app.deal(&ann, "a", "SQL").await;
    app.deal(&ann, "b", "SQL").await;
    app.deal(&ann, "c", "SQL").await;
    let d = app.deal(&ann, "d", "SQL").await;

    let moved = move_deal(&app, &ann, &a, json!({"stage_order": 2})).await;
    assert_eq!(moved["stage_order"], 2);
    assert_eq!(moved["stage"], "SQL");
    assert_eq!(app.column(&ann, "SQL").await, ["b", "c", "a", "d"]);
    move_deal(&app, &ann, &d, json!({"stage": "SQL", "stage_order": 0})).await;
    assert_eq!(app.column(&ann, "SQL").await, ["d", "b", "c", "a"]);
    // Same place: nothing moves.
    move_deal(&app, &ann, &d, json!({"stage_order": 0})).await;
    assert_eq!(app.column(&ann, "SQL").await, ["d", "b", "c", "a"]);

    let page = detail(&app, &ann, &a).await;
    assert_eq!(page["stage_history"].as_array().unwrap().len(), 1);
    assert_eq!(page["activities"], json!([]));
}

async fn a_move_past_the_end_of_a_column_clamps_to_its_last_position(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let a = app.deal(&ann, "a", "SQL").await;
    app.deal(&ann, "b", "SQL").await;
    app.deal(&ann, "x", "MQL").await;
    let moved = move_deal(&app, &ann, &a, json!({"stage_order": 99})).await;
    assert_eq!(moved["stage_order"], 1);
    assert_eq!(app.column(&ann, "SQL").await, ["b", "a"]);
    let moved = move_deal(
        &app,
        &ann,
        &a,
        json!({"stage": "MQL", "stage_order": 4_000_000_000_u32}),
    )
    .await;
    assert_eq!(moved["stage_order"], 1);
    assert_eq!(app.column(&ann, "MQL").await, ["x", "a"]);
    assert_eq!(app.column(&ann, "SQL").await, ["b"]);
}

async fn a_stage_change_writes_one_history_row_and_one_activity(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app
        .deal_with(
            &ann,
            "Engine",
            "SQL",
            json!({"contact_id": id(&ada), "progress": 40}),
        )
        .await;
    app.deal(&ann, "Other", "SQL").await;
    move_deal(&app, &ann, &deal, json!({"stage_order": 1})).await;
    move_deal(&app, &ann, &deal, json!({"name": "Engine v2"})).await;
    let path = format!(
        "/api/crm/activities?deal_id={}&type=stage_change",
        id(&deal)
    );
    let activities = || app.get(&ann.token, &path);
    assert_eq!(activities().await.expect(200)["data"], json!([]));
    assert_eq!(
        detail(&app, &ann, &deal).await["stage_history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let won = move_deal(&app, &ann, &deal, json!({"stage": "Won", "stage_order": 0})).await;
    assert_eq!(won["stage_kind"], "won");
    assert_eq!(won["progress"], 100, "a won deal is complete");
    let logged = activities().await.expect(200);
    let logged = logged["data"].as_array().unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0]["metadata"], json!({"from": "SQL", "to": "Won"}));
    assert_eq!(logged[0]["deal_id"], deal["id"]);
    assert_eq!(logged[0]["contact_id"], ada["id"]);
    assert_eq!(logged[0]["created_by"], ann.id.as_str());
    assert!(logged[0]["subject"].as_str().unwrap().contains("Won"));
    let history = detail(&app, &ann, &deal).await["stage_history"].clone();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1]["from_stage"], "SQL");
    assert_eq!(history[1]["to_stage"], "Won");
    assert_eq!(history[1]["to_stage_id"], won["stage_id"]);

    // A PATCH naming the current stage is a reorder, not a change.
    move_deal(&app, &ann, &deal, json!({"stage": "Won"})).await;
    assert_eq!(
        activities().await.expect(200)["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        detail(&app, &ann, &deal).await["stage_history"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Logged activities cannot pose as stage changes, and these cannot be edited.
    let stage_change = id(&logged[0]);
    let edit = app
        .patch(
            &ann.token,
            &format!("/api/crm/activities/{stage_change}"),
            json!({"subject": "forged"}),
        )
        .await;
    assert_eq!(edit.expect_fields(), ["type"]);
}

async fn concurrent_moves_never_produce_duplicate_or_missing_positions(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mut deals = Vec::new();
    for i in 0..8 {
        deals.push(
            app.deal(
                &ann,
                &format!("d{i}"),
                if i % 2 == 0 { "SQL" } else { "MQL" },
            )
            .await,
        );
    }
    // Eight moves at once, each on its own task and connection.
    let mut moves = Vec::new();
    for (i, deal) in deals.iter().enumerate() {
        let stage = ["SQL", "MQL", "Opportunity"][i % 3];
        let request = app
            .client
            .patch(format!("{}/api/crm/deals/{}", app.address, id(deal)))
            .bearer_auth(&ann.token)
            .json(&json!({"stage": stage, "stage_order": (i * 7) % 5}));
        moves.push(tokio::spawn(async move {
            let response = request.send().await.expect("send the move");
            (
                response.status().as_u16(),
                response.text().await.unwrap_or_default(),
            )
        }));
    }
    for task in moves {
        let (status, body) = task.await.expect("the move task");
        assert_eq!(status, 200, "{body}");
    }
    let mut total = 0;
    for stage in ["SQL", "MQL", "Opportunity"] {
        // `column` asserts that the positions are exactly 0..n-1.
        total += app.column(&ann, stage).await.len();
    }
    assert_eq!(total, 8);

    // Concurrent creations are appended one after the other.
    let bodies = (0..8)
        .map(|i| json!({"name": format!("new {i}"), "stage": "Contact"}))
        .collect();
    let answers = app
        .post_concurrently(&ann.token, "/api/crm/deals", bodies)
        .await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    assert_eq!(app.column(&ann, "Contact").await.len(), 8);
}

async fn patching_deal_fields_is_partial_and_null_clears(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let acme = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Acme"}))
        .await
        .expect(201);
    let deal = app
        .deal_with(
            &ann,
            "Robots",
            "SQL",
            json!({"amount": "100", "close_date": "2026-01-31", "description": "Six arms",
                   "company_id": id(&acme)}),
        )
        .await;
    let path = format!("/api/crm/deals/{}", id(&deal));
    let edited = app
        .patch(
            &ann.token,
            &path,
            json!({"amount": "250.5", "priority": "urgent", "progress": 70, "owner_id": ben.id}),
        )
        .await
        .expect(200);
    assert_eq!(edited["amount"], "250.50");
    assert_eq!(edited["priority"], "urgent");
    assert_eq!(edited["progress"], 70);
    assert_eq!(edited["owner_id"], ben.id.as_str());
    for unchanged in [
        "name",
        "description",
        "close_date",
        "company",
        "stage",
        "stage_order",
        "create_date",
    ] {
        assert_eq!(edited[unchanged], deal[unchanged], "{unchanged}");
    }
    assert!(ts(&edited["last_update"]) > ts(&deal["last_update"]));

    let cleared = app
        .patch(
            &ann.token,
            &path,
            json!({"amount": null, "close_date": null, "description": null, "company_id": null}),
        )
        .await
        .expect(200);
    assert_eq!(cleared["amount"], Value::Null);
    assert_eq!(cleared["close_date"], Value::Null);
    assert_eq!(cleared["description"], Value::Null);
    assert_eq!(cleared["company"], Value::Null);
    assert_eq!(cleared["priority"], "urgent");

    // Field rules are checked first, then the references.
    let bad = app
        .patch(
            &ann.token,
            &path,
            json!({"name": "", "progress": 101, "amount": "-1", "priority": "soon",
                   "owner_id": unknown_id()}),
        )
        .await;
    assert_eq!(
        bad.expect_fields(),
        ["amount", "name", "priority", "progress"]
    );
    let unknown = app
        .patch(
            &ann.token,
            &path,
            json!({"owner_id": unknown_id(), "contact_id": unknown_id(), "company_id": unknown_id()}),
        )
        .await;
    assert_eq!(
        unknown.expect_fields(),
        ["company_id", "contact_id", "owner_id"]
    );
    for body in [
        json!({"user_id": ben.id}),
        json!({"id": unknown_id()}),
        json!({"stage_kind": "won"}),
        json!({"name": null}),
        json!({"stage": null}),
        json!({"progress": null}),
    ] {
        app.patch(&ann.token, &path, body)
            .await
            .expect_error(400, "bad_request");
    }
    let still = detail(&app, &ann, &deal).await;
    assert_eq!(still["name"], "Robots");
    assert_eq!(still["progress"], 70);
    app.patch(
        &ann.token,
        &format!("/api/crm/deals/{}", unknown_id()),
        json!({"name": "Ghost"}),
    )
    .await
    .expect_error(404, "not_found");
}

async fn deleting_a_deal_is_204_then_404_and_closes_the_gap(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.deal(&ann, "a", "SQL").await;
    let ben = app.signup("ben@example.com").await;
    let ada = app.contact(&ann, "Ada", "Lovelace").await;
    let b = app
        .deal_with(
            &ann,
            "b",
            "MQL",
            json!({"contact_id": id(&ada), "collaborator_ids": [ben.id]}),
        )
        .await;
    app.deal(&ann, "c", "SQL").await;
    // b gathers history, a stage-change activity and a note before it goes.
    move_deal(&app, &ann, &b, json!({"stage": "SQL", "stage_order": 1})).await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "note", "deal_id": id(&b)}),
    )
    .await
    .expect(201);
    assert_eq!(app.column(&ann, "SQL").await, ["a", "b", "c"]);
    let path = format!("/api/crm/deals/{}", id(&b));
    let deleted = app.delete(&ann.token, &path).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(deleted.body.is_empty());
    assert_eq!(app.column(&ann, "SQL").await, ["a", "c"]);
    app.get(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    app.delete(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    // Its activities went with it; its contact stays.
    let left = app
        .get(
            &ann.token,
            &format!("/api/crm/activities?deal_id={}", id(&b)),
        )
        .await
        .expect(200);
    assert_eq!(left["data"], json!([]));
    app.get(&ann.token, &format!("/api/crm/contacts/{}", id(&ada)))
        .await
        .expect(200);
    // New cards still go to the end.
    let d = app.deal(&ann, "d", "SQL").await;
    assert_eq!(d["stage_order"], 2);
}

async fn collaborators_are_added_once_and_removed_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup_named("ben@example.com", "Ben Okafor").await;
    let deal = app.deal(&ann, "Robots", "SQL").await;
    let path = format!("/api/crm/deals/{}/collaborators", id(&deal));

    let added = app
        .post(&ann.token, &path, json!({"user_id": ben.id}))
        .await
        .expect(201);
    assert_eq!(
        added["collaborators"],
        json!([{"id": ben.id, "display_name": "Ben Okafor", "avatar_url": null}])
    );
    let again = app
        .post(&ann.token, &path, json!({"user_id": ben.id}))
        .await
        .expect(200);
    assert_eq!(again["collaborators"].as_array().unwrap().len(), 1);
    assert_eq!(
        app.post(&ann.token, &path, json!({"user_id": unknown_id()}))
            .await
            .expect_fields(),
        ["user_id"]
    );
    app.post(&ann.token, &path, json!({"user_id": "ben"}))
        .await
        .expect_error(400, "bad_request");

    let removed = app.delete(&ann.token, &format!("{path}/{}", ben.id)).await;
    assert_eq!(removed.status, 204, "{}", removed.body);
    app.delete(&ann.token, &format!("{path}/{}", ben.id))
        .await
        .expect_error(404, "not_found");
    assert_eq!(detail(&app, &ann, &deal).await["collaborators"], json!([]));
    let ghost_deal = format!("/api/crm/deals/{}/collaborators", unknown_id());
    app.post(&ann.token, &ghost_deal, json!({"user_id": ben.id}))
        .await
        .expect_error(404, "not_found");

    // The collaborator set is a set: duplicates in a new deal collapse.
    let shared = app
        .deal_with(
            &ann,
            "Shared",
            "SQL",
            json!({"collaborator_ids": [ben.id, ben.id]}),
        )
        .await;
    let ids: HashSet<String> = shared["collaborators"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(ids, HashSet::from([ben.id.clone()]));
}
