//! The task list: open tasks ordered overdue first then by due time (undated last), the
//! completed and all views, filters, ticking a task off and back on, and tenancy.

use chrono::{Duration, SecondsFormat, Utc};
use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id};

crm_store::backend_tests!(
    open_tasks_come_overdue_first_then_by_due_time_and_undated_last,
    completing_a_task_takes_it_off_the_open_list_and_reopening_brings_it_back,
    the_task_list_filters_by_contact_and_deal_and_refuses_unknown_statuses,
    another_users_tasks_are_never_listed,
);

fn at(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours)).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Logs a task on `contact` due in `due_hours` (none when `None`); returns its id.
async fn task(
    app: &TestApp,
    user: &User,
    contact: &str,
    subject: &str,
    due_hours: Option<i64>,
) -> String {
    let mut metadata = json!({"priority": "high"});
    if let Some(hours) = due_hours {
        metadata["due_at"] = json!(at(hours));
    }
    let created = app
        .post(
            &user.token,
            "/api/crm/activities",
            json!({"type": "task", "contact_id": contact, "subject": subject, "metadata": metadata}),
        )
        .await
        .expect(201);
    id(&created)
}

fn subjects(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["subject"].as_str().unwrap().to_owned())
        .collect()
}

async fn complete(app: &TestApp, user: &User, task: &str, done: bool) {
    let completed_at = if done { json!(at(0)) } else { Value::Null };
    app.patch(
        &user.token,
        &format!("/api/crm/activities/{task}"),
        json!({"metadata": {"due_at": at(-1), "completed_at": completed_at, "priority": "low"}}),
    )
    .await
    .expect(200);
}

async fn open_tasks_come_overdue_first_then_by_due_time_and_undated_last(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = id(&app.contact(&ann, "Ada", "L").await);
    task(&app, &ann, &contact, "next week", Some(24 * 7)).await;
    task(&app, &ann, &contact, "undated", None).await;
    task(&app, &ann, &contact, "two days late", Some(-48)).await;
    task(&app, &ann, &contact, "tomorrow", Some(24)).await;
    task(&app, &ann, &contact, "an hour late", Some(-1)).await;
    let done = task(&app, &ann, &contact, "done", Some(-72)).await;
    complete(&app, &ann, &done, true).await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "note", "contact_id": contact, "subject": "not a task"}),
    )
    .await
    .expect(201);

    let open = app.get(&ann.token, "/api/crm/tasks").await.expect(200);
    assert_eq!(
        subjects(&open),
        [
            "two days late",
            "an hour late",
            "tomorrow",
            "next week",
            "undated"
        ]
    );
    let overdue: Vec<bool> = open["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["overdue"].as_bool().unwrap())
        .collect();
    assert_eq!(overdue, [true, true, false, false, false]);
    assert_eq!(open["data"][0]["type"], "task");
    assert_eq!(open["data"][0]["metadata"]["priority"], "high");
    assert_eq!(
        app.get(&ann.token, "/api/crm/tasks?status=open")
            .await
            .expect(200),
        open
    );

    let completed = app
        .get(&ann.token, "/api/crm/tasks?status=completed")
        .await
        .expect(200);
    assert_eq!(subjects(&completed), ["done"]);
    assert_eq!(completed["data"][0]["overdue"], false);

    let all = app
        .get(&ann.token, "/api/crm/tasks?status=all")
        .await
        .expect(200);
    assert_eq!(subjects(&all).last().map(String::as_str), Some("done"));
    assert_eq!(subjects(&all).len(), 6);

    let first = app
        .get(&ann.token, "/api/crm/tasks?limit=2")
        .await
        .expect(200);
    assert_eq!(subjects(&first), ["two days late", "an hour late"]);
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .get(
            &ann.token,
            &format!("/api/crm/tasks?limit=2&cursor={cursor}"),
        )
        .await
        .expect(200);
    assert_eq!(subjects(&second), ["tomorrow", "next week"]);
}

async fn completing_a_task_takes_it_off_the_open_list_and_reopening_brings_it_back(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = id(&app.contact(&ann, "Ada", "L").await);
    let late = task(&app, &ann, &contact, "late", Some(-5)).await;
    task(&app, &ann, &contact, "later", Some(5)).await;

    complete(&app, &ann, &late, true).await;
    let open = app.get(&ann.token, "/api/crm/tasks").await.expect(200);
    assert_eq!(subjects(&open), ["later"]);
    let completed = app
        .get(&ann.token, "/api/crm/tasks?status=completed")
        .await
        .expect(200);
    assert_eq!(subjects(&completed), ["late"]);
    assert!(completed["data"][0]["metadata"]["completed_at"].is_string());

    complete(&app, &ann, &late, false).await;
    let open = app.get(&ann.token, "/api/crm/tasks").await.expect(200);
    assert_eq!(subjects(&open), ["late", "later"]);
    assert_eq!(open["data"][0]["overdue"], true);
}

async fn the_task_list_filters_by_contact_and_deal_and_refuses_unknown_statuses(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = id(&app.contact(&ann, "Ada", "L").await);
    let bob = id(&app.contact(&ann, "Bob", "B").await);
    task(&app, &ann, &ada, "ada's", Some(1)).await;
    task(&app, &ann, &bob, "bob's", Some(2)).await;
    let deal = app.deal(&ann, "Big deal", "SQL").await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "task", "deal_id": id(&deal), "subject": "deal's", "metadata": {}}),
    )
    .await
    .expect(201);

    let page = app
        .get(&ann.token, &format!("/api/crm/tasks?contact_id={ada}"))
        .await
        .expect(200);
    assert_eq!(subjects(&page), ["ada's"]);
    let page = app
        .get(&ann.token, &format!("/api/crm/tasks?deal_id={}", id(&deal)))
        .await
        .expect(200);
    assert_eq!(subjects(&page), ["deal's"]);
    let fields = app
        .get(&ann.token, "/api/crm/tasks?status=overdue")
        .await
        .expect_bad_query();
    assert_eq!(fields, ["status"]);
}

async fn another_users_tasks_are_never_listed(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let contact = id(&app.contact(&ann, "Ada", "L").await);
    task(&app, &ann, &contact, "ann's", Some(-1)).await;
    for status in ["open", "completed", "all"] {
        let page = app
            .get(&ben.token, &format!("/api/crm/tasks?status={status}"))
            .await
            .expect(200);
        assert_eq!(page["data"], json!([]), "{status}");
    }
    let page = app
        .get(&ben.token, &format!("/api/crm/tasks?contact_id={contact}"))
        .await
        .expect(200);
    assert_eq!(page["data"], json!([]));
}
