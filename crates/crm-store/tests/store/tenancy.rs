//! Tenant scoping: another user's contact, deal, activity and stage are missing for Bob, in
//! every read, edit and delete, and never appear in his lists or on his board.

use crm_domain::{
    ActivityInput, ActivityPatch, ActivityQuery, BoardQuery, ColumnPage, CompanyChoice,
    ContactInput, ContactPatch, ContactQuery, DealInput, DealMove, DealPatch, DomainError,
    LeadSource, NewCompany, NewContact, NewMarketingSpend, PageRequest, StagePatch, StageRef,
};
use crm_store::Store;
use serde_json::json;

use crate::fixtures::{board, columns, invalid, not_found, services, stage, user};
use crate::harness::store_tests;

store_tests! {
    another_users_rows_are_missing_for_every_read_edit_and_delete,
}

async fn another_users_rows_are_missing_for_every_read_edit_and_delete(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;

    // Ann's rows.
    let contact = services
        .create_contact(
            ann,
            NewContact::new(&ContactInput {
                first_name: "Ada",
                last_name: "Lovelace",
                email: Some("ada@example.com"),
                ..ContactInput::default()
            })
            .unwrap(),
            CompanyChoice::GetOrCreate(NewCompany::new("Acme", None, None, None).unwrap()),
        )
        .await
        .unwrap();
    let company = contact.company.clone().unwrap().id;
    let deal = services
        .create_deal(
            ann,
            DealInput {
                name: "Engine".into(),
                stage: Some(StageRef::Name("SQL".into())),
                amount: Some("10.00".parse().unwrap()),
                contact_id: Some(contact.contact.id),
                company_id: Some(company),
                ..DealInput::default()
            },
        )
        .await
        .unwrap();
    let activity = services
        .log_activity(
            ann,
            ActivityInput {
                kind: "call".into(),
                contact_id: Some(contact.contact.id),
                deal_id: Some(deal.id),
                subject: Some("Engine call".into()),
                metadata: json!({"direction": "inbound"}),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
    let anns_stage = services
        .create_stage(ann, "Ann only", Some(1), None, None)
        .await
        .unwrap();
    repos
        .spend
        .upsert(
            ann,
            NewMarketingSpend {
                spent_on: chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
                lead_source: LeadSource::Webinar,
                allotted: "5.00".parse().unwrap(),
                used: "5.00".parse().unwrap(),
            },
        )
        .await
        .unwrap();
    let anns_board = columns(&services, ann).await;

    // Bob's own rows, so that his lists are not trivially empty.
    let bobs_deal = crate::fixtures::deal(&services, bob, "Bob's", "SQL", Some("1.00")).await;
    let bobs_contact = crate::fixtures::contact(&services, bob, "Grace", "Hopper", None).await;
    let bobs_sql = stage(&services, bob, "SQL").await;

    // Contacts.
    assert_eq!(
        repos.contacts.find(bob, contact.contact.id).await.unwrap(),
        None
    );
    not_found(services.contact(bob, contact.contact.id).await);
    not_found(
        services
            .update_contact(
                bob,
                contact.contact.id,
                ContactPatch {
                    first_name: Some("Mallory".into()),
                    ..ContactPatch::default()
                },
            )
            .await,
    );
    not_found(repos.contacts.delete(bob, contact.contact.id).await);
    let bobs_contacts = repos
        .contacts
        .list(
            bob,
            ContactQuery {
                q: Some("a".into()),
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        bobs_contacts
            .data
            .iter()
            .map(|c| c.contact.id)
            .collect::<Vec<_>>(),
        [bobs_contact.contact.id]
    );
    assert!(
        repos
            .contacts
            .list(
                bob,
                ContactQuery {
                    company_id: Some(company),
                    ..ContactQuery::default()
                }
            )
            .await
            .unwrap()
            .data
            .is_empty()
    );

    // Deals.
    assert_eq!(repos.deals.find(bob, deal.id).await.unwrap(), None);
    not_found(services.deal(bob, deal.id).await);
    not_found(
        repos
            .deals
            .update(
                bob,
                deal.id,
                DealPatch {
                    name: Some("Mine".into()),
                    ..DealPatch::default()
                },
            )
            .await,
    );
    not_found(
        services
            .update_deal(
                bob,
                deal.id,
                DealPatch::default(),
                Some(StageRef::Name("Won".into())),
                None,
            )
            .await,
    );
    not_found(
        repos
            .deals
            .move_deal(bob, deal.id, DealMove::to(&bobs_sql, Some(0)))
            .await,
    );
    not_found(
        services
            .set_deal_status(bob, deal.id, crm_domain::StageKind::Won)
            .await,
    );
    not_found(repos.deals.delete(bob, deal.id).await);
    not_found(
        repos
            .deals
            .add_collaborator(bob, deal.id, bob.user_id)
            .await,
    );
    not_found(
        repos
            .deals
            .remove_collaborator(bob, deal.id, ann.user_id)
            .await,
    );
    assert!(
        repos
            .deals
            .stage_history(bob, deal.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repos
            .deals
            .with_contact(bob, contact.contact.id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        repos
            .deals
            .with_company(bob, company)
            .await
            .unwrap()
            .is_empty()
    );
    // Bob cannot move his own card into Ann's stage either.
    invalid(
        repos
            .deals
            .move_deal(bob, bobs_deal.id, DealMove::to(&anns_stage, Some(0)))
            .await,
    );

    // Activities.
    assert_eq!(repos.activities.find(bob, activity.id).await.unwrap(), None);
    not_found(
        repos
            .activities
            .update(
                bob,
                activity.id,
                ActivityPatch {
                    subject: Some(Some("Mine".into())),
                    ..ActivityPatch::default()
                },
            )
            .await,
    );
    not_found(
        services
            .update_activity(bob, activity.id, Some(Some("Mine".into())), None, None)
            .await,
    );
    not_found(repos.activities.delete(bob, activity.id).await);
    for query in [
        ActivityQuery::default(),
        ActivityQuery {
            deal_id: Some(deal.id),
            ..ActivityQuery::default()
        },
        ActivityQuery {
            contact_id: Some(contact.contact.id),
            ..ActivityQuery::default()
        },
        ActivityQuery {
            q: Some("engine".into()),
            ..ActivityQuery::default()
        },
    ] {
        assert!(
            repos
                .activities
                .list(bob, query)
                .await
                .unwrap()
                .data
                .is_empty()
        );
    }

    // Stages.
    let moved = StagePatch {
        name: Some("Bob's now".into()),
        position: Some(0),
        ..StagePatch::default()
    };
    not_found(repos.stages.update(bob, anns_stage.id, moved.clone()).await);
    not_found(services.update_stage(bob, anns_stage.id, moved).await);
    not_found(repos.stages.delete(bob, anns_stage.id, None).await);
    not_found(services.delete_stage(bob, anns_stage.id, None).await);
    // Bob cannot empty his column into Ann's stage.
    match repos
        .stages
        .delete(bob, bobs_sql.id, Some(anns_stage.id))
        .await
    {
        Err(DomainError::NotFound { .. } | DomainError::Validation(_)) => {}
        other => panic!("moved Bob's deals into Ann's stage: {other:?}"),
    }
    assert!(
        repos
            .stages
            .list(bob)
            .await
            .unwrap()
            .iter()
            .all(|s| s.id != anns_stage.id)
    );

    // Bob's board and lists show only his rows, whatever the filter.
    for query in [
        BoardQuery::default(),
        BoardQuery {
            q: Some("engine".into()),
            ..BoardQuery::default()
        },
        BoardQuery {
            q: Some("acme".into()),
            ..BoardQuery::default()
        },
        BoardQuery {
            q: Some("ada".into()),
            ..BoardQuery::default()
        },
        BoardQuery {
            owner_id: Some(ann.user_id),
            ..BoardQuery::default()
        },
    ] {
        let columns = repos.deals.board(bob, query, 100).await.unwrap();
        for column in &columns {
            assert_ne!(column.stage.id, anns_stage.id);
            for card in &column.deals {
                assert_eq!(card.user_id, bob.user_id);
            }
        }
    }
    let bobs_board = board(&services, bob).await;
    let cards: Vec<_> = bobs_board
        .iter()
        .flat_map(|c| &c.deals)
        .map(|d| d.id)
        .collect();
    assert_eq!(cards, [bobs_deal.id]);
    let total: i128 = bobs_board.iter().map(|c| c.total_amount_cents).sum();
    assert_eq!(total, 100, "Ann's amounts are not in Bob's totals");
    let anns_column = repos
        .deals
        .column(
            bob,
            BoardQuery::default(),
            ColumnPage {
                stage_id: deal.stage_id,
                page: PageRequest::default(),
            },
        )
        .await
        .unwrap();
    assert!(anns_column.data.is_empty());
    assert!(
        repos
            .spend
            .list(
                bob,
                chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
                chrono::NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()
            )
            .await
            .unwrap()
            .is_empty()
    );

    // And Ann's rows are exactly as she left them.
    assert_eq!(
        repos.contacts.find(ann, contact.contact.id).await.unwrap(),
        Some(contact)
    );
    assert_eq!(repos.deals.find(ann, deal.id).await.unwrap(), Some(deal));
    assert_eq!(
        repos.activities.find(ann, activity.id).await.unwrap(),
        Some(activity)
    );
    let stages = repos.stages.list(ann).await.unwrap();
    assert_eq!(stages[1], anns_stage);
    assert_eq!(columns(&services, ann).await, anns_board);
}
