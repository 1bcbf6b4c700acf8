//! Another user's rows: every id route answers 404 (never 403, never 200), references in a
//! body are refused (422 or 404), lists show only the caller's rows, nothing of the owner
//! changes, and the dashboard and deal analytics of one user do not move when another works.

use chrono::{Duration, Utc};
use crm_store::Store;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id, ids, unknown_id};

crm_store::backend_tests!(
    another_users_ids_are_404_on_every_id_route_and_their_rows_stay_unchanged,
    references_to_another_users_rows_in_a_body_are_refused,
    lists_and_the_board_show_only_the_callers_rows,
    another_users_work_leaves_the_dashboard_and_deal_analytics_byte_identical,
    another_users_deal_analytics_is_404_like_an_unknown_id,
);

/// What Ann owns: a contact, a deal on it, an activity and a custom stage.
struct Owned {
    contact: Value,
    deal: Value,
    activity: Value,
    stage: Value,
}

async fn anns_rows(app: &TestApp, ann: &User, ben: &User) -> Owned {
    let contact = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}),
        )
        .await
        .expect(201);
    let deal = app
        .deal_with(
            ann,
            "Engine",
            "SQL",
            json!({"contact_id": id(&contact), "amount": "100", "collaborator_ids": [ben.id]}),
        )
        .await;
    let activity = app
        .post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": "note", "deal_id": id(&deal), "subject": "Private"}),
        )
        .await
        .expect(201);
    let stage = app
        .post(
            &ann.token,
            "/api/crm/pipeline-stages",
            json!({"name": "Secret stage"}),
        )
        .await
        .expect(201);
    Owned {
        contact,
        deal,
        activity,
        stage,
    }
}

async fn snapshot(app: &TestApp, ann: &User, owned: &Owned) -> Vec<Value> {
    let mut out = Vec::new();
    for path in [
        format!("/api/crm/contacts/{}", id(&owned.contact)),
        format!("/api/crm/deals/{}", id(&owned.deal)),
        format!("/api/crm/activities?deal_id={}", id(&owned.deal)),
        "/api/crm/pipeline-stages".to_owned(),
        "/api/crm/deals".to_owned(),
    ] {
        out.push(app.get(&ann.token, &path).await.expect(200));
    }
    out
}

async fn another_users_ids_are_404_on_every_id_route_and_their_rows_stay_unchanged(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let owned = anns_rows(&app, &ann, &ben).await;
    let before = snapshot(&app, &ann, &owned).await;

    let contact = format!("/api/crm/contacts/{}", id(&owned.contact));
    let deal = format!("/api/crm/deals/{}", id(&owned.deal));
    let activity = format!("/api/crm/activities/{}", id(&owned.activity));
    let stage = format!("/api/crm/pipeline-stages/{}", id(&owned.stage));
    let collaborators = format!("{deal}/collaborators");
    let requests: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, contact.clone(), None),
        (
            Method::PATCH,
            contact.clone(),
            Some(json!({"first_name": "Mine"})),
        ),
        (Method::DELETE, contact.clone(), None),
        (Method::GET, deal.clone(), None),
        (Method::PATCH, deal.clone(), Some(json!({"name": "Mine"}))),
        (
            Method::PATCH,
            deal.clone(),
            Some(json!({"stage": "Won", "stage_order": 0})),
        ),
        (Method::DELETE, deal.clone(), None),
        (
            Method::POST,
            collaborators.clone(),
            Some(json!({"user_id": ben.id})),
        ),
        (Method::DELETE, format!("{collaborators}/{}", ben.id), None),
        (
            Method::PATCH,
            activity.clone(),
            Some(json!({"subject": "Mine"})),
        ),
        (Method::DELETE, activity.clone(), None),
        (Method::PATCH, stage.clone(), Some(json!({"name": "Mine"}))),
        (Method::DELETE, stage.clone(), None),
        (Method::DELETE, format!("{stage}?move_to=SQL"), None),
    ];
    for (method, path, body) in requests {
        let answer = app
            .call(method.clone(), &path, Some(&ben.token), body.as_ref())
            .await;
        assert_eq!(answer.status, 404, "{method} {path}: {}", answer.body);
        answer.expect_error(404, "not_found");
    }
    // Ben, as a collaborator, still cannot open Ann's deal: deals belong to their owner.
    assert_eq!(snapshot(&app, &ann, &owned).await, before);
}

