//! The database's own rules: every CHECK and foreign key refuses a bad row, and the store
//! reports it as a domain error (`Conflict`, or `Validation` where a form field is to blame),
//! never a panic or an opaque failure. Rows go in as plain SQL through `store.connection()`,
//! past every rule of the domain types, and through the repositories where a bad reference can
//! still reach them.

use chrono::Utc;
use crm_domain::{
    ActivityInput, CompanyChoice, ContactInput, ContactPatch, DealInput, DealPatch, DomainError,
    NewActivity, NewContact, NewDeal, Tenant,
};
use crm_store::{Store, map_db_err};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ConnectionTrait, Value};
use serde_json::json;
use uuid::Uuid;

use crate::fixtures::{column, columns, conflict, contact, deal, invalid, services, stage, user};
use crate::harness::store_tests;

store_tests! {
    check_constraints_refuse_bad_rows_with_a_domain_error,
    foreign_keys_refuse_unknown_references_with_a_domain_error,
    a_deal_cannot_name_another_users_contact_even_past_the_service,
    an_activity_cannot_name_another_users_deal_or_contact_even_past_the_service,
}

type Row = Vec<(&'static str, Value)>;

/// Inserts `row` into `table` as a parameterised `INSERT`, mapping any failure like the store.
async fn insert(store: &Store, table: &'static str, row: Row) -> Result<(), DomainError> {
    let (columns, values): (Vec<&'static str>, Vec<Value>) = row.into_iter().unzip();
    let statement = Query::insert()
        .into_table(table)
        .columns(columns)
        .values_panic(values.into_iter().map(Expr::value))
        .to_owned();
    store
        .connection()
        .execute(&statement)
        .await
        .map(|_| ())
        .map_err(map_db_err)
}

/// `row` with `column` set to `value` (added when absent, removed when `None`).
fn with(mut row: Row, column: &'static str, value: Option<Value>) -> Row {
    row.retain(|(c, _)| *c != column);
    if let Some(value) = value {
        row.push((column, value));
    }
    row
}

fn deal_row(user: Uuid, stage: Uuid) -> Row {
    let now = Utc::now();
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        ("name", "Probe".into()),
        ("stage_id", stage.into()),
        ("stage_order", 0i32.into()),
        ("priority", "medium".into()),
        ("progress", 0i32.into()),
        ("create_date", now.into()),
        ("last_update", now.into()),
        ("created_by", user.into()),
    ]
}

fn contact_row(user: Uuid) -> Row {
    let now = Utc::now();
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        ("first_name", "Ada".into()),
        ("last_name", "Lovelace".into()),
        ("created_by", user.into()),
        ("created_at", now.into()),
        ("updated_at", now.into()),
    ]
}

fn stage_row(user: Uuid) -> Row {
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        ("name", format!("Stage {}", Uuid::new_v4().simple()).into()),
        ("position", 6i32.into()),
        ("kind", "open".into()),
        ("probability", 50i32.into()),
        ("created_at", Utc::now().into()),
    ]
}

fn activity_row(user: Uuid, contact: Option<Uuid>, deal: Option<Uuid>) -> Row {
    let now = Utc::now();
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        ("type", "note".into()),
        ("contact_id", contact.into()),
        ("deal_id", deal.into()),
        ("metadata", json!({}).into()),
        ("created_by", user.into()),
        ("created_at", now.into()),
        ("updated_at", now.into()),
    ]
}

fn spend_row(user: Uuid) -> Row {
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        (
            "spent_on",
            chrono::NaiveDate::from_ymd_opt(2026, 11, 26)
                .unwrap()
                .into(),
        ),
        ("lead_source", "webinar".into()),
        ("allotted_cents", 100i64.into()),
        ("used_cents", 0i64.into()),
        ("created_at", Utc::now().into()),
    ]
}

fn history_row(user: Uuid, deal: Uuid, stage: Uuid) -> Row {
    vec![
        ("user_id", user.into()),
        ("id", Uuid::now_v7().into()),
        ("deal_id", deal.into()),
        ("to_stage_id", stage.into()),
        ("to_stage", "Contact".into()),
        ("to_kind", "open".into()),
        ("changed_at", Utc::now().into()),
    ]
}

/// Asserts a refusal by the named constraint (both backends name CHECK constraints).
#[track_caller]
fn refused_by(result: Result<(), DomainError>, constraint: &str) {
    let named = conflict(result);
    assert_eq!(named, constraint);
}

