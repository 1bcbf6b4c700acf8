//! Contacts: create (with a company object or id), validation, duplicate e-mails, list
//! filters, sorting and paging, the detail page, partial edits and deletion.

use std::collections::HashSet;

use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id, ids, keys, unknown_id};

crm_store::backend_tests!(
    creating_a_contact_with_a_company_object_gets_or_creates_the_company,
    creating_a_contact_with_a_company_id_links_that_company,
    a_contact_with_an_unknown_company_or_both_company_forms_is_422,
    contact_validation_reports_every_bad_field_at_once,
    a_duplicate_email_among_your_contacts_is_409_but_another_user_may_use_it,
    the_contact_list_filters_by_search_status_source_and_company,
    the_contact_list_sorts_by_name_or_creation,
    paging_through_contacts_visits_every_row_exactly_once,
    a_contact_page_shows_its_company_its_deals_and_the_pipeline,
    patching_a_contact_changes_only_the_given_fields_and_null_clears,
    deleting_a_contact_is_204_then_404_and_its_deals_stay_without_contact,
    concurrent_contacts_naming_one_new_company_share_it,
    deleting_a_contact_keeps_the_history_of_its_deals,
);

const CONTACT_KEYS: [&str; 17] = [
    "avatar_url",
    "company",
    "company_id",
    "contact_owner_id",
    "created_at",
    "created_by",
    "email",
    "first_name",
    "id",
    "last_name",
    "lead_source",
    "lead_status",
    "linkedin_url",
    "notes",
    "phone",
    "title",
    "updated_at",
];

async fn create(app: &TestApp, user: &User, body: Value) -> Value {
    app.post(&user.token, "/api/crm/contacts", body)
        .await
        .expect(201)
}

async fn creating_a_contact_with_a_company_object_gets_or_creates_the_company(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ada = create(
        &app,
        &ann,
        json!({
            "first_name": " Ada ",
            "last_name": "Lovelace",
            "email": "ADA@Example.com",
            "phone": "+44 20 7946 0000",
            "title": "CTO",
            "lead_source": "referral",
            "lead_status": "new",
            "linkedin_url": "https://linkedin.example/ada",
            "notes": "Met at the conference",
            "company": {"name": "Analytical Engines", "industry": "Computing"},
        }),
    )
    .await;
    assert_eq!(keys(&ada), CONTACT_KEYS);
    assert_eq!(ada["first_name"], "Ada");
    assert_eq!(ada["email"], "ada@example.com");
    assert_eq!(ada["lead_source"], "referral");
    assert_eq!(ada["lead_status"], "new");
    assert_eq!(ada["created_by"], ann.id.as_str());
    assert_eq!(ada["contact_owner_id"], ann.id.as_str());
    assert_eq!(ada["company"]["name"], "Analytical Engines");
    assert_eq!(keys(&ada["company"]), ["id", "logo_url", "name"]);
    assert_eq!(ada["company_id"], ada["company"]["id"]);

    // The same company, named differently, is reused.
    let charles = create(
        &app,
        &ann,
        json!({"first_name": "Charles", "last_name": "Babbage", "company": {"name": "analytical ENGINES"}}),
    )
    .await;
    assert_eq!(charles["company_id"], ada["company_id"]);
    let directory = app
        .get(&ann.token, "/api/crm/companies?q=analytical")
        .await
        .expect(200);
    assert_eq!(directory["data"].as_array().unwrap().len(), 1);
    assert_eq!(directory["data"][0]["industry"], "Computing");
    assert_eq!(directory["data"][0]["created_by"], ann.id.as_str());
}

async fn creating_a_contact_with_a_company_id_links_that_company(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    // A company from the shared directory, added by someone else.
    let company = app
        .post(&ben.token, "/api/crm/companies", json!({"name": "Globex"}))
        .await
        .expect(201);
    let contact = create(
        &app,
        &ann,
        json!({"first_name": "Hank", "last_name": "Scorpio", "company_id": id(&company)}),
    )
    .await;
    assert_eq!(contact["company_id"], company["id"]);
    assert_eq!(contact["company"]["name"], "Globex");
}

