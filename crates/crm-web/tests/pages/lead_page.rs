//! The lead page's forms: inline edit, notes, delete.

use crm_store::Store;

use crate::helpers::TestApp;

async fn the_lead_page_edits_notes_and_deletes_a_contact(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("leads@example.com", "Leads").await;
    let saved = app
        .post(
            Some(&session),
            "/apps/crm/add-contact",
            &[
                ("step", "lead"),
                ("go", "save"),
                ("first_name", "Linus"),
                ("last_name", "Pauling"),
                ("company_mode", "none"),
                ("email", "linus@example.com"),
            ],
        )
        .await;
    let location = saved.redirect();
    let id = location.rsplit('=').next().unwrap().to_owned();

    // Edit with a bad e-mail: the form comes back open with the error.
    let edit = format!("/apps/crm/contacts/{id}/edit");
    app.post(
        Some(&session),
        &edit,
        &[("first_name", "Linus"), ("last_name", ""), ("email", "bad")],
    )
    .await
    .expect(422)
    .has(&[
        "<details class=\"inline-edit\" open>",
        "edit-last-name-error",
        "edit-email-error",
    ]);
    let edited = app
        .post(
            Some(&session),
            &edit,
            &[
                ("first_name", "Linus"),
                ("last_name", "Pauling"),
                ("title", "Chemist"),
                ("lead_status", "interested"),
                ("company_name", "Caltech"),
            ],
        )
        .await;
    let page = app.follow(&session, &edited).await;
    assert_eq!(page.toast().as_deref(), Some("Contact updated"));
    page.has(&["Chemist", "Caltech", "Interested"]);

    // A note: empty is refused in place, text is saved.
    let notes = format!("/apps/crm/lead-details/activities?id={id}");
    app.post(
        Some(&session),
        &notes,
        &[("type", "note"), ("description", "  ")],
    )
    .await
    .expect(422)
    .has(&[
        "Write the note first.",
        "aria-current=\"page\" data-testid=\"tab-note\"",
    ]);
    let noted = app
        .post(
            Some(&session),
            &notes,
            &[("type", "note"), ("description", "Two Nobel prizes")],
        )
        .await;
    let page = app.follow(&session, &noted).await;
    assert_eq!(page.toast().as_deref(), Some("Note added"));
    page.has(&["Two Nobel prizes"]);
    // The "New deal" link pre-fills this contact in the dialog.
    let board = app
        .get(
            Some(&session),
            &format!("/apps/crm/deals?new=1&contact_id={id}"),
        )
        .await;
    board.has(&["value=\"Linus Pauling\"", &format!("value=\"{id}\"")]);

    let deleted = app
        .post(
            Some(&session),
            &format!("/apps/crm/contacts/{id}/delete"),
            &[],
        )
        .await;
    let page = app.follow(&session, &deleted).await;
    assert_eq!(
        page.toast().as_deref(),
        Some("Contact Linus Pauling deleted")
    );
    app.get(Some(&session), &format!("/apps/crm/lead-details?id={id}"))
        .await
        .expect(404);
}

crm_store::backend_tests!(the_lead_page_edits_notes_and_deletes_a_contact);