async fn check_constraints_refuse_bad_rows_with_a_domain_error(store: Store) {
    let services = services(&store);
    let ann = user(&services, "ann").await.user_id;
    let contact_stage = stage(&services, Tenant::new(ann), "Contact").await.id;

    // The probe rows are valid as they are, so each refusal below is the changed column's.
    let deal_id = Uuid::now_v7();
    insert(
        &store,
        "deals",
        with(deal_row(ann, contact_stage), "id", Some(deal_id.into())),
    )
    .await
    .unwrap();
    insert(&store, "contacts", contact_row(ann)).await.unwrap();
    insert(&store, "pipeline_stages", stage_row(ann))
        .await
        .unwrap();
    insert(&store, "activities", activity_row(ann, None, Some(deal_id)))
        .await
        .unwrap();
    insert(&store, "marketing_spend", spend_row(ann))
        .await
        .unwrap();
    insert(
        &store,
        "deal_stage_changes",
        history_row(ann, deal_id, contact_stage),
    )
    .await
    .unwrap();

    let bad_deal = |column, value: Value| with(deal_row(ann, contact_stage), column, Some(value));
    refused_by(
        insert(&store, "deals", bad_deal("progress", 101i32.into())).await,
        "deals_progress_check",
    );
    refused_by(
        insert(&store, "deals", bad_deal("progress", (-1i32).into())).await,
        "deals_progress_check",
    );
    refused_by(
        insert(&store, "deals", bad_deal("amount_cents", (-1i64).into())).await,
        "deals_amount_cents_check",
    );
    refused_by(
        insert(&store, "deals", bad_deal("priority", "whenever".into())).await,
        "deals_priority_check",
    );
    refused_by(
        insert(&store, "deals", bad_deal("stage_order", (-1i32).into())).await,
        "deals_stage_order_check",
    );

    let bad_contact = |column, value: &str| with(contact_row(ann), column, Some(value.into()));
    refused_by(
        insert(
            &store,
            "contacts",
            bad_contact("lead_source", "carrier_pigeon"),
        )
        .await,
        "contacts_lead_source_check",
    );
    refused_by(
        insert(&store, "contacts", bad_contact("lead_status", "asleep")).await,
        "contacts_lead_status_check",
    );

    let bad_stage = |column, value: Value| with(stage_row(ann), column, Some(value));
    refused_by(
        insert(&store, "pipeline_stages", bad_stage("kind", "maybe".into())).await,
        "pipeline_stages_kind_check",
    );
    refused_by(
        insert(
            &store,
            "pipeline_stages",
            bad_stage("probability", 101i32.into()),
        )
        .await,
        "pipeline_stages_probability_check",
    );
    refused_by(
        insert(
            &store,
            "pipeline_stages",
            bad_stage("position", (-1i32).into()),
        )
        .await,
        "pipeline_stages_position_check",
    );

    refused_by(
        insert(
            &store,
            "activities",
            with(
                activity_row(ann, None, Some(deal_id)),
                "type",
                Some("fax".into()),
            ),
        )
        .await,
        "activities_type_check",
    );
    refused_by(
        insert(&store, "activities", activity_row(ann, None, None)).await,
        "activities_target_check",
    );

    let bad_spend = |column, value: Value| with(spend_row(ann), column, Some(value));
    refused_by(
        insert(
            &store,
            "marketing_spend",
            bad_spend("allotted_cents", (-1i64).into()),
        )
        .await,
        "marketing_spend_allotted_cents_check",
    );
    refused_by(
        insert(
            &store,
            "marketing_spend",
            bad_spend("used_cents", (-1i64).into()),
        )
        .await,
        "marketing_spend_used_cents_check",
    );
    refused_by(
        insert(
            &store,
            "marketing_spend",
            bad_spend("lead_source", "billboard".into()),
        )
        .await,
        "marketing_spend_lead_source_check",
    );
    // One row per day and source.
    conflict(insert(&store, "marketing_spend", spend_row(ann)).await);

    refused_by(
        insert(
            &store,
            "deal_stage_changes",
            with(
                history_row(ann, deal_id, contact_stage),
                "to_kind",
                Some("maybe".into()),
            ),
        )
        .await,
        "deal_stage_changes_to_kind_check",
    );

    // A missing required column is refused the same way.
    conflict(
        insert(
            &store,
            "deals",
            with(deal_row(ann, contact_stage), "name", None),
        )
        .await,
    );

    // Plain SQL text, as a careless script would send it.
    for sql in [
        "UPDATE deals SET progress = 101",
        "UPDATE deals SET amount_cents = -5",
        "UPDATE deals SET priority = 'someday'",
        "UPDATE contacts SET lead_source = 'carrier_pigeon'",
        "UPDATE pipeline_stages SET probability = -1",
    ] {
        let result = store
            .connection()
            .execute_unprepared(sql)
            .await
            .map(|_| ())
            .map_err(map_db_err);
        conflict(result);
    }

    // The store still reads everything that did get in.
    let board = columns(&services, Tenant::new(ann)).await;
    assert_eq!(column(&board, "Contact"), [deal_id]);
}

