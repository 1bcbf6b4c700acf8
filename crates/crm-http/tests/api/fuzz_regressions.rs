//! What property-based fuzzing (`cargo xtask fuzz`, Schemathesis) found, kept as regression
//! tests, plus the input limits and the security rules of every response: 405 with `Allow`,
//! whole numbers written as `7.0`, the one spelling of money, text limits counted as sent,
//! NUL characters, strict dates, clamped paging, metadata size and depth, security headers,
//! the cross-site refusal of cookie-authenticated writes, and no CORS.

use crm_store::Store;
use reqwest::Method;
use reqwest::header::{COOKIE, ORIGIN, REFERER};
use serde_json::{Value, json};

use crate::helpers::{TestApp, User, id, unknown_id};

crm_store::backend_tests!(
    a_known_path_with_another_method_is_405_with_allow,
    whole_numbers_may_be_written_with_a_zero_fraction,
    json_bodies_must_be_objects,
    money_has_one_spelling_and_numbers_are_rounded_to_cents,
    text_limits_count_the_text_as_sent,
    nul_characters_are_refused_and_never_reach_the_database,
    invalid_utf8_bodies_are_400,
    dates_are_strict_yyyy_mm_dd,
    huge_limits_and_cursors_are_clamped_or_refused,
    deep_or_huge_metadata_is_refused,
    the_board_checks_its_cursor_and_documents_both_answers,
    every_response_carries_the_security_headers,
    cookie_authenticated_writes_from_another_site_are_refused,
    there_is_no_cors,
    the_document_states_the_limits_the_server_enforces,
);

async fn a_known_path_with_another_method_is_405_with_allow(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let collaborator = format!("/api/crm/deals/{}/collaborators", unknown_id());
    for (method, path, allow) in [
        (Method::PUT, "/api/crm/contacts".to_owned(), "GET, POST"),
        (Method::TRACE, "/healthz".to_owned(), "GET"),
        (Method::DELETE, "/api/auth/me".to_owned(), "GET"),
        // Reaches the `{id}` route, whose id does not parse: still a 405, not a 400.
        (
            Method::PATCH,
            "/api/crm/contacts/export.csv".to_owned(),
            "GET",
        ),
        (Method::GET, collaborator, "POST"),
    ] {
        let answer = app.call(method, &path, Some(&ann.token), None).await;
        answer.expect_error(405, "method_not_allowed");
        assert_eq!(answer.headers["allow"], allow, "{path}");
    }
}

async fn whole_numbers_may_be_written_with_a_zero_fraction(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let stage = app.stage_id(&ann, "SQL").await;
    let path = format!("/api/crm/pipeline-stages/{stage}");
    let edited = app
        .patch(
            &ann.token,
            &path,
            json!({"probability": 40.0, "position": 1.0}),
        )
        .await
        .expect(200);
    assert_eq!(edited["probability"], 40);
    app.patch(&ann.token, &path, json!({"probability": 40.5}))
        .await
        .expect_error(400, "bad_request");
    let deal = app
        .deal_with(&ann, "Whole", "SQL", json!({"progress": 30.0}))
        .await;
    assert_eq!(deal["progress"], 30);
}

async fn json_bodies_must_be_objects(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let stage = app.stage_id(&ann, "SQL").await;
    let deal = id(&app.deal(&ann, "Object", "SQL").await);
    for (method, path) in [
        (Method::PATCH, format!("/api/crm/pipeline-stages/{stage}")),
        (Method::PATCH, format!("/api/crm/deals/{deal}")),
        (Method::POST, "/api/crm/companies".to_owned()),
    ] {
        for body in ["[]", " [\"x\"]", "1", "\"x\""] {
            let answer = app
                .send_body(method.clone(), &path, &ann.token, "application/json", body)
                .await;
            answer.expect_error(400, "bad_request");
        }
    }
    // An object still works, and so does an empty one on a partial edit.
    app.patch(&ann.token, &format!("/api/crm/deals/{deal}"), json!({}))
        .await
        .expect(200);
}

async fn money_has_one_spelling_and_numbers_are_rounded_to_cents(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for amount in [
        json!("12.345"),
        json!(" 12"),
        json!("1e3"),
        json!("+5"),
        json!(-1),
    ] {
        let answer = app
            .post(
                &ann.token,
                "/api/crm/deals",
                json!({"name": "Money", "stage": "SQL", "amount": amount}),
            )
            .await;
        assert_eq!(answer.expect_fields(), ["amount"], "{amount}");
    }
    let too_big = json!({"name": "Money", "stage": "SQL", "amount": 1.0e13});
    let answer = app.post(&ann.token, "/api/crm/deals", too_big).await;
    assert_eq!(answer.expect_fields(), ["amount"]);
    for (amount, stored) in [
        (json!("12500.5"), "12500.50"),
        (json!(99.5), "99.50"),
        (json!(0.1), "0.10"),
        (json!(1056864), "1056864.00"),
        (json!(9999999999999.99_f64), "9999999999999.99"),
    ] {
        let deal = app
            .deal_with(&ann, "Money", "SQL", json!({"amount": amount}))
            .await;
        assert_eq!(deal["amount"], stored, "{amount}");
    }
}

