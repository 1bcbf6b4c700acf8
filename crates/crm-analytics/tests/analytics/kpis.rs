//! Greeting counters and KPI cards, against the previous period.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(kpis_compare_the_range_with_the_previous_one);

async fn kpis_compare_the_range_with_the_previous_one(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    let kpis = analytics(&store)
        .kpis(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();

    assert_eq!(
        serde_json::to_value(&kpis).unwrap(),
        json!({
            "range": {"from": "2026-10-28", "to": "2026-11-27"},
            "previous_range": {"from": "2026-09-28", "to": "2026-10-28"},
            // Created: d2 d3 d4 d7 d13 against d1 d5 d6.
            "deals_created": {"count": 5, "previous": 3, "change_pct": 66.7, "trend": "up"},
            // Closed: d1 d2 d4 won, d3 lost against d5 won, d6 lost (23:59:59 before R).
            "deals_closed": {"count": 4, "previous": 2, "change_pct": 100.0, "trend": "up"},
            "cards": [
                {
                    // Now d7 + d8 + d13; at R's start d1 (in SQL) + d8.
                    "key": "open_pipeline", "title": "Open pipeline",
                    "value": "5950.00", "previous": "1800.00",
                    "change_pct": 230.6, "trend": "up", "unit": "currency"
                },
                {
                    // d1 + d2 + d4 (no amount) against d5.
                    "key": "won_revenue", "title": "Won revenue",
                    "value": "3500.00", "previous": "300.00",
                    "change_pct": 1066.7, "trend": "up", "unit": "currency"
                },
                {
                    "key": "win_rate", "title": "Win rate",
                    "value": 75.0, "previous": 50.0,
                    "change_pct": 50.0, "trend": "up", "unit": "percent"
                },
                {
                    // c1 c2 c3 c4 against c5.
                    "key": "new_contacts", "title": "New contacts",
                    "value": 4, "previous": 1,
                    "change_pct": 300.0, "trend": "up", "unit": "count"
                },
                {
                    // (32 + 9 + 15) / 3 days against d5's 5 days.
                    "key": "avg_sales_cycle_days", "title": "Average sales cycle",
                    "value": 18.7, "previous": 5.0,
                    "change_pct": 274.0, "trend": "up", "unit": "days"
                }
            ]
        })
    );

    // Shifted one day back, the range starts on 10-27: d6's loss (10-27 23:59:59) moves from
    // the previous range into this one, which leaves d5's win alone in the previous range.
    let shifted = analytics(&store)
        .kpis(fx.tenant, range("2026-10-27", "2026-11-26"))
        .await
        .unwrap();
    assert_eq!(shifted.deals_closed.count, 5);
    assert_eq!(shifted.deals_closed.previous, 1);
}
