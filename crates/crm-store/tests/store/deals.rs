//! Deals: create, find with relations, the board and its columns, update, delete; exact money.

use chrono::NaiveDate;
use crm_domain::{
    ActivityInput, ActivityQuery, BoardQuery, ColumnPage, CompanyChoice, ContactInput, DealInput,
    DealPatch, Money, NewCompany, NewContact, PageRequest, Priority, Progress, StageKind, StageRef,
};
use crm_store::Store;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use uuid::Uuid;

use crate::fixtures::{
    assert_gap_free, board, column, columns, deal, invalid, not_found, services, stage, user,
};
use crate::harness::store_tests;

store_tests! {
    a_new_deal_goes_to_the_end_of_its_column_and_is_found_with_its_relations,
    the_board_counts_and_totals_whole_columns_and_pages_the_cards,
    updating_a_deal_changes_its_fields_and_its_last_update,
    deleting_a_deal_closes_the_gap_in_its_column,
    money_is_exact_at_the_largest_amount_and_the_smallest,
    the_detail_of_a_deal_is_read_whole_in_one_read_only_transaction,
}

async fn a_new_deal_goes_to_the_end_of_its_column_and_is_found_with_its_relations(store: Store) {
    let services = services(&store);
    let deals = &services.repos().deals;
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let ada = services
        .create_contact(
            ann,
            NewContact::new(&ContactInput {
                first_name: "Ada",
                last_name: "Lovelace",
                email: Some("ada@example.com"),
                phone: Some("555-0100"),
                ..ContactInput::default()
            })
            .unwrap(),
            CompanyChoice::GetOrCreate(
                NewCompany::new("Engines", Some("https://logo.test/e.png"), None, None).unwrap(),
            ),
        )
        .await
        .unwrap();
    let company = ada.company.clone().unwrap();

    let first = deal(&services, ann, "First", "SQL", None).await;
    let second = deal(&services, ann, "Second", "SQL", Some("1.00")).await;
    assert_eq!((first.stage_order, second.stage_order), (0, 1));
    let close = NaiveDate::from_ymd_opt(2027, 3, 31).unwrap();
    let full = services
        .create_deal(
            ann,
            DealInput {
                name: "  Difference Engine ".into(),
                description: Some("Brass, lots of it".into()),
                stage: Some(StageRef::Name("SQL".into())),
                amount: Some("12500.00".parse().unwrap()),
                priority: Some(Priority::High),
                progress: Some(30),
                close_date: Some(close),
                contact_id: Some(ada.contact.id),
                company_id: Some(company.id),
                collaborator_ids: vec![bob.user_id, bob.user_id],
                ..DealInput::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(full.stage_order, 2, "appended at the end of its column");
    let other_column = deal(&services, ann, "Elsewhere", "Contact", None).await;
    assert_eq!(other_column.stage_order, 0);

    let found = deals.find(ann, full.id).await.unwrap().unwrap();
    assert_eq!(found, full);
    assert_eq!(found.name, "Difference Engine");
    assert_eq!(found.description.as_deref(), Some("Brass, lots of it"));
    assert_eq!(found.amount.map(Money::cents), Some(1_250_000));
    assert_eq!(found.stage, "SQL");
    assert_eq!(found.stage_kind, StageKind::Open);
    assert_eq!(found.priority, Priority::High);
    assert_eq!(found.progress.get(), 30);
    assert_eq!(found.close_date, Some(close));
    assert_eq!(found.owner_id, Some(ann.user_id));
    assert_eq!(found.created_by, ann.user_id);
    assert_eq!(found.user_id, ann.user_id);
    let contact = found.contact.clone().unwrap();
    assert_eq!(
        (
            contact.id,
            contact.first_name.as_str(),
            contact.phone.as_deref()
        ),
        (ada.contact.id, "Ada", Some("555-0100"))
    );
    let summary = found.company.clone().unwrap();
    assert_eq!(
        (
            summary.id,
            summary.name.as_str(),
            summary.logo_url.as_deref()
        ),
        (company.id, "Engines", Some("https://logo.test/e.png"))
    );
    assert_eq!(
        found
            .collaborators
            .iter()
            .map(|c| (c.id, c.display_name.as_str()))
            .collect::<Vec<_>>(),
        [(bob.user_id, "bob")]
    );
    assert_eq!(first.amount, None);
    assert_eq!(first.priority, Priority::Medium);
    assert!(first.collaborators.is_empty());
    assert_eq!(deals.find(ann, Uuid::now_v7()).await.unwrap(), None);

    let history = deals.stage_history(ann, full.id).await.unwrap();
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].from_stage_id, None);
    assert_eq!(history[0].to_stage, "SQL");
    assert_eq!(history[0].to_kind, StageKind::Open);
    // Creation is history, not a stage_change activity.
    assert!(
        services
            .repos()
            .activities
            .list(
                ann,
                ActivityQuery {
                    deal_id: Some(full.id),
                    ..ActivityQuery::default()
                }
            )
            .await
            .unwrap()
            .data
            .is_empty()
    );

    assert_eq!(
        deals
            .with_contact(ann, ada.contact.id)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        [full.id]
    );
    assert_eq!(
        deals
            .with_company(ann, company.id)
            .await
            .unwrap()
            .iter()
            .map(|d| d.id)
            .collect::<Vec<_>>(),
        [full.id]
    );

    // Collaborators: added once, removed once.
    let carl = user(&services, "carl").await;
    assert!(
        services
            .add_collaborator(ann, first.id, carl.user_id)
            .await
            .unwrap()
    );
    assert!(
        !services
            .add_collaborator(ann, first.id, carl.user_id)
            .await
            .unwrap()
    );
    assert!(
        deals
            .add_collaborator(ann, first.id, bob.user_id)
            .await
            .unwrap()
    );
    assert_eq!(
        invalid(
            services
                .add_collaborator(ann, first.id, Uuid::now_v7())
                .await
        ),
        ["user_id"]
    );
    // The database refuses an unknown user even without the service's check.
    invalid(deals.add_collaborator(ann, first.id, Uuid::now_v7()).await);
    let listed = deals
        .find(ann, first.id)
        .await
        .unwrap()
        .unwrap()
        .collaborators;
    assert_eq!(
        listed.iter().map(|c| c.id).collect::<Vec<_>>(),
        [carl.user_id, bob.user_id]
    );
    deals
        .remove_collaborator(ann, first.id, carl.user_id)
        .await
        .unwrap();
    not_found(deals.remove_collaborator(ann, first.id, carl.user_id).await);
    not_found(
        deals
            .add_collaborator(ann, Uuid::now_v7(), carl.user_id)
            .await,
    );

    // Unknown references are refused before anything is written.
    let refused = services
        .create_deal(
            ann,
            DealInput {
                name: "Ghost".into(),
                stage: Some(StageRef::Name("Nope".into())),
                contact_id: Some(Uuid::now_v7()),
                company_id: Some(Uuid::now_v7()),
                ..DealInput::default()
            },
        )
        .await;
    assert_eq!(invalid(refused), ["stage"]);
    let refused = services
        .create_deal(
            ann,
            DealInput {
                name: "Ghost".into(),
                stage: Some(StageRef::Name("SQL".into())),
                contact_id: Some(Uuid::now_v7()),
                company_id: Some(Uuid::now_v7()),
                owner_id: Some(Uuid::now_v7()),
                ..DealInput::default()
            },
        )
        .await;
    assert_eq!(invalid(refused), ["company_id", "contact_id", "owner_id"]);
    assert_eq!(column(&columns(&services, ann).await, "SQL").len(), 3);
}

