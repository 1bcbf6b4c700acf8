//! Every page renders for the signed-in demo user with its key elements, the security
//! headers, and no inline script.

use crm_store::Store;

use crate::helpers::{AVA, Page, TestApp};

#[track_caller]
fn csp_friendly(page: &Page) {
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{}: no CSP", page.what))
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(
        page.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
    // Scripts only by URL, no event-handler attributes, no inline styles.
    for (i, _) in page.body.match_indices("<script") {
        let tag = &page.body[i..i + page.body[i..].find('>').unwrap()];
        assert!(tag.contains(" src="), "{}: inline script {tag}", page.what);
    }
    for attr in [
        " onclick=",
        " onload=",
        " onerror=",
        " onchange=",
        " style=\"",
    ] {
        assert!(!page.body.contains(attr), "{}: {attr} found", page.what);
    }
    assert!(page.body.contains("/static/app.css?v="), "{}", page.what);
    assert!(page.body.contains("/static/app.js?v="), "{}", page.what);
}

async fn every_page_renders_for_the_demo_user(store: Store) {
    let app = TestApp::with_demo(store).await;
    let session = app.login(AVA).await;
    let deal = app.some_deal(AVA.0).await;
    let contact = app.some_contact(AVA.0).await;

    let dashboard = app.get(Some(&session), "/dashboard/crm").await;
    dashboard.expect(200).has(&[
        "Hello, Ava",
        "data-testid=\"range-7d\"",
        "data-testid=\"range-year\"",
        "data-testid=\"counter-deals_created\"",
        "data-testid=\"counter-deals_closed\"",
        "data-testid=\"kpi-open_pipeline\"",
        "data-testid=\"kpi-won_revenue\"",
        "data-testid=\"kpi-win_rate\"",
        "data-testid=\"kpi-new_contacts\"",
        "data-testid=\"kpi-avg_sales_cycle_days\"",
        "data-testid=\"chart-revenue\"",
        "data-testid=\"chart-feedback\"",
        "data-testid=\"chart-lead-sources\"",
        "data-testid=\"chart-acquisition\"",
        "data-testid=\"chart-funnel\"",
        "data-testid=\"chart-lifetime\"",
        "data-testid=\"chart-engagement\"",
        "<svg class=\"chart\"",
        "aria-current=\"page\"",
        "data-testid=\"sign-out\"",
        "data-testid=\"global-search\"",
    ]);
    csp_friendly(&dashboard);

    let board = app.get(Some(&session), "/apps/crm/deals").await;
    board.expect(200).has(&[
        "data-testid=\"board\"",
        "data-testid=\"column\"",
        "data-testid=\"column-title\"",
        "data-testid=\"column-count\"",
        "data-testid=\"column-sum\"",
        "data-testid=\"column-collapse\"",
        "data-testid=\"column-menu\"",
        "data-testid=\"deal-card\"",
        "draggable=\"true\"",
        "data-testid=\"move-to\"",
        "data-testid=\"new-deal-dialog\"",
        "data-testid=\"add-stage\"",
        "data-testid=\"board-search\"",
        "value=\"Contact\"",
        "value=\"Won\"",
        &deal.name,
    ]);
    csp_friendly(&board);

    let form = app.get(Some(&session), "/apps/crm/add-contact").await;
    form.expect(200).has(&[
        "data-testid=\"add-contact-form\"",
        "data-testid=\"step-personal\"",
        "data-testid=\"step-company\"",
        "data-testid=\"step-lead\"",
        "<label for=\"first-name\">First name",
        "data-testid=\"wizard-next\"",
    ]);
    csp_friendly(&form);

    let lead = app
        .get(
            Some(&session),
            &format!("/apps/crm/lead-details?id={}", contact.contact.id),
        )
        .await;
    lead.expect(200).has(&[
        "data-testid=\"lead-header\"",
        &contact.contact.first_name,
        "data-testid=\"lead-tiles\"",
        "Lead source",
        "Contact owner",
        "data-testid=\"lead-deals\"",
        "data-testid=\"activity\"",
        "data-testid=\"tab-all\"",
        "data-testid=\"tab-email\"",
        "data-testid=\"tab-meeting\"",
        "data-testid=\"tab-call\"",
        "data-testid=\"tab-task\"",
        "data-testid=\"tab-note\"",
        "data-testid=\"lead-edit-form\"",
        "data-testid=\"lead-new-deal\"",
    ]);
    csp_friendly(&lead);
    for tab in ["email", "meeting", "call", "task", "note"] {
        app.get(
            Some(&session),
            &format!("/apps/crm/lead-details?id={}&tab={tab}", contact.contact.id),
        )
        .await
        .expect(200)
        .has(&[&format!("aria-current=\"page\" data-testid=\"tab-{tab}\"") as &str]);
    }

    let deal_page = app
        .get(
            Some(&session),
            &format!("/apps/crm/deal-details?id={}", deal.id),
        )
        .await;
    deal_page.expect(200).has(&[
        "data-testid=\"deal-header\"",
        &deal.name,
        "data-testid=\"deal-status\"",
        "data-testid=\"status-won\"",
        "data-testid=\"deal-stepper\"",
        "aria-current=\"step\"",
        "data-testid=\"deal-assigned\"",
        "data-testid=\"deal-contact\"",
        "data-testid=\"deal-account\"",
        "data-testid=\"activity\"",
        "data-testid=\"more-details-drawer\"",
        "data-testid=\"info-rows\"",
        "Forecast category",
        "Probability",
        "Created by",
    ]);
    csp_friendly(&deal_page);
    // The 13 rows of the drawer.
    let rows = deal_page.body.matches("<dt>").count();
    assert!(rows >= 13, "only {rows} info rows");

    let search = app.get(Some(&session), "/search?q=a").await;
    search.expect(200).has(&[
        "data-testid=\"search-contacts\"",
        "data-testid=\"search-deals\"",
    ]);
    csp_friendly(&search);
}

async fn board_fragments_serve_columns_and_more_cards(store: Store) {
    let app = TestApp::with_demo(store).await;
    let session = app.login(AVA).await;
    let fragment = app
        .get(Some(&session), "/apps/crm/deals/board?per_stage=2")
        .await;
    fragment
        .expect(200)
        .has(&["data-testid=\"column\"", "data-testid=\"deal-card\""])
        .lacks(&["<html", "data-testid=\"new-deal-dialog\""]);
    let deal = app.some_deal(AVA.0).await;
    let cards = app
        .get(
            Some(&session),
            &format!("/apps/crm/deals/cards?stage_id={}&cursor=o0", deal.stage_id),
        )
        .await;
    cards.expect(200).has(&["data-testid=\"deal-card\""]);
    // With a page of 2 per column, a column holding more shows "Load more".
    if fragment.body.contains("data-load-more") {
        assert!(fragment.body.contains("data-cursor=\"o2\""));
    }
}

crm_store::backend_tests!(
    every_page_renders_for_the_demo_user,
    board_fragments_serve_columns_and_more_cards,
);