async fn a_contact_with_an_unknown_company_or_both_company_forms_is_422(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let unknown = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "A", "last_name": "B", "company_id": unknown_id()}),
        )
        .await;
    assert_eq!(unknown.expect_fields(), ["company_id"]);
    let company = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Globex"}))
        .await
        .expect(201);
    let both = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "A", "last_name": "B", "company_id": id(&company), "company": {"name": "Other"}}),
        )
        .await;
    assert_eq!(both.expect_fields(), ["company"]);
    let bad_company = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "A", "last_name": "B", "company": {"name": ""}}),
        )
        .await;
    assert_eq!(bad_company.expect_fields(), ["company"]);
    let unknown_owner = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "A", "last_name": "B", "contact_owner_id": unknown_id()}),
        )
        .await;
    assert_eq!(unknown_owner.expect_fields(), ["contact_owner_id"]);
    // Nothing was written.
    let list = app.get(&ann.token, "/api/crm/contacts").await.expect(200);
    assert_eq!(list["data"], json!([]));
}

async fn contact_validation_reports_every_bad_field_at_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let bad = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({
                "first_name": " ",
                "last_name": "",
                "email": "not-an-address",
                "lead_source": "carrier_pigeon",
                "lead_status": "hot",
                "linkedin_url": "javascript:alert(1)",
                "notes": "x".repeat(10_001),
            }),
        )
        .await;
    assert_eq!(
        bad.expect_fields(),
        [
            "email",
            "first_name",
            "last_name",
            "lead_source",
            "lead_status",
            "linkedin_url",
            "notes"
        ]
    );
    // Owner columns cannot be mass-assigned.
    for field in ["user_id", "created_by", "id"] {
        let mut body = json!({"first_name": "A", "last_name": "B"});
        body[field] = json!(unknown_id());
        app.post(&ann.token, "/api/crm/contacts", body)
            .await
            .expect_error(400, "bad_request");
    }
}

async fn a_duplicate_email_among_your_contacts_is_409_but_another_user_may_use_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let body = json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"});
    create(&app, &ann, body.clone()).await;
    let again = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "Other", "last_name": "Ada", "email": "ADA@example.com"}),
        )
        .await;
    again.expect_error(409, "conflict");
    create(&app, &ben, body).await;

    // A patch onto a taken address is a conflict too.
    let other = create(
        &app,
        &ann,
        json!({"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}),
    )
    .await;
    app.patch(
        &ann.token,
        &format!("/api/crm/contacts/{}", id(&other)),
        json!({"email": "ada@example.com"}),
    )
    .await
    .expect_error(409, "conflict");
    // Contacts without an e-mail never collide.
    create(&app, &ann, json!({"first_name": "No", "last_name": "Mail"})).await;
    create(&app, &ann, json!({"first_name": "No", "last_name": "Mail"})).await;
}

async fn the_contact_list_filters_by_search_status_source_and_company(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let globex = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Globex"}))
        .await
        .expect(201);
    let ada = create(
        &app,
        &ann,
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@engines.test",
               "lead_status": "qualified", "lead_source": "referral", "company_id": id(&globex)}),
    )
    .await;
    let grace = create(
        &app,
        &ann,
        json!({"first_name": "Grace", "last_name": "Hopper", "phone": "555-0199",
               "lead_status": "new", "lead_source": "referral"}),
    )
    .await;
    let alan = create(
        &app,
        &ann,
        json!({"first_name": "Alan", "last_name": "Turing", "email": "alan@bletchley.test",
               "lead_status": "qualified", "lead_source": "webinar", "company_id": id(&globex)}),
    )
    .await;

    let query = |q: &str| format!("/api/crm/contacts?{q}");
    let found = |page: Value| ids(&page).into_iter().collect::<HashSet<_>>();
    let set = |rows: &[&Value]| rows.iter().map(|r| id(r)).collect::<HashSet<_>>();

    let by_company = format!("company_id={}", id(&globex));
    let cases: Vec<(&str, HashSet<String>)> = vec![
        ("q=LOVE", set(&[&ada])),
        ("q=ada%20love", set(&[&ada])),
        ("q=bletchley", set(&[&alan])),
        ("q=0199", set(&[&grace])),
        ("q=a", set(&[&ada, &grace, &alan])),
        ("lead_status=qualified", set(&[&ada, &alan])),
        ("lead_source=referral", set(&[&ada, &grace])),
        ("lead_status=qualified&lead_source=referral", set(&[&ada])),
        (&by_company, set(&[&ada, &alan])),
        (
            "lead_source=webinar&company_id=00000000-0000-0000-0000-000000000000",
            HashSet::new(),
        ),
        ("q=nobody", HashSet::new()),
    ];
    for (q, expected) in cases {
        let page = app.get(&ann.token, &query(q)).await.expect(200);
        assert_eq!(found(page), expected, "?{q}");
    }

    for bad in [
        "lead_status=hot",
        "lead_source=pigeon",
        "sort=password",
        "cursor=zzz",
    ] {
        let fields = app.get(&ann.token, &query(bad)).await.expect_bad_query();
        assert_eq!(fields, [bad.split('=').next().unwrap()], "?{bad}");
    }
    app.get(&ann.token, &query("company_id=not-a-uuid"))
        .await
        .expect_error(400, "bad_request");
}

