//! The error body and its statuses for malformed input, and the opacity of a 500.

use crm_store::Store;
use reqwest::Method;
use sea_orm::{ConnectionTrait, DbBackend};
use serde_json::json;

use crate::helpers::TestApp;

crm_store::backend_tests!(
    unknown_body_fields_are_400_so_owner_columns_cannot_be_mass_assigned,
    malformed_json_or_a_non_json_body_is_400,
    a_body_over_1_mib_is_413_and_one_just_under_is_read,
    a_malformed_uuid_in_the_path_is_400,
    a_malformed_query_parameter_is_400,
    an_unknown_route_is_a_json_404,
    a_500_never_shows_sql_or_internals,
);

async fn unknown_body_fields_are_400_so_owner_columns_cannot_be_mass_assigned(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    for (path, body) in [
        (
            "/api/crm/contacts",
            json!({"first_name": "A", "last_name": "B", "user_id": ben.id}),
        ),
        (
            "/api/crm/deals",
            json!({"name": "A", "stage": "SQL", "user_id": ben.id}),
        ),
        (
            "/api/crm/companies",
            json!({"name": "A", "created_by": ben.id}),
        ),
        (
            "/api/crm/pipeline-stages",
            json!({"name": "A", "id": ben.id}),
        ),
        (
            "/api/crm/activities",
            json!({"type": "note", "user_id": ben.id}),
        ),
        (
            "/api/crm/marketing-spend",
            json!({"spent_on": "2026-01-01", "lead_source": "event", "allotted": "1", "used": "1", "user_id": ben.id}),
        ),
    ] {
        let answer = app.post(&ann.token, path, body).await;
        answer.expect_error(400, "bad_request");
        assert!(
            answer.message().contains("unknown field"),
            "{}",
            answer.body
        );
    }
    // Nothing reached Ben.
    let board = app.board(&ben).await;
    assert!(
        board["stages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["count"] == 0)
    );
}

async fn malformed_json_or_a_non_json_body_is_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for body in ["{", "{\"first_name\": }", "[]", "null", ""] {
        app.send_body(
            Method::POST,
            "/api/crm/contacts",
            &ann.token,
            "application/json",
            body,
        )
        .await
        .expect_error(400, "bad_request");
    }
    app.send_body(
        Method::POST,
        "/api/crm/contacts",
        &ann.token,
        "text/plain",
        r#"{"first_name": "A", "last_name": "B"}"#,
    )
    .await
    .expect_error(400, "bad_request");
    // A missing required field is a malformed body too.
    app.post(&ann.token, "/api/crm/contacts", json!({"first_name": "A"}))
        .await
        .expect_error(400, "bad_request");
}

async fn a_body_over_1_mib_is_413_and_one_just_under_is_read(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let big = json!({"first_name": "A", "last_name": "B", "notes": "x".repeat(1024 * 1024)});
    app.post(&ann.token, "/api/crm/contacts", big)
        .await
        .expect_error(413, "payload_too_large");
    // Just under the limit the body is read (and then judged on its content).
    let under = json!({"first_name": "A", "last_name": "B", "notes": "x".repeat(1000 * 1000)});
    let answer = app.post(&ann.token, "/api/crm/contacts", under).await;
    assert_eq!(answer.expect_fields(), ["notes"]);
    // Also without a Content-Length (chunked): the limit holds while reading.
    let mut chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"{\"first_name\": \"".to_vec())];
    chunks.extend((0..20).map(|_| Ok(vec![b'x'; 64 * 1024])));
    chunks.push(Ok(b"\", \"last_name\": \"B\"}".to_vec()));
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    app.send_body(
        Method::POST,
        "/api/crm/contacts",
        &ann.token,
        "application/json",
        body,
    )
    .await
    .expect_error(413, "payload_too_large");
}

async fn a_malformed_uuid_in_the_path_is_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for path in [
        "/api/crm/contacts/42",
        "/api/crm/deals/not-a-uuid",
        "/api/crm/companies/%27%3B%20drop",
        "/api/crm/activities/x",
        "/api/crm/pipeline-stages/x",
    ] {
        app.patch(&ann.token, path, json!({}))
            .await
            .expect_error(400, "bad_request");
    }
    for path in [
        "/api/crm/contacts/42",
        "/api/crm/deals/x",
        "/api/crm/companies/x",
    ] {
        app.get(&ann.token, path)
            .await
            .expect_error(400, "bad_request");
    }
    app.delete(&ann.token, "/api/crm/deals/1/collaborators/2")
        .await
        .expect_error(400, "bad_request");
}

async fn a_malformed_query_parameter_is_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for path in [
        "/api/crm/contacts?limit=ten",
        "/api/crm/contacts?limit=-1",
        "/api/crm/companies?limit=1.5",
        "/api/crm/deals?per_stage=all",
        "/api/crm/activities?contact_id=1",
        "/api/crm/marketing-spend?to=tomorrow",
    ] {
        app.get(&ann.token, path)
            .await
            .expect_error(400, "bad_request");
    }
}

async fn an_unknown_route_is_a_json_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for (method, path) in [
        (Method::GET, "/api/crm/nothing-here"),
        (Method::GET, "/nothing"),
        // A served path with another method is a 405 (fuzz_regressions.rs).
        (Method::PUT, "/api/crm/contacts/a/b"),
    ] {
        let answer = app.call(method, path, Some(&ann.token), None).await;
        answer.expect_error(404, "not_found");
        assert!(answer.message().starts_with("no route"), "{}", answer.body);
    }
}

async fn a_500_never_shows_sql_or_internals(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    // Break the schema under the running application.
    let drop = match app.store.backend() {
        DbBackend::Postgres => "DROP TABLE activities CASCADE",
        _ => "DROP TABLE activities",
    };
    app.store
        .connection()
        .execute_unprepared(drop)
        .await
        .expect("drop a table");
    let answer = app.get(&ann.token, "/api/crm/activities").await;
    answer.expect_error(500, "internal");
    let body = answer.body.to_lowercase();
    for leak in [
        "select",
        "activities",
        "relation",
        "no such table",
        "sqlx",
        "database",
        "error returned",
    ] {
        assert!(
            !body.contains(leak),
            "the 500 body shows {leak:?}: {}",
            answer.body
        );
    }
    assert_eq!(answer.json()["error"]["details"], json!({}));
}
