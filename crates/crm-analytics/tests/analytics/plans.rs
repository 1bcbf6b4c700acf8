//! The queries use the indexes of `schema.md` and of the analytics migration: each statement's
//! plan names the index its filter needs, and no tenant table is read in full.
//!
//! SQLite plans by rules (the application never runs `ANALYZE`), so its plans here are the
//! plans it runs with, and each widget's expected indexes are checked by name. PostgreSQL
//! plans by cost: on a tiny test table any index with the right leading column will do, so
//! here sequential scans are discouraged (`enable_seqscan = off`) and the check is that none
//! remains, i.e. every table access has an index that serves it. Its plans at the scale of
//! the benchmark (10,000 deals, 100,000 activities), which do name the expected indexes, are
//! recorded in `docs/analytics.md` (`examples/dashboard_bench.rs` prints them).

use crm_analytics::{ActiveDays, ExplainOptions};
use crm_store::Store;
use sea_orm::DbBackend;

use crate::fixtures::{Fx, analytics, range};
use crate::scenario;

crm_store::backend_tests!(every_query_uses_an_index);

const BY_KIND: &str = "deal_stage_changes_user_id_to_kind_changed_at_idx";
const BY_DEAL: &str = "deal_stage_changes_user_id_deal_id_changed_at_idx";

async fn every_query_uses_an_index(store: Store) {
    let fx = Fx::new(&store, "ana").await;
    let s = scenario::build(&fx).await;
    let postgres = store.backend() == DbBackend::Postgres;

    let plans = analytics(&store)
        .explain(
            fx.tenant,
            range("2026-10-28", "2026-11-27"),
            ActiveDays::default(),
            s.d13,
            ExplainOptions {
                discourage_seq_scans: true,
                analyze: false,
            },
        )
        .await
        .unwrap();
    // SQLite runs one more: the revenue amounts its percentiles are interpolated from.
    assert_eq!(plans.len(), if postgres { 13 } else { 14 });

    for plan in &plans {
        for line in plan.plan.lines() {
            if postgres {
                assert!(
                    !line.contains("Seq Scan"),
                    "{}: {line}\n{}",
                    plan.widget,
                    plan.plan
                );
            } else {
                // `SCAN <table>` is a full read; subqueries and CTEs are scanned by name.
                for table in [
                    "deals",
                    "contacts",
                    "activities",
                    "deal_stage_changes",
                    "marketing_spend",
                ] {
                    assert!(
                        !line.trim_start().starts_with(&format!("SCAN {table}")),
                        "{}: {line}\n{}",
                        plan.widget,
                        plan.plan
                    );
                }
            }
        }
    }

    if postgres {
        return;
    }
    // SQLite names the index of an inline UNIQUE constraint itself.
    let spend_key = "sqlite_autoindex_marketing_spend_2";
    // The closing entries (pinned with INDEXED BY).
    let closings: &[&str] = &[BY_KIND];
    let expect = |widget: &str, indexes: &[&[&str]]| {
        let text: String = plans
            .iter()
            .filter(|p| p.widget == widget)
            .map(|p| p.plan.as_str())
            .collect::<Vec<_>>()
            .join("\n");
        for choices in indexes {
            assert!(
                choices.iter().any(|index| text.contains(index)),
                "{widget} uses none of {choices:?}:\n{text}"
            );
        }
    };
    expect(
        "kpis",
        &[
            &["deals_user_id_create_date_idx"],
            closings,
            &["contacts_user_id_created_at_idx"],
            &["deals_user_id_stage_id_stage_order_idx"],
        ],
    );
    expect("revenue", &[closings]);
    expect(
        "customer_feedback",
        &[
            &["activities_user_id_created_at_positive_idx"],
            &["activities_user_id_created_at_negative_idx"],
        ],
    );
    expect("lead_sources", &[&["contacts_user_id_created_at_idx"]]);
    expect("acquisition_cost", &[&[spend_key], closings]);
    expect(
        "sales_funnel",
        &[&["deals_user_id_create_date_idx"], &[BY_DEAL]],
    );
    expect("lifetime_value", &[closings, &[spend_key]]);
    expect("active_users", &[&["activities_user_id_created_at_idx"]]);
    expect(
        "deal_analytics",
        &[
            &["activities_user_id_deal_id_created_at_idx"],
            &["deals_user_id_company_id_idx"],
        ],
    );
}
