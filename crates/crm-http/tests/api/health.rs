//! Liveness, readiness (also when the database is gone) and the docs page.

use crm_store::Store;
use reqwest::Method;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use crate::helpers::TestApp;

crm_store::backend_tests!(
    healthz_and_readyz_answer_200_without_a_token,
    readyz_is_503_with_the_error_body_when_the_database_is_gone,
    the_docs_page_is_served_from_the_binary,
);

async fn healthz_and_readyz_answer_200_without_a_token(store: Store) {
    let app = TestApp::spawn(store).await;
    let health = app.send(app.raw(Method::GET, "/healthz")).await.expect(200);
    assert_eq!(health["status"], "ok");
    let ready = app.send(app.raw(Method::GET, "/readyz")).await.expect(200);
    assert_eq!(ready["status"], "ready");
}

async fn readyz_is_503_with_the_error_body_when_the_database_is_gone(store: Store) {
    let app = TestApp::spawn(store).await;
    // Closing the pool closes it for the application too (clones share it).
    app.store.clone().close().await.expect("close the pool");
    app.send(app.raw(Method::GET, "/readyz"))
        .await
        .expect_error(503, "unavailable");
    // The process itself is still up.
    app.send(app.raw(Method::GET, "/healthz")).await.expect(200);
}

async fn the_docs_page_is_served_from_the_binary(store: Store) {
    let app = TestApp::spawn(store).await;
    let redirect = app.send(app.raw(Method::GET, "/api/docs")).await;
    assert!((300..400).contains(&redirect.status), "{}", redirect.status);
    assert_eq!(redirect.headers[LOCATION], "/api/docs/");
    let page = app.send(app.raw(Method::GET, "/api/docs/")).await;
    assert_eq!(page.status, 200);
    assert!(
        page.headers[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(page.body.contains("swagger"), "{}", page.body);
    let config = app
        .send(app.raw(Method::GET, "/api/docs/swagger-initializer.js"))
        .await;
    assert_eq!(config.status, 200);
    assert!(config.body.contains("/api/openapi.json"), "{}", config.body);
}