async fn text_limits_count_the_text_as_sent(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = |first: String| json!({"first_name": first, "last_name": "B"});
    app.post(&ann.token, "/api/crm/contacts", contact("é".repeat(200)))
        .await
        .expect(201);
    for first in [
        "x".repeat(201),
        format!(" {}", "x".repeat(200)),
        "   ".into(),
    ] {
        let answer = app
            .post(&ann.token, "/api/crm/contacts", contact(first))
            .await;
        assert_eq!(answer.expect_fields(), ["first_name"]);
    }
    let deal =
        |description: String| json!({"name": "D", "stage": "SQL", "description": description});
    app.post(&ann.token, "/api/crm/deals", deal("d".repeat(10_000)))
        .await
        .expect(201);
    let answer = app
        .post(&ann.token, "/api/crm/deals", deal("d".repeat(10_001)))
        .await;
    assert_eq!(answer.expect_fields(), ["description"]);
    // A blank optional text of any length within the limit clears the field.
    let cleared = app
        .post(
            &ann.token,
            "/api/crm/contacts",
            json!({"first_name": "C", "last_name": "D", "title": "  "}),
        )
        .await
        .expect(201);
    assert_eq!(cleared["title"], Value::Null);
}

async fn nul_characters_are_refused_and_never_reach_the_database(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    for (path, body, field) in [
        (
            "/api/crm/contacts",
            json!({"first_name": "A\u{0}", "last_name": "B"}),
            "first_name",
        ),
        ("/api/crm/companies", json!({"name": "Acme\u{0}"}), "name"),
        (
            "/api/crm/deals",
            json!({"name": "D", "stage": "SQL", "description": "a\u{0}b"}),
            "description",
        ),
        (
            "/api/auth/signup",
            json!({"email": "a\u{0}@example.com", "password": "long enough"}),
            "email",
        ),
    ] {
        let answer = app.post(&ann.token, path, body).await;
        assert_eq!(answer.expect_fields(), [field], "{path}");
    }
    for path in [
        "/api/crm/contacts?q=a%00b",
        "/api/crm/companies?q=%00",
        "/api/crm/users?q=x%00",
        "/api/crm/deals?q=%00",
        "/api/crm/activities?q=%00",
    ] {
        app.get(&ann.token, path)
            .await
            .expect_error(400, "bad_request");
    }
    // Sign-in compares the address with stored ones: a NUL is simply no such user.
    let answer = app
        .call(
            Method::POST,
            "/api/auth/login",
            None,
            Some(&json!({"email": "ann\u{0}@example.com", "password": "x"})),
        )
        .await;
    answer.expect_error(401, "unauthorized");
}

async fn invalid_utf8_bodies_are_400(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let mut body = br#"{"first_name": "A"#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#"", "last_name": "B"}"#);
    app.send_body(
        Method::POST,
        "/api/crm/contacts",
        &ann.token,
        "application/json",
        body,
    )
    .await
    .expect_error(400, "bad_request");
    // A lone surrogate escape is not a character either.
    app.send_body(
        Method::POST,
        "/api/crm/contacts",
        &ann.token,
        "application/json",
        r#"{"first_name": "\ud800", "last_name": "B"}"#,
    )
    .await
    .expect_error(400, "bad_request");
}

