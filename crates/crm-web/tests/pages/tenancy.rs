//! Another user's ids, unknown ids and unknown paths are the HTML 404 page, never the data.

use crm_store::Store;

use crate::helpers::{AVA, BEN, TestApp};

async fn another_users_deal_and_contact_are_404_pages(store: Store) {
    let app = TestApp::with_demo(store).await;
    let ben = app.login(BEN).await;
    let deal = app.some_deal(AVA.0).await;
    let contact = app.some_contact(AVA.0).await;
    let page = app
        .get(
            Some(&ben),
            &format!("/apps/crm/deal-details?id={}", deal.id),
        )
        .await;
    page.expect(404)
        .has(&["data-testid=\"error-page\"", "Page not found"])
        .lacks(&[&deal.name]);
    let page = app
        .get(
            Some(&ben),
            &format!("/apps/crm/lead-details?id={}", contact.contact.id),
        )
        .await;
    page.expect(404).has(&["Page not found"]).lacks(&[&format!(
        "{} {}",
        contact.contact.first_name, contact.contact.last_name
    )]);
    // Writes to another user's rows are 404 too, and change nothing.
    for path in [
        format!("/apps/crm/deals/{}/status", deal.id),
        format!("/apps/crm/deals/{}/delete", deal.id),
        format!("/apps/crm/deals/{}/edit", deal.id),
        format!("/apps/crm/contacts/{}/delete", contact.contact.id),
        format!("/apps/crm/contacts/{}/edit", contact.contact.id),
        format!(
            "/apps/crm/lead-details/activities?id={}",
            contact.contact.id
        ),
        format!("/apps/crm/deal-details/activities?id={}", deal.id),
        format!("/apps/crm/stages/{}/delete", deal.stage_id),
        format!("/apps/crm/stages/{}/rename", deal.stage_id),
    ] {
        app.post(
            Some(&ben),
            &path,
            &[
                ("status", "won"),
                ("name", "Mine now"),
                ("type", "note"),
                ("description", "x"),
            ],
        )
        .await
        .expect(404);
    }
    let ava = app.login(AVA).await;
    app.get(
        Some(&ava),
        &format!("/apps/crm/deal-details?id={}", deal.id),
    )
    .await
    .expect(200)
    .has(&[&deal.name]);
    // Ben's board never shows Ava's deals.
    app.get(Some(&ben), "/apps/crm/deals")
        .await
        .expect(200)
        .lacks(&[&deal.id.to_string()]);
}

async fn unknown_ids_and_paths_are_404_pages(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("lost@example.com", "Lost").await;
    for path in [
        format!("/apps/crm/deal-details?id={}", uuid::Uuid::now_v7()),
        "/apps/crm/deal-details?id=not-a-uuid".to_owned(),
        "/apps/crm/deal-details".to_owned(),
        format!("/apps/crm/lead-details?id={}", uuid::Uuid::now_v7()),
        "/apps/crm/nothing-here".to_owned(),
        "/dashboard/nothing".to_owned(),
    ] {
        app.get(Some(&session), &path)
            .await
            .expect(404)
            .has(&["Page not found"]);
    }
}

crm_store::backend_tests!(
    another_users_deal_and_contact_are_404_pages,
    unknown_ids_and_paths_are_404_pages,
);
