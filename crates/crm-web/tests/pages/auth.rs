//! Sign-in, sign-up, sign-out, the redirect of signed-out visitors, and the same-origin check.

use crm_store::Store;

use crate::helpers::{AVA, TestApp};

async fn signed_out_pages_redirect_to_login_with_next(store: Store) {
    let app = TestApp::spawn(store).await;
    for (path, next) in [
        ("/dashboard/crm", "%2Fdashboard%2Fcrm"),
        ("/apps/crm/deals?q=acme", "%2Fapps%2Fcrm%2Fdeals%3Fq%3Dacme"),
        ("/apps/crm/add-contact", "%2Fapps%2Fcrm%2Fadd%2Dcontact"),
        (
            "/apps/crm/lead-details?id=x",
            "%2Fapps%2Fcrm%2Flead%2Ddetails%3Fid%3Dx",
        ),
        (
            "/apps/crm/deal-details?id=x",
            "%2Fapps%2Fcrm%2Fdeal%2Ddetails%3Fid%3Dx",
        ),
        ("/search?q=a", "%2Fsearch%3Fq%3Da"),
    ] {
        let page = app.get(None, path).await;
        assert_eq!(page.redirect(), format!("/login?next={next}"), "{path}");
    }
    assert_eq!(app.get(None, "/").await.redirect(), "/login");
    // A forged or expired cookie is no session either.
    let forged = crate::helpers::Session {
        cookie: "crm_token=not-a-token".to_owned(),
        user_id: uuid::Uuid::nil(),
    };
    assert!(
        app.get(Some(&forged), "/apps/crm/deals")
            .await
            .redirect()
            .starts_with("/login?next=")
    );
    app.get(None, "/login")
        .await
        .expect(200)
        .has(&["data-testid=\"login-form\"", "<label for=\"login-email\">"]);
}

async fn login_with_wrong_password_shows_the_error_in_place(store: Store) {
    let app = TestApp::with_demo(store).await;
    let page = app
        .post(
            None,
            "/login",
            &[
                ("email", AVA.0),
                ("password", "wrong-password"),
                ("next", "/apps/crm/deals"),
            ],
        )
        .await;
    page.expect(401)
        .has(&[
            "Wrong e-mail or password.",
            "data-testid=\"login-form\"",
            "value=\"ava@demo.crm\"",
            "value=\"/apps/crm/deals\"",
        ])
        .lacks(&["wrong-password"]);
    assert!(page.cookie("crm_token").is_none());
    // Empty fields are named in place.
    app.post(None, "/login", &[("email", ""), ("password", "")])
        .await
        .expect(422)
        .has(&[
            "Enter your e-mail address.",
            "Enter your password.",
            "aria-invalid=\"true\"",
        ]);
    // An unknown e-mail gets the very same answer as a wrong password.
    app.post(
        None,
        "/login",
        &[("email", "nobody@demo.crm"), ("password", "x")],
    )
    .await
    .expect(401)
    .has(&["Wrong e-mail or password."]);
}

async fn login_sets_an_httponly_lax_cookie_and_goes_to_next(store: Store) {
    let app = TestApp::with_demo(store).await;
    let page = app
        .post(
            None,
            "/login",
            &[
                ("email", AVA.0),
                ("password", AVA.1),
                ("next", "/apps/crm/deals?q=a"),
            ],
        )
        .await;
    assert_eq!(page.redirect(), "/apps/crm/deals?q=a");
    let cookie = page.cookie("crm_token").unwrap();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    // `next` never leaves the site.
    let page = app
        .post(
            None,
            "/login",
            &[
                ("email", AVA.0),
                ("password", AVA.1),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(page.redirect(), "/dashboard/crm");
    let session = app.login(AVA).await;
    assert_eq!(
        app.get(Some(&session), "/").await.redirect(),
        "/dashboard/crm"
    );
    assert_eq!(
        app.get(Some(&session), "/login").await.redirect(),
        "/dashboard/crm"
    );
    // The JSON API accepts the same cookie.
    let me = app
        .send(
            app.raw(reqwest::Method::GET, "/api/auth/me")
                .header("cookie", &session.cookie),
        )
        .await;
    me.expect(200).has(&["ava@demo.crm"]);
}

async fn signup_creates_an_account_signs_in_and_refuses_bad_input(store: Store) {
    let app = TestApp::spawn(store).await;
    let page = app
        .post(
            None,
            "/signup",
            &[
                ("email", "not-an-email"),
                ("password", "short"),
                ("display_name", "Zoe"),
            ],
        )
        .await;
    page.expect(422).has(&[
        "Use at least 8 characters.",
        "signup-email-error",
        "value=\"Zoe\"",
    ]);
    let session = app.signup("zoe@example.com", "Zoe Quinn").await;
    let dashboard = app.get(Some(&session), "/dashboard/crm").await;
    dashboard.expect(200).has(&["Hello, Zoe"]);
    app.post(
        None,
        "/signup",
        &[("email", "zoe@example.com"), ("password", "long enough pw")],
    )
    .await
    .expect(422)
    .has(&["This e-mail is already registered."]);
}

async fn logout_clears_the_cookie(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("out@example.com", "Out").await;
    let page = app.post(Some(&session), "/logout", &[]).await;
    assert_eq!(page.redirect(), "/login");
    let cleared = page.cookie("crm_token").unwrap();
    assert!(cleared.starts_with("crm_token=;"), "{cleared}");
    assert!(
        cleared.contains("Max-Age=0") || cleared.contains("Expires"),
        "{cleared}"
    );
}

async fn cross_site_form_posts_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let session = app.signup("csrf@example.com", "Csrf").await;
    let from_elsewhere = app
        .send(
            app.raw(reqwest::Method::POST, "/apps/crm/stages")
                .header("cookie", &session.cookie)
                .header("origin", "https://evil.example")
                .form(&[("name", "Hijacked")]),
        )
        .await;
    from_elsewhere.expect(403).has(&["Not allowed"]);
    let without_origin = app
        .send(
            app.raw(reqwest::Method::POST, "/apps/crm/stages")
                .header("cookie", &session.cookie)
                .form(&[("name", "Hijacked")]),
        )
        .await;
    without_origin.expect(403);
    // A same-site Referer is enough when a browser sends no Origin.
    let with_referer = app
        .send(
            app.raw(reqwest::Method::POST, "/apps/crm/stages")
                .header("cookie", &session.cookie)
                .header("referer", format!("http://{}/apps/crm/deals", app.host))
                .form(&[("name", "Referred")]),
        )
        .await;
    assert_eq!(with_referer.redirect(), "/apps/crm/deals");
    let board = app.get(Some(&session), "/apps/crm/deals").await;
    board.has(&["Referred"]).lacks(&["Hijacked"]);
}

crm_store::backend_tests!(
    signed_out_pages_redirect_to_login_with_next,
    login_with_wrong_password_shows_the_error_in_place,
    login_sets_an_httponly_lax_cookie_and_goes_to_next,
    signup_creates_an_account_signs_in_and_refuses_bad_input,
    logout_clears_the_cookie,
    cross_site_form_posts_are_refused,
);