async fn dates_are_strict_yyyy_mm_dd(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    // Not a date written `YYYY-MM-DD` (a well-formed date outside 0001..=9999, such as
    // `+12026-01-01` or `0000-01-01`, is a 422 instead: see `dates`).
    for day in [
        "2026-02-30",
        "2026-1-1",
        " 2026-01-01",
        "+2026-01-01",
        "02026-01-01",
        "+12026-02-30",
    ] {
        let body = json!({"name": "D", "stage": "SQL", "close_date": day});
        app.post(&ann.token, "/api/crm/deals", body)
            .await
            .expect_error(400, "bad_request");
        let spend = json!({"spent_on": day, "lead_source": "event", "allotted": "1", "used": "1"});
        app.post(&ann.token, "/api/crm/marketing-spend", spend)
            .await
            .expect_error(400, "bad_request");
    }
    let deal = app
        .deal_with(&ann, "D", "SQL", json!({"close_date": "9999-12-31"}))
        .await;
    assert_eq!(deal["close_date"], "9999-12-31");
    for query in [
        "/api/crm/marketing-spend?from=2026-1-1",
        "/api/crm/dashboard/kpis?to=2026-01-1",
        "/api/crm/dashboard/kpis?from=",
        "/api/crm/dashboard?days=",
        "/api/crm/dashboard?days=07",
        "/api/crm/dashboard/active-users?days=%2015",
    ] {
        app.get(&ann.token, query)
            .await
            .expect_error(400, "bad_request");
    }
    // Out of range but well formed: the range rules (422).
    let answer = app
        .get(
            &ann.token,
            "/api/crm/dashboard/kpis?from=0001-01-01&to=9999-12-31",
        )
        .await;
    answer.expect_error(422, "validation_failed");
}

async fn huge_limits_and_cursors_are_clamped_or_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.contact(&ann, "A", "B").await;
    for path in [
        "/api/crm/contacts?limit=4294967295",
        "/api/crm/users?limit=4294967295",
        "/api/crm/deals?per_stage=4294967295",
    ] {
        app.get(&ann.token, path).await.expect(200);
    }
    let page = app
        .get(&ann.token, "/api/crm/contacts?cursor=ozzzzzzzzzzzz")
        .await
        .expect(200);
    assert_eq!(page["data"], json!([]));
    for path in [
        "/api/crm/contacts?limit=4294967296",
        "/api/crm/contacts?limit=99999999999999999999",
        "/api/crm/contacts?cursor=ozzzzzzzzzzzzz",
        "/api/crm/contacts?cursor=o%2B1",
        "/api/crm/contacts?cursor=oA",
    ] {
        app.get(&ann.token, path)
            .await
            .expect_error(400, "bad_request");
    }
}

async fn deep_or_huge_metadata_is_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let contact = id(&app.contact(&ann, "A", "B").await);
    let note =
        |metadata: Value| json!({"type": "note", "contact_id": contact, "metadata": metadata});
    let mut deep = json!("x");
    for _ in 0..100 {
        deep = json!({ "title": deep });
    }
    let answer = app
        .post(&ann.token, "/api/crm/activities", note(deep))
        .await;
    answer.expect_error(422, "validation_failed");
    let huge = json!({ "title": "t".repeat(900_000) });
    let answer = app
        .post(&ann.token, "/api/crm/activities", note(huge))
        .await;
    answer.expect_error(422, "validation_failed");
    // Deeper than the JSON reader allows: a malformed body, never a crash.
    let nested = format!(
        r#"{{"type": "note", "contact_id": "{contact}", "metadata": {}1{}}}"#,
        "[".repeat(5_000),
        "]".repeat(5_000)
    );
    app.send_body(
        Method::POST,
        "/api/crm/activities",
        &ann.token,
        "application/json",
        nested,
    )
    .await
    .expect_error(400, "bad_request");
}

async fn the_board_checks_its_cursor_and_documents_both_answers(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.get(&ann.token, "/api/crm/deals?cursor=not-a-cursor")
        .await
        .expect_error(400, "bad_request");
    let column = app
        .get(&ann.token, "/api/crm/deals?stage=SQL&limit=5")
        .await
        .expect(200);
    assert_eq!(column["next_cursor"], Value::Null);
    let document = app
        .call(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let answer = &document["components"]["schemas"]["BoardAnswer"];
    assert_eq!(
        answer["oneOf"].as_array().map(Vec::len),
        Some(2),
        "{answer}"
    );
}

async fn every_response_carries_the_security_headers(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let answers = [
        app.get(&ann.token, "/api/crm/contacts").await,
        app.get(&ann.token, "/api/crm/contacts/x").await,
        app.call(Method::GET, "/api/crm/contacts", None, None).await,
        app.call(Method::GET, "/nothing", None, None).await,
        app.call(Method::PUT, "/api/crm/contacts", None, None).await,
        app.call(Method::GET, "/api/openapi.json", None, None).await,
        app.call(Method::GET, "/healthz", None, None).await,
    ];
    for answer in answers {
        let header = |name: &str| {
            answer
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned()
        };
        assert_eq!(
            header("x-content-type-options"),
            "nosniff",
            "{}",
            answer.what
        );
        assert_eq!(header("x-frame-options"), "DENY", "{}", answer.what);
        assert_eq!(header("referrer-policy"), "same-origin", "{}", answer.what);
        let csp = header("content-security-policy");
        assert!(csp.contains("default-src 'none'"), "{}: {csp}", answer.what);
        assert!(
            csp.contains("frame-ancestors 'none'"),
            "{}: {csp}",
            answer.what
        );
    }
}

/// `POST /api/crm/companies` with the session cookie only, from `origin`.
async fn cookie_post(app: &TestApp, user: &User, headers: &[(&str, &str)]) -> u16 {
    let mut request = app
        .raw(Method::POST, "/api/crm/companies")
        .header(COOKIE, format!("crm_token={}", user.token))
        .json(&json!({"name": "Cookie Co"}));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request).await.status
}

