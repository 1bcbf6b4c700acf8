//! Sales funnel: reach by stage history, losses, and the current month's conversion.

use crm_store::Store;
use serde_json::{Value, json};

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(funnel_follows_stage_history_even_after_a_rename);

async fn funnel_follows_stage_history_even_after_a_rename(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;
    // Renamed after d1, d4 and d8 went through it: history names stages by id.
    fx.rename_stage("SQL", "Qualified").await;

    let funnel = analytics(&store)
        .sales_funnel(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();

    let stages = fx.services.repos().stages.list(fx.tenant).await.unwrap();
    let ids: Vec<_> = stages.iter().take(5).map(|s| s.id).collect();
    assert_eq!(
        funnel.stages.iter().map(|s| s.stage_id).collect::<Vec<_>>(),
        ids,
        "the open stages and the first won stage, in order"
    );

    let mut body = serde_json::to_value(&funnel).unwrap();
    for stage in body["stages"].as_array_mut().unwrap() {
        stage.as_object_mut().unwrap().remove("stage_id");
    }
    let row = |stage: &str,
               kind: &str,
               reached: i64,
               conversion: f64,
               lost: i64,
               lost_pct: f64,
               month: i64,
               month_pct: f64|
     -> Value {
        json!({"stage": stage, "kind": kind, "reached": reached, "conversion_pct": conversion,
               "lost": lost, "lost_pct": lost_pct, "this_month_reached": month,
               "this_month_pct": month_pct})
    };
    // Created in R: d2 (Contact→Won), d3 (Contact→MQL→Lost), d4 (Contact→SQL→Won),
    // d7 (Contact→Opportunity), d13 (Contact→MQL). In November (the clock's month): all but
    // d13.
    assert_eq!(
        body,
        json!({
            "month": "2026-11",
            "stages": [
                row("Contact", "open", 5, 100.0, 0, 0.0, 4, 100.0),
                row("MQL", "open", 5, 100.0, 1, 20.0, 4, 100.0),
                row("Qualified", "open", 3, 60.0, 0, 0.0, 3, 75.0),
                row("Opportunity", "open", 3, 60.0, 0, 0.0, 3, 75.0),
                row("Won", "won", 2, 40.0, 0, 0.0, 2, 50.0),
            ]
        })
    );
}
