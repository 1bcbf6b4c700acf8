//! Marketing spend: one row per day and lead source, upserted, listed by a half-open range.

use chrono::NaiveDate;
use crm_domain::{LeadSource, Money, NewMarketingSpend};
use crm_store::Store;

use crate::fixtures::{services, starting_line, user};
use crate::harness::store_tests;

store_tests! {
    marketing_spend_is_upserted_per_day_and_source_and_listed_by_range,
    concurrent_upserts_of_one_day_and_source_keep_one_row,
}

fn day(d: u32, m: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn spend(on: NaiveDate, source: LeadSource, allotted: &str, used: &str) -> NewMarketingSpend {
    NewMarketingSpend {
        spent_on: on,
        lead_source: source,
        allotted: allotted.parse().unwrap(),
        used: used.parse().unwrap(),
    }
}

async fn marketing_spend_is_upserted_per_day_and_source_and_listed_by_range(store: Store) {
    let services = services(&store);
    let repo = &services.repos().spend;
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;

    let (first, inserted) = repo
        .upsert(
            ann,
            spend(day(1, 11), LeadSource::Webinar, "100.00", "50.00"),
        )
        .await
        .unwrap();
    assert!(inserted);
    assert_eq!(first.spent_on, day(1, 11));
    assert_eq!(first.lead_source, LeadSource::Webinar);
    assert_eq!(first.allotted.to_string(), "100.00");
    assert_eq!(first.used.to_string(), "50.00");

    let (second, inserted) = repo
        .upsert(
            ann,
            spend(day(1, 11), LeadSource::Webinar, "200.00", "75.50"),
        )
        .await
        .unwrap();
    assert!(!inserted, "same day and source updates");
    assert_eq!(second.id, first.id);
    assert_eq!(second.created_at, first.created_at);
    assert_eq!(
        (second.allotted.cents(), second.used.cents()),
        (20_000, 7_550)
    );

    repo.upsert(
        ann,
        spend(day(1, 11), LeadSource::PaidAds, "9999999999999.99", "0.01"),
    )
    .await
    .unwrap();
    repo.upsert(ann, spend(day(2, 11), LeadSource::Webinar, "1.00", "0.00"))
        .await
        .unwrap();
    repo.upsert(ann, spend(day(1, 12), LeadSource::Webinar, "3.00", "3.00"))
        .await
        .unwrap();
    // Another user's row of the same day and source is their own.
    let (theirs, inserted) = repo
        .upsert(bob, spend(day(1, 11), LeadSource::Webinar, "7.00", "7.00"))
        .await
        .unwrap();
    assert!(inserted);
    assert_ne!(theirs.id, first.id);

    let rows = |from, to| async move { repo.list(ann, from, to).await.unwrap() };
    let first_day = rows(day(1, 11), day(2, 11)).await;
    assert_eq!(
        first_day
            .iter()
            .map(|r| (r.lead_source, r.allotted.to_string(), r.used.to_string()))
            .collect::<Vec<_>>(),
        [
            (
                LeadSource::PaidAds,
                "9999999999999.99".to_owned(),
                "0.01".to_owned()
            ),
            (LeadSource::Webinar, "200.00".to_owned(), "75.50".to_owned()),
        ]
    );
    let november = rows(day(1, 11), day(1, 12)).await;
    assert_eq!(
        november
            .iter()
            .map(|r| (r.spent_on, r.lead_source))
            .collect::<Vec<_>>(),
        [
            (day(1, 11), LeadSource::PaidAds),
            (day(1, 11), LeadSource::Webinar),
            (day(2, 11), LeadSource::Webinar),
        ]
    );
    assert_eq!(
        rows(day(1, 10), NaiveDate::from_ymd_opt(2027, 1, 1).unwrap())
            .await
            .len(),
        4
    );
    assert!(rows(day(2, 12), day(3, 12)).await.is_empty());
    assert_eq!(
        repo.list(bob, day(1, 1), day(31, 12)).await.unwrap(),
        [theirs]
    );
    let total: i64 = november.iter().map(|r| r.allotted.cents()).sum();
    assert_eq!(
        Money::format_cents_sum(i128::from(total)),
        "10000000000200.99"
    );
}

async fn concurrent_upserts_of_one_day_and_source_keep_one_row(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await;
    let start = starting_line(&store, 6, 12).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let repo = services.repos().spend.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            repo.upsert(
                ann,
                spend(
                    day(3, 11),
                    LeadSource::SocialMedia,
                    &format!("{i}.00"),
                    "1.00",
                ),
            )
            .await
        }));
    }
    let mut inserted = 0;
    let mut ids = std::collections::HashSet::new();
    for task in tasks {
        let (row, created) = task
            .await
            .unwrap()
            .unwrap_or_else(|err| panic!("an upsert was refused: {err:?}"));
        inserted += usize::from(created);
        ids.insert(row.id);
    }
    assert_eq!(inserted, 1, "exactly one upsert inserts");
    assert_eq!(ids.len(), 1);
    let rows = services
        .repos()
        .spend
        .list(ann, day(1, 11), day(1, 12))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}
