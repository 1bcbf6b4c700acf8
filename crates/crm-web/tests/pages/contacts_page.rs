//! The contact list (search, filters, export and import controls), the import form on the
//! add-contact page and its answer without script (dry run, duplicate choices, refusals),
//! and the open-tasks panels of the dashboard and the lead page.

use chrono::{Duration, Utc};
use crm_domain::contact::ContactInput;
use crm_domain::{
    ActivityInput, CompanyChoice, ContactQuery, ContactWithCompany, NewContact, PageRequest,
    Services, Tenant,
};
use crm_store::Store;
use reqwest::Method;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::{Page, Session, TestApp};

crm_store::backend_tests!(
    the_contact_list_searches_filters_and_links_export_and_import,
    the_add_contact_page_offers_the_csv_import,
    a_dry_run_of_the_import_form_previews_the_counts_and_writes_nothing,
    each_duplicate_choice_of_the_import_form_behaves_as_documented,
    refused_import_forms_say_why_in_place_and_write_nothing,
    open_tasks_show_on_the_dashboard_and_the_lead_page_overdue_first,
);

const IMPORT_FORM: &str = "/apps/crm/contacts/import";
const BOUNDARY: &str = "----crm-page-suite-boundary";

/// A `multipart/form-data` body as a browser builds it from the import form: the file part
/// first, then the other fields in document order.
fn multipart(file: Option<&str>, fields: &[(&str, &str)]) -> String {
    let mut body = String::new();
    if let Some(file) = file {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"contacts.csv\"\r\n\
             Content-Type: text/csv\r\n\r\n{file}\r\n"
        ));
    }
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    body
}

/// Posts the import form without script, same-origin, as `session`.
async fn post_import(
    app: &TestApp,
    session: &Session,
    file: Option<&str>,
    fields: &[(&str, &str)],
) -> Page {
    let request = app
        .raw(Method::POST, IMPORT_FORM)
        .header("origin", format!("http://{}", app.host))
        .header("cookie", &session.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(file, fields));
    app.send(request).await
}

/// Every contact of `tenant`, newest first.
async fn contacts_of(app: &TestApp, tenant: Tenant) -> Vec<ContactWithCompany> {
    app.store
        .repositories()
        .contacts
        .list(
            tenant,
            ContactQuery {
                page: PageRequest {
                    limit: 200,
                    ..PageRequest::default()
                },
                ..ContactQuery::default()
            },
        )
        .await
        .unwrap()
        .data
}

/// Ada, who the import files below meet again: e-mail `ada@x.test`, last name "L", a phone.
async fn ada(services: &Services, tenant: Tenant) -> Uuid {
    let contact = NewContact::new(&ContactInput {
        first_name: "Ada",
        last_name: "L",
        email: Some("ada@x.test"),
        phone: Some("123"),
        ..ContactInput::default()
    })
    .unwrap();
    services
        .create_contact(tenant, contact, CompanyChoice::None)
        .await
        .unwrap()
        .contact
        .id
}

async fn contact(
    services: &Services,
    tenant: Tenant,
    first: &str,
    last: &str,
    status: &str,
) -> Uuid {
    let contact = NewContact::new(&ContactInput {
        first_name: first,
        last_name: last,
        lead_status: Some(status),
        ..ContactInput::default()
    })
    .unwrap();
    services
        .create_contact(tenant, contact, CompanyChoice::None)
        .await
        .unwrap()
        .contact
        .id
}

async fn task(services: &Services, tenant: Tenant, contact: Uuid, subject: &str, due_hours: i64) {
    let due = Utc::now() + Duration::hours(due_hours);
    services
        .log_activity(
            tenant,
            ActivityInput {
                kind: "task".into(),
                contact_id: Some(contact),
                subject: Some(subject.into()),
                metadata: json!({"due_at": due, "completed_at": null, "priority": "high"}),
                ..ActivityInput::default()
            },
        )
        .await
        .unwrap();
}