async fn references_to_another_users_rows_in_a_body_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let owned = anns_rows(&app, &ann, &ben).await;
    let before = snapshot(&app, &ann, &owned).await;
    let bens_deal = app.deal(&ben, "Ben's deal", "SQL").await;
    let bens_contact = app.contact(&ben, "Grace", "Hopper").await;

    let refused: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/crm/deals".to_owned(),
            json!({"name": "X", "stage": "SQL", "contact_id": id(&owned.contact)}),
        ),
        (
            Method::POST,
            "/api/crm/deals".to_owned(),
            json!({"name": "X", "stage_id": id(&owned.stage)}),
        ),
        (
            Method::PATCH,
            format!("/api/crm/deals/{}", id(&bens_deal)),
            json!({"contact_id": id(&owned.contact)}),
        ),
        (
            Method::PATCH,
            format!("/api/crm/deals/{}", id(&bens_deal)),
            json!({"stage_id": id(&owned.stage)}),
        ),
        (
            Method::POST,
            "/api/crm/activities".to_owned(),
            json!({"type": "note", "deal_id": id(&owned.deal)}),
        ),
        (
            Method::POST,
            "/api/crm/activities".to_owned(),
            json!({"type": "note", "contact_id": id(&owned.contact)}),
        ),
        (
            Method::POST,
            "/api/crm/activities".to_owned(),
            json!({"type": "note", "contact_id": id(&bens_contact), "deal_id": id(&owned.deal)}),
        ),
    ];
    for (method, path, body) in refused {
        let answer = app
            .call(method.clone(), &path, Some(&ben.token), Some(&body))
            .await;
        assert!(
            answer.status == 422 || answer.status == 404,
            "{method} {path} {body}: {} {}",
            answer.status,
            answer.body
        );
        if answer.status == 422 {
            answer.expect_fields();
        } else {
            answer.expect_error(404, "not_found");
        }
    }
    // A filter on another user's ids finds nothing.
    for path in [
        format!("/api/crm/activities?deal_id={}", id(&owned.deal)),
        format!("/api/crm/activities?contact_id={}", id(&owned.contact)),
    ] {
        let page = app.get(&ben.token, &path).await.expect(200);
        assert_eq!(page["data"], json!([]), "{path}");
    }
    let page = app
        .get(&ben.token, "/api/crm/deals?stage=Secret%20stage")
        .await;
    page.expect_fields();

    assert_eq!(snapshot(&app, &ann, &owned).await, before);
    // Ben's own rows are untouched as well.
    let bens = app
        .get(&ben.token, &format!("/api/crm/deals/{}", id(&bens_deal)))
        .await
        .expect(200);
    assert_eq!(bens["contact"], Value::Null);
    assert_eq!(bens["stage"], "SQL");
}

async fn lists_and_the_board_show_only_the_callers_rows(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let owned = anns_rows(&app, &ann, &ben).await;
    app.post(
        &ann.token,
        "/api/crm/marketing-spend",
        json!({"spent_on": "2026-01-10", "lead_source": "event", "allotted": "1", "used": "1"}),
    )
    .await
    .expect(201);

    let contacts = app
        .get(&ben.token, "/api/crm/contacts?q=ada")
        .await
        .expect(200);
    assert_eq!(contacts["data"], json!([]));
    let activities = app.get(&ben.token, "/api/crm/activities").await.expect(200);
    assert_eq!(activities["data"], json!([]));
    let board = app.board(&ben).await;
    for column in board["stages"].as_array().unwrap() {
        assert_eq!(column["count"], 0);
        assert_eq!(column["total_amount"], "0.00");
    }
    let stages = app
        .get(&ben.token, "/api/crm/pipeline-stages")
        .await
        .expect(200);
    assert!(
        stages
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["name"] != "Secret stage")
    );
    let spend = app
        .get(
            &ben.token,
            "/api/crm/marketing-spend?from=2026-01-01&to=2026-02-01",
        )
        .await
        .expect(200);
    assert_eq!(spend, json!([]));
    // Ann still sees hers.
    let mine = app.get(&ann.token, "/api/crm/contacts").await.expect(200);
    assert_eq!(ids(&mine), [id(&owned.contact)]);
}

/// Ben's pipeline of today: a referral contact at a shared company, a deal moved to SQL with a
/// call on it, a won deal and a day of spend. Returns Ben's open deal.
async fn bens_day(app: &TestApp, ben: &User, company: &Value, today: &str) -> Value {
    let grace = app
        .post(
            &ben.token,
            "/api/crm/contacts",
            json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com",
                   "lead_source": "referral", "company_id": id(company)}),
        )
        .await
        .expect(201);
    let deal = app
        .deal_with(
            ben,
            "Ben's deal",
            "Contact",
            json!({"amount": "700.00", "company_id": id(company), "contact_id": id(&grace)}),
        )
        .await;
    app.patch(
        &ben.token,
        &format!("/api/crm/deals/{}", id(&deal)),
        json!({"stage": "SQL"}),
    )
    .await
    .expect(200);
    let won = app
        .deal_with(
            ben,
            "Ben's win",
            "Contact",
            json!({"amount": "300.00", "company_id": id(company)}),
        )
        .await;
    app.patch(
        &ben.token,
        &format!("/api/crm/deals/{}", id(&won)),
        json!({"stage": "Won"}),
    )
    .await
    .expect(200);
    app.post(
        &ben.token,
        "/api/crm/activities",
        json!({"type": "call", "deal_id": id(&deal), "contact_id": id(&grace),
               "metadata": {"sentiment": "positive"}}),
    )
    .await
    .expect(201);
    app.post(
        &ben.token,
        "/api/crm/marketing-spend",
        json!({"spent_on": today, "lead_source": "referral", "allotted": "100", "used": "60"}),
    )
    .await
    .expect(201);
    deal
}

