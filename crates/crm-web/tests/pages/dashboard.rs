//! The dashboard: ranges, charts from the analytics, empty states.

use crm_store::Store;

use crate::helpers::{AVA, TestApp};

async fn a_new_user_sees_empty_states_not_made_up_numbers(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("empty@example.com", "Empty Person").await;
    let page = app.get(Some(&session), "/dashboard/crm").await;
    page.expect(200).has(&[
        "Hello, Empty",
        "No deals won in these quarters yet.",
        "No contacts were created in this range.",
        "No feedback recorded in these months.",
        "No marketing spend recorded in this range.",
        "No deals were created in this range.",
        "No activity in these days.",
        "$0",
    ]);
    assert!(
        !page.body.contains("<svg class=\"chart\""),
        "no chart without data"
    );
}

async fn the_demo_dashboard_draws_charts_for_every_range(store: Store) {
    let app = TestApp::with_demo(store).await;
    let session = app.login(AVA).await;
    for query in [
        "",
        "?range=7d",
        "?range=90d",
        "?range=quarter",
        "?range=year&days=30",
        "?range=custom&from=2025-01-01&to=2025-12-31&days=7",
    ] {
        let page = app
            .get(Some(&session), &format!("/dashboard/crm{query}"))
            .await;
        page.expect(200)
            .has(&["data-testid=\"greeting\"", "data-testid=\"kpi-win_rate\""]);
    }
    let page = app.get(Some(&session), "/dashboard/crm?range=year").await;
    page.has(&[
        "<svg class=\"chart\"",
        "role=\"img\"",
        "<title>",
        "class=\"legend\"",
        "aria-current=\"true\" data-testid=\"range-year\"",
    ]);
    let charts = page.body.matches("<svg class=\"chart\"").count();
    assert!(charts >= 5, "only {charts} charts drawn on the demo data");
    // A bad custom range falls back with a message, not an error page.
    app.get(
        Some(&session),
        "/dashboard/crm?range=custom&from=2025-05-01&to=2020-01-01",
    )
    .await
    .expect(200)
    .has(&["The end must not be before the start"]);
    // Year 0 and years past 9999 are refused as the API refuses them.
    for query in [
        "from=0000-01-01&to=0000-01-05",
        "from=2025-01-01&to=+10000-01-01",
        "from=2025-1-1&to=2025-02-01",
    ] {
        app.get(
            Some(&session),
            &format!("/dashboard/crm?range=custom&{query}"),
        )
        .await
        .expect(200)
        .has(&["Enter both dates as YYYY-MM-DD, between 0001-01-01 and 9999-12-31."]);
    }
}

crm_store::backend_tests!(
    a_new_user_sees_empty_states_not_made_up_numbers,
    the_demo_dashboard_draws_charts_for_every_range,
);
