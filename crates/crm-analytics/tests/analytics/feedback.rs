//! Customer feedback: positive and negative activities per month.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(feedback_counts_sentiment_per_month_for_thirteen_months);

async fn feedback_counts_sentiment_per_month_for_thirteen_months(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;

    let feedback = analytics(&store)
        .customer_feedback(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();

    let months: Vec<serde_json::Value> = feedback
        .months
        .iter()
        .map(|m| serde_json::to_value(m).unwrap())
        .collect();
    assert_eq!(months.len(), 13);
    let zero = |month: &str| json!({"month": month, "positive": 0, "negative": 0, "net": 0});
    assert_eq!(
        months,
        [
            // 2025-11-30 23:59 positive e-mail; the call of 2025-10-31 is before the window.
            json!({"month": "2025-11", "positive": 1, "negative": 0, "net": 1}),
            zero("2025-12"),
            zero("2026-01"),
            zero("2026-02"),
            zero("2026-03"),
            zero("2026-04"),
            zero("2026-05"),
            zero("2026-06"),
            zero("2026-07"),
            zero("2026-08"),
            zero("2026-09"),
            json!({"month": "2026-10", "positive": 1, "negative": 0, "net": 1}),
            // A neutral call and a note without sentiment count for nothing.
            json!({"month": "2026-11", "positive": 1, "negative": 1, "net": 0}),
        ]
    );
}
