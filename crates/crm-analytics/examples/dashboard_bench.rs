//! Times the full dashboard for one user holding 10,000 deals and 100,000 activities (the
//! scale target of `analytics.md`) and prints the plans of its statements.
//!
//! ```text
//! cargo run --release -p crm-analytics --example dashboard_bench -- <database-url> [runs]
//! ```
//!
//! The database is migrated, then a fresh user `bench-<uuid>@example.com` gets deterministic
//! data written in batches straight into the tables (as the migration owner; no HTTP, no
//! services): 2,000 contacts, 10,000 deals over two years with their stage history (a
//! seventh each left in Contact, MQL, SQL, Opportunity, lost from MQL, and two sevenths won
//! via MQL and SQL), 100,000 activities (a third of them with a sentiment), and two years of
//! spend on five sources. On PostgreSQL the tables are then vacuumed and analysed, as autovacuum would;
//! SQLite is left without statistics, as the application leaves it. Each run reads the
//! dashboard for the 30 days ending 2026-11-26 (and once for 365 days); the plans are printed
//! once, then the timings (p50 / p95 / p99 / max) of `runs` runs (default 50).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, TimeZone, Utc};
use crm_analytics::{ActiveDays, Analytics, DateRange, ExplainOptions};
use crm_domain::{NewUser, Services, Tenant};
use crm_store::entity::{activities, contacts, deal_stage_changes, deals, marketing_spend};
use crm_store::{Store, StoreConfig};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbBackend, EntityTrait};
use serde_json::json;
use uuid::Uuid;

const CONTACTS: usize = 2_000;
const DEALS: usize = 10_000;
const ACTIVITIES: usize = 100_000;
const SOURCES: [&str; 5] = [
    "organic_search",
    "paid_ads",
    "social_media",
    "referral",
    "webinar",
];

/// A tiny deterministic generator (no dependency, same data on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

fn end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 26, 18, 0, 0).unwrap()
}

fn before(rng: &mut Lcg, days: u64) -> DateTime<Utc> {
    end() - chrono::Duration::minutes(i64::try_from(rng.next(days * 24 * 60)).unwrap())
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let url = args
        .next()
        .expect("usage: dashboard_bench <database-url> [runs]");
    let runs: usize = args.next().map_or(50, |r| r.parse().expect("runs"));
    let store = Store::connect(&StoreConfig::new(url))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");

    let started = Instant::now();
    let tenant = generate(&store).await;
    println!("generated in {:.1} s", started.elapsed().as_secs_f64());
    if store.backend() == DbBackend::Postgres {
        store
            .connection()
            .execute_unprepared("VACUUM ANALYZE")
            .await
            .expect("analyze");
    }

    let analytics = Analytics::new(store.clone()).at(end());
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).unwrap();
    let month = DateRange::last_30_days(today);
    let deal: Uuid = {
        let row = store
            .connection()
            .query_one_raw(sea_orm::Statement::from_sql_and_values(
                store.backend(),
                if store.backend() == DbBackend::Postgres {
                    "SELECT id FROM deals WHERE user_id = $1 LIMIT 1"
                } else {
                    "SELECT id FROM deals WHERE user_id = ?1 LIMIT 1"
                },
                [tenant.user_id.into()],
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get("", "id").unwrap()
    };
    for plan in analytics
        .explain(
            tenant,
            month,
            ActiveDays::default(),
            deal,
            ExplainOptions {
                discourage_seq_scans: false,
                analyze: true,
            },
        )
        .await
        .expect("explain")
    {
        println!("== {}\n{}\n", plan.widget, plan.plan);
    }

    let year = DateRange::new(
        today.checked_sub_days(Days::new(364)).unwrap(),
        today.checked_add_days(Days::new(1)).unwrap(),
    )
    .unwrap();
    for (name, range) in [("30 days", month), ("365 days", year)] {
        let mut widgets = Vec::new();
        macro_rules! time {
            ($label:literal, $call:expr) => {{
                let t = Instant::now();
                $call.await.expect($label);
                widgets.push(format!(
                    "{} {:.1} ms",
                    $label,
                    t.elapsed().as_secs_f64() * 1e3
                ));
            }};
        }
        time!("kpis", analytics.kpis(tenant, range));
        time!("revenue", analytics.revenue(tenant, range));
        time!(
            "customer_feedback",
            analytics.customer_feedback(tenant, range)
        );
        time!("lead_sources", analytics.lead_sources(tenant, range));
        time!(
            "acquisition_cost",
            analytics.acquisition_cost(tenant, range)
        );
        time!("sales_funnel", analytics.sales_funnel(tenant, range));
        time!("lifetime_value", analytics.lifetime_value(tenant, range));
        time!(
            "active_users",
            analytics.active_users(tenant, range, ActiveDays::default())
        );
        println!("{name}, one run each: {}", widgets.join(", "));
        // Warm the pool and the caches.
        analytics
            .dashboard(tenant, range, ActiveDays::default())
            .await
            .expect("dashboard");
        let mut times: Vec<Duration> = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            analytics
                .dashboard(tenant, range, ActiveDays::default())
                .await
                .expect("dashboard");
            times.push(t.elapsed());
        }
        times.sort();
        let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "{:?} dashboard, {name}: p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({runs} runs)",
            store.backend(),
            at(0.5).as_secs_f64() * 1e3,
            at(0.95).as_secs_f64() * 1e3,
            at(0.99).as_secs_f64() * 1e3,
            at(1.0).as_secs_f64() * 1e3,
        );
    }
    let t = Instant::now();
    analytics.deal_analytics(tenant, deal).await.expect("deal");
    println!("deal analytics: {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
}

