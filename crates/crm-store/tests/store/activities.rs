//! The activity log: every type logged and read back, newest first with filters, edited and
//! deleted.

use chrono::{Duration, Utc};
use crm_domain::{
    ActivityInput, ActivityMetadata, ActivityQuery, ActivityType, DealMove, NewActivity,
    PageRequest,
};
use crm_store::Store;
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::{contact, deal, invalid, not_found, services, stage, user};
use crate::harness::store_tests;

store_tests! {
    activities_of_every_type_are_logged_listed_newest_first_edited_and_deleted,
}

async fn activities_of_every_type_are_logged_listed_newest_first_edited_and_deleted(store: Store) {
    let services = services(&store);
    let activities = &services.repos().activities;
    let ann = user(&services, "ann").await;
    let ada = contact(&services, ann, "Ada", "Lovelace", None)
        .await
        .contact
        .id;
    let engine = deal(&services, ann, "Engine", "Contact", None).await.id;

    let cases = [
        (
            "call",
            Some(ada),
            None,
            json!({"direction": "outbound", "duration_seconds": 300, "outcome": "Interested",
                   "sentiment": "positive", "transcript": "Hello…"}),
        ),
        (
            "email",
            Some(ada),
            Some(engine),
            json!({"from": "ann@example.com", "to": ["ada@example.com"], "cc": [],
                   "attachments": [{"name": "quote.pdf", "size_bytes": 12345}],
                   "sentiment": "neutral"}),
        ),
        (
            "meeting",
            None,
            Some(engine),
            json!({"starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T11:30:00Z",
                   "location": "Room 1", "attendees": ["Ann", "Ada"], "sentiment": "negative"}),
        ),
        ("note", Some(ada), None, json!({"title": "Background"})),
        (
            "task",
            Some(ada),
            Some(engine),
            json!({"due_at": "2026-12-24T17:00:00Z", "completed_at": null, "priority": "urgent"}),
        ),
    ];
    let mut logged = Vec::new();
    for (kind, contact_id, deal_id, metadata) in cases {
        let activity = services
            .log_activity(
                ann,
                ActivityInput {
                    kind: kind.into(),
                    contact_id,
                    deal_id,
                    subject: Some(format!("About the {kind}")),
                    description: Some(format!("{kind} details")),
                    metadata: metadata.clone(),
                },
            )
            .await
            .unwrap();
        let expected = ActivityMetadata::parse(kind.parse().unwrap(), metadata).unwrap();
        assert_eq!(activity.metadata, expected, "{kind} metadata round-trips");
        assert_eq!(activity.metadata.kind().as_str(), kind);
        assert_eq!(
            (activity.contact_id, activity.deal_id),
            (contact_id, deal_id)
        );
        assert_eq!(activity.user_id, ann.user_id);
        assert_eq!(activity.created_by, ann.user_id);
        assert_eq!(
            activities.find(ann, activity.id).await.unwrap(),
            Some(activity.clone())
        );
        logged.push(activity);
    }
    // Users do not write stage changes, and metadata must fit its type.
    invalid(
        services
            .log_activity(
                ann,
                ActivityInput {
                    kind: "stage_change".into(),
                    deal_id: Some(engine),
                    metadata: json!({"from": null, "to": "Won"}),
                    ..ActivityInput::default()
                },
            )
            .await,
    );
    invalid(
        services
            .log_activity(
                ann,
                ActivityInput {
                    kind: "call".into(),
                    contact_id: Some(ada),
                    metadata: json!({"mood": "great"}),
                    ..ActivityInput::default()
                },
            )
            .await,
    );
    assert_eq!(
        invalid(
            services
                .log_activity(
                    ann,
                    ActivityInput {
                        kind: "note".into(),
                        contact_id: Some(Uuid::now_v7()),
                        deal_id: Some(Uuid::now_v7()),
                        metadata: json!(null),
                        ..ActivityInput::default()
                    },
                )
                .await
        ),
        ["contact_id", "deal_id"]
    );

    // An old entry, back-dated through the repository, sorts last.
    let mut old = NewActivity::new(ActivityInput {
        kind: "note".into(),
        contact_id: Some(ada),
        subject: Some("Ancient history".into()),
        metadata: json!({}),
        ..ActivityInput::default()
    })
    .unwrap();
    old.created_at = Some(Utc::now() - Duration::days(30));
    let old = activities.create(ann, old).await.unwrap();
    // A move logs a stage change, the newest entry.
    let sql = stage(&services, ann, "SQL").await;
    services
        .repos()
        .deals
        .move_deal(ann, engine, DealMove::to(&sql, None))
        .await
        .unwrap();

    let list = |query: ActivityQuery| async move {
        activities
            .list(ann, query)
            .await
            .unwrap()
            .data
            .into_iter()
            .map(|a| a.id)
            .collect::<Vec<Uuid>>()
    };
    let all = activities
        .list(ann, ActivityQuery::default())
        .await
        .unwrap()
        .data;
    assert_eq!(all.len(), 7);
    assert_eq!(all[0].metadata.kind(), ActivityType::StageChange);
    let mut expected: Vec<Uuid> = logged.iter().rev().map(|a| a.id).collect();
    expected.push(old.id);
    assert_eq!(all[1..].iter().map(|a| a.id).collect::<Vec<_>>(), expected);
    for pair in all.windows(2) {
        assert!(pair[0].created_at >= pair[1].created_at, "newest first");
    }
    let stage_change = all[0].id;

    let id = |i: usize| logged[i].id;
    assert_eq!(
        list(ActivityQuery {
            contact_id: Some(ada),
            ..ActivityQuery::default()
        })
        .await,
        [id(4), id(3), id(1), id(0), old.id]
    );
    assert_eq!(
        list(ActivityQuery {
            deal_id: Some(engine),
            ..ActivityQuery::default()
        })
        .await,
        [stage_change, id(4), id(2), id(1)]
    );
    assert_eq!(
        list(ActivityQuery {
            contact_id: Some(ada),
            deal_id: Some(engine),
            ..ActivityQuery::default()
        })
        .await,
        [id(4), id(1)]
    );
    assert_eq!(
        list(ActivityQuery {
            kind: Some(ActivityType::Note),
            ..ActivityQuery::default()
        })
        .await,
        [id(3), old.id]
    );
    assert_eq!(
        list(ActivityQuery {
            q: Some("MEETING DET".into()),
            ..ActivityQuery::default()
        })
        .await,
        [id(2)]
    );
    assert_eq!(
        list(ActivityQuery {
            q: Some("ancient".into()),
            ..ActivityQuery::default()
        })
        .await,
        [old.id]
    );
    // Pages of three walk the same order.
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = activities
            .list(
                ann,
                ActivityQuery {
                    page: PageRequest::new(Some(3), cursor.as_deref(), 50, 200).unwrap(),
                    ..ActivityQuery::default()
                },
            )
            .await
            .unwrap();
        walked.extend(page.data.iter().map(|a| a.id));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(walked, all.iter().map(|a| a.id).collect::<Vec<_>>());

    // Edits: subject, description, metadata of the same type.
    let call = &logged[0];
    let edited = services
        .update_activity(
            ann,
            call.id,
            Some(Some("Follow-up call".into())),
            Some(None),
            Some(json!({"direction": "inbound", "duration_seconds": 60})),
        )
        .await
        .unwrap();
    assert_eq!(edited.subject.as_deref(), Some("Follow-up call"));
    assert_eq!(edited.description, None);
    assert_eq!(
        edited.metadata,
        ActivityMetadata::parse(
            ActivityType::Call,
            json!({"direction": "inbound", "duration_seconds": 60})
        )
        .unwrap()
    );
    assert_eq!(edited.created_at, call.created_at);
    assert!(edited.updated_at >= call.updated_at);
    assert_eq!(activities.find(ann, call.id).await.unwrap(), Some(edited));
    invalid(
        services
            .update_activity(
                ann,
                call.id,
                None,
                None,
                Some(json!({"title": "not a call"})),
            )
            .await,
    );
    invalid(
        services
            .update_activity(
                ann,
                stage_change,
                Some(Some("rewritten".into())),
                None,
                None,
            )
            .await,
    );
    not_found(
        services
            .update_activity(ann, Uuid::now_v7(), None, None, None)
            .await,
    );

    activities.delete(ann, call.id).await.unwrap();
    assert_eq!(activities.find(ann, call.id).await.unwrap(), None);
    not_found(activities.delete(ann, call.id).await);
    assert_eq!(list(ActivityQuery::default()).await.len(), 6);
}
