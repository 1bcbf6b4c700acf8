//! The board's forms: the create-deal dialog, stages (add, rename, delete), and the
//! script-free move.

use crm_store::Store;

use crate::helpers::{TestApp, stage_id};

async fn the_new_deal_dialog_shows_errors_in_place_and_creates_the_deal(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("board@example.com", "Board").await;
    let board = app.get(Some(&session), "/apps/crm/deals?new=1").await;
    board
        .expect(200)
        .has(&["data-testid=\"new-deal-dialog\" open data-autoshow"]);
    let stage_id = stage_id(&board.body, "Contact");

    // Missing name and amount, bad priority: the dialog comes back open with every error.
    let page = app
        .post(
            Some(&session),
            "/apps/crm/deals/new",
            &[
                ("name", ""),
                ("stage_id", &stage_id),
                ("amount", "lots"),
                ("priority", ""),
            ],
        )
        .await;
    page.expect(422).has(&[
        "data-testid=\"new-deal-dialog\" open",
        "deal-name-error",
        "deal-amount-error",
        "deal-priority-error",
        "value=\"lots\"",
    ]);

    // A contact name that matches nothing is refused.
    app.post(
        Some(&session),
        "/apps/crm/deals/new",
        &[
            ("name", "Big"),
            ("stage_id", &stage_id),
            ("amount", "100"),
            ("priority", "high"),
            ("contact_name", "Nobody Atall"),
        ],
    )
    .await
    .expect(422)
    .has(&["deal-contact-error"]);

    // A valid deal with a new company (created on the fly).
    let page = app
        .post(
            Some(&session),
            "/apps/crm/deals/new",
            &[
                ("name", "Rocket fuel"),
                ("stage_id", &stage_id),
                ("amount", "$12,500.50"),
                ("priority", "urgent"),
                ("close_date", "2030-01-31"),
                ("company_name", "Acme Rockets"),
                ("description", "Fuel for the year"),
                ("collaborator_ids", &session.user_id.to_string()),
            ],
        )
        .await;
    assert_eq!(page.redirect(), "/apps/crm/deals");
    let board = app.follow(&session, &page).await;
    board.expect(200).has(&[
        "Rocket fuel",
        "Acme Rockets",
        "$12,500.50",
        "Urgent",
        "31 Jan 2030",
    ]);
    assert_eq!(
        board.toast().as_deref(),
        Some("Deal “Rocket fuel” created in Contact")
    );
    // Count and sum of the column.
    board.has(&["<span class=\"sr-only\">Total amount: </span>$12,500.50"]);
}

async fn stages_are_added_renamed_and_deleted_with_errors_in_place(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("stages@example.com", "Stages").await;
    let added = app
        .post(
            Some(&session),
            "/apps/crm/stages",
            &[("name", "Demo"), ("position", "1")],
        )
        .await;
    assert_eq!(
        app.follow(&session, &added).await.toast().as_deref(),
        Some("Stage “Demo” added")
    );
    let board = app.get(Some(&session), "/apps/crm/deals").await;
    let contact_at = board.body.find("value=\"Contact\"").unwrap();
    let demo_at = board.body.find("value=\"Demo\"").unwrap();
    let mql_at = board.body.find("value=\"MQL\"").unwrap();
    assert!(
        contact_at < demo_at && demo_at < mql_at,
        "Demo is inserted at position 1"
    );

    // Duplicate and empty names are refused in place.
    app.post(Some(&session), "/apps/crm/stages", &[("name", "MQL")])
        .await
        .expect(422)
        .has(&["You already have a stage with this name.", "add-stage-form"]);
    let deal = app.make_deal(&session, "Stays", "Demo").await;
    let rename = format!("/apps/crm/stages/{}/rename", deal.stage_id);
    app.post(Some(&session), &rename, &[("name", "SQL")])
        .await
        .expect(422)
        .has(&[
            "data-testid=\"column-error\"",
            "You already have a stage with this name.",
            "value=\"SQL\"",
        ]);
    app.post(Some(&session), &rename, &[("name", "  ")])
        .await
        .expect(422)
        .has(&["A stage name must be 1 to 200 characters."]);
    let renamed = app
        .post(Some(&session), &rename, &[("name", "Discovery")])
        .await;
    let board = app.follow(&session, &renamed).await;
    assert_eq!(
        board.toast().as_deref(),
        Some("Stage renamed to “Discovery”")
    );
    board
        .has(&["value=\"Discovery\""])
        .lacks(&["value=\"Demo\""]);

    // A stage holding deals needs a target; with one, its deals move there.
    let delete = format!("/apps/crm/stages/{}/delete", deal.stage_id);
    app.post(Some(&session), &delete, &[])
        .await
        .expect(422)
        .has(&["This stage still holds deals"]);
    let deleted = app
        .post(Some(&session), &delete, &[("move_to", "SQL")])
        .await;
    let board = app.follow(&session, &deleted).await;
    assert_eq!(
        board.toast().as_deref(),
        Some("Stage “Discovery” deleted; its deals moved to SQL")
    );
    let moved = app
        .get(
            Some(&session),
            &format!("/apps/crm/deal-details?id={}", deal.id),
        )
        .await;
    moved.expect(200).has(&["Deals</a> / SQL"]);
}

async fn the_move_form_moves_a_deal_and_says_so(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("mover@example.com", "Mover").await;
    let deal = app.make_deal(&session, "Moving", "Contact").await;
    let board = app.get(Some(&session), "/apps/crm/deals").await;
    let sql = stage_id(&board.body, "SQL");
    let moved = app
        .post(
            Some(&session),
            &format!("/apps/crm/deals/{}/move", deal.id),
            &[("stage_id", &sql), ("return_to", "/apps/crm/deals")],
        )
        .await;
    assert_eq!(moved.redirect(), "/apps/crm/deals");
    let page = app.follow(&session, &moved).await;
    assert_eq!(page.toast().as_deref(), Some("Deal moved to SQL"));
    // The deal page shows the stage change in its timeline.
    app.get(
        Some(&session),
        &format!("/apps/crm/deal-details?id={}", deal.id),
    )
    .await
    .expect(200)
    .has(&["Moved from Contact to SQL"]);
    // A stage that is not the user's is refused with an error toast.
    let refused = app
        .post(
            Some(&session),
            &format!("/apps/crm/deals/{}/move", deal.id),
            &[("stage_id", &uuid::Uuid::now_v7().to_string())],
        )
        .await;
    let page = app.follow(&session, &refused).await;
    assert_eq!(
        page.toast().as_deref(),
        Some("That stage is not in your pipeline.")
    );
    page.has(&["toast-error"]);
}

crm_store::backend_tests!(
    the_new_deal_dialog_shows_errors_in_place_and_creates_the_deal,
    stages_are_added_renamed_and_deleted_with_errors_in_place,
    the_move_form_moves_a_deal_and_says_so,
);