async fn generate(store: &Store) -> Tenant {
    let services = Services::new(store.repositories());
    let id = Uuid::now_v7();
    let user = NewUser::new(
        id,
        &format!("bench-{}@example.com", id.simple()),
        None,
        None,
    )
    .expect("user");
    let user = services.register(user).await.expect("register");
    let tenant = Tenant::new(user.id);
    let stages = services.repos().stages.list(tenant).await.expect("stages");
    let stage = |name: &str| {
        stages
            .iter()
            .find(|s| s.name == name)
            .expect("stage")
            .clone()
    };
    let db = store.connection();
    let mut rng = Lcg(42);

    let mut contact_ids = Vec::with_capacity(CONTACTS);
    let mut batch = Vec::new();
    for i in 0..CONTACTS {
        let id = Uuid::now_v7();
        contact_ids.push(id);
        let at = before(&mut rng, 730);
        batch.push(contacts::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(id),
            first_name: Set(format!("First{i}")),
            last_name: Set(format!("Last{i}")),
            email: Set(Some(format!("c{i}@bench.example"))),
            phone: Set(None),
            title: Set(None),
            company_id: Set(None),
            lead_source: Set((i % 11 < 10).then(|| SOURCES[i % 5].to_owned())),
            lead_status: Set(None),
            contact_owner_id: Set(None),
            created_by: Set(tenant.user_id),
            avatar_url: Set(None),
            linkedin_url: Set(None),
            notes: Set(None),
            created_at: Set(at),
            updated_at: Set(at),
        });
        if batch.len() == 1000 {
            contacts::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await
                .expect("contacts");
        }
    }
    if !batch.is_empty() {
        contacts::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await
            .expect("contacts");
    }

    let (contact, mql, sql, opportunity, won, lost) = (
        stage("Contact"),
        stage("MQL"),
        stage("SQL"),
        stage("Opportunity"),
        stage("Won"),
        stage("Lost"),
    );
    let mut deal_ids = Vec::with_capacity(DEALS);
    let mut orders = std::collections::HashMap::new();
    let (mut deal_batch, mut history_batch) = (Vec::new(), Vec::new());
    for i in 0..DEALS {
        let id = Uuid::now_v7();
        deal_ids.push(id);
        let created = before(&mut rng, 730);
        let path: Vec<_> = match i % 7 {
            0 => vec![&contact],
            1 => vec![&contact, &mql],
            2 => vec![&contact, &mql, &sql],
            3 => vec![&contact, &mql, &sql, &opportunity],
            4 | 5 => vec![&contact, &mql, &sql, &won],
            _ => vec![&contact, &mql, &lost],
        };
        let mut at = created;
        let mut from: Option<&crm_domain::PipelineStage> = None;
        for step in &path {
            history_batch.push(deal_stage_changes::ActiveModel {
                user_id: Set(tenant.user_id),
                id: Set(Uuid::now_v7()),
                deal_id: Set(id),
                from_stage_id: Set(from.map(|s| s.id)),
                to_stage_id: Set(step.id),
                from_stage: Set(from.map(|s| s.name.clone())),
                to_stage: Set(step.name.clone()),
                to_kind: Set(step.kind.as_str().to_owned()),
                changed_by: Set(Some(tenant.user_id)),
                changed_at: Set(at),
            });
            from = Some(step);
            at += chrono::Duration::hours(i64::try_from(1 + rng.next(24 * 20)).unwrap());
        }
        let current = path.last().expect("path");
        let order = orders.entry(current.id).or_insert(0i32);
        deal_batch.push(deals::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(id),
            name: Set(format!("Deal {i}")),
            description: Set(None),
            amount_cents: Set(
                (i % 13 != 0).then(|| i64::try_from(1_000 + rng.next(5_000_000)).unwrap())
            ),
            stage_id: Set(current.id),
            stage_order: Set(*order),
            priority: Set("medium".to_owned()),
            progress: Set(0),
            owner_id: Set(Some(tenant.user_id)),
            close_date: Set(None),
            create_date: Set(created),
            last_update: Set(at),
            created_by: Set(tenant.user_id),
            contact_id: Set(Some(contact_ids[i % CONTACTS])),
            company_id: Set(None),
        });
        *order += 1;
        if deal_batch.len() == 500 {
            deals::Entity::insert_many(std::mem::take(&mut deal_batch))
                .exec_without_returning(db)
                .await
                .expect("deals");
            deal_stage_changes::Entity::insert_many(std::mem::take(&mut history_batch))
                .exec_without_returning(db)
                .await
                .expect("history");
        }
    }
    if !deal_batch.is_empty() {
        deals::Entity::insert_many(deal_batch)
            .exec_without_returning(db)
            .await
            .expect("deals");
        deal_stage_changes::Entity::insert_many(history_batch)
            .exec_without_returning(db)
            .await
            .expect("history");
    }

    let kinds = ["call", "email", "meeting", "note", "task"];
    let sentiments = ["positive", "negative", "neutral"];
    let mut batch = Vec::new();
    for i in 0..ACTIVITIES {
        let kind = kinds[i % 5];
        let metadata = match (kind, rng.next(5)) {
            ("call" | "email" | "meeting", s) if s < 3 => {
                json!({"sentiment": sentiments[s as usize]})
            }
            _ => json!({}),
        };
        let at = before(&mut rng, 730);
        batch.push(activities::ActiveModel {
            user_id: Set(tenant.user_id),
            id: Set(Uuid::now_v7()),
            kind: Set(kind.to_owned()),
            contact_id: Set(Some(contact_ids[i % CONTACTS])),
            deal_id: Set((i % 2 == 0).then(|| deal_ids[i % DEALS])),
            subject: Set(Some(format!("{kind} {i}"))),
            description: Set(None),
            metadata: Set(metadata),
            created_by: Set(tenant.user_id),
            created_at: Set(at),
            updated_at: Set(at),
        });
        if batch.len() == 1000 {
            activities::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await
                .expect("activities");
        }
    }
    if !batch.is_empty() {
        activities::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await
            .expect("activities");
    }

    let mut batch = Vec::new();
    let first = end().date_naive().checked_sub_days(Days::new(730)).unwrap();
    for day in 0..730u64 {
        for source in SOURCES {
            let allotted = i64::try_from(10_000 + rng.next(100_000)).unwrap();
            batch.push(marketing_spend::ActiveModel {
                user_id: Set(tenant.user_id),
                id: Set(Uuid::now_v7()),
                spent_on: Set(first.checked_add_days(Days::new(day)).unwrap()),
                lead_source: Set(source.to_owned()),
                allotted_cents: Set(allotted),
                used_cents: Set(allotted - i64::try_from(rng.next(10_000)).unwrap()),
                created_at: Set(end()),
            });
        }
        if batch.len() >= 1000 {
            marketing_spend::Entity::insert_many(std::mem::take(&mut batch))
                .exec_without_returning(db)
                .await
                .expect("spend");
        }
    }
    if !batch.is_empty() {
        marketing_spend::Entity::insert_many(batch)
            .exec_without_returning(db)
            .await
            .expect("spend");
    }
    tenant
}
