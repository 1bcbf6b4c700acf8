//! Lead sources of the contacts created in the range.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(lead_sources_group_new_contacts_with_unknown_for_none);

async fn lead_sources_group_new_contacts_with_unknown_for_none(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;
    let analytics = analytics(&store);

    let sources = analytics
        .lead_sources(fx.tenant, range("2026-10-28", "2026-11-27"))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&sources).unwrap(),
        json!({
            "total": 4,
            "sources": [
                {"source": "paid_ads", "count": 2, "pct": 50.0},
                {"source": "referral", "count": 1, "pct": 25.0},
                {"source": "unknown", "count": 1, "pct": 25.0},
            ]
        })
    );

    // c5 (webinar) alone in the previous range.
    let previous = analytics
        .lead_sources(fx.tenant, range("2026-09-28", "2026-10-28"))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&previous).unwrap(),
        json!({"total": 1, "sources": [{"source": "webinar", "count": 1, "pct": 100.0}]})
    );
}
