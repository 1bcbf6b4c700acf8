//! Dates at and beyond the calendar the CRM stores (0001-01-01 to 9999-12-31): a well-formed
//! date outside it is a validation failure, 422 naming the field, in a body (`close_date`,
//! `spent_on`, the times of an activity's metadata) and in a query (`from`, `to`), and writes
//! nothing; a malformed one stays a 400 (see `fuzz_regressions`); and the days at both ends
//! are accepted, stored and read back by every route that takes or reports dates, with no
//! 500 on either backend.

use crm_store::Store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{DASHBOARD_ROUTES, TestApp, User, id};

crm_store::backend_tests!(
    out_of_range_dates_in_bodies_are_422_naming_the_field_and_write_nothing,
    out_of_range_times_in_activity_metadata_are_422,
    out_of_range_query_dates_are_422_naming_the_parameter,
    the_first_and_last_storable_days_work_on_every_dated_route,
);

/// Well-formed dates outside the range: year 0, expanded years (ISO 8601 and the largest
/// JavaScript date), a negative year.
const OUT_OF_RANGE: [&str; 5] = [
    "0000-01-01",
    "99999-01-01",
    "+275760-09-13",
    "+12026-01-01",
    "-0001-12-31",
];

/// Every route with `?from=&to=`: the dashboard's and the marketing-spend list.
fn range_routes() -> impl Iterator<Item = &'static str> {
    DASHBOARD_ROUTES
        .into_iter()
        .chain(["/api/crm/marketing-spend"])
}

/// The `error.details.fields[field]` messages of a 422.
fn messages(details: &Value, field: &str) -> Vec<String> {
    details["fields"][field]
        .as_array()
        .unwrap_or_else(|| panic!("no {field} in {details}"))
        .iter()
        .map(|m| m.as_str().unwrap().to_owned())
        .collect()
}

async fn spend_rows(app: &TestApp, user: &User, query: &str) -> Vec<Value> {
    app.get(&user.token, &format!("/api/crm/marketing-spend?{query}"))
        .await
        .expect(200)
        .as_array()
        .unwrap()
        .clone()
}

async fn out_of_range_dates_in_bodies_are_422_naming_the_field_and_write_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let deal = app
        .deal_with(&ann, "Dated", "SQL", json!({"close_date": "2027-03-31"}))
        .await;
    let deal_path = format!("/api/crm/deals/{}", id(&deal));

    for day in OUT_OF_RANGE {
        // As sent by a client that writes its own JSON (no serializer in between).
        let answer = app
            .send_body(
                Method::POST,
                "/api/crm/deals",
                &ann.token,
                "application/json",
                format!(r#"{{"name": "D", "stage": "SQL", "close_date": "{day}"}}"#),
            )
            .await;
        assert_eq!(answer.expect_fields(), ["close_date"], "{day}");
        let details = answer.expect_error(422, "validation_failed");
        assert_eq!(
            messages(&details, "close_date"),
            ["must be between 0001-01-01 and 9999-12-31"]
        );

        let answer = app
            .send_body(
                Method::PATCH,
                &deal_path,
                &ann.token,
                "application/json",
                format!(r#"{{"close_date": "{day}", "name": "Renamed"}}"#),
            )
            .await;
        assert_eq!(answer.expect_fields(), ["close_date"], "{day}");

        let spend = json!({"spent_on": day, "lead_source": "event", "allotted": "1", "used": "1"});
        let answer = app
            .post(&ann.token, "/api/crm/marketing-spend", spend)
            .await;
        assert_eq!(answer.expect_fields(), ["spent_on"], "{day}");
    }
    // Every field problem at once: the date and the others.
    let spend = json!({"spent_on": "+275760-09-13", "lead_source": "carrier_pigeon", "allotted": "1", "used": "-1"});
    let answer = app
        .post(&ann.token, "/api/crm/marketing-spend", spend)
        .await;
    assert_eq!(answer.expect_fields(), ["lead_source", "spent_on", "used"]);

    let board = app.board(&ann).await;
    let names: Vec<&str> = board["stages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["deals"].as_array().unwrap())
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dated"], "a refused deal was created");
    let unchanged = app.get(&ann.token, &deal_path).await.expect(200);
    assert_eq!(unchanged["close_date"], "2027-03-31");
    assert_eq!(
        unchanged["name"], "Dated",
        "a refused edit changed the deal"
    );
    assert!(
        spend_rows(&app, &ann, "from=0001-01-01&to=0003-01-01")
            .await
            .is_empty()
    );
    assert!(
        spend_rows(&app, &ann, "from=9998-01-01&to=9999-12-31")
            .await
            .is_empty()
    );
}

async fn out_of_range_times_in_activity_metadata_are_422(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = id(&app.contact(&ann, "Ada", "Lovelace").await);
    let task = app
        .post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": "task", "contact_id": contact, "subject": "Call back",
                   "metadata": {"due_at": "2027-01-01T09:00:00Z"}}),
        )
        .await
        .expect(201);
    for (kind, metadata) in [
        ("task", json!({"due_at": "0000-12-31T23:59:59Z"})),
        ("task", json!({"completed_at": "+10000-01-01T00:00:00Z"})),
        ("meeting", json!({"starts_at": "-0001-06-01T10:00:00Z"})),
        ("meeting", json!({"ends_at": "+275760-09-13T00:00:00Z"})),
    ] {
        let body = json!({"type": kind, "contact_id": contact, "metadata": metadata});
        let answer = app.post(&ann.token, "/api/crm/activities", body).await;
        assert_eq!(answer.expect_fields(), ["metadata"], "{metadata}");
    }
    let answer = app
        .patch(
            &ann.token,
            &format!("/api/crm/activities/{}", id(&task)),
            json!({"metadata": {"due_at": "0000-06-01T00:00:00Z"}}),
        )
        .await;
    assert_eq!(answer.expect_fields(), ["metadata"]);

    // Nothing was written, so the task list (which orders on the due time, cast from the
    // metadata on PostgreSQL) still reads.
    let tasks = app
        .get(&ann.token, "/api/crm/tasks?status=all")
        .await
        .expect(200);
    let data = tasks["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["metadata"]["due_at"], "2027-01-01T09:00:00Z");
    let activities = app
        .get(
            &ann.token,
            &format!("/api/crm/activities?contact_id={contact}"),
        )
        .await
        .expect(200);
    assert_eq!(activities["data"].as_array().unwrap().len(), 1);
}

