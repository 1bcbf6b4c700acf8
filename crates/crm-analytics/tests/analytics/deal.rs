//! The deal page's analytics.

use crm_domain::DomainError;
use crm_store::Store;
use serde_json::{Value, json};

use crate::fixtures::{Fx, analytics};
use crate::scenario;

crm_store::backend_tests!(
    deal_analytics_of_an_open_deal,
    deal_analytics_of_won_and_lost_deals,
    another_users_deal_is_not_found
);

fn without_ids(mut body: Value) -> Value {
    body.as_object_mut().unwrap().remove("deal_id");
    for item in body["activity_summary"]["latest"].as_array_mut().unwrap() {
        item.as_object_mut().unwrap().remove("id");
    }
    body
}

async fn deal_analytics_of_an_open_deal(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    let s = scenario::build(&fx).await;

    let d13 = analytics(&store)
        .deal_analytics(fx.tenant, s.d13)
        .await
        .unwrap();
    assert_eq!(d13.deal_id, s.d13);
    assert_eq!(
        without_ids(serde_json::to_value(&d13).unwrap()),
        json!({
            "progress": 0,
            "probability": 20,
            "amount": "150.00",
            "weighted_amount": "30.00",
            "forecast_category": "pipeline",
            // No company: all closed deals of the owner (d1 d2 d4 d5 d9 d10 d12 / d3 d6).
            "win_loss": {"scope": "all", "won": 7, "lost": 2, "ratio": 77.8},
            // MQL is the second of four open stages.
            "pipeline_position_pct": 50.0,
            // Since 10-27 12:00: its move (10-31) and a call (11-25); the open deals d7, d8,
            // d13 had 2 + 0 + 2 activities.
            "engagement": {"window_days": 30, "activities": 2,
                           "owner_mean_per_open_deal": 1.3, "ratio_pct": 150.0},
            "activity_summary": {
                "counts": {"call": 1, "email": 0, "meeting": 0, "note": 0, "task": 0,
                           "stage_change": 1},
                // In MQL since 10-31 10:00.
                "days_in_stage": 26,
                "latest": [
                    {"type": "call", "subject": "call at 2026-11-25T10:00:00Z",
                     "created_at": "2026-11-25T10:00:00Z"},
                    {"type": "stage_change", "subject": "Moved from Contact to MQL",
                     "created_at": "2026-10-31T10:00:00Z"},
                ]
            }
        })
    );
}

async fn deal_analytics_of_won_and_lost_deals(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    let s = scenario::build(&fx).await;
    let analytics = analytics(&store);

    let d1 = analytics.deal_analytics(fx.tenant, s.d1).await.unwrap();
    let body = without_ids(serde_json::to_value(&d1).unwrap());
    assert_eq!(body["progress"], 100);
    assert_eq!(body["probability"], 100);
    assert_eq!(body["weighted_amount"], "1000.00");
    assert_eq!(body["forecast_category"], "closed");
    // Acme: d1 and d5, both won.
    assert_eq!(
        body["win_loss"],
        json!({"scope": "company", "won": 2, "lost": 0, "ratio": 100.0})
    );
    assert_eq!(body["pipeline_position_pct"], 100.0);
    // Its win (11-02) is in the window; the open deals average 4/3.
    assert_eq!(
        body["engagement"],
        json!({"window_days": 30, "activities": 1, "owner_mean_per_open_deal": 1.3,
               "ratio_pct": 75.0})
    );
    assert_eq!(body["activity_summary"]["counts"]["stage_change"], 3);
    assert_eq!(body["activity_summary"]["days_in_stage"], 24);
    let latest: Vec<&str> = body["activity_summary"]["latest"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap())
        .collect();
    assert_eq!(
        latest,
        [
            "Moved from SQL to Won",
            "Moved from MQL to SQL",
            "Moved from Contact to MQL"
        ]
    );

    let d3 = analytics.deal_analytics(fx.tenant, s.d3).await.unwrap();
    assert_eq!(d3.pipeline_position_pct, 0.0);
    assert_eq!(d3.probability, 0);
    assert_eq!(d3.weighted_amount.as_deref(), Some("0.00"));
    assert_eq!(
        serde_json::to_value(d3.forecast_category).unwrap(),
        json!("closed")
    );

    // d7 sits in Opportunity (60 %), the last open stage.
    let d7 = analytics.deal_analytics(fx.tenant, s.d7).await.unwrap();
    assert_eq!(d7.weighted_amount.as_deref(), Some("3000.00"));
    assert_eq!(
        serde_json::to_value(d7.forecast_category).unwrap(),
        json!("best_case")
    );
    assert_eq!(d7.pipeline_position_pct, 100.0);

    // A deal without amount has no weighted amount either.
    let d4 = analytics.deal_analytics(fx.tenant, s.d4).await.unwrap();
    assert_eq!(d4.amount, None);
    assert_eq!(d4.weighted_amount, None);
}

async fn another_users_deal_is_not_found(store: Store) {
    let ana = Fx::new(&store, "ana").await;
    let bob = Fx::new(&store, "bob").await;
    let s = scenario::build(&ana).await;
    let analytics = analytics(&store);

    match analytics.deal_analytics(bob.tenant, s.d1).await {
        Err(DomainError::NotFound { entity }) => assert_eq!(entity, "deal"),
        other => panic!("expected NotFound, got {other:?}"),
    }
    match analytics
        .deal_analytics(ana.tenant, uuid::Uuid::now_v7())
        .await
    {
        Err(DomainError::NotFound { .. }) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}
