//! Revenue by quarter: percentiles and sums of the amounts won.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(revenue_has_percentiles_and_sums_of_seven_quarters);

fn zero(label: &str) -> serde_json::Value {
    json!({"label": label, "p25": "0.00", "p50": "0.00", "p75": "0.00", "sum": "0.00", "deals": 0})
}

async fn revenue_has_percentiles_and_sums_of_seven_quarters(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    let revenue = analytics(&store)
        .revenue(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();

    assert_eq!(
        serde_json::to_value(&revenue).unwrap(),
        json!({"quarters": [
            // d10 alone.
            {"label": "2025 Q2", "p25": "99.99", "p50": "99.99", "p75": "99.99",
             "sum": "99.99", "deals": 1},
            zero("2025 Q3"),
            zero("2025 Q4"),
            // d12 (0.01) and d9 (1234.56): 1 + p × 123455 cents, rounded to the cent.
            {"label": "2026 Q1", "p25": "308.65", "p50": "617.29", "p75": "925.92",
             "sum": "1234.57", "deals": 2},
            zero("2026 Q2"),
            zero("2026 Q3"),
            // d5 300, d1 1000, d2 2500; d4 has no amount: counted, not summed.
            {"label": "2026 Q4", "p25": "650.00", "p50": "1000.00", "p75": "1750.00",
             "sum": "3800.00", "deals": 4},
        ]})
    );

    // A calendar-year range ends in its own fourth quarter, not in an empty 2027 Q1.
    let year = analytics(&store)
        .revenue(fx.tenant, range("2026-01-01", "2027-01-01"))
        .await
        .unwrap();
    assert_eq!(year.quarters.last().unwrap().label, "2026 Q4");
    assert_eq!(year.quarters.last().unwrap().sum, "3800.00");
    assert_eq!(year.quarters.first().unwrap().label, "2025 Q2");
}
