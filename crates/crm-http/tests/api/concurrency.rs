//! Concurrency and database faults over real HTTP: many clients moving cards at once leave
//! every column numbered 0..n-1 with no deal lost or shown twice, and a database that is gone
//! or too slow answers 503 `unavailable` (never a 500 with internals).

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use crm_store::Store;
use reqwest::Method;
use sea_orm::{ConnectionTrait, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id};

crm_store::backend_tests!(
    thirty_two_concurrent_moves_within_and_across_columns_keep_every_column_gap_free,
    api_requests_answer_503_when_the_database_is_gone,
);

/// Clients (each with its own connection pool) that share the moves of one round.
const CLIENTS: usize = 4;
/// Moves sent at once in every round.
const MOVES: usize = 32;
/// Cards per column at the start.
const PER_COLUMN: usize = 10;

/// A small deterministic generator, so a failure replays the same moves.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// One planned move: the deal and the PATCH body.
struct Move {
    deal: String,
    body: Value,
}

/// Round `round`'s moves over `ids`: within `Contact` (a position alone) and across
/// `Contact`/`MQL` (a stage and a position); the last round sends every card to the top.
fn plan(rng: &mut Lcg, ids: &[String], round: usize) -> Vec<Move> {
    (0..MOVES)
        .map(|i| {
            let deal = ids[rng.below(ids.len())].clone();
            let position = if round == 2 {
                0
            } else {
                rng.below(PER_COLUMN + 3)
            };
            let body = match i % 3 {
                0 => json!({"stage_order": position}),
                1 => json!({"stage": "MQL", "stage_order": position}),
                _ => json!({"stage": "Contact", "stage_order": position}),
            };
            Move { deal, body }
        })
        .collect()
}

/// Sends every move at once, spread over `clients`; returns `(status, body)` of each.
async fn send_all(
    app: &TestApp,
    clients: &[reqwest::Client],
    user: &User,
    moves: Vec<Move>,
) -> Vec<(u16, String)> {
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(moves.len()));
    let tasks: Vec<_> = moves
        .into_iter()
        .enumerate()
        .map(|(i, planned)| {
            let request = clients[i % clients.len()]
                .patch(format!("{}/api/crm/deals/{}", app.address, planned.deal))
                .bearer_auth(&user.token)
                .json(&planned.body);
            let start = start.clone();
            tokio::spawn(async move {
                start.wait().await;
                let response = request.send().await.expect("send the move");
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            })
        })
        .collect();
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.expect("the move task"));
    }
    answers
}

/// The board as stage name -> card ids in `stage_order`, after checking every column's
/// positions are exactly 0..n-1 and its `count` covers it.
async fn columns(app: &TestApp, user: &User) -> BTreeMap<String, Vec<String>> {
    let board = app.board(user).await;
    let mut out = BTreeMap::new();
    for column in board["stages"].as_array().expect("stages") {
        let name = column["name"].as_str().expect("name").to_owned();
        let deals = column["deals"].as_array().expect("deals");
        let orders: Vec<u64> = deals
            .iter()
            .map(|d| d["stage_order"].as_u64().expect("stage_order"))
            .collect();
        let expected: Vec<u64> = (0..deals.len() as u64).collect();
        assert_eq!(orders, expected, "positions of {name} are not 0..n-1");
        assert_eq!(column["count"].as_u64(), Some(deals.len() as u64), "{name}");
        out.insert(name, deals.iter().map(id).collect());
    }
    out
}

/// Asserts that the board holds exactly `all`, each deal once, and that each deal's history
/// ends in the column that shows it.
async fn assert_board_holds(app: &TestApp, user: &User, all: &HashSet<String>, round: usize) {
    let board = columns(app, user).await;
    let mut seen = HashSet::new();
    for (stage, ids) in &board {
        for deal in ids {
            assert!(
                seen.insert(deal.clone()),
                "round {round}: {deal} shows twice"
            );
            let page = app
                .get(&user.token, &format!("/api/crm/deals/{deal}"))
                .await
                .expect(200);
            assert_eq!(&page["stage"], stage, "round {round}");
            let history = page["stage_history"].as_array().expect("stage_history");
            let last = history.last().expect("a history row");
            assert_eq!(&last["to_stage"], stage, "round {round}: history of {deal}");
        }
    }
    assert_eq!(&seen, all, "round {round}: lost or extra deals");
}