async fn foreign_keys_refuse_unknown_references_with_a_domain_error(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let tenant = user(&services, "ann").await;
    let ann = tenant.user_id;
    let contact_stage = stage(&services, tenant, "Contact").await;
    let ghost = Uuid::now_v7();

    // Plain SQL.
    let bad_deal =
        |column, value: Value| with(deal_row(ann, contact_stage.id), column, Some(value));
    for (column, value) in [
        ("stage_id", ghost),
        ("contact_id", ghost),
        ("company_id", ghost),
        ("owner_id", ghost),
        ("created_by", ghost),
    ] {
        conflict(insert(&store, "deals", bad_deal(column, value.into())).await);
    }
    conflict(
        insert(
            &store,
            "deals",
            with(
                deal_row(ghost, contact_stage.id),
                "created_by",
                Some(ann.into()),
            ),
        )
        .await,
    );
    conflict(
        insert(
            &store,
            "contacts",
            with(contact_row(ann), "company_id", Some(ghost.into())),
        )
        .await,
    );
    conflict(insert(&store, "activities", activity_row(ann, Some(ghost), None)).await);
    conflict(insert(&store, "activities", activity_row(ann, None, Some(ghost))).await);
    conflict(insert(&store, "pipeline_stages", stage_row(ghost)).await);
    conflict(insert(&store, "marketing_spend", spend_row(ghost)).await);

    // Through the repositories, past the services' checks.
    let new_deal = |input: DealInput| {
        let stages = vec![contact_stage.clone()];
        NewDeal::new(
            DealInput {
                name: "Probe".into(),
                stage: Some(crm_domain::StageRef::Id(contact_stage.id)),
                ..input
            },
            &stages,
        )
        .unwrap()
    };
    for input in [
        DealInput {
            company_id: Some(ghost),
            ..DealInput::default()
        },
        DealInput {
            contact_id: Some(ghost),
            ..DealInput::default()
        },
        DealInput {
            owner_id: Some(ghost),
            ..DealInput::default()
        },
        DealInput {
            collaborator_ids: vec![ghost],
            ..DealInput::default()
        },
    ] {
        conflict(repos.deals.create(tenant, new_deal(input)).await);
    }
    // A stage that is not in the pipeline is a bad form field.
    let mut elsewhere = new_deal(DealInput::default());
    elsewhere.stage_id = ghost;
    invalid(repos.deals.create(tenant, elsewhere).await);

    let kept = deal(&services, tenant, "Kept", "Contact", None).await;
    for patch in [
        DealPatch {
            company_id: Some(Some(ghost)),
            ..DealPatch::default()
        },
        DealPatch {
            contact_id: Some(Some(ghost)),
            ..DealPatch::default()
        },
        DealPatch {
            owner_id: Some(Some(ghost)),
            ..DealPatch::default()
        },
    ] {
        conflict(repos.deals.update(tenant, kept.id, patch).await);
    }
    assert_eq!(
        repos.deals.find(tenant, kept.id).await.unwrap(),
        Some(kept.clone())
    );

    let mut owned_by_ghost = NewContact::new(&ContactInput {
        first_name: "Ada",
        last_name: "Lovelace",
        ..ContactInput::default()
    })
    .unwrap();
    owned_by_ghost.contact_owner_id = Some(ghost);
    conflict(
        repos
            .contacts
            .create(tenant, owned_by_ghost, CompanyChoice::None)
            .await,
    );
    let ada = contact(&services, tenant, "Ada", "Lovelace", None).await;
    conflict(
        repos
            .contacts
            .update(
                tenant,
                ada.contact.id,
                ContactPatch {
                    company_id: Some(Some(ghost)),
                    ..ContactPatch::default()
                },
            )
            .await,
    );
    let orphan = NewActivity::new(ActivityInput {
        kind: "note".into(),
        deal_id: Some(ghost),
        metadata: json!(null),
        ..ActivityInput::default()
    })
    .unwrap();
    conflict(repos.activities.create(tenant, orphan).await);

    // Nothing refused left a trace: one card, numbered 0.
    let board = columns(&services, tenant).await;
    assert_eq!(column(&board, "Contact"), [kept.id]);
    assert_eq!(
        repos
            .deals
            .stage_history(tenant, kept.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

async fn a_deal_cannot_name_another_users_contact_even_past_the_service(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let anns_contact = contact(&services, ann, "Ada", "Lovelace", None)
        .await
        .contact
        .id;
    let bobs_stages = repos.stages.list(bob).await.unwrap();

    // The service says the contact does not exist (for Bob it does not).
    assert_eq!(
        invalid(
            services
                .create_deal(
                    bob,
                    DealInput {
                        name: "Poach".into(),
                        stage: Some(crm_domain::StageRef::Name("Contact".into())),
                        contact_id: Some(anns_contact),
                        ..DealInput::default()
                    },
                )
                .await
        ),
        ["contact_id"]
    );
    // The repository, called directly, is stopped by the composite foreign key.
    let poach = NewDeal::new(
        DealInput {
            name: "Poach".into(),
            stage: Some(crm_domain::StageRef::Name("Contact".into())),
            contact_id: Some(anns_contact),
            ..DealInput::default()
        },
        &bobs_stages,
    )
    .unwrap();
    conflict(repos.deals.create(bob, poach).await);
    // And so is an edit that points an existing deal at it.
    let bobs = deal(&services, bob, "Honest", "Contact", None).await;
    conflict(
        repos
            .deals
            .update(
                bob,
                bobs.id,
                DealPatch {
                    contact_id: Some(Some(anns_contact)),
                    ..DealPatch::default()
                },
            )
            .await,
    );
    // Bob's board holds his one deal, Ann's contact has no deal.
    assert_eq!(column(&columns(&services, bob).await, "Contact"), [bobs.id]);
    assert_eq!(
        repos
            .deals
            .find(bob, bobs.id)
            .await
            .unwrap()
            .unwrap()
            .contact_id,
        None
    );
    assert!(
        repos
            .deals
            .with_contact(ann, anns_contact)
            .await
            .unwrap()
            .is_empty()
    );
    // A deal of Bob's in one of Ann's stages is refused as well.
    let anns_stage = stage(&services, ann, "Won").await;
    let mut in_anns_stage = NewDeal::new(
        DealInput {
            name: "Squat".into(),
            stage: Some(crm_domain::StageRef::Id(anns_stage.id)),
            ..DealInput::default()
        },
        std::slice::from_ref(&anns_stage),
    )
    .unwrap();
    in_anns_stage.stage_id = anns_stage.id;
    invalid(repos.deals.create(bob, in_anns_stage).await);
    conflict(insert(&store, "deals", deal_row(bob.user_id, anns_stage.id)).await);
}

async fn an_activity_cannot_name_another_users_deal_or_contact_even_past_the_service(store: Store) {
    let services = services(&store);
    let repos = services.repos();
    let ann = user(&services, "ann").await;
    let bob = user(&services, "bob").await;
    let anns_deal = deal(&services, ann, "Engine", "Contact", None).await.id;
    let anns_contact = contact(&services, ann, "Ada", "Lovelace", None)
        .await
        .contact
        .id;
    let bobs_contact = contact(&services, bob, "Grace", "Hopper", None)
        .await
        .contact
        .id;

    let note = |contact_id: Option<Uuid>, deal_id: Option<Uuid>| {
        NewActivity::new(ActivityInput {
            kind: "note".into(),
            contact_id,
            deal_id,
            subject: Some("Sneaky".into()),
            metadata: json!(null),
            ..ActivityInput::default()
        })
        .unwrap()
    };
    assert_eq!(
        invalid(
            services
                .log_activity(
                    bob,
                    ActivityInput {
                        kind: "note".into(),
                        deal_id: Some(anns_deal),
                        metadata: json!(null),
                        ..ActivityInput::default()
                    }
                )
                .await
        ),
        ["deal_id"]
    );
    conflict(
        repos
            .activities
            .create(bob, note(None, Some(anns_deal)))
            .await,
    );
    conflict(
        repos
            .activities
            .create(bob, note(Some(bobs_contact), Some(anns_deal)))
            .await,
    );
    conflict(
        repos
            .activities
            .create(bob, note(Some(anns_contact), None))
            .await,
    );
    assert!(
        repos
            .activities
            .list(ann, crm_domain::ActivityQuery::default())
            .await
            .unwrap()
            .data
            .is_empty()
    );
    assert!(
        repos
            .activities
            .list(bob, crm_domain::ActivityQuery::default())
            .await
            .unwrap()
            .data
            .is_empty()
    );
    // Bob's own contact is fine.
    repos
        .activities
        .create(bob, note(Some(bobs_contact), None))
        .await
        .unwrap();
}
