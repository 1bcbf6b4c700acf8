//! Sign-up, sign-in, the current user, the cookie, provisioning of unknown subjects and the
//! sign-in limiter.

use chrono::Utc;
use crm_store::Store;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use reqwest::Method;
use reqwest::header::{COOKIE, RETRY_AFTER};
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, SECRET, TestApp, claims, keys, sign, unknown_id};

crm_store::backend_tests!(
    signing_up_returns_a_session_whose_token_has_supabase_claims,
    signing_up_twice_with_one_email_in_any_case_is_409,
    signup_refuses_a_bad_email_or_a_short_password_with_422,
    signup_without_a_display_name_uses_the_local_part,
    signup_refuses_unknown_fields_with_400,
    logging_in_returns_the_same_session_shape,
    a_wrong_password_and_an_unknown_email_get_the_same_401,
    repeated_failed_logins_are_429_with_retry_after,
    a_forwarded_for_header_does_not_reset_the_login_limit,
    a_foreign_token_cannot_take_over_an_existing_email,
    the_token_also_works_from_the_crm_token_cookie,
    a_valid_token_for_an_unknown_subject_provisions_that_user,
);

async fn anonymous(app: &TestApp, method: Method, path: &str, body: Value) -> crate::helpers::Resp {
    app.call(method, path, None, Some(&body)).await
}

async fn signing_up_returns_a_session_whose_token_has_supabase_claims(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": " Ann@Example.COM ", "password": PASSWORD, "display_name": "Ann Lee"}),
    )
    .await
    .expect(201);
    assert_eq!(
        keys(&session),
        ["access_token", "expires_in", "token_type", "user"]
    );
    assert_eq!(keys(&session["user"]), ["display_name", "email", "id"]);
    assert_eq!(session["user"]["email"], "ann@example.com");
    assert_eq!(session["user"]["display_name"], "Ann Lee");
    assert_eq!(session["token_type"], "bearer");
    assert_eq!(session["expires_in"], 12 * 3600);

    let token = session["access_token"].as_str().unwrap();
    let mut validation = Validation::new(Algorithm::HS256);
    validation.set_audience(&["authenticated"]);
    let decoded =
        jsonwebtoken::decode::<Value>(token, &DecodingKey::from_secret(SECRET), &validation)
            .expect("the token is HS256 with the configured secret");
    let claims = decoded.claims;
    assert_eq!(claims["sub"], session["user"]["id"]);
    assert_eq!(claims["email"], "ann@example.com");
    assert_eq!(claims["role"], "authenticated");
    assert_eq!(claims["aud"], "authenticated");
    let (iat, exp) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
    );
    assert!((iat - Utc::now().timestamp()).abs() < 60);
    assert_eq!(exp - iat, 12 * 3600);

    let me = app.get(token, "/api/auth/me").await.expect(200);
    assert_eq!(keys(&me), ["avatar_url", "display_name", "email", "id"]);
    assert_eq!(me["id"], session["user"]["id"]);
    assert_eq!(me["email"], "ann@example.com");
    assert_eq!(me["display_name"], "Ann Lee");
    assert_eq!(me["avatar_url"], Value::Null);
}

async fn signing_up_twice_with_one_email_in_any_case_is_409(store: Store) {
    let app = TestApp::spawn(store).await;
    app.signup("ann@example.com").await;
    let again = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": "ANN@example.com", "password": "another password"}),
    )
    .await;
    again.expect_error(409, "conflict");
}

async fn signup_refuses_a_bad_email_or_a_short_password_with_422(store: Store) {
    let app = TestApp::spawn(store).await;
    for email in ["", "ann", "ann@", "ann@example", "a b@example.com"] {
        let bad = anonymous(
            &app,
            Method::POST,
            "/api/auth/signup",
            json!({"email": email, "password": PASSWORD}),
        )
        .await;
        assert_eq!(bad.expect_fields(), ["email"], "{email:?}");
    }
    let long_name = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": "ann@example.com", "password": PASSWORD, "display_name": "x".repeat(201)}),
    )
    .await;
    assert_eq!(long_name.expect_fields(), ["display_name"]);
    let long_password = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": "ann@example.com", "password": "p".repeat(257)}),
    )
    .await;
    assert_eq!(long_password.expect_fields(), ["password"]);
    let short = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": "ann@example.com", "password": "1234567"}),
    )
    .await;
    assert_eq!(short.expect_fields(), ["password"]);
    // Nothing was created: the address is still free.
    app.signup("ann@example.com").await;
}

async fn signup_without_a_display_name_uses_the_local_part(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = anonymous(
        &app,
        Method::POST,
        "/api/auth/signup",
        json!({"email": "ben.okafor@example.com", "password": PASSWORD}),
    )
    .await
    .expect(201);
    assert_eq!(session["user"]["display_name"], "ben.okafor");
}

async fn signup_refuses_unknown_fields_with_400(store: Store) {
    let app = TestApp::spawn(store).await;
    for (field, value) in [
        ("id", json!(unknown_id())),
        ("role", json!("admin")),
        ("password_hash", json!("x")),
    ] {
        let mut body = json!({"email": "ann@example.com", "password": PASSWORD});
        body[field] = value;
        anonymous(&app, Method::POST, "/api/auth/signup", body)
            .await
            .expect_error(400, "bad_request");
    }
}