async fn the_board_counts_and_totals_whole_columns_and_pages_the_cards(store: Store) {
    let services = services(&store);
    let deals = &services.repos().deals;
    let ann = user(&services, "ann").await;
    let ada = crate::fixtures::contact(&services, ann, "Ada", "Lovelace", None).await;
    let (acme, _) = services
        .repos()
        .companies
        .get_or_create(ann, NewCompany::new("Acme", None, None, None).unwrap())
        .await
        .unwrap();
    let mut contact_column = Vec::new();
    for (i, amount) in [
        Some("1.00"),
        Some("2.00"),
        None,
        Some("3.50"),
        Some("4.00"),
        Some("5.25"),
    ]
    .into_iter()
    .enumerate()
    {
        let created = services
            .create_deal(
                ann,
                DealInput {
                    name: format!("Card {i}"),
                    stage: Some(StageRef::Name("Contact".into())),
                    amount: amount.map(|a| a.parse().unwrap()),
                    priority: Some(if i % 2 == 0 {
                        Priority::High
                    } else {
                        Priority::Low
                    }),
                    company_id: (i == 3).then_some(acme.id),
                    contact_id: (i == 4).then_some(ada.contact.id),
                    ..DealInput::default()
                },
            )
            .await
            .unwrap();
        contact_column.push(created.id);
    }
    deal(&services, ann, "Won one", "Won", Some("100.00")).await;
    deal(&services, ann, "Won two", "Won", None).await;

    let full = board(&services, ann).await;
    assert_gap_free(&full);
    // Cards are decoded by position; a card reads the same as the deal found by id.
    for card in full.iter().flat_map(|column| &column.deals) {
        assert_eq!(Some(card), deals.find(ann, card.id).await.unwrap().as_ref());
    }
    let by_name = |columns: &[crm_domain::BoardColumn], name: &str| {
        columns
            .iter()
            .find(|c| c.stage.name == name)
            .cloned()
            .unwrap()
    };
    let contact = by_name(&full, "Contact");
    assert_eq!(contact.count, 6);
    assert_eq!(contact.total_amount_cents, 1_575);
    assert_eq!(contact.next_cursor, None);
    assert_eq!(by_name(&full, "Won").total_amount_cents, 10_000);
    let empty = by_name(&full, "MQL");
    assert_eq!((empty.count, empty.total_amount_cents), (0, 0));
    assert!(empty.deals.is_empty());

    // Two cards a column: the figures still cover the whole column.
    let short = deals.board(ann, BoardQuery::default(), 2).await.unwrap();
    let contact = by_name(&short, "Contact");
    assert_eq!(contact.count, 6);
    assert_eq!(contact.total_amount_cents, 1_575);
    assert_eq!(
        contact.deals.iter().map(|d| d.id).collect::<Vec<_>>(),
        contact_column[..2]
    );
    let won = by_name(&short, "Won");
    assert_eq!((won.count, won.deals.len()), (2, 2));
    assert_eq!(won.next_cursor, None);

    // The column pages on from the board's cursor to the end.
    let mut cursor = contact.next_cursor.clone();
    let mut walked: Vec<Uuid> = contact.deals.iter().map(|d| d.id).collect();
    while let Some(token) = cursor {
        let page = deals
            .column(
                ann,
                BoardQuery::default(),
                ColumnPage {
                    stage_id: contact.stage.id,
                    page: PageRequest::new(Some(3), Some(&token), 50, 200).unwrap(),
                },
            )
            .await
            .unwrap();
        walked.extend(page.data.iter().map(|d| d.id));
        cursor = page.next_cursor;
    }
    assert_eq!(walked, contact_column);
    let first_page = deals
        .column(
            ann,
            BoardQuery::default(),
            ColumnPage {
                stage_id: contact.stage.id,
                page: PageRequest::new(Some(4), None, 50, 200).unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        first_page
            .data
            .iter()
            .map(|d| d.stage_order)
            .collect::<Vec<_>>(),
        [0, 1, 2, 3]
    );
    assert!(first_page.next_cursor.is_some());

    // Filters apply to the cards and to the whole-column figures alike.
    let high = deals
        .board(
            ann,
            BoardQuery {
                priority: Some(Priority::High),
                ..BoardQuery::default()
            },
            1,
        )
        .await
        .unwrap();
    let contact = by_name(&high, "Contact");
    assert_eq!(contact.count, 3);
    assert_eq!(contact.total_amount_cents, 500);
    assert_eq!(contact.deals.len(), 1);
    assert_eq!(contact.deals[0].id, contact_column[0]);
    let rest = deals
        .column(
            ann,
            BoardQuery {
                priority: Some(Priority::High),
                ..BoardQuery::default()
            },
            ColumnPage {
                stage_id: contact.stage.id,
                page: PageRequest::new(Some(10), contact.next_cursor.as_deref(), 50, 200).unwrap(),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        rest.data.iter().map(|d| d.id).collect::<Vec<_>>(),
        [contact_column[2], contact_column[4]]
    );
    assert_eq!(by_name(&high, "Won").count, 0);

    let search = |q: &str| BoardQuery {
        q: Some(q.to_owned()),
        ..BoardQuery::default()
    };
    let matching = |board: &[crm_domain::BoardColumn]| {
        board
            .iter()
            .flat_map(|c| c.deals.iter().map(|d| d.id))
            .collect::<Vec<_>>()
    };
    let by_deal = deals.board(ann, search("WON T"), 100).await.unwrap();
    assert_eq!(by_name(&by_deal, "Won").count, 1);
    assert_eq!(matching(&by_deal).len(), 1);
    let by_company = deals.board(ann, search("acm"), 100).await.unwrap();
    assert_eq!(matching(&by_company), [contact_column[3]]);
    assert_eq!(by_name(&by_company, "Contact").total_amount_cents, 350);
    let by_contact = deals.board(ann, search("ada love"), 100).await.unwrap();
    assert_eq!(matching(&by_contact), [contact_column[4]]);
    let by_owner = deals
        .board(
            ann,
            BoardQuery {
                owner_id: Some(Uuid::now_v7()),
                ..BoardQuery::default()
            },
            100,
        )
        .await
        .unwrap();
    assert!(matching(&by_owner).is_empty());
    assert!(
        by_owner
            .iter()
            .all(|c| c.count == 0 && c.total_amount_cents == 0)
    );
}

async fn updating_a_deal_changes_its_fields_and_its_last_update(store: Store) {
    let services = services(&store);
    let deals = &services.repos().deals;
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let ada = crate::fixtures::contact(&services, ann, "Ada", "Lovelace", None).await;
    let (acme, _) = services
        .repos()
        .companies
        .get_or_create(ann, NewCompany::new("Acme", None, None, None).unwrap())
        .await
        .unwrap();
    let created = deal(&services, ann, "Engine", "MQL", Some("10.00")).await;
    let neighbour = deal(&services, ann, "Neighbour", "MQL", None).await;

    let close = NaiveDate::from_ymd_opt(2027, 1, 15).unwrap();
    let patch = DealPatch {
        name: Some("Analytical Engine".into()),
        description: Some(Some("Punched cards".into())),
        amount: Some(Some("20.50".parse().unwrap())),
        priority: Some(Priority::Urgent),
        progress: Some(Progress::new(80).unwrap()),
        close_date: Some(Some(close)),
        owner_id: Some(Some(bob.user_id)),
        contact_id: Some(Some(ada.contact.id)),
        company_id: Some(Some(acme.id)),
    };
    let updated = services
        .update_deal(ann, created.id, patch, None, None)
        .await
        .unwrap();
    assert_eq!(updated.name, "Analytical Engine");
    assert_eq!(updated.description.as_deref(), Some("Punched cards"));
    assert_eq!(updated.amount.map(Money::cents), Some(2_050));
    assert_eq!(updated.priority, Priority::Urgent);
    assert_eq!(updated.progress.get(), 80);
    assert_eq!(updated.close_date, Some(close));
    assert_eq!(updated.owner_id, Some(bob.user_id));
    assert_eq!(updated.contact.as_ref().map(|c| c.id), Some(ada.contact.id));
    assert_eq!(updated.company.as_ref().map(|c| c.id), Some(acme.id));
    assert_eq!((updated.stage.as_str(), updated.stage_order), ("MQL", 0));
    assert_eq!(updated.create_date, created.create_date);
    assert!(updated.last_update >= created.last_update);
    assert_eq!(
        deals.find(ann, created.id).await.unwrap(),
        Some(updated.clone())
    );

    // Clearing optional fields.
    let cleared = deals
        .update(
            ann,
            created.id,
            DealPatch {
                description: Some(None),
                amount: Some(None),
                close_date: Some(None),
                owner_id: Some(None),
                contact_id: Some(None),
                company_id: Some(None),
                ..DealPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            cleared.description,
            cleared.amount,
            cleared.close_date,
            cleared.owner_id,
            cleared.contact,
            cleared.company
        ),
        (None, None, None, None, None, None)
    );
    assert_eq!(cleared.name, "Analytical Engine");
    assert_eq!(cleared.priority, Priority::Urgent);

    // A field edit and a move in one call (the deal page's form).
    let moved = services
        .update_deal(
            ann,
            created.id,
            DealPatch {
                name: Some("Engine, won".into()),
                ..DealPatch::default()
            },
            Some(StageRef::Name("Won".into())),
            None,
        )
        .await
        .unwrap();
    assert_eq!((moved.stage.as_str(), moved.stage_order), ("Won", 0));
    assert_eq!(moved.name, "Engine, won");
    assert_eq!(moved.progress.get(), 100, "a won deal is done");
    assert_eq!(
        services.deal(ann, neighbour.id).await.unwrap().stage_order,
        0,
        "the old column closed up"
    );
    assert_eq!(
        invalid(
            services
                .update_deal(
                    ann,
                    created.id,
                    DealPatch::default(),
                    Some(StageRef::Name("Nope".into())),
                    None
                )
                .await
        ),
        ["stage"]
    );
    not_found(
        services
            .update_deal(ann, Uuid::now_v7(), DealPatch::default(), None, None)
            .await,
    );
    not_found(
        deals
            .update(ann, Uuid::now_v7(), DealPatch::default())
            .await,
    );
    let status = services
        .set_deal_status(ann, created.id, StageKind::Lost)
        .await
        .unwrap();
    assert_eq!(status.stage, "Lost");
}

async fn deleting_a_deal_closes_the_gap_in_its_column(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let mut ids = Vec::new();
    for name in ["d0", "d1", "d2", "d3"] {
        ids.push(deal(&services, ann, name, "Contact", None).await.id);
    }
    let other = deal(&services, ann, "other", "SQL", None).await;
    let contact = crate::fixtures::contact(&services, ann, "Ada", "Lovelace", None).await;
    let note = services
        .log_activity(
            ann,
            crm_domain::ActivityInput {
                kind: "note".into(),
                deal_id: Some(ids[1]),
                contact_id: Some(contact.contact.id),
                metadata: serde_json::json!({"title": "hi"}),
                ..crm_domain::ActivityInput::default()
            },
        )
        .await
        .unwrap();
    repos
        .deals
        .add_collaborator(ann, ids[1], ann.user_id)
        .await
        .unwrap();

    repos.deals.delete(ann, ids[1]).await.unwrap();
    let board = columns(&services, ann).await;
    assert_eq!(column(&board, "Contact"), [ids[0], ids[2], ids[3]]);
    assert_eq!(column(&board, "SQL"), [other.id]);
    assert_eq!(repos.deals.find(ann, ids[1]).await.unwrap(), None);
    assert!(
        repos
            .deals
            .stage_history(ann, ids[1])
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(repos.activities.find(ann, note.id).await.unwrap(), None);
    not_found(repos.deals.delete(ann, ids[1]).await);

    repos.deals.delete(ann, ids[0]).await.unwrap();
    repos.deals.delete(ann, ids[3]).await.unwrap();
    let board = columns(&services, ann).await;
    assert_eq!(column(&board, "Contact"), [ids[2]]);
    // The contact of the deleted deal stays.
    assert!(
        repos
            .contacts
            .find(ann, contact.contact.id)
            .await
            .unwrap()
            .is_some()
    );
    // A new card goes after the survivors, not into an old slot.
    let fresh = deal(&services, ann, "fresh", "Contact", None).await;
    assert_eq!(fresh.stage_order, 1);
}

async fn money_is_exact_at_the_largest_amount_and_the_smallest(store: Store) {
    let services = services(&store);
    let deals = &services.repos().deals;
    let ann = user(&services, "ann").await;
    let largest = deal(&services, ann, "Largest", "Won", Some("9999999999999.99")).await;
    let smallest = deal(&services, ann, "Smallest", "Won", Some("0.01")).await;
    deal(&services, ann, "Nothing", "Won", None).await;
    deal(&services, ann, "Zero", "Won", Some("0.00")).await;

    for (created, text, cents) in [
        (&largest, "9999999999999.99", 999_999_999_999_999),
        (&smallest, "0.01", 1),
    ] {
        let found = deals.find(ann, created.id).await.unwrap().unwrap();
        let amount = found.amount.unwrap();
        assert_eq!(amount.cents(), cents);
        assert_eq!(amount.to_string(), text);
        assert_eq!(amount.to_decimal().to_string(), text);
    }

    let sum_of = |board: &[crm_domain::BoardColumn]| {
        board
            .iter()
            .find(|c| c.stage.name == "Won")
            .map(|c| (c.count, c.total_amount_cents))
            .unwrap()
    };
    let whole = board(&services, ann).await;
    assert_eq!(sum_of(&whole), (4, 1_000_000_000_000_000));
    assert_eq!(
        Money::format_cents_sum(sum_of(&whole).1),
        "10000000000000.00"
    );
    // The filtered board sums the same way.
    let filtered = deals
        .board(
            ann,
            BoardQuery {
                priority: Some(Priority::Medium),
                ..BoardQuery::default()
            },
            1,
        )
        .await
        .unwrap();
    assert_eq!(sum_of(&filtered), (4, 1_000_000_000_000_000));

    // And the total follows the cards when they move.
    let lost = stage(&services, ann, "Lost").await;
    deals
        .move_deal(ann, smallest.id, crm_domain::DealMove::to(&lost, None))
        .await
        .unwrap();
    let after = board(&services, ann).await;
    assert_eq!(sum_of(&after), (3, 999_999_999_999_999));
    assert_eq!(
        Money::format_cents_sum(sum_of(&after).1),
        "9999999999999.99"
    );
}

async fn the_detail_of_a_deal_is_read_whole_in_one_read_only_transaction(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let ada = services
        .create_contact(
            ann,
            NewContact::new(&ContactInput {
                first_name: "Ada",
                last_name: "Lovelace",
                ..ContactInput::default()
            })
            .unwrap(),
            CompanyChoice::GetOrCreate(NewCompany::new("Engines", None, None, None).unwrap()),
        )
        .await
        .unwrap();
    let company = ada.company.clone().unwrap();
    let with_company = |name: &str| DealInput {
        name: name.to_owned(),
        stage: Some(StageRef::Name("Contact".into())),
        contact_id: Some(ada.contact.id),
        company_id: Some(company.id),
        collaborator_ids: vec![bob.user_id],
        ..DealInput::default()
    };
    let main = services
        .create_deal(ann, with_company("Main"))
        .await
        .unwrap();
    let sibling = services
        .create_deal(ann, with_company("Sibling"))
        .await
        .unwrap();
    let alone = deal(&services, ann, "Alone", "Contact", None).await;
    let sql = stage(&services, ann, "SQL").await;
    repos
        .deals
        .move_deal(ann, main.id, crm_domain::DealMove::to(&sql, None))
        .await
        .unwrap();
    services
        .log_activity(
            ann,
            ActivityInput {
                kind: "note".into(),
                deal_id: Some(main.id),
                subject: Some("Call back".into()),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();

    let detail = repos.deals.detail(ann, main.id).await.unwrap().unwrap();
    assert_eq!(
        detail.deal,
        repos.deals.find(ann, main.id).await.unwrap().unwrap()
    );
    assert_eq!(detail.deal.stage, "SQL");
    assert_eq!(detail.deal.collaborators.len(), 1);
    assert_eq!(detail.company.map(|c| c.id), Some(company.id));
    let siblings = repos.deals.find(ann, sibling.id).await.unwrap().unwrap();
    assert_eq!(detail.company_deals, [siblings]);
    assert_eq!(
        detail.stage_history,
        repos.deals.stage_history(ann, main.id).await.unwrap()
    );
    assert_eq!(detail.stage_history.len(), 2);
    let activities = repos
        .activities
        .list(
            ann,
            ActivityQuery {
                deal_id: Some(main.id),
                ..ActivityQuery::default()
            },
        )
        .await
        .unwrap()
        .data;
    assert_eq!(activities.len(), 2, "the move and the note");
    assert_eq!(detail.activities, activities);
    assert_eq!(detail.stages, repos.stages.list(ann).await.unwrap());

    let lone = repos.deals.detail(ann, alone.id).await.unwrap().unwrap();
    assert_eq!((lone.company, lone.company_deals), (None, Vec::new()));
    assert!(lone.stage_history.len() == 1 && lone.activities.is_empty());
    assert_eq!(repos.deals.detail(bob, main.id).await.unwrap(), None);
    assert_eq!(repos.deals.detail(ann, Uuid::now_v7()).await.unwrap(), None);

    if store.backend() == DbBackend::Postgres {
        // Read transactions are read-only on PostgreSQL (set in their one set-up statement).
        let txn = store.begin_read(ann).await.unwrap();
        let refused = txn
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "UPDATE deals SET name = 'Renamed' WHERE id = $1",
                [main.id.into()],
            ))
            .await
            .unwrap_err();
        assert!(refused.to_string().contains("read-only"), "{refused}");
    }
}
