//! Every protected route answers 401 for a missing, malformed, expired, wrongly signed,
//! unsigned (`alg: none`) or wrongly addressed token. The routes are read from the served
//! OpenAPI document (every operation with a security requirement), which `openapi` checks
//! against the spec's list, so a new route is covered as soon as it is registered.

use chrono::Utc;
use crm_store::Store;
use jsonwebtoken::Algorithm;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{
    DASHBOARD_ROUTES, SECRET, TestApp, claims, sign, sign_with, unknown_id, unsigned,
};

crm_store::backend_tests!(
    every_protected_route_refuses_every_kind_of_bad_token_with_401,
    a_token_signed_by_hand_with_the_secret_is_accepted,
);

/// `(method, path)` of every documented operation that requires the bearer token, with
/// path parameters filled with unknown ids.
pub async fn protected_routes(app: &TestApp) -> Vec<(Method, String)> {
    let document = app
        .send(app.raw(Method::GET, "/api/openapi.json"))
        .await
        .expect(200);
    let mut routes = Vec::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            let secured = operation["security"]
                .as_array()
                .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
            if secured {
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                routes.push((method, fill(path)));
            }
        }
    }
    routes
}

/// `path` with every `{param}` replaced by a fresh unknown id.
pub fn fill(path: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').expect("closing brace") + start;
        out.push_str(&unknown_id());
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn bad_tokens(user_id: &str) -> Vec<(&'static str, Option<String>)> {
    let now = Utc::now().timestamp();
    let valid = claims(user_id, "ann@example.com");
    let mut expired = valid.clone();
    expired["iat"] = Value::from(now - 7200);
    expired["exp"] = Value::from(now - 3600);
    let mut wrong_audience = valid.clone();
    wrong_audience["aud"] = Value::from("anon");
    let mut no_subject = valid.clone();
    no_subject.as_object_mut().unwrap().remove("sub");
    let mut not_yet_valid = valid.clone();
    not_yet_valid["nbf"] = Value::from(now + 3600);
    let mut not_a_user_id = valid.clone();
    not_a_user_id["sub"] = Value::from("service_role");
    vec![
        ("no token", None),
        ("garbage", Some("not-a-jwt".to_owned())),
        ("expired", Some(sign(&expired, SECRET))),
        (
            "wrong secret",
            Some(sign(&valid, b"some-other-secret-0123456789abcdef")),
        ),
        ("alg none", Some(unsigned(&valid))),
        ("signature stripped", {
            let token = sign(&valid, SECRET);
            Some(token[..token.rfind('.').unwrap() + 1].to_owned())
        }),
        (
            "HS512 with the secret",
            Some(sign_with(Algorithm::HS512, &valid, SECRET)),
        ),
        ("wrong audience", Some(sign(&wrong_audience, SECRET))),
        (
            "not valid before an hour from now",
            Some(sign(&not_yet_valid, SECRET)),
        ),
        ("no subject", Some(sign(&no_subject, SECRET))),
        ("subject not a user id", Some(sign(&not_a_user_id, SECRET))),
    ]
}

async fn every_protected_route_refuses_every_kind_of_bad_token_with_401(store: Store) {
    let app = TestApp::spawn(store).await;
    let user = app.signup("ann@example.com").await;
    let routes = protected_routes(&app).await;
    assert!(routes.len() >= 38, "only {} protected routes", routes.len());
    // The dashboard and analytics routes are among them.
    for path in DASHBOARD_ROUTES {
        assert!(
            routes.iter().any(|(m, p)| m == Method::GET && p == path),
            "{path} is not a protected route"
        );
    }
    assert!(
        routes.iter().any(|(m, p)| m == Method::GET
            && p.starts_with("/api/crm/deals/")
            && p.ends_with("/analytics")),
        "the deal analytics route is not a protected route"
    );
    for (kind, token) in bad_tokens(&user.id) {
        for (method, path) in &routes {
            let mut request = app.raw(method.clone(), path);
            if let Some(token) = &token {
                request = request.bearer_auth(token);
            }
            let answer = app.send(request).await;
            assert_eq!(
                answer.status, 401,
                "{kind}: {method} {path} answered {}: {}",
                answer.status, answer.body
            );
            answer.expect_error(401, "unauthorized");
        }
    }
}

async fn a_token_signed_by_hand_with_the_secret_is_accepted(store: Store) {
    let app = TestApp::spawn(store).await;
    let user = app.signup("ann@example.com").await;
    let token = sign(&claims(&user.id, &user.email), SECRET);
    let me = app.get(&token, "/api/auth/me").await.expect(200);
    assert_eq!(me["id"], user.id.as_str());
    // The scheme name is case-insensitive.
    app.send(
        app.raw(Method::GET, "/api/auth/me")
            .header("Authorization", format!("bearer {token}")),
    )
    .await
    .expect(200);
}