async fn thirty_two_concurrent_moves_within_and_across_columns_keep_every_column_gap_free(
    store: Store,
) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    // Another user's cards are not disturbed by ann's moves.
    let bob = app.signup("bob@example.com").await;
    let bobs = app.deal(&bob, "bob's", "Contact").await;
    let mut ids = Vec::new();
    for i in 0..PER_COLUMN {
        ids.push(id(&app.deal(&ann, &format!("c{i}"), "Contact").await));
        ids.push(id(&app.deal(&ann, &format!("m{i}"), "MQL").await));
    }
    let all: HashSet<String> = ids.iter().cloned().collect();
    let clients: Vec<reqwest::Client> = (0..CLIENTS)
        .map(|_| reqwest::Client::builder().build().expect("a client"))
        .collect();

    let mut rng = Lcg(0xC0FF_EE00);
    for round in 0..3 {
        let answers = send_all(&app, &clients, &ann, plan(&mut rng, &ids, round)).await;
        for (status, body) in &answers {
            assert_eq!(*status, 200, "round {round}: {body}");
        }
        assert_board_holds(&app, &ann, &all, round).await;
    }
    let board = columns(&app, &ann).await;
    assert_eq!(
        board["Contact"].len() + board["MQL"].len(),
        2 * PER_COLUMN,
        "every card is still in Contact or MQL"
    );
    assert_eq!(columns(&app, &bob).await["Contact"], vec![id(&bobs)]);
}

async fn api_requests_answer_503_when_the_database_is_gone(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.get(&ann.token, "/api/crm/deals").await.expect(200);
    // Closing the pool closes it for the application too (clones share it).
    app.store.clone().close().await.expect("close the pool");
    for (method, path, body) in [
        (Method::GET, "/api/crm/deals", None),
        (Method::GET, "/api/crm/contacts", None),
        (
            Method::POST,
            "/api/crm/contacts",
            Some(json!({"first_name": "Gone", "last_name": "Database"})),
        ),
    ] {
        let answer = app
            .call(method, path, Some(&ann.token), body.as_ref())
            .await;
        answer.expect_error(503, "unavailable");
        assert!(!answer.body.contains("pool"), "{}", answer.body);
    }
}

/// PostgreSQL only (SQLite has no statement timeout): a request whose statement waits longer
/// than the store's `statement_timeout` (here on a table lock held by another transaction)
/// fails with 503 `unavailable` and no internals, and the next one succeeds once the lock is
/// gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_over_the_timeout_answers_503_on_postgres() {
    crm_store::testing::on_postgres(a_statement_over_the_timeout_answers_503).await;
}

async fn a_statement_over_the_timeout_answers_503(store: Store) {
    let timeout = Duration::from_millis(300);
    let app = TestApp::spawn(store.clone().with_statement_timeout(Some(timeout))).await;
    let ann = app.signup("ann@example.com").await;
    app.deal(&ann, "Engine", "Contact").await;

    let blocker = store.connection().begin().await.expect("begin");
    blocker
        .execute_unprepared("LOCK TABLE deals IN ACCESS EXCLUSIVE MODE")
        .await
        .expect("lock the deals");
    let started = std::time::Instant::now();
    let answer = app.get(&ann.token, "/api/crm/deals").await;
    let waited = started.elapsed();
    answer.expect_error(503, "unavailable");
    assert!(!answer.body.contains("statement"), "{}", answer.body);
    assert!(
        waited >= timeout && waited < Duration::from_secs(5),
        "the request waited {waited:?}"
    );
    blocker.rollback().await.expect("release the lock");

    let board = app.board(&ann).await;
    assert_eq!(board["stages"][0]["deals"][0]["name"], "Engine");
}
