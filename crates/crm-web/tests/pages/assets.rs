//! The stylesheet and the script: served with a content-hash ETag and long caching.

use crm_store::Store;

use crate::helpers::TestApp;

async fn static_assets_are_served_with_cache_headers(store: Store) {
    let app = TestApp::spawn(store).await;
    let login = app.get(None, "/login").await;
    let at = login.body.find("/static/app.css?v=").unwrap();
    let end = login.body[at..].find('"').unwrap();
    let css_url = login.body[at..at + end].to_owned();
    let hash = css_url.rsplit('=').next().unwrap().to_owned();

    let css = app.get(None, &css_url).await;
    css.expect(200).has(&[".board"]);
    assert!(
        css.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        css.headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    let etag = css.headers["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{hash}\""));
    assert_eq!(css.headers["x-content-type-options"], "nosniff");

    // Revalidation answers 304 without a body.
    let again = app
        .send(
            app.raw(reqwest::Method::GET, &css_url)
                .header("if-none-match", &etag),
        )
        .await;
    again.expect(304);
    assert!(again.body.is_empty());

    // Without the current hash the file is served but must be revalidated.
    let plain = app.get(None, "/static/app.js").await;
    plain.expect(200).has(&["dragstart"]);
    assert!(
        plain.headers["content-type"]
            .to_str()
            .unwrap()
            .contains("javascript")
    );
    assert_eq!(plain.headers["cache-control"], "public, no-cache");

    app.get(None, "/static/nope.css").await.expect(404);
    app.get(None, "/static/..%2FCargo.toml").await.expect(404);
}

crm_store::backend_tests!(static_assets_are_served_with_cache_headers);
