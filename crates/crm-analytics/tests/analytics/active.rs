//! Active engagement: activities per type and engaged contacts per day.

use crm_analytics::ActiveDays;
use crm_store::Store;
use serde_json::json;

use crate::fixtures::{Fx, analytics, day, range};
use crate::scenario;

crm_store::backend_tests!(active_users_count_activities_per_type_and_day);

async fn active_users_count_activities_per_type_and_day(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    scenario::build(&fx).await;
    let analytics = analytics(&store);
    let r = range("2026-10-28", "2026-11-27");

    let fifteen = analytics
        .active_users(fx.tenant, r, ActiveDays::default())
        .await
        .unwrap();
    assert_eq!(fifteen.days, 15);
    assert_eq!(fifteen.points.len(), 15);
    assert_eq!(fifteen.points[0].date, day("2026-11-12"));
    assert_eq!(fifteen.points[14].date, day("2026-11-26"));
    let busy: Vec<serde_json::Value> = fifteen
        .points
        .iter()
        .filter(|p| p.total > 0)
        .map(|p| serde_json::to_value(p).unwrap())
        .collect();
    let counts = |call, note, task, stage_change| {
        json!({"call": call, "email": 0, "meeting": 0, "note": note, "task": task,
               "stage_change": stage_change})
    };
    assert_eq!(
        busy,
        [
            // d4 won (no contact).
            json!({"date": "2026-11-20", "counts": counts(0, 0, 0, 1), "total": 1,
                   "engaged_contacts": 0}),
            // d7 moved, a task and a note: all with c4.
            json!({"date": "2026-11-21", "counts": counts(0, 1, 1, 1), "total": 3,
                   "engaged_contacts": 1}),
            // A call on d13, which has no contact.
            json!({"date": "2026-11-25", "counts": counts(1, 0, 0, 0), "total": 1,
                   "engaged_contacts": 0}),
            json!({"date": "2026-11-26", "counts": counts(1, 0, 0, 0), "total": 1,
                   "engaged_contacts": 1}),
        ]
    );

    let seven = analytics
        .active_users(fx.tenant, r, ActiveDays::new(7).unwrap())
        .await
        .unwrap();
    assert_eq!(seven.points.len(), 7);
    assert_eq!(seven.points[0].date, day("2026-11-20"));
    assert_eq!(seven.points.iter().map(|p| p.total).sum::<i64>(), 6);

    // Thirty days reach back to 10-28: d13's move (10-31) and the November sentiment
    // activities join in.
    let thirty = analytics
        .active_users(fx.tenant, r, ActiveDays::new(30).unwrap())
        .await
        .unwrap();
    assert_eq!(thirty.points.len(), 30);
    assert_eq!(thirty.points[0].date, day("2026-10-28"));
    let totals: Vec<(String, i64, i64)> = thirty
        .points
        .iter()
        .filter(|p| p.total > 0)
        .map(|p| (p.date.to_string(), p.total, p.engaged_contacts))
        .collect();
    assert_eq!(
        totals,
        [
            ("2026-10-31".to_owned(), 1, 0),
            ("2026-11-02".to_owned(), 1, 1),
            ("2026-11-03".to_owned(), 1, 1),
            ("2026-11-04".to_owned(), 2, 1),
            ("2026-11-05".to_owned(), 2, 2),
            ("2026-11-06".to_owned(), 2, 1),
            ("2026-11-10".to_owned(), 1, 1),
            ("2026-11-20".to_owned(), 1, 0),
            ("2026-11-21".to_owned(), 3, 1),
            ("2026-11-25".to_owned(), 1, 0),
            ("2026-11-26".to_owned(), 1, 1),
        ]
    );
}
