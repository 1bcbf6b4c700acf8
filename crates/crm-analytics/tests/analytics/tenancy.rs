//! Another user's data changes nothing.

use crm_analytics::ActiveDays;
use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(another_users_data_changes_nothing);

async fn another_users_data_changes_nothing(store: Store) {
    let ana = Fx::new(&store, "ana").await;
    let s = scenario::build(&ana).await;
    let analytics = analytics(&store);
    let r = range("2026-10-28", "2026-11-27");

    let dashboard = |fx: &Fx| {
        let analytics = analytics.clone();
        let tenant = fx.tenant;
        async move {
            serde_json::to_value(
                analytics
                    .dashboard(tenant, r, ActiveDays::new(30).unwrap())
                    .await
                    .unwrap(),
            )
            .unwrap()
        }
    };
    let before = dashboard(&ana).await;
    let deal_before =
        serde_json::to_value(analytics.deal_analytics(ana.tenant, s.d13).await.unwrap()).unwrap();
    assert_eq!(before["kpis"]["deals_created"]["count"], 5);
    assert_eq!(before["kpis"]["cards"][1]["value"], "3500.00");

    // Bob gets the same scenario, with the same companies of the shared directory, and more:
    // a big win with Acme in R, sentiment, spend on the same days.
    let bob = Fx::new(&store, "bob").await;
    let b = scenario::build(&bob).await;
    let acme = bob.company("Acme").await;
    let big = bob
        .deal(
            "Bob's big one",
            "Contact",
            Some("9999.00"),
            Some(b.c1),
            Some(acme),
            "2026-11-11T09:00:00Z",
        )
        .await;
    bob.move_to(big, "Won", "2026-11-12T09:00:00Z").await;
    bob.activity(
        "call",
        Some(b.c2),
        Some(big),
        json!({"sentiment": "negative"}),
        "2026-11-12T10:00:00Z",
    )
    .await;
    bob.spend("2026-11-02", "paid_ads", "7000.00", "7000.00")
        .await;
    bob.contact("Hal", Some("event"), None, "2026-11-12T09:00:00Z")
        .await;

    assert_eq!(dashboard(&ana).await, before);
    assert_eq!(
        serde_json::to_value(analytics.deal_analytics(ana.tenant, s.d13).await.unwrap()).unwrap(),
        deal_before
    );

    // Bob sees his own rows.
    let bobs = dashboard(&bob).await;
    assert_eq!(bobs["kpis"]["deals_created"]["count"], 6);
    assert_eq!(bobs["kpis"]["cards"][1]["value"], "13499.00");
    assert_eq!(bobs["lead_sources"]["total"], 5);
    // The upsert replaced 11-02 paid_ads (80.00 used) with 7000.00.
    assert_eq!(bobs["acquisition_cost"]["used"], "7173.33");
    assert_eq!(bobs["customer_feedback"]["months"][12]["negative"], 2);
}