async fn cookie_authenticated_writes_from_another_site_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let own = app.address.clone();
    let referer = format!("{own}/contacts");
    assert_eq!(cookie_post(&app, &ann, &[]).await, 403);
    assert_eq!(
        cookie_post(&app, &ann, &[(ORIGIN.as_str(), "https://evil.example")]).await,
        403
    );
    assert_eq!(
        cookie_post(&app, &ann, &[(ORIGIN.as_str(), "null")]).await,
        403
    );
    let foreign_referer = [(REFERER.as_str(), "https://evil.example/x")];
    assert_eq!(cookie_post(&app, &ann, &foreign_referer).await, 403);
    assert_eq!(
        cookie_post(&app, &ann, &[(ORIGIN.as_str(), own.as_str())]).await,
        201
    );
    assert_eq!(
        cookie_post(&app, &ann, &[(REFERER.as_str(), referer.as_str())]).await,
        200
    );
    // Reading with the cookie stays possible; a bearer token is not a CSRF vector.
    let read = app
        .raw(Method::GET, "/api/crm/companies")
        .header(COOKIE, format!("crm_token={}", ann.token))
        .header(ORIGIN, "https://evil.example");
    app.send(read).await.expect(200);
    let bearer = app
        .raw(Method::POST, "/api/crm/companies")
        .bearer_auth(&ann.token)
        .header(ORIGIN, "https://evil.example")
        .json(&json!({"name": "Bearer Co"}));
    app.send(bearer).await.expect(201);
    let refused = app
        .raw(
            Method::DELETE,
            &format!("/api/crm/contacts/{}", unknown_id()),
        )
        .header(COOKIE, format!("crm_token={}", ann.token))
        .header(ORIGIN, "https://evil.example");
    app.send(refused).await.expect_error(403, "forbidden");
}

async fn there_is_no_cors(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    let preflight = app
        .raw(Method::OPTIONS, "/api/crm/contacts")
        .header(ORIGIN, "https://evil.example")
        .header("access-control-request-method", "POST");
    let answer = app.send(preflight).await;
    assert_eq!(answer.status, 405, "{}", answer.body);
    let read = app
        .raw(Method::GET, "/api/crm/contacts")
        .bearer_auth(&ann.token)
        .header(ORIGIN, "https://evil.example");
    let answer = app.send(read).await;
    answer.expect(200);
    assert!(
        answer
            .headers
            .keys()
            .all(|name| !name.as_str().starts_with("access-control-")),
        "{:?}",
        answer.headers
    );
}

async fn the_document_states_the_limits_the_server_enforces(store: Store) {
    let app = TestApp::spawn(store).await;
    let document = app
        .call(Method::GET, "/api/openapi.json", None, None)
        .await
        .expect(200);
    let schemas = &document["components"]["schemas"];
    let name = &schemas["ContactRequest"]["properties"]["first_name"];
    assert_eq!(name["maxLength"], 200);
    assert_eq!(name["minLength"], 1);
    assert_eq!(
        schemas["DealRequest"]["properties"]["description"]["maxLength"],
        10_000
    );
    let priority = &schemas["DealPatchRequest"]["properties"]["priority"]["enum"];
    assert_eq!(priority, &json!(["low", "medium", "high", "urgent"]));
    assert_eq!(
        schemas["StageRequest"]["properties"]["probability"]["maximum"],
        100
    );
    let link = &document["paths"]["/api/crm/deals/{id}/collaborators"]["post"]["responses"]["201"]
        ["links"]["RemoveCollaborator"];
    assert_eq!(link["operationId"], "remove_collaborator");
    assert_eq!(link["parameters"]["user_id"], "$request.body#/user_id");
    // A link that leaves `user_id` out gets a guessed one beside it that takes the new deal's
    // id for the user's (Schemathesis' ST302, "created resource not found").
    let link = &document["paths"]["/api/crm/deals"]["post"]["responses"]["201"]["links"]["RemoveCollaboratorOfNewDeal"];
    assert_eq!(link["parameters"]["id"], "$response.body#/id");
    assert_eq!(
        link["parameters"]["user_id"],
        "$response.body#/collaborators/0/id"
    );
}