async fn the_contact_list_sorts_by_name_or_creation(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for (first, last) in [
        ("Grace", "Hopper"),
        ("Ada", "Lovelace"),
        ("Alan", "Turing"),
        ("Barbara", "Hopper"),
    ] {
        app.contact(&ann, first, last).await;
    }
    assert_eq!(
        names(&app, &ann, "?sort=name").await,
        [
            "Barbara Hopper",
            "Grace Hopper",
            "Ada Lovelace",
            "Alan Turing"
        ]
    );
    assert_eq!(
        names(&app, &ann, "?sort=-name").await,
        [
            "Alan Turing",
            "Ada Lovelace",
            "Grace Hopper",
            "Barbara Hopper"
        ]
    );
    let created = [
        "Grace Hopper",
        "Ada Lovelace",
        "Alan Turing",
        "Barbara Hopper",
    ];
    assert_eq!(names(&app, &ann, "?sort=created_at").await, created);
    let mut newest_first = created.to_vec();
    newest_first.reverse();
    assert_eq!(names(&app, &ann, "").await, newest_first);
    assert_eq!(names(&app, &ann, "?sort=-created_at").await, newest_first);
}

/// "First Last" of the contact list with `query`.
async fn names(app: &TestApp, user: &User, query: &str) -> Vec<String> {
    let page = app
        .get(&user.token, &format!("/api/crm/contacts{query}"))
        .await
        .expect(200);
    page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["first_name"].as_str().unwrap(),
                c["last_name"].as_str().unwrap()
            )
        })
        .collect()
}

async fn paging_through_contacts_visits_every_row_exactly_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mut all = HashSet::new();
    for i in 0..7 {
        all.insert(id(&app.contact(&ann, &format!("Person{i}"), "Paged").await));
    }
    for sort in ["-created_at", "name"] {
        let mut seen = Vec::new();
        let mut sizes = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let mut path = format!("/api/crm/contacts?limit=3&sort={sort}");
            if let Some(c) = &cursor {
                path.push_str(&format!("&cursor={c}"));
            }
            let page = app.get(&ann.token, &path).await.expect(200);
            let page_ids = ids(&page);
            sizes.push(page_ids.len());
            seen.extend(page_ids);
            match page["next_cursor"].as_str() {
                Some(next) => cursor = Some(next.to_owned()),
                None => break,
            }
        }
        assert_eq!(sizes, [3, 3, 1], "{sort}");
        assert_eq!(seen.len(), 7, "{sort}: duplicates in {seen:?}");
        assert_eq!(seen.into_iter().collect::<HashSet<_>>(), all, "{sort}");
    }
    // `limit` is clamped into 1..=200.
    let one = app
        .get(&ann.token, "/api/crm/contacts?limit=0")
        .await
        .expect(200);
    assert_eq!(one["data"].as_array().unwrap().len(), 1);
    assert!(one["next_cursor"].is_string());
    let many = app
        .get(&ann.token, "/api/crm/contacts?limit=100000")
        .await
        .expect(200);
    assert_eq!(many["data"].as_array().unwrap().len(), 7);
    assert_eq!(many["next_cursor"], Value::Null);
}

