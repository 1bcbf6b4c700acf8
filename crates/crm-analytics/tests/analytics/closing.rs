//! Deals that close more than once: each counts once, at its latest win or loss.

use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, range};

crm_store::backend_tests!(a_deal_closes_once_at_its_latest_win_or_loss);

async fn a_deal_closes_once_at_its_latest_win_or_loss(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    // Won, reopened, won again: closes at its second win.
    let x = fx
        .deal(
            "Reopened",
            "Contact",
            Some("100.00"),
            None,
            None,
            "2026-11-01T00:00:00Z",
        )
        .await;
    fx.move_to(x, "Won", "2026-11-02T00:00:00Z").await;
    fx.move_to(x, "SQL", "2026-11-03T00:00:00Z").await;
    fx.move_to(x, "Won", "2026-11-10T00:00:00Z").await;
    // Won, then lost: a loss.
    let y = fx
        .deal(
            "Backed out",
            "Contact",
            Some("50.00"),
            None,
            None,
            "2026-11-01T00:00:00Z",
        )
        .await;
    fx.move_to(y, "Won", "2026-11-03T00:00:00Z").await;
    fx.move_to(y, "Lost", "2026-11-05T00:00:00Z").await;
    let analytics = analytics(&store);

    let kpis = serde_json::to_value(
        analytics
            .kpis(fx.tenant, range("2026-11-01", "2026-11-15"))
            .await
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        kpis["deals_closed"],
        json!({"count": 2, "previous": 0, "change_pct": null, "trend": "up"})
    );
    let values: Vec<_> = kpis["cards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["value"].clone())
        .collect();
    // Open pipeline, won revenue (x only), win rate 1 of 2, no contacts, x's 9 days.
    assert_eq!(
        values,
        [
            json!("0.00"),
            json!("100.00"),
            json!(50.0),
            json!(0),
            json!(9.0)
        ]
    );

    // Before either deal's latest closing, neither counts, though both were won once.
    let early = analytics
        .kpis(fx.tenant, range("2026-11-01", "2026-11-04"))
        .await
        .unwrap();
    assert_eq!(early.deals_closed.count, 0);
    assert_eq!(
        serde_json::to_value(&early.cards[1].value).unwrap(),
        json!("0.00")
    );

    let revenue = analytics
        .revenue(fx.tenant, range("2026-11-01", "2026-11-15"))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(revenue.quarters.last().unwrap()).unwrap(),
        json!({"label": "2026 Q4", "p25": "100.00", "p50": "100.00", "p75": "100.00",
               "sum": "100.00", "deals": 1})
    );

    // Both reached Won; y was lost after it, and the last open stage before its loss was
    // Contact (Won is not open).
    let funnel = analytics
        .sales_funnel(fx.tenant, range("2026-11-01", "2026-11-15"))
        .await
        .unwrap();
    let rows: Vec<_> = funnel
        .stages
        .iter()
        .map(|s| {
            (
                s.stage.as_str(),
                s.reached,
                s.lost,
                s.lost_pct,
                s.conversion_pct,
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Contact", 2, 1, 50.0, 100.0),
            ("MQL", 2, 0, 0.0, 100.0),
            ("SQL", 2, 0, 0.0, 100.0),
            ("Opportunity", 2, 0, 0.0, 100.0),
            ("Won", 2, 0, 0.0, 100.0),
        ]
    );
}
