//! The shared company directory: get-or-create, search and paging, the detail with the
//! caller's deals, and creator-only edits.

use std::collections::HashSet;

use crm_store::Store;
use serde_json::{Value, json};

use crate::helpers::{TestApp, id, ids, keys, unknown_id};

crm_store::backend_tests!(
    creating_a_company_is_201_then_200_for_the_same_name_in_any_case,
    company_fields_are_validated_with_422_per_field,
    the_company_list_searches_case_insensitively_and_pages_without_duplicates,
    a_company_shows_only_the_callers_ongoing_and_past_deals,
    only_the_creator_may_edit_a_company_and_others_get_403,
    renaming_a_company_to_a_taken_name_is_409,
    an_unknown_company_is_404,
    concurrent_creates_of_one_name_make_one_company,
);

async fn creating_a_company_is_201_then_200_for_the_same_name_in_any_case(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let created = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "Acme Robotics", "industry": "Robotics", "website": "https://acme.test"}),
        )
        .await
        .expect(201);
    assert_eq!(
        keys(&created),
        [
            "created_at",
            "created_by",
            "id",
            "industry",
            "logo_url",
            "name",
            "updated_at",
            "website"
        ]
    );
    assert_eq!(created["name"], "Acme Robotics");
    assert_eq!(created["created_by"], ann.id.as_str());
    assert_eq!(created["logo_url"], Value::Null);

    // Another user, another spelling: the existing row, unchanged.
    let existing = app
        .post(
            &ben.token,
            "/api/crm/companies",
            json!({"name": "  acme ROBOTICS ", "industry": "Toys"}),
        )
        .await
        .expect(200);
    assert_eq!(existing["id"], created["id"]);
    assert_eq!(existing["name"], "Acme Robotics");
    assert_eq!(existing["industry"], "Robotics");
    assert_eq!(existing["created_by"], ann.id.as_str());

    let listed = app
        .get(&ben.token, "/api/crm/companies?q=acme")
        .await
        .expect(200);
    assert_eq!(ids(&listed), [id(&created)]);
}

async fn company_fields_are_validated_with_422_per_field(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let bad = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "  ", "website": "ftp://acme.test", "logo_url": "javascript:alert(1)"}),
        )
        .await;
    assert_eq!(bad.expect_fields(), ["logo_url", "name", "website"]);
    let long = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "x".repeat(201)}),
        )
        .await;
    assert_eq!(long.expect_fields(), ["name"]);
    app.post(
        &ann.token,
        "/api/crm/companies",
        json!({"name": "Acme", "created_by": unknown_id()}),
    )
    .await
    .expect_error(400, "bad_request");
}