async fn a_contact_page_shows_its_company_its_deals_and_the_pipeline(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = create(
        &app,
        &ann,
        json!({"first_name": "Ada", "last_name": "Lovelace", "company": {"name": "Engines"}}),
    )
    .await;
    let first = app
        .deal_with(
            &ann,
            "Difference engine",
            "SQL",
            json!({"contact_id": id(&contact)}),
        )
        .await;
    let second = app
        .deal_with(
            &ann,
            "Analytical engine",
            "Won",
            json!({"contact_id": id(&contact)}),
        )
        .await;
    app.deal(&ann, "Someone else's deal", "SQL").await;

    let page = app
        .get(&ann.token, &format!("/api/crm/contacts/{}", id(&contact)))
        .await
        .expect(200);
    let mut expected_keys: Vec<&str> = CONTACT_KEYS.to_vec();
    expected_keys.extend(["deals", "stages"]);
    expected_keys.sort_unstable();
    assert_eq!(keys(&page), expected_keys);
    assert_eq!(page["company"]["name"], "Engines");
    let deals: HashSet<String> = page["deals"].as_array().unwrap().iter().map(id).collect();
    assert_eq!(deals, HashSet::from([id(&first), id(&second)]));
    for deal in page["deals"].as_array().unwrap() {
        assert!(deal["stage"].is_string() && deal["stage_id"].is_string());
        assert_eq!(deal["contact"]["id"], contact["id"]);
    }
    let stages: Vec<&str> = page["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["Contact", "MQL", "SQL", "Opportunity", "Won", "Lost"]
    );

    app.get(&ann.token, &format!("/api/crm/contacts/{}", unknown_id()))
        .await
        .expect_error(404, "not_found");
}

async fn patching_a_contact_changes_only_the_given_fields_and_null_clears(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let contact = create(
        &app,
        &ann,
        json!({"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com",
               "phone": "555-0100", "title": "Countess", "lead_status": "new",
               "company": {"name": "Engines"}}),
    )
    .await;
    let path = format!("/api/crm/contacts/{}", id(&contact));

    let titled = app
        .patch(
            &ann.token,
            &path,
            json!({"title": "CTO", "lead_status": "qualified"}),
        )
        .await
        .expect(200);
    assert_eq!(titled["title"], "CTO");
    assert_eq!(titled["lead_status"], "qualified");
    for unchanged in [
        "first_name",
        "last_name",
        "email",
        "phone",
        "company_id",
        "created_at",
    ] {
        assert_eq!(titled[unchanged], contact[unchanged], "{unchanged}");
    }

    let cleared = app
        .patch(
            &ann.token,
            &path,
            json!({"phone": null, "company_id": null, "lead_status": null, "contact_owner_id": ben.id}),
        )
        .await
        .expect(200);
    assert_eq!(cleared["phone"], Value::Null);
    assert_eq!(cleared["company_id"], Value::Null);
    assert_eq!(cleared["company"], Value::Null);
    assert_eq!(cleared["lead_status"], Value::Null);
    assert_eq!(cleared["title"], "CTO");
    assert_eq!(cleared["contact_owner_id"], ben.id.as_str());

    let reread = app.get(&ann.token, &path).await.expect(200);
    assert_eq!(reread["phone"], Value::Null);
    assert_eq!(reread["title"], "CTO");

    // Field rules are checked first, then the references.
    let bad = app
        .patch(
            &ann.token,
            &path,
            json!({"first_name": "", "email": "nope", "lead_source": "pigeon",
                   "company_id": unknown_id()}),
        )
        .await;
    assert_eq!(bad.expect_fields(), ["email", "first_name", "lead_source"]);
    let unknown = app
        .patch(
            &ann.token,
            &path,
            json!({"company_id": unknown_id(), "contact_owner_id": unknown_id()}),
        )
        .await;
    assert_eq!(unknown.expect_fields(), ["company_id", "contact_owner_id"]);
    app.patch(&ann.token, &path, json!({"user_id": ben.id}))
        .await
        .expect_error(400, "bad_request");
    app.patch(&ann.token, &path, json!({"first_name": null}))
        .await
        .expect_error(400, "bad_request");
    let still = app.get(&ann.token, &path).await.expect(200);
    assert_eq!(still["first_name"], "Ada");
    assert_eq!(still["email"], "ada@example.com");
}

