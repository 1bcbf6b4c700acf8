//! The demo data set, seeded into a fresh database of each backend: a temporary SQLite file
//! always, and a new PostgreSQL database when `TEST_DATABASE_URL` names a server, e.g.
//! `TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres cargo test -p seed`.

// Helpers of a test binary are test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;

use argon2::{Argon2, PasswordHash, PasswordVerifier};
use chrono::{Datelike, Duration, Months, NaiveDate, Utc};
use crm_analytics::Analytics;
use crm_domain::{ActivityMetadata, ActivityType, Services, StageKind, Tenant};
use crm_store::entity::{
    activities, companies, contacts, deal_collaborators, deal_stage_changes, deals,
    marketing_spend, pipeline_stages, users,
};
use crm_store::{Store, StoreConfig};
use sea_orm::{
    ColumnTrait, ConnectionTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
};
use seed::{DEMO_USERS, SeedReport, seed_demo};
use uuid::Uuid;

#[tokio::test]
async fn seeding_sqlite_gives_a_full_rerunnable_demo() {
    let path = std::env::temp_dir().join(format!("seed-{}.db", Uuid::new_v4().simple()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&StoreConfig::new(url)).await.unwrap();
    store.migrate().await.unwrap();
    let outcome = tokio::spawn(exercise(store)).await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

#[tokio::test]
async fn seeding_postgres_gives_a_full_rerunnable_demo() {
    let Ok(admin_url) = std::env::var("TEST_DATABASE_URL") else {
        eprintln!("note: TEST_DATABASE_URL is unset, so the PostgreSQL case did not run");
        return;
    };
    let name = format!("seed_{}", Uuid::new_v4().simple());
    let admin = Database::connect(admin_url.as_str()).await.unwrap();
    admin
        .execute_unprepared(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let store = Store::connect(&StoreConfig::new(database_url(&admin_url, &name)))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let outcome = tokio::spawn(exercise(store)).await;
    admin
        .execute_unprepared(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .await
        .unwrap();
    if let Err(err) = outcome {
        std::panic::resume_unwind(err.into_panic());
    }
}

/// `url` with its database name replaced by `name`.
fn database_url(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let (server, _) = base.rsplit_once('/').unwrap();
    match query {
        Some(query) => format!("{server}/{name}?{query}"),
        None => format!("{server}/{name}"),
    }
}

/// Seeds, checks the data, seeds again (nothing happens), resets (the same counts again).
async fn exercise(store: Store) {
    let report = timed("first seeding", seed_demo(&store, false)).await;
    assert!(!report.already_seeded && !report.reset);
    assert_eq!(report.users, DEMO_USERS.len());
    eprintln!("{report}");
    let counts = table_counts(&store).await;
    eprintln!("rows per table: {counts:?}");

    check_minimums(&store, &report, &counts).await;
    check_passwords(&store).await;
    for demo in DEMO_USERS {
        let user = user_id(&store, demo.email).await;
        check_pipeline(&store, user).await;
        check_timelines(&store, user).await;
        check_activities(&store, user, demo.email == DEMO_USERS[0].email).await;
        check_spend(&store, user).await;
    }

    let again = timed("second seeding", seed_demo(&store, false)).await;
    assert!(again.already_seeded, "{again:?}");
    assert_eq!(again.users, 0);
    assert_eq!(
        table_counts(&store).await,
        counts,
        "seeding twice duplicated rows"
    );

    let reset = timed("reset", seed_demo(&store, true)).await;
    assert!(reset.reset && !reset.already_seeded);
    let total: u64 = counts.values().sum();
    assert_eq!(reset.deleted_rows, total);
    assert_eq!(
        table_counts(&store).await,
        counts,
        "a reset re-seeds the same shape"
    );
    assert_eq!(reset.per_user, report.per_user);
    store.close().await.unwrap();
}

async fn timed(
    what: &str,
    run: impl Future<Output = Result<SeedReport, seed::SeedError>>,
) -> SeedReport {
    let started = std::time::Instant::now();
    let report = run.await.unwrap();
    eprintln!("{what}: {} ms", started.elapsed().as_millis());
    report
}

async fn table_counts(store: &Store) -> BTreeMap<&'static str, u64> {
    let db = store.connection();
    BTreeMap::from([
        ("users", users::Entity::find().count(db).await.unwrap()),
        (
            "companies",
            companies::Entity::find().count(db).await.unwrap(),
        ),
        (
            "pipeline_stages",
            pipeline_stages::Entity::find().count(db).await.unwrap(),
        ),
        (
            "contacts",
            contacts::Entity::find().count(db).await.unwrap(),
        ),
        ("deals", deals::Entity::find().count(db).await.unwrap()),
        (
            "deal_stage_changes",
            deal_stage_changes::Entity::find().count(db).await.unwrap(),
        ),
        (
            "deal_collaborators",
            deal_collaborators::Entity::find().count(db).await.unwrap(),
        ),
        (
            "activities",
            activities::Entity::find().count(db).await.unwrap(),
        ),
        (
            "marketing_spend",
            marketing_spend::Entity::find().count(db).await.unwrap(),
        ),
    ])
}

async fn user_id(store: &Store, email: &str) -> Uuid {
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(store.connection())
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn check_minimums(store: &Store, report: &SeedReport, counts: &BTreeMap<&str, u64>) {
    assert_eq!(counts["users"], 3);
    assert!(counts["companies"] >= 9);
    assert!(counts["contacts"] >= 30);
    assert!(counts["deals"] >= 50);
    assert!(counts["activities"] >= 100);
    assert!(counts["deal_collaborators"] > 0);
    assert_eq!(counts["marketing_spend"], 3 * 30 * 10);
    assert_eq!(report.contacts() as u64, counts["contacts"]);
    assert_eq!(report.deals() as u64, counts["deals"]);
    let logged_and_moves: usize = report
        .per_user
        .iter()
        .map(|u| u.activities + u.stage_change_activities)
        .sum();
    assert_eq!(logged_and_moves as u64, counts["activities"]);
    let changes: usize = report.per_user.iter().map(|u| u.stage_changes).sum();
    assert_eq!(changes as u64, counts["deal_stage_changes"]);

    // The first demo user alone meets the minimums and has the most; everyone has some.
    let db = store.connection();
    let mut per_user = Vec::new();
    for demo in DEMO_USERS {
        let user = user_id(store, demo.email).await;
        let contacts = contacts::Entity::find()
            .filter(contacts::Column::UserId.eq(user))
            .count(db)
            .await
            .unwrap();
        let deals = deals::Entity::find()
            .filter(deals::Column::UserId.eq(user))
            .count(db)
            .await
            .unwrap();
        let logged = activities::Entity::find()
            .filter(activities::Column::UserId.eq(user))
            .filter(activities::Column::Kind.ne("stage_change"))
            .count(db)
            .await
            .unwrap();
        assert!(contacts > 0 && deals > 0 && logged > 0, "{}", demo.email);
        per_user.push((contacts, deals, logged));
    }
    let (contacts, deals, logged) = per_user[0];
    assert!(
        contacts >= 30 && deals >= 50 && logged >= 100,
        "{per_user:?}"
    );
    assert!(
        per_user[1..]
            .iter()
            .all(|u| u.0 < contacts && u.1 < deals && u.2 < logged)
    );
}

async fn check_passwords(store: &Store) {
    let services = Services::new(store.repositories());
    for demo in DEMO_USERS {
        assert!(demo.password.len() >= 8);
        let credentials = services
            .repos()
            .users
            .credentials(demo.email)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(credentials.user.display_name, demo.display_name);
        let hash = credentials.password_hash.unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        let parsed = PasswordHash::new(&hash).unwrap();
        Argon2::default()
            .verify_password(demo.password.as_bytes(), &parsed)
            .unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"wrong-password", &parsed)
                .is_err()
        );
    }
}

/// Every stage holds deals, positions are 0..n-1 per column, won and lost deals exist.
async fn check_pipeline(store: &Store, user: Uuid) {
    let db = store.connection();
    let stages = pipeline_stages::Entity::find()
        .filter(pipeline_stages::Column::UserId.eq(user))
        .all(db)
        .await
        .unwrap();
    assert_eq!(stages.len(), 6);
    let deals = deals::Entity::find()
        .filter(deals::Column::UserId.eq(user))
        .all(db)
        .await
        .unwrap();
    for stage in &stages {
        let mut orders: Vec<i32> = deals
            .iter()
            .filter(|d| d.stage_id == stage.id)
            .map(|d| d.stage_order)
            .collect();
        assert!(!orders.is_empty(), "stage {} has no deals", stage.name);
        orders.sort_unstable();
        assert_eq!(orders, (0..orders.len() as i32).collect::<Vec<_>>());
    }
    for kind in [StageKind::Won, StageKind::Lost] {
        let ids: BTreeSet<Uuid> = stages
            .iter()
            .filter(|s| s.kind == kind.as_str())
            .map(|s| s.id)
            .collect();
        assert!(
            deals.iter().any(|d| ids.contains(&d.stage_id)),
            "no {kind} deals"
        );
    }
    let won: BTreeSet<Uuid> = stages
        .iter()
        .filter(|s| s.kind == "won")
        .map(|s| s.id)
        .collect();
    for deal in &deals {
        assert!(deal.amount_cents.is_some_and(|c| c > 0));
        assert!(deal.close_date.is_some());
        if won.contains(&deal.stage_id) {
            assert_eq!(deal.progress, 100);
        }
    }
    assert!(deals.iter().any(|d| d.contact_id.is_some()));
    assert!(deals.iter().any(|d| d.company_id.is_some()));
}

/// Each deal's history starts at its creation, moves forward in time (a day or more between
/// moves), ends in its current stage some days before now, lies within the last ~9 months,
/// and has one `stage_change` activity per move; the deal page shows those days in stage.
async fn check_timelines(store: &Store, user: Uuid) {
    let db = store.connection();
    let now = Utc::now();
    let analytics = Analytics::new(store.clone()).at(now);
    let mut days_in_stage = BTreeSet::new();
    let deals = deals::Entity::find()
        .filter(deals::Column::UserId.eq(user))
        .all(db)
        .await
        .unwrap();
    let mut moved = 0;
    let mut created_months = BTreeSet::new();
    for deal in &deals {
        created_months.insert((deal.create_date.year(), deal.create_date.month()));
        let history = deal_stage_changes::Entity::find()
            .filter(deal_stage_changes::Column::UserId.eq(user))
            .filter(deal_stage_changes::Column::DealId.eq(deal.id))
            .order_by_asc(deal_stage_changes::Column::ChangedAt)
            .all(db)
            .await
            .unwrap();
        assert!(!history.is_empty());
        assert!(history[0].from_stage_id.is_none());
        assert_eq!(history[0].changed_at, deal.create_date);
        assert!(deal.create_date > now - Duration::days(280) && deal.create_date < now);
        for pair in history.windows(2) {
            assert!(
                pair[1].changed_at - pair[0].changed_at >= Duration::days(1),
                "{pair:?}"
            );
            assert_eq!(pair[1].from_stage_id, Some(pair[0].to_stage_id));
        }
        let last = history.last().unwrap();
        assert_eq!(last.to_stage_id, deal.stage_id);
        assert_eq!(deal.last_update, last.changed_at);
        assert!(last.changed_at <= now - Duration::days(2), "{last:?}");
        let shown = analytics
            .deal_analytics(Tenant::new(user), deal.id)
            .await
            .unwrap()
            .activity_summary
            .days_in_stage;
        assert_eq!(
            shown,
            (now - last.changed_at).num_days(),
            "days in stage of {}",
            deal.name
        );
        let age = (now - deal.create_date).num_days();
        assert!(
            (2..=age).contains(&shown),
            "{}: {shown} days in stage, created {age} days ago",
            deal.name
        );
        days_in_stage.insert(shown);
        let moves: BTreeSet<_> = history[1..].iter().map(|h| h.changed_at).collect();
        let entries: BTreeSet<_> = activities::Entity::find()
            .filter(activities::Column::UserId.eq(user))
            .filter(activities::Column::DealId.eq(deal.id))
            .filter(activities::Column::Kind.eq("stage_change"))
            .all(db)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.created_at)
            .collect();
        assert_eq!(entries, moves, "stage_change activities of {}", deal.name);
        moved += history.len() - 1;
    }
    assert!(moved > deals.len(), "deals barely move");
    assert!(
        days_in_stage.len() * 3 >= deals.len(),
        "days in stage hardly vary: {days_in_stage:?} over {} deals",
        deals.len()
    );
    assert!(
        created_months.len() >= 5,
        "deals created in {created_months:?}"
    );
}

/// Every type is logged, calls/e-mails/meetings carry each sentiment, and the 13 calendar
/// months of the feedback chart plus the last 30 days all have activity.
async fn check_activities(store: &Store, user: Uuid, first: bool) {
    let db = store.connection();
    let now = Utc::now();
    let rows = activities::Entity::find()
        .filter(activities::Column::UserId.eq(user))
        .filter(activities::Column::Kind.ne("stage_change"))
        .all(db)
        .await
        .unwrap();
    let mut sentiments: BTreeMap<ActivityType, BTreeSet<String>> = BTreeMap::new();
    let mut months_with_feedback = BTreeSet::new();
    let mut kinds = BTreeSet::new();
    for row in &rows {
        assert!(row.contact_id.is_some() || row.deal_id.is_some());
        assert!(row.created_at <= now);
        let kind: ActivityType = row.kind.parse().unwrap();
        kinds.insert(kind);
        let metadata = ActivityMetadata::parse(kind, row.metadata.clone()).unwrap();
        if let Some(sentiment) = metadata.sentiment() {
            sentiments
                .entry(kind)
                .or_default()
                .insert(sentiment.to_string());
            months_with_feedback.insert((row.created_at.year(), row.created_at.month()));
        }
    }
    assert_eq!(kinds.len(), 5, "{kinds:?}");
    if !first {
        return;
    }
    for kind in [
        ActivityType::Call,
        ActivityType::Email,
        ActivityType::Meeting,
    ] {
        assert_eq!(
            sentiments.get(&kind).map(BTreeSet::len),
            Some(3),
            "{kind}: {sentiments:?}"
        );
    }
    let this_month = NaiveDate::from_ymd_opt(now.year(), now.month(), 1).unwrap();
    for back in 0..13 {
        let month = this_month - Months::new(back);
        assert!(
            months_with_feedback.contains(&(month.year(), month.month())),
            "no feedback in {month}"
        );
    }
    let recent = rows
        .iter()
        .filter(|a| a.created_at > now - Duration::days(30))
        .count();
    assert!(recent >= 50, "{recent} activities in the last 30 days");
}

async fn check_spend(store: &Store, user: Uuid) {
    let rows = marketing_spend::Entity::find()
        .filter(marketing_spend::Column::UserId.eq(user))
        .all(store.connection())
        .await
        .unwrap();
    assert_eq!(rows.len(), 300);
    let today = Utc::now().date_naive();
    let days: BTreeSet<_> = rows.iter().map(|r| r.spent_on).collect();
    assert_eq!(days.len(), 30);
    assert_eq!(days.last(), Some(&today));
    assert_eq!(days.first(), Some(&(today - Duration::days(29))));
    assert!(
        rows.iter()
            .all(|r| r.allotted_cents > 0 && r.used_cents > 0)
    );
}