async fn out_of_range_query_dates_are_422_naming_the_parameter(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for route in range_routes() {
        for (query, fields) in [
            ("from=0000-01-01", &["from"][..]),
            ("to=99999-01-01", &["to"][..]),
            ("from=%2B275760-09-13&to=2026-01-01", &["from"][..]),
            ("from=-0001-01-01&to=%2B12026-01-01", &["from", "to"][..]),
        ] {
            let answer = app.get(&ann.token, &format!("{route}?{query}")).await;
            assert_eq!(answer.expect_fields(), fields, "{route}?{query}");
            let details = answer.expect_error(422, "validation_failed");
            assert_eq!(
                messages(&details, fields[0]),
                ["must be between 0001-01-01 and 9999-12-31"],
                "{route}?{query}"
            );
        }
        // A value that is not a date at all is still a bad query parameter.
        for query in ["from=2026-02-30", "to=someday", "from=%2B2026-01-01"] {
            app.get(&ann.token, &format!("{route}?{query}"))
                .await
                .expect_error(400, "bad_request");
        }
    }
}

async fn the_first_and_last_storable_days_work_on_every_dated_route(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = id(&app.contact(&ann, "Ada", "Lovelace").await);

    let first = app
        .deal_with(
            &ann,
            "First",
            "SQL",
            json!({"close_date": "0001-01-01", "contact_id": contact}),
        )
        .await;
    let last = app
        .deal_with(&ann, "Last", "Won", json!({"close_date": "9999-12-31"}))
        .await;
    assert_eq!(first["close_date"], "0001-01-01");
    assert_eq!(last["close_date"], "9999-12-31");
    let edited = app
        .patch(
            &ann.token,
            &format!("/api/crm/deals/{}", id(&last)),
            json!({"close_date": "0001-01-01"}),
        )
        .await
        .expect(200);
    assert_eq!(edited["close_date"], "0001-01-01");
    for deal in [&first, &last] {
        app.get(&ann.token, &format!("/api/crm/deals/{}", id(deal)))
            .await
            .expect(200);
        app.get(
            &ann.token,
            &format!("/api/crm/deals/{}/analytics", id(deal)),
        )
        .await
        .expect(200);
    }
    app.board(&ann).await;
    app.get(&ann.token, &format!("/api/crm/contacts/{contact}"))
        .await
        .expect(200);

    for day in ["0001-01-01", "9999-12-31"] {
        let spend = json!({"spent_on": day, "lead_source": "event", "allotted": "10", "used": "5"});
        let row = app
            .post(&ann.token, "/api/crm/marketing-spend", spend)
            .await
            .expect(201);
        assert_eq!(row["spent_on"], day);
    }
    let rows = spend_rows(&app, &ann, "from=0001-01-01&to=0001-01-02").await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["spent_on"], "0001-01-01");
    let rows = spend_rows(&app, &ann, "from=9999-12-01&to=9999-12-31").await;
    assert!(rows.is_empty(), "`to` is exclusive: {rows:?}");
    let rows = spend_rows(&app, &ann, "to=9999-12-31").await;
    assert!(rows.is_empty(), "{rows:?}");

    for (kind, metadata) in [
        ("task", json!({"due_at": "0001-01-01T00:00:00Z"})),
        ("task", json!({"due_at": "9999-12-31T23:59:59Z"})),
        (
            "meeting",
            json!({"starts_at": "0001-01-01T00:00:00Z", "ends_at": "9999-12-31T23:59:59Z"}),
        ),
    ] {
        let body = json!({"type": kind, "contact_id": contact, "metadata": metadata});
        app.post(&ann.token, "/api/crm/activities", body)
            .await
            .expect(201);
    }
    let tasks = app.get(&ann.token, "/api/crm/tasks").await.expect(200);
    let due: Vec<&str> = tasks["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["metadata"]["due_at"].as_str().unwrap())
        .collect();
    assert_eq!(due, ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"]);
    assert_eq!(tasks["data"][0]["overdue"], true);

    // Ranges at both ends, including defaults that reach back past 0001-01-01 (the 30 days
    // before `to`, the previous range of the same length) and windows forward past 9999.
    for route in range_routes() {
        for query in [
            "from=0001-01-01&to=0001-01-31",
            "to=0001-01-01",
            "from=0001-01-01&to=0003-01-01",
            "from=9999-12-01&to=9999-12-31",
            "to=9999-12-31",
            "from=9998-01-01&to=9999-12-31",
        ] {
            app.get(&ann.token, &format!("{route}?{query}"))
                .await
                .expect(200);
        }
    }
    let dashboard = app
        .get(
            &ann.token,
            "/api/crm/dashboard?from=0001-01-01&to=0001-01-31",
        )
        .await
        .expect(200);
    assert_eq!(dashboard["kpis"]["range"]["from"], "0001-01-01");
}