async fn the_contact_list_searches_filters_and_links_export_and_import(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("lister@example.com", "Lister").await;
    let other = app.signup("other@example.com", "Other").await;
    let services = Services::new(app.store.repositories());
    let tenant = Tenant::new(session.user_id);
    contact(&services, tenant, "Ada", "Lovelace", "qualified").await;
    contact(&services, tenant, "Bob", "Baker", "new").await;
    contact(
        &services,
        Tenant::new(other.user_id),
        "Never",
        "Shown",
        "new",
    )
    .await;

    app.get(Some(&session), "/apps/crm/contacts")
        .await
        .expect(200)
        .has(&[
            "Ada Lovelace",
            "Bob Baker",
            "href=\"/api/crm/contacts/export.csv\"",
            "data-testid=\"import-form\"",
            "data-testid=\"nav-contacts\" aria-current=\"page\"",
        ])
        .lacks(&["Never Shown"]);
    app.get(Some(&session), "/apps/crm/contacts?lead_status=qualified")
        .await
        .expect(200)
        .has(&[
            "Ada Lovelace",
            "href=\"/api/crm/contacts/export.csv?lead_status=qualified\"",
        ])
        .lacks(&["Bob Baker"]);
    app.get(Some(&session), "/apps/crm/contacts?q=bak&lead_status=bogus")
        .await
        .expect(200)
        .has(&["Bob Baker"])
        .lacks(&["Ada Lovelace"]);
    // The export link works with the page's session cookie.
    let export = app
        .get(Some(&session), "/api/crm/contacts/export.csv")
        .await;
    export
        .expect(200)
        .has(&["first_name", "Lovelace", "Baker"])
        .lacks(&["Shown"]);
    // Signed out: the sign-in page, not the list.
    let signed_out = app.get(None, "/apps/crm/contacts").await;
    assert_eq!(signed_out.status, 303, "{}", signed_out.body);
}

async fn the_add_contact_page_offers_the_csv_import(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("adder@example.com", "Adder").await;
    app.get(Some(&session), "/apps/crm/add-contact")
        .await
        .expect(200)
        .has(&[
            "Import from CSV file",
            "action=\"/apps/crm/contacts/import\"",
            "enctype=\"multipart/form-data\"",
            "data-testid=\"import-progress\"",
        ]);
}

async fn a_dry_run_of_the_import_form_previews_the_counts_and_writes_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("importer@example.com", "Importer").await;
    let services = Services::new(app.store.repositories());
    let tenant = Tenant::new(session.user_id);
    let ada = ada(&services, tenant).await;
    let file = "first_name,last_name,email,company\n\
        Ada,Lovelace,ada@x.test,\nNew,One,new@x.test,Dry Run Ltd\nBad,,x@x.test,\n";

    let preview = post_import(
        &app,
        &session,
        Some(file),
        &[("on_duplicate", "update"), ("dry_run", "true")],
    )
    .await;
    preview.expect(200).has(&[
        "Preview: 1 to create, 1 to update, 0 to skip, 1 failed",
        "data-testid=\"import-preview-note\"",
        "Line 4 — last_name",
        // The form keeps the choices it was sent with.
        "<option value=\"update\" selected>",
        "value=\"true\" checked",
    ]);
    assert!(
        preview.toast().unwrap().starts_with("Preview:"),
        "{preview:?}"
    );
    let after = contacts_of(&app, tenant).await;
    assert_eq!(after.len(), 1, "a dry run created a contact");
    assert_eq!(after[0].contact.id, ada);
    assert_eq!(after[0].contact.last_name, "L", "a dry run updated Ada");
    let companies = app
        .store
        .repositories()
        .companies
        .list(Some("Dry Run".into()), PageRequest::default())
        .await
        .unwrap();
    assert!(companies.data.is_empty(), "a dry run created a company");

    // The same form without the tick writes what the preview said.
    post_import(&app, &session, Some(file), &[("on_duplicate", "update")])
        .await
        .expect(200)
        .has(&["Imported: 1 created, 1 updated, 0 skipped, 1 failed"])
        .lacks(&["import-preview-note", "value=\"true\" checked"]);
    let after = contacts_of(&app, tenant).await;
    assert_eq!(after.len(), 2);
    let ada = after.iter().find(|c| c.contact.id == ada).unwrap();
    assert_eq!(ada.contact.last_name, "Lovelace");
}

async fn each_duplicate_choice_of_the_import_form_behaves_as_documented(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("importer@example.com", "Importer").await;
    let services = Services::new(app.store.repositories());
    let tenant = Tenant::new(session.user_id);
    let ada = ada(&services, tenant).await;
    let file = "first_name,last_name,email,title\nAda,Lovelace,ADA@x.test,Countess\n";
    let stored = || async {
        app.store
            .repositories()
            .contacts
            .find(tenant, ada)
            .await
            .unwrap()
            .unwrap()
            .contact
    };

    // No choice (the select left out) and "skip": Ada is matched by e-mail and left alone.
    for fields in [&[][..], &[("on_duplicate", "skip")][..]] {
        post_import(&app, &session, Some(file), fields)
            .await
            .expect(200)
            .has(&["Imported: 0 created, 0 updated, 1 skipped, 0 failed"]);
        let unchanged = stored().await;
        assert_eq!(unchanged.last_name, "L", "{fields:?}");
        assert_eq!(unchanged.title, None, "{fields:?}");
    }

    // "update": the file's columns overwrite, the others stay.
    post_import(&app, &session, Some(file), &[("on_duplicate", "update")])
        .await
        .expect(200)
        .has(&[
            "Imported: 0 created, 1 updated, 0 skipped, 0 failed",
            "<option value=\"update\" selected>",
        ]);
    let updated = stored().await;
    assert_eq!(updated.last_name, "Lovelace");
    assert_eq!(updated.title.as_deref(), Some("Countess"));
    assert_eq!(
        updated.phone.as_deref(),
        Some("123"),
        "a column the file lacks"
    );
    assert_eq!(contacts_of(&app, tenant).await.len(), 1);
}