async fn the_company_list_searches_case_insensitively_and_pages_without_duplicates(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let names = [
        "Wayne Financial",
        "acme robotics",
        "Globex Logistics",
        "Hooli Cloud",
        "Initech Software",
        "Stark Energy",
        "100% Organic",
    ];
    for name in names {
        app.post(&ann.token, "/api/crm/companies", json!({"name": name}))
            .await
            .expect(201);
    }

    let mut seen = Vec::new();
    let mut path = "/api/crm/companies?limit=3".to_owned();
    let mut pages = 0;
    loop {
        let page = app.get(&ann.token, &path).await.expect(200);
        assert_eq!(keys(&page), ["data", "next_cursor"]);
        let rows = page["data"].as_array().unwrap();
        assert!(rows.len() <= 3);
        seen.extend(rows.iter().map(|c| c["name"].as_str().unwrap().to_owned()));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/crm/companies?limit=3&cursor={cursor}"),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    // Every company once, by name regardless of case.
    assert_eq!(
        seen,
        [
            "100% Organic",
            "acme robotics",
            "Globex Logistics",
            "Hooli Cloud",
            "Initech Software",
            "Stark Energy",
            "Wayne Financial"
        ]
    );

    let found = app
        .get(&ann.token, "/api/crm/companies?q=O")
        .await
        .expect(200);
    let found: HashSet<String> = found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    let expected: HashSet<String> = names
        .iter()
        .filter(|n| n.to_lowercase().contains('o'))
        .map(|n| (*n).to_owned())
        .collect();
    assert_eq!(found, expected);

    // LIKE wildcards in `q` are literal.
    let percent = app
        .get(&ann.token, "/api/crm/companies?q=%25")
        .await
        .expect(200);
    assert_eq!(percent["data"].as_array().unwrap().len(), 1);
    assert_eq!(percent["data"][0]["name"], "100% Organic");

    app.get(&ann.token, "/api/crm/companies?cursor=not-a-cursor")
        .await
        .expect_bad_query();
    app.get(&ann.token, "/api/crm/companies?limit=many")
        .await
        .expect_error(400, "bad_request");
}

async fn a_company_shows_only_the_callers_ongoing_and_past_deals(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let company = app
        .post(&ann.token, "/api/crm/companies", json!({"name": "Globex"}))
        .await
        .expect(201);
    let with_company = json!({"company_id": id(&company)});
    let open = app
        .deal_with(&ann, "Open one", "SQL", with_company.clone())
        .await;
    let won = app
        .deal_with(&ann, "Won one", "Won", with_company.clone())
        .await;
    let lost = app
        .deal_with(&ann, "Lost one", "Lost", with_company.clone())
        .await;
    app.deal(&ann, "Unrelated", "SQL").await;
    app.deal_with(&ben, "Ben's", "SQL", with_company).await;

    let detail = app
        .get(&ann.token, &format!("/api/crm/companies/{}", id(&company)))
        .await
        .expect(200);
    assert_eq!(detail["id"], company["id"]);
    assert_eq!(detail["name"], "Globex");
    let names = |list: &Value| -> HashSet<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|d| d["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&detail["ongoing"]), HashSet::from([id(&open)]));
    assert_eq!(names(&detail["past"]), HashSet::from([id(&won), id(&lost)]));

    // Ben sees the same company with only his deal.
    let for_ben = app
        .get(&ben.token, &format!("/api/crm/companies/{}", id(&company)))
        .await
        .expect(200);
    assert_eq!(for_ben["ongoing"].as_array().unwrap().len(), 1);
    assert_eq!(for_ben["ongoing"][0]["name"], "Ben's");
    assert_eq!(for_ben["past"], json!([]));
}

async fn only_the_creator_may_edit_a_company_and_others_get_403(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let ben = app.signup("ben@example.com").await;
    let company = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "Initech", "website": "https://initech.test", "industry": "Software"}),
        )
        .await
        .expect(201);
    let path = format!("/api/crm/companies/{}", id(&company));

    let edited = app
        .patch(
            &ann.token,
            &path,
            json!({"industry": "Enterprise software", "website": null}),
        )
        .await
        .expect(200);
    assert_eq!(edited["industry"], "Enterprise software");
    assert_eq!(edited["website"], Value::Null);
    assert_eq!(edited["name"], "Initech");

    app.patch(&ben.token, &path, json!({"name": "Initrode"}))
        .await
        .expect_error(403, "forbidden");
    let unchanged = app.get(&ann.token, &path).await.expect(200);
    assert_eq!(unchanged["name"], "Initech");
    assert_eq!(unchanged["industry"], "Enterprise software");

    // Its own name in another case is not a conflict.
    let recased = app
        .patch(&ann.token, &path, json!({"name": "INITECH"}))
        .await
        .expect(200);
    assert_eq!(recased["name"], "INITECH");
    let bad = app
        .patch(&ann.token, &path, json!({"name": "", "website": "nope"}))
        .await;
    assert_eq!(bad.expect_fields(), ["name", "website"]);
    for body in [json!({"created_by": ben.id}), json!({"name": null})] {
        app.patch(&ann.token, &path, body)
            .await
            .expect_error(400, "bad_request");
    }
}

async fn renaming_a_company_to_a_taken_name_is_409(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.post(&ann.token, "/api/crm/companies", json!({"name": "Hooli"}))
        .await
        .expect(201);
    let other = app
        .post(
            &ann.token,
            "/api/crm/companies",
            json!({"name": "Pied Piper"}),
        )
        .await
        .expect(201);
    app.patch(
        &ann.token,
        &format!("/api/crm/companies/{}", id(&other)),
        json!({"name": "HOOLI"}),
    )
    .await
    .expect_error(409, "conflict");
}

async fn an_unknown_company_is_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let path = format!("/api/crm/companies/{}", unknown_id());
    app.get(&ann.token, &path)
        .await
        .expect_error(404, "not_found");
    app.patch(&ann.token, &path, json!({"name": "Ghost"}))
        .await
        .expect_error(404, "not_found");
}

async fn concurrent_creates_of_one_name_make_one_company(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let bodies = (0..8)
        .map(|i| json!({"name": if i % 2 == 0 { "Racy Corp" } else { "RACY corp" }}))
        .collect();
    let answers = app
        .post_concurrently(&ann.token, "/api/crm/companies", bodies)
        .await;
    let created = answers.iter().filter(|(status, _)| *status == 201).count();
    assert_eq!(created, 1, "{answers:?}");
    assert!(
        answers.iter().all(|(s, _)| *s == 201 || *s == 200),
        "{answers:?}"
    );
    let ids: HashSet<&str> = answers
        .iter()
        .map(|(_, body)| body["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{answers:?}");
}
