//! The deal page's forms: status menu, edit, owner and collaborators, activities, tasks,
//! delete.

use crm_store::Store;

use crate::helpers::TestApp;

async fn the_status_menu_moves_the_deal_to_the_first_stage_of_that_kind(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("status@example.com", "Status").await;
    let deal = app.make_deal(&session, "Closing", "SQL").await;
    let path = format!("/apps/crm/deals/{}/status", deal.id);
    let won = app.post(Some(&session), &path, &[("status", "won")]).await;
    let page = app.follow(&session, &won).await;
    assert_eq!(
        page.toast().as_deref(),
        Some("Deal marked as won (moved to Won)")
    );
    page.has(&["Status: Won", "Moved from SQL to Won"]);
    let reopened = app.post(Some(&session), &path, &[("status", "open")]).await;
    let page = app.follow(&session, &reopened).await;
    assert_eq!(page.toast().as_deref(), Some("Deal reopened in Contact"));
    let lost = app.post(Some(&session), &path, &[("status", "lost")]).await;
    app.follow(&session, &lost).await.has(&["Status: Lost"]);
    let bad = app
        .post(Some(&session), &path, &[("status", "maybe")])
        .await;
    assert_eq!(
        app.follow(&session, &bad).await.toast().as_deref(),
        Some("Choose Open, Won or Lost.")
    );
}

async fn the_deal_edit_form_refuses_bad_values_in_place_and_saves(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("editor@example.com", "Editor").await;
    let deal = app.make_deal(&session, "Editable", "Contact").await;
    let path = format!("/apps/crm/deals/{}/edit", deal.id);
    app.post(
        Some(&session),
        &path,
        &[
            ("name", ""),
            ("amount", "-5"),
            ("progress", "150"),
            ("priority", "medium"),
        ],
    )
    .await
    .expect(422)
    .has(&[
        "edit-deal-name-error",
        "edit-deal-amount-error",
        "edit-deal-progress-error",
        "value=\"150\"",
    ]);
    let saved = app
        .post(
            Some(&session),
            &path,
            &[
                ("name", "Edited"),
                ("amount", "99.95"),
                ("progress", "100"),
                ("priority", "low"),
                ("description", "Now described"),
                ("company_name", "Globex"),
            ],
        )
        .await;
    let page = app.follow(&session, &saved).await;
    assert_eq!(page.toast().as_deref(), Some("Deal updated"));
    page.has(&[
        "Edited",
        "$99.95",
        "Now described",
        "Globex",
        "Low priority",
    ]);
}

async fn owner_and_collaborators_are_managed_on_the_deal_page(store: Store) {
    let app = TestApp::spawn(store).await;
    let colleague = app
        .signup("colleague@example.com", "Colleague Person")
        .await;
    let session = app.signup("owner@example.com", "Owner Person").await;
    let deal = app.make_deal(&session, "Shared", "Contact").await;
    let base = format!("/apps/crm/deals/{}", deal.id);
    let added = app
        .post(
            Some(&session),
            &format!("{base}/collaborators"),
            &[("user_id", &colleague.user_id.to_string())],
        )
        .await;
    let page = app.follow(&session, &added).await;
    assert_eq!(page.toast().as_deref(), Some("Collaborator added"));
    page.has(&["Remove Colleague Person"]);
    let owner = app
        .post(
            Some(&session),
            &format!("{base}/owner"),
            &[("owner_id", &colleague.user_id.to_string())],
        )
        .await;
    let page = app.follow(&session, &owner).await;
    assert_eq!(page.toast().as_deref(), Some("Owner changed"));
    page.has(&["data-testid=\"deal-owner\">Colleague Person"]);
    let removed = app
        .post(
            Some(&session),
            &format!("{base}/collaborators/{}/remove", colleague.user_id),
            &[],
        )
        .await;
    let page = app.follow(&session, &removed).await;
    assert_eq!(page.toast().as_deref(), Some("Collaborator removed"));
    page.lacks(&["Remove Colleague Person"]);
}