/// A refused import form: the file, the form fields, the status and what the page says where.
type Refusal = (
    &'static str,
    &'static [(&'static str, &'static str)],
    u16,
    &'static str,
);

async fn refused_import_forms_say_why_in_place_and_write_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("importer@example.com", "Importer").await;
    let tenant = Tenant::new(session.user_id);
    let file = "first_name,last_name\nAda,Lovelace\n";

    post_import(&app, &session, Some(file), &[("on_duplicate", "merge")])
        .await
        .expect(422)
        .has(&[
            "id=\"import-duplicates-error\">must be one of: skip update<",
            "data-testid=\"import-form\"",
        ])
        .lacks(&["data-testid=\"import-summary\""]);
    let refusals: [Refusal; 4] = [
        (
            file,
            &[("on_duplicate", "update"), ("dry_run", "maybe")],
            422,
            "id=\"import-dry-run-error\">must be true or false<",
        ),
        (
            file,
            &[("on_duplicate", "skip"), ("on_duplicate", "update")],
            422,
            "id=\"import-duplicates-error\">is given more than once<",
        ),
        // No file chosen: browsers send an empty file part.
        (
            "",
            &[("on_duplicate", "skip")],
            422,
            "id=\"import-file-error\">choose a CSV file to import<",
        ),
        // A malformed file: the API's 400 and its reason, above the form.
        (
            "first_name,last_name\n\"Ada,Lovelace\n",
            &[],
            400,
            "The file was not imported: line 2: a quoted field is never closed",
        ),
    ];
    for (file, fields, status, reason) in refusals {
        post_import(&app, &session, Some(file), fields)
            .await
            .expect(status)
            .has(&[reason]);
    }
    // Not a multipart form at all.
    app.post(Some(&session), IMPORT_FORM, &[("on_duplicate", "skip")])
        .await
        .expect(400)
        .has(&["must be sent as multipart/form-data"]);
    assert!(contacts_of(&app, tenant).await.is_empty());

    // A cross-site post is refused before anything is read; signed out goes to sign-in.
    let cross_site = app
        .raw(Method::POST, IMPORT_FORM)
        .header("origin", "https://evil.example")
        .header("cookie", &session.cookie)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(Some(file), &[]));
    app.send(cross_site).await.expect(403);
    let signed_out = app
        .raw(Method::POST, IMPORT_FORM)
        .header("origin", format!("http://{}", app.host))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(Some(file), &[]));
    app.send(signed_out).await.expect(303);
    assert!(contacts_of(&app, tenant).await.is_empty());
}

async fn open_tasks_show_on_the_dashboard_and_the_lead_page_overdue_first(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("tasker@example.com", "Tasker").await;
    let services = Services::new(app.store.repositories());
    let tenant = Tenant::new(session.user_id);
    let ada = contact(&services, tenant, "Ada", "Lovelace", "new").await;
    let bob = contact(&services, tenant, "Bob", "Baker", "new").await;
    task(&services, tenant, ada, "Send the proposal", 48).await;
    task(&services, tenant, bob, "Call back Bob", -24).await;

    let dashboard = app.get(Some(&session), "/dashboard/crm").await;
    dashboard
        .expect(200)
        .has(&["data-testid=\"open-tasks\"", "1 overdue", "Overdue · Due"]);
    let late = dashboard.body.find("Call back Bob").unwrap();
    let later = dashboard.body.find("Send the proposal").unwrap();
    assert!(late < later, "the overdue task comes first");

    let lead = app
        .get(Some(&session), &format!("/apps/crm/lead-details?id={ada}"))
        .await;
    lead.expect(200)
        .has(&["data-testid=\"open-tasks\"", "Send the proposal"]);
    let panel_start = lead.body.find("data-testid=\"open-tasks\"").unwrap();
    assert!(
        !lead.body[panel_start..].contains("Call back Bob"),
        "another contact's task on the lead page"
    );
}
