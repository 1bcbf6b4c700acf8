//! No data, or a range without any: zeros and empty lists, never an error or a NaN.

use crm_analytics::ActiveDays;
use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, null_keys, range};
use crate::scenario;

crm_store::backend_tests!(
    an_empty_account_gets_zeros_everywhere,
    a_range_without_deals_gets_zeros
);

async fn an_empty_account_gets_zeros_everywhere(store: Store) {
    let fx = Fx::new(&store, "ana").await;

    let dashboard = analytics(&store)
        .dashboard(
            fx.tenant,
            range("2026-10-28", "2026-11-27"),
            ActiveDays::default(),
        )
        .await
        .unwrap();
    let body = serde_json::to_value(&dashboard).unwrap();

    // Only the changes against a zero previous period are undefined.
    assert_eq!(
        null_keys(&body),
        [
            "kpis.cards.change_pct",
            "kpis.deals_closed.change_pct",
            "kpis.deals_created.change_pct"
        ]
    );
    let zero_counter = json!({"count": 0, "previous": 0, "change_pct": null, "trend": "flat"});
    assert_eq!(body["kpis"]["deals_created"], zero_counter);
    assert_eq!(body["kpis"]["deals_closed"], zero_counter);
    let values: Vec<_> = body["kpis"]["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["key"].as_str().unwrap(),
                c["value"].clone(),
                c["trend"].clone(),
            )
        })
        .collect();
    assert_eq!(
        values,
        [
            ("open_pipeline", json!("0.00"), json!("flat")),
            ("won_revenue", json!("0.00"), json!("flat")),
            ("win_rate", json!(0.0), json!("flat")),
            ("new_contacts", json!(0), json!("flat")),
            ("avg_sales_cycle_days", json!(0.0), json!("flat")),
        ]
    );

    let quarters = body["revenue"]["quarters"].as_array().unwrap();
    assert_eq!(quarters.len(), 7);
    assert!(
        quarters
            .iter()
            .all(|q| q["sum"] == "0.00" && q["p50"] == "0.00" && q["deals"] == 0)
    );
    let months = body["customer_feedback"]["months"].as_array().unwrap();
    assert_eq!(months.len(), 13);
    assert!(
        months
            .iter()
            .all(|m| m["positive"] == 0 && m["negative"] == 0 && m["net"] == 0)
    );
    assert_eq!(body["lead_sources"], json!({"total": 0, "sources": []}));
    assert_eq!(body["acquisition_cost"]["allotted"], "0.00");
    assert_eq!(body["acquisition_cost"]["sources"], json!([]));
    assert_eq!(
        body["acquisition_cost"]["weekdays"]
            .as_array()
            .unwrap()
            .len(),
        7
    );
    // The default pipeline's four open stages and Won, nothing reached.
    let funnel: Vec<_> = body["sales_funnel"]["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap(),
                s["reached"].as_i64().unwrap(),
                s["conversion_pct"].as_f64().unwrap(),
                s["lost_pct"].as_f64().unwrap(),
                s["this_month_pct"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        funnel,
        [
            ("Contact", 0, 0.0, 0.0, 0.0),
            ("MQL", 0, 0.0, 0.0, 0.0),
            ("SQL", 0, 0.0, 0.0, 0.0),
            ("Opportunity", 0, 0.0, 0.0, 0.0),
            ("Won", 0, 0.0, 0.0, 0.0),
        ]
    );
    let points = body["lifetime_value"]["points"].as_array().unwrap();
    assert_eq!(points.len(), 30);
    assert_eq!(
        points[29],
        json!({"date": "2026-11-26", "revenue": "0.00", "spend": "0.00", "customers": 0,
               "ltv": "0.00", "cac": "0.00", "ratio": 0.0})
    );
    let days = body["active_users"]["points"].as_array().unwrap();
    assert_eq!(days.len(), 15);
    assert!(
        days.iter()
            .all(|d| d["total"] == 0 && d["engaged_contacts"] == 0)
    );
}

async fn a_range_without_deals_gets_zeros(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    // January 2025: before every row of the scenario but d10 (May 2025).
    let dashboard = analytics(&store)
        .dashboard(
            fx.tenant,
            range("2025-01-01", "2025-02-01"),
            ActiveDays::default(),
        )
        .await
        .unwrap();
    let body = serde_json::to_value(&dashboard).unwrap();

    assert_eq!(
        body["kpis"]["deals_created"],
        json!({"count": 0, "previous": 0, "change_pct": null, "trend": "flat"})
    );
    assert_eq!(
        body["kpis"]["deals_closed"],
        json!({"count": 0, "previous": 0, "change_pct": null, "trend": "flat"})
    );
    // The open pipeline is "now" (d7 + d8 + d13); on 2025-01-01 nothing was open.
    assert_eq!(
        body["kpis"]["cards"][0],
        json!({"key": "open_pipeline", "title": "Open pipeline", "value": "5950.00",
               "previous": "0.00", "change_pct": null, "trend": "up", "unit": "currency"})
    );
    for card in &body["kpis"]["cards"].as_array().unwrap()[1..] {
        assert_eq!(card["change_pct"], json!(null), "{card}");
        assert_eq!(card["trend"], "flat", "{card}");
    }
    let quarters = body["revenue"]["quarters"].as_array().unwrap();
    assert_eq!(quarters[0]["label"], "2023 Q3");
    assert_eq!(quarters[6]["label"], "2025 Q1");
    assert!(
        quarters
            .iter()
            .all(|q| q["sum"] == "0.00" && q["deals"] == 0)
    );
    assert!(
        body["customer_feedback"]["months"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["positive"] == 0 && m["negative"] == 0)
    );
    assert_eq!(body["lead_sources"], json!({"total": 0, "sources": []}));
    assert_eq!(body["acquisition_cost"]["used"], "0.00");
    assert_eq!(body["acquisition_cost"]["sources"], json!([]));
    for stage in body["sales_funnel"]["stages"].as_array().unwrap() {
        assert_eq!(stage["reached"], 0, "{stage}");
        assert_eq!(stage["conversion_pct"], 0.0, "{stage}");
    }
    assert!(
        body["lifetime_value"]["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["revenue"] == "0.00" && p["customers"] == 0 && p["ratio"] == 0.0)
    );
    assert!(
        body["active_users"]["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["total"] == 0)
    );
}