async fn logging_in_returns_the_same_session_shape(store: Store) {
    let app = TestApp::spawn(store).await;
    let user = app.signup("ann@example.com").await;
    let session = anonymous(
        &app,
        Method::POST,
        "/api/auth/login",
        json!({"email": "Ann@Example.com", "password": PASSWORD}),
    )
    .await
    .expect(200);
    assert_eq!(
        keys(&session),
        ["access_token", "expires_in", "token_type", "user"]
    );
    assert_eq!(session["user"]["id"], user.id.as_str());
    assert_eq!(session["token_type"], "bearer");
    let me = app
        .get(session["access_token"].as_str().unwrap(), "/api/auth/me")
        .await
        .expect(200);
    assert_eq!(me["id"], user.id.as_str());
}

async fn a_wrong_password_and_an_unknown_email_get_the_same_401(store: Store) {
    let app = TestApp::spawn(store).await;
    app.signup("ann@example.com").await;
    let wrong_password = anonymous(
        &app,
        Method::POST,
        "/api/auth/login",
        json!({"email": "ann@example.com", "password": "not the password"}),
    )
    .await;
    wrong_password.expect_error(401, "unauthorized");
    let unknown_email = anonymous(
        &app,
        Method::POST,
        "/api/auth/login",
        json!({"email": "nobody@example.com", "password": PASSWORD}),
    )
    .await;
    unknown_email.expect_error(401, "unauthorized");
    assert_eq!(wrong_password.message(), unknown_email.message());
}

async fn repeated_failed_logins_are_429_with_retry_after(store: Store) {
    let app = TestApp::spawn(store).await;
    app.signup("ann@example.com").await;
    let wrong = json!({"email": "ann@example.com", "password": "not the password"});
    for _ in 0..5 {
        anonymous(&app, Method::POST, "/api/auth/login", wrong.clone())
            .await
            .expect_error(401, "unauthorized");
    }
    let limited = anonymous(&app, Method::POST, "/api/auth/login", wrong).await;
    limited.expect_error(429, "rate_limited");
    let wait: u64 = limited.headers[RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is a number of seconds");
    assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    // Even the right password waits now.
    anonymous(
        &app,
        Method::POST,
        "/api/auth/login",
        json!({"email": "ann@example.com", "password": PASSWORD}),
    )
    .await
    .expect_error(429, "rate_limited");
}

async fn the_token_also_works_from_the_crm_token_cookie(store: Store) {
    let app = TestApp::spawn(store).await;
    let user = app.signup("ann@example.com").await;
    let me = app
        .send(
            app.raw(Method::GET, "/api/auth/me")
                .header(COOKIE, format!("crm_token={}", user.token)),
        )
        .await
        .expect(200);
    assert_eq!(me["id"], user.id.as_str());
    app.send(
        app.raw(Method::GET, "/api/crm/contacts")
            .header(COOKIE, "crm_token=forged"),
    )
    .await
    .expect_error(401, "unauthorized");
}

async fn a_valid_token_for_an_unknown_subject_provisions_that_user(store: Store) {
    let app = TestApp::spawn(store).await;
    // A token issued elsewhere with the shared secret (a Supabase project's, say).
    let sub = unknown_id();
    let token = sign(&claims(&sub, "Supa@Example.com"), SECRET);
    let me = app.get(&token, "/api/auth/me").await.expect(200);
    assert_eq!(me["id"], sub.as_str());
    assert_eq!(me["email"], "supa@example.com");
    // The new user has the default pipeline and can work at once.
    let stages = app
        .get(&token, "/api/crm/pipeline-stages")
        .await
        .expect(200);
    assert_eq!(stages.as_array().unwrap().len(), 6);
    // The second request finds the same user.
    let again = app.get(&token, "/api/auth/me").await.expect(200);
    assert_eq!(again["id"], sub.as_str());
    // And the colleague picker shows them.
    let users = app.get(&token, "/api/crm/users").await.expect(200);
    assert!(
        users["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["id"] == sub.as_str())
    );
}

async fn a_forwarded_for_header_does_not_reset_the_login_limit(store: Store) {
    let app = TestApp::spawn(store).await;
    app.signup("ann@example.com").await;
    let wrong = json!({"email": "ann@example.com", "password": "not the password"});
    let attempt = |i: u32| {
        app.raw(Method::POST, "/api/auth/login")
            .header("X-Forwarded-For", format!("203.0.113.{i}"))
            .header("Forwarded", format!("for=198.51.100.{i}"))
            .json(&wrong)
    };
    for i in 0..5 {
        app.send(attempt(i)).await.expect_error(401, "unauthorized");
    }
    app.send(attempt(99))
        .await
        .expect_error(429, "rate_limited");
}

async fn a_foreign_token_cannot_take_over_an_existing_email(store: Store) {
    let app = TestApp::spawn(store).await;
    let ann = app.signup("ann@example.com").await;
    app.contact(&ann, "Ada", "Lovelace").await;
    // Another subject claiming Ann's address is not Ann, and is not provisioned.
    let token = sign(&claims(&unknown_id(), "ann@example.com"), SECRET);
    app.get(&token, "/api/crm/contacts")
        .await
        .expect_error(401, "unauthorized");
    app.get(&token, "/api/auth/me")
        .await
        .expect_error(401, "unauthorized");
    let users = app.get(&ann.token, "/api/crm/users").await.expect(200);
    assert_eq!(users["data"].as_array().unwrap().len(), 1);
}
