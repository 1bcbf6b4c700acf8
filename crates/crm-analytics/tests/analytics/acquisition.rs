//! Customer acquisition cost: spend per weekday and CAC per lead source.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(acquisition_cost_sums_spend_per_weekday_and_divides_by_customers);

async fn acquisition_cost_sums_spend_per_weekday_and_divides_by_customers(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    let cost = analytics(&store)
        .acquisition_cost(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();

    assert_eq!(
        serde_json::to_value(&cost).unwrap(),
        json!({
            // 10-27 (before R) and 11-27 (R's exclusive end) are left out.
            "allotted": "260.00",
            "used": "253.33",
            "weekdays": [
                // 11-02 and 11-09.
                {"weekday": "Mon", "allotted": "150.00", "used": "130.00"},
                {"weekday": "Tue", "allotted": "100.00", "used": "120.00"},
                {"weekday": "Wed", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Thu", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Fri", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Sat", "allotted": "0.00", "used": "0.00"},
                {"weekday": "Sun", "allotted": "10.00", "used": "3.33"},
            ],
            "sources": [
                // c1 won through d1 on 11-02; c3 (paid_ads) was lost.
                {"source": "paid_ads", "used": "200.00", "customers": 1, "cac": "200.00"},
                // c2 won through d2 on 11-10.
                {"source": "referral", "used": "50.00", "customers": 1, "cac": "50.00"},
                // c5 won in 2025, not in R.
                {"source": "webinar", "used": "3.33", "customers": 0, "cac": null},
            ]
        })
    );
}