/// Ann's busy day, in the same company, days and lead source as Ben: contacts, deals created,
/// moved, won and lost (one with Ben as collaborator), activities of every kind with
/// sentiments, spend on Ben's day and source, a renamed and a new stage.
async fn anns_day(app: &TestApp, ann: &User, ben: &User, company: &Value, today: &str) {
    let ada = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "Ada", "last_name": "Lovelace", "email": "grace@example.com",
                   "lead_source": "referral", "company_id": id(company)}),
        )
        .await
        .expect(201);
    let mut deals = Vec::new();
    for (name, amount) in [
        ("Ann one", "1000.00"),
        ("Ann two", "2000.00"),
        ("Ann three", "3000.00"),
    ] {
        let deal = app
            .deal_with(
                ann,
                name,
                "Contact",
                json!({"amount": amount, "company_id": id(company), "contact_id": id(&ada),
                       "collaborator_ids": [ben.id]}),
            )
            .await;
        deals.push(deal);
    }
    for (deal, stages) in deals
        .iter()
        .zip([&["MQL", "SQL"][..], &["SQL", "Won"], &["MQL", "Lost"]])
    {
        for stage in stages {
            app.patch(
                &ann.token,
                &format!("/api/crm/deals/{}", id(deal)),
                json!({"stage": stage}),
            )
            .await
            .expect(200);
        }
    }
    for (kind, metadata) in [
        ("call", json!({"sentiment": "positive"})),
        ("email", json!({"sentiment": "negative"})),
        ("meeting", json!({"sentiment": "positive"})),
        ("note", json!({})),
        ("task", json!({})),
    ] {
        app.post(
            &ann.token,
            "/api/crm/activities",
            json!({"type": kind, "deal_id": id(&deals[0]), "contact_id": id(&ada), "metadata": metadata}),
        )
        .await
        .expect(201);
    }
    app.post(
        &ann.token,
        "/api/crm/marketing-spend",
        json!({"spent_on": today, "lead_source": "referral", "allotted": "900", "used": "800"}),
    )
    .await
    .expect(201);
    let sql = app.stage_id(ann, "SQL").await;
    app.patch(
        &ann.token,
        &format!("/api/crm/pipeline-stages/{sql}"),
        json!({"name": "Qualified"}),
    )
    .await
    .expect(200);
    app.post(
        &ann.token,
        "/api/crm/pipeline-stages",
        json!({"name": "Demo", "position": 1}),
    )
    .await
    .expect(201);
}

async fn another_users_work_leaves_the_dashboard_and_deal_analytics_byte_identical(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let company = app
        .post(
            &ben.token,
            "/api/crm/companies",
            json!({"name": "Shared Industries"}),
        )
        .await
        .expect(201);
    // One fixed range around today, so both reads ask the same question.
    let today = Utc::now().date_naive();
    let query = format!(
        "from={}&to={}",
        today - Duration::days(29),
        today + Duration::days(1)
    );
    let bens_deal = bens_day(&app, &ben, &company, &today.to_string()).await;

    let paths = [
        format!("/api/crm/dashboard?{query}"),
        format!("/api/crm/dashboard?{query}&days=30"),
        format!("/api/crm/deals/{}/analytics", id(&bens_deal)),
    ];
    let mut before = Vec::new();
    for path in &paths {
        let answer = app.get(&ben.token, path).await;
        answer.expect(200);
        before.push(answer.body);
    }
    // Ben's answers are not empty: his own rows are in them.
    let dashboard: Value = serde_json::from_str(&before[0]).unwrap();
    assert_eq!(dashboard["kpis"]["deals_created"]["count"], 2);
    assert_eq!(dashboard["lead_sources"]["total"], 1);

    anns_day(&app, &ann, &ben, &company, &today.to_string()).await;
    // Ann's work landed in the same range: her dashboard sees it.
    let anns = app.get(&ann.token, &paths[0]).await.expect(200);
    assert_eq!(anns["kpis"]["deals_created"]["count"], 3);
    assert_eq!(anns["kpis"]["deals_closed"]["count"], 2);

    for (path, before) in paths.iter().zip(&before) {
        let after = app.get(&ben.token, path).await;
        after.expect(200);
        assert_eq!(&after.body, before, "{path} changed after Ann's work");
    }
}

async fn another_users_deal_analytics_is_404_like_an_unknown_id(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let owned = anns_rows(&app, &ann, &ben).await;
    let path = format!("/api/crm/deals/{}/analytics", id(&owned.deal));
    // Ann sees her deal's analytics.
    let mine = app.get(&ann.token, &path).await.expect(200);
    assert_eq!(mine["amount"], "100.00");

    // Ben, although a collaborator on it, gets the same 404 as for an id that names nothing,
    // so the answer does not tell that the deal exists.
    let theirs = app.get(&ben.token, &path).await;
    theirs.expect_error(404, "not_found");
    let unknown = app
        .get(
            &ben.token,
            &format!("/api/crm/deals/{}/analytics", unknown_id()),
        )
        .await;
    unknown.expect_error(404, "not_found");
    assert_eq!(theirs.body, unknown.body);
    assert_eq!(app.get(&ann.token, &path).await.expect(200), mine);
}