async fn deleting_a_contact_is_204_then_404_and_its_deals_stay_without_contact(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app
        .deal_with(&ann, "Engine", "SQL", json!({"contact_id": id(&contact)}))
        .await;
    app.post(
        &ann.token,
        "/api/crm/activities",
        json!({"type": "note", "contact_id": id(&contact), "subject": "Hello"}),
    )
    .await
    .expect(201);
    let path = format!("/api/crm/contacts/{}", id(&contact));

    let deleted = app.delete(&ann.token, &path).await;
    assert_eq!(deleted.status, 204, "{}", deleted.body);
    assert!(deleted.body.is_empty());
    app.get(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    app.delete(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    app.patch(&ann.token, &path, json!({"title": "Ghost"}))
        .await
        .expect_error(404, "not_found");

    let kept = app
        .get(&ann.token, &format!("/api/crm/deals/{}", id(&deal)))
        .await
        .expect(200);
    assert_eq!(kept["contact"], Value::Null);
    assert_eq!(kept["name"], "Engine");
    let notes = app
        .get(
            &ann.token,
            &format!("/api/crm/activities?contact_id={}", id(&contact)),
        )
        .await
        .expect(200);
    assert_eq!(notes["data"], json!([]));
}

async fn deleting_a_contact_keeps_the_history_of_its_deals(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = app.contact(&ann, "Ada", "Lovelace").await;
    let deal = app
        .deal_with(&ann, "Engine", "SQL", json!({"contact_id": id(&contact)}))
        .await;
    // The move's stage_change activity names the deal and (as the deal had one) the contact.
    app.patch(
        &ann.token,
        &format!("/api/crm/deals/{}", id(&deal)),
        json!({"stage": "Won"}),
    )
    .await
    .expect(200);
    let before = app
        .get(
            &ann.token,
            &format!("/api/crm/activities?deal_id={}", id(&deal)),
        )
        .await
        .expect(200);
    assert_eq!(before["data"].as_array().unwrap().len(), 1);
    app.delete(&ann.token, &format!("/api/crm/contacts/{}", id(&contact)))
        .await
        .expect(204);
    let after = app
        .get(&ann.token, &format!("/api/crm/deals/{}", id(&deal)))
        .await
        .expect(200);
    assert_eq!(after["stage_history"].as_array().unwrap().len(), 2);
    assert_eq!(
        after["activities"].as_array().unwrap().len(),
        1,
        "the deal's stage_change activity went with the contact"
    );
}

async fn concurrent_contacts_naming_one_new_company_share_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let bodies = (0..6)
        .map(|i| json!({"first_name": format!("P{i}"), "last_name": "Racer", "company": {"name": "Racy Corp"}}))
        .collect();
    let answers = app
        .post_concurrently(&ann.token, "/api/crm/contacts", bodies)
        .await;
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let companies: HashSet<&str> = answers
        .iter()
        .map(|(_, body)| body["company_id"].as_str().unwrap())
        .collect();
    assert_eq!(companies.len(), 1, "{answers:?}");
}
