//! Marketing spend: upsert per day and lead source, and the list by date range.

use chrono::{Duration, Utc};
use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, keys};

crm_store::backend_tests!(
    spend_is_upserted_per_day_and_source_201_then_200,
    the_spend_list_covers_from_inclusive_to_exclusive_and_defaults_to_the_last_30_days,
    spend_fields_and_ranges_are_validated,
);

async fn spend_is_upserted_per_day_and_source_201_then_200(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let first = app
        .post(
            &ann.token,
            "/api/crm/marketing-spend",
            json!({"spent_on": "2026-01-10", "lead_source": "paid_ads", "allotted": "100", "used": 80.5}),
        )
        .await
        .expect(201);
    assert_eq!(
        keys(&first),
        ["allotted", "id", "lead_source", "spent_on", "used"]
    );
    assert_eq!(first["spent_on"], "2026-01-10");
    assert_eq!(first["allotted"], "100.00");
    assert_eq!(first["used"], "80.50");

    let replaced = app
        .post(
            &ann.token,
            "/api/crm/marketing-spend",
            json!({"spent_on": "2026-01-10", "lead_source": "paid_ads", "allotted": "100.00", "used": "95.25"}),
        )
        .await
        .expect(200);
    assert_eq!(replaced["id"], first["id"]);
    assert_eq!(replaced["used"], "95.25");

    // Another source on the same day is another row.
    let other = app
        .post(
            &ann.token,
            "/api/crm/marketing-spend",
            json!({"spent_on": "2026-01-10", "lead_source": "webinar", "allotted": "10", "used": "0"}),
        )
        .await
        .expect(201);
    assert_ne!(other["id"], first["id"]);

    let list = app
        .get(
            &ann.token,
            "/api/crm/marketing-spend?from=2026-01-01&to=2026-02-01",
        )
        .await
        .expect(200);
    let rows: Vec<(&str, &str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["lead_source"].as_str().unwrap(),
                r["allotted"].as_str().unwrap(),
                r["used"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("paid_ads", "100.00", "95.25"),
            ("webinar", "10.00", "0.00")
        ]
    );
}

async fn the_spend_list_covers_from_inclusive_to_exclusive_and_defaults_to_the_last_30_days(
    store: Store,
) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let today = Utc::now().date_naive();
    let days = [
        "2026-01-09".to_owned(),
        "2026-01-10".to_owned(),
        "2026-01-31".to_owned(),
        "2026-02-01".to_owned(),
        today.to_string(),
        (today - Duration::days(29)).to_string(),
        (today - Duration::days(40)).to_string(),
    ];
    for day in &days {
        app.post(
            &ann.token,
            "/api/crm/marketing-spend",
            json!({"spent_on": day, "lead_source": "event", "allotted": "1", "used": "1"}),
        )
        .await
        .expect(201);
    }
    let days_of = |list: &Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["spent_on"].as_str().unwrap().to_owned())
            .collect()
    };
    let january = app
        .get(
            &ann.token,
            "/api/crm/marketing-spend?from=2026-01-10&to=2026-02-01",
        )
        .await
        .expect(200);
    assert_eq!(days_of(&january), ["2026-01-10", "2026-01-31"]);
    let recent = app
        .get(&ann.token, "/api/crm/marketing-spend")
        .await
        .expect(200);
    let recent = days_of(&recent);
    assert!(recent.contains(&today.to_string()), "{recent:?}");
    assert!(
        recent.contains(&(today - Duration::days(29)).to_string()),
        "{recent:?}"
    );
    assert!(
        !recent.contains(&(today - Duration::days(40)).to_string()),
        "{recent:?}"
    );

    // Another user's spend is their own.
    let ben = app.signup("ben@example.com").await;
    let theirs = app
        .get(
            &ben.token,
            "/api/crm/marketing-spend?from=2026-01-01&to=2026-03-01",
        )
        .await
        .expect(200);
    assert_eq!(theirs, json!([]));
}

async fn spend_fields_and_ranges_are_validated(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let post = |body: Value| app.post(&ann.token, "/api/crm/marketing-spend", body);
    let cases = [
        (
            json!({"spent_on": "2026-01-10", "lead_source": "carrier_pigeon", "allotted": "1", "used": "1"}),
            vec!["lead_source"],
        ),
        (
            json!({"spent_on": "2026-01-10", "lead_source": "event", "allotted": "-1", "used": "0.001"}),
            vec!["allotted", "used"],
        ),
    ];
    for (body, fields) in cases {
        assert_eq!(post(body.clone()).await.expect_fields(), fields, "{body}");
    }
    for body in [
        json!({"spent_on": "yesterday", "lead_source": "event", "allotted": "1", "used": "1"}),
        json!({"lead_source": "event", "allotted": "1", "used": "1"}),
        json!({"spent_on": "2026-01-10", "lead_source": "event", "allotted": "1", "used": "1", "user_id": ann.id}),
    ] {
        post(body).await.expect_error(400, "bad_request");
    }
    let range = |query: &str| {
        let path = format!("/api/crm/marketing-spend?{query}");
        let (app, token) = (&app, &ann.token);
        async move { app.get(token, &path).await }
    };
    assert_eq!(
        range("from=2026-02-01&to=2026-01-01").await.expect_fields(),
        ["from"]
    );
    assert_eq!(
        range("from=2026-01-01&to=2026-01-01").await.expect_fields(),
        ["from"]
    );
    assert_eq!(
        range("from=2024-01-01&to=2026-01-02").await.expect_fields(),
        ["to"]
    );
    range("from=2024-01-01&to=2026-01-01").await.expect(200);
    range("from=last-week")
        .await
        .expect_error(400, "bad_request");
}
