//! The contact list (search, filters, export and import controls), the import form on the
//! add-contact page, and the open-tasks panels of the dashboard and the lead page.

use chrono::{Duration, Utc};
use crm_domain::contact::ContactInput;
use crm_domain::{ActivityInput, CompanyChoice, NewContact, Services, Tenant};
use crm_store::Store;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::TestApp;

crm_store::backend_tests!(
    the_contact_list_searches_filters_and_links_export_and_import,
    the_add_contact_page_offers_the_csv_import,
    open_tasks_show_on_the_dashboard_and_the_lead_page_overdue_first,
);

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
            "action=\"/api/crm/contacts/import\"",
            "enctype=\"multipart/form-data\"",
            "data-testid=\"import-progress\"",
        ]);
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
