//! Lifetime value: running revenue and spend per customer over 30 days.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(lifetime_value_accumulates_wins_spend_and_customers);

async fn lifetime_value_accumulates_wins_spend_and_customers(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    let ltv = analytics(&store)
        .lifetime_value(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();
    assert_eq!(ltv.points.len(), 30);
    let point = |i: usize| serde_json::to_value(&ltv.points[i]).unwrap();

    // Before the window: d10 (c5), d9 + d12 (Globex), d5 (Acme) = 1634.56 from 3 customers;
    // spend 999.00 (10-27).
    assert_eq!(
        point(0),
        json!({"date": "2026-10-28", "revenue": "1634.56", "spend": "999.00", "customers": 3,
               "ltv": "544.85", "cac": "333.00", "ratio": 1.64})
    );
    // d1 won for Acme, a customer already; 80.00 spent.
    assert_eq!(
        point(5),
        json!({"date": "2026-11-02", "revenue": "2634.56", "spend": "1079.00", "customers": 3,
               "ltv": "878.19", "cac": "359.67", "ratio": 2.44})
    );
    assert_eq!(
        point(6),
        json!({"date": "2026-11-03", "revenue": "2634.56", "spend": "1199.00", "customers": 3,
               "ltv": "878.19", "cac": "399.67", "ratio": 2.2})
    );
    // d2 won for c2, a contact without company: a fourth customer.
    assert_eq!(
        point(13),
        json!({"date": "2026-11-10", "revenue": "5134.56", "spend": "1249.00", "customers": 4,
               "ltv": "1283.64", "cac": "312.25", "ratio": 4.11})
    );
    // d4 (11-20) has neither amount nor customer; the 11-27 spend is after the window.
    assert_eq!(
        point(29),
        json!({"date": "2026-11-26", "revenue": "5134.56", "spend": "1252.33", "customers": 4,
               "ltv": "1283.64", "cac": "313.08", "ratio": 4.1})
    );
}
