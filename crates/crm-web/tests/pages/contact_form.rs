//! The three-step add-contact form: each step validates on the server, values ride along,
//! and the final save creates contact and company and redirects to the lead page.

use crm_store::Store;

use crate::helpers::TestApp;

async fn add_contact_steps_validate_and_save_redirects_to_lead_details(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("adder@example.com", "Adder").await;
    let path = "/apps/crm/add-contact";

    // Personal: both names required, a bad e-mail named in place.
    let page = app
        .post(
            Some(&session),
            path,
            &[
                ("step", "personal"),
                ("go", "company"),
                ("first_name", ""),
                ("last_name", ""),
                ("email", "nope"),
            ],
        )
        .await;
    page.expect(422).has(&[
        "first-name-error",
        "last-name-error",
        "email-error",
        "value=\"nope\"",
        "aria-current=\"step\" data-testid=\"step-personal\"",
    ]);

    // A valid personal step moves on, carrying the values as hidden fields.
    let personal = [
        ("first_name", "Grace"),
        ("last_name", "Hopper"),
        ("email", "grace@navy.example"),
        ("title", "Rear Admiral"),
    ];
    let mut form: Vec<(&str, &str)> = vec![("step", "personal"), ("go", "company")];
    form.extend(personal);
    let page = app.post(Some(&session), path, &form).await;
    page.expect(200).has(&[
        "aria-current=\"step\" data-testid=\"step-company\"",
        "<input type=\"hidden\" name=\"first_name\" value=\"Grace\">",
        "data-testid=\"company-mode-new\"",
    ]);

    // Company: an existing company that does not exist is refused in place.
    let mut form: Vec<(&str, &str)> = vec![
        ("step", "company"),
        ("go", "lead"),
        ("company_mode", "existing"),
        ("company_name", "No Such Corp"),
    ];
    form.extend(personal);
    app.post(Some(&session), path, &form)
        .await
        .expect(422)
        .has(&["company-search-error", "No company has this name"]);

    // A new company without a name is refused too.
    let mut form: Vec<(&str, &str)> = vec![
        ("step", "company"),
        ("go", "lead"),
        ("company_mode", "new"),
        ("new_company_name", ""),
    ];
    form.extend(personal);
    app.post(Some(&session), path, &form)
        .await
        .expect(422)
        .has(&["new-company-name-error"]);

    // Jumping to the last step still checks the earlier ones.
    app.post(
        Some(&session),
        path,
        &[("step", "personal"), ("go", "lead"), ("first_name", "Only")],
    )
    .await
    .expect(422)
    .has(&[
        "last-name-error",
        "aria-current=\"step\" data-testid=\"step-personal\"",
    ]);

    // Lead: an unknown lead source is refused.
    let company = [
        ("company_mode", "new"),
        ("new_company_name", "Navy Labs"),
        ("industry", "Defense"),
        ("website", "https://navy.example"),
    ];
    let mut form: Vec<(&str, &str)> = vec![
        ("step", "lead"),
        ("go", "save"),
        ("lead_source", "carrier_pigeon"),
    ];
    form.extend(personal);
    form.extend(company);
    app.post(Some(&session), path, &form)
        .await
        .expect(422)
        .has(&["lead-source-error"]);

    // Save: contact and company in one go, then the lead page with a toast.
    let mut form: Vec<(&str, &str)> = vec![
        ("step", "lead"),
        ("go", "save"),
        ("lead_source", "referral"),
        ("lead_status", "qualified"),
        ("lead_note", "Met at the conference"),
    ];
    form.extend(personal);
    form.extend(company);
    let saved = app.post(Some(&session), path, &form).await;
    let location = saved.redirect();
    assert!(
        location.starts_with("/apps/crm/lead-details?id="),
        "{location}"
    );
    let lead = app.follow(&session, &saved).await;
    lead.expect(200).has(&[
        "Grace Hopper",
        "Rear Admiral",
        "Navy Labs",
        "Referral",
        "Qualified",
        "Met at the conference",
        "Adder",
    ]);
    assert_eq!(lead.toast().as_deref(), Some("Contact created"));
    // The toast is shown once: the page clears its cookie.
    assert!(
        lead.cookie("crm_flash")
            .is_some_and(|c| c.contains("Max-Age=0") || c.contains("Expires"))
    );

    // The same e-mail again is refused on the personal step.
    let saved = app.post(Some(&session), path, &form).await;
    saved.expect(422).has(&[
        "You already have a contact with this e-mail.",
        "aria-current=\"step\" data-testid=\"step-personal\"",
    ]);

    // An existing company is picked by name too (no script needed).
    let form: Vec<(&str, &str)> = vec![
        ("step", "lead"),
        ("go", "save"),
        ("first_name", "Ada"),
        ("last_name", "Lovelace"),
        ("company_mode", "existing"),
        ("company_name", "navy labs"),
    ];
    let saved = app.post(Some(&session), path, &form).await;
    let lead = app.follow(&session, &saved).await;
    lead.expect(200).has(&["Ada Lovelace", "Navy Labs"]);
}

crm_store::backend_tests!(add_contact_steps_validate_and_save_redirects_to_lead_details);