async fn activities_are_logged_from_the_deal_page_with_errors_in_place(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("logger@example.com", "Logger").await;
    let deal = app.make_deal(&session, "Busy", "Contact").await;
    let path = format!("/apps/crm/deal-details/activities?id={}", deal.id);
    // A meeting that ends before it starts, without a subject.
    app.post(
        Some(&session),
        &path,
        &[
            ("type", "meeting"),
            ("subject", ""),
            ("starts_at", "2030-01-01T10:00"),
            ("ends_at", "2030-01-01T09:00"),
        ],
    )
    .await
    .expect(422)
    .has(&[
        "activity-subject-error",
        "meeting-end-error",
        "aria-current=\"page\" data-testid=\"tab-meeting\"",
    ]);
    let logged = app
        .post(
            Some(&session),
            &path,
            &[
                ("type", "meeting"),
                ("subject", "Kick-off"),
                ("starts_at", "2030-01-01T10:00"),
                ("ends_at", "2030-01-01T11:00"),
                ("location", "Room 4"),
                ("attendees", "Ann, Bob"),
                ("sentiment", "positive"),
                (
                    "return_to",
                    &format!("/apps/crm/deal-details?id={}&tab=meeting", deal.id),
                ),
            ],
        )
        .await;
    let location = logged.redirect();
    assert!(location.ends_with("&tab=meeting#activity"), "{location}");
    let page = app.follow(&session, &logged).await;
    assert_eq!(page.toast().as_deref(), Some("Meeting logged"));
    page.has(&[
        "Kick-off",
        "Location: Room 4",
        "Attendees: Ann, Bob",
        "Sentiment: Positive",
    ]);

    for form in [
        vec![
            ("type", "email"),
            ("subject", "Proposal"),
            ("from", "me@x.io"),
            ("to", "a@x.io, b@x.io"),
        ],
        vec![
            ("type", "call"),
            ("subject", "Intro call"),
            ("direction", "outbound"),
            ("duration_minutes", "12"),
            ("outcome", "Interested"),
        ],
        vec![("type", "note"), ("description", "Remember the budget")],
        vec![
            ("type", "task"),
            ("subject", "Send contract"),
            ("due_at", "2030-02-01"),
            ("priority", "high"),
        ],
    ] {
        let logged = app.post(Some(&session), &path, &form).await;
        assert_eq!(logged.status, 303, "{form:?}: {}", logged.body);
    }
    let all = app
        .get(
            Some(&session),
            &format!("/apps/crm/deal-details?id={}", deal.id),
        )
        .await;
    all.expect(200).has(&[
        "Proposal",
        "To a@x.io, b@x.io",
        "Intro call",
        "Outbound · 12 min",
        "Remember the budget",
        "Send contract",
    ]);
    // Search in the timeline (the drawer's "latest" list is not filtered).
    let found = app
        .get(
            Some(&session),
            &format!("/apps/crm/deal-details?id={}&q=contract", deal.id),
        )
        .await;
    let start = found.body.find("data-testid=\"activity\"").unwrap();
    let end = found.body.find("<dialog id=\"more-details\"").unwrap();
    let timeline = &found.body[start..end];
    assert!(timeline.contains("Send contract"));
    assert!(!timeline.contains("Intro call"));

    // The task tab is a checklist; ticking without script goes through the toggle form.
    let tasks = app
        .get(
            Some(&session),
            &format!("/apps/crm/deal-details?id={}&tab=task", deal.id),
        )
        .await;
    tasks.has(&[
        "data-testid=\"task-checkbox\"",
        "Due 1 Feb 2030",
        "High priority",
    ]);
    let at = tasks.body.find("/apps/crm/activities/").unwrap() + "/apps/crm/activities/".len();
    let task_id = tasks.body[at..at + 36].to_owned();
    let toggled = app
        .post(
            Some(&session),
            &format!("/apps/crm/activities/{task_id}/toggle"),
            &[(
                "return_to",
                &format!("/apps/crm/deal-details?id={}&tab=task", deal.id),
            )],
        )
        .await;
    let page = app.follow(&session, &toggled).await;
    assert_eq!(page.toast().as_deref(), Some("Task completed"));
    page.has(&["checked data-testid=\"task-checkbox\""]);
}

async fn deleting_a_deal_returns_to_the_board(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("deleter@example.com", "Deleter").await;
    let deal = app.make_deal(&session, "Doomed", "Contact").await;
    let deleted = app
        .post(
            Some(&session),
            &format!("/apps/crm/deals/{}/delete", deal.id),
            &[],
        )
        .await;
    let board = app.follow(&session, &deleted).await;
    assert_eq!(board.toast().as_deref(), Some("Deal “Doomed” deleted"));
    app.get(
        Some(&session),
        &format!("/apps/crm/deal-details?id={}", deal.id),
    )
    .await
    .expect(404);
}

crm_store::backend_tests!(
    the_status_menu_moves_the_deal_to_the_first_stage_of_that_kind,
    the_deal_edit_form_refuses_bad_values_in_place_and_saves,
    owner_and_collaborators_are_managed_on_the_deal_page,
    activities_are_logged_from_the_deal_page_with_errors_in_place,
    deleting_a_deal_returns_to_the_board,
);
