//! The harness: [`TestApp`] serves the JSON API and the pages on a random port over the
//! test's store; [`Page`] is an answer read whole; sessions are the `crm_token` cookie that
//! the sign-in form sets.

use actix_web::{HttpServer, web};
use crm_domain::{BoardQuery, ContactQuery, Deal, DealInput, PageRequest, StageRef, Tenant, User};
use crm_http::{AppState, AuthConfig};
use crm_store::Store;
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The token secret of every test application.
pub const SECRET: &[u8] = b"the-page-suite-secret-0123456789abcdef";
/// The password of users made by [`TestApp::signup`].
pub const PASSWORD: &str = "correct horse battery";
/// The first demo user, who has the most data.
pub const AVA: (&str, &str) = ("ava@demo.crm", "demo-pass-1");
/// The second demo user.
pub const BEN: (&str, &str) = ("ben@demo.crm", "demo-pass-2");

/// The application under test, serving until dropped.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// `127.0.0.1:<port>` (what `Origin` must name).
    pub host: String,
    /// A client that does not follow redirects.
    pub client: reqwest::Client,
    /// The store.
    pub store: Store,
    server: JoinHandle<std::io::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Page {
    /// `METHOD /path`.
    pub what: String,
    /// Status.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body.
    pub body: String,
}

impl Page {
    /// Asserts the status and returns self.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "{} answered {} instead of {status}: {}",
            self.what, self.status, self.body
        );
        self
    }

    /// Asserts that the body contains every one of `needles`.
    #[track_caller]
    pub fn has(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                self.body.contains(needle),
                "{}: {needle:?} not found in:\n{}",
                self.what,
                self.body
            );
        }
        self
    }

    /// Asserts that the body contains none of `needles`.
    #[track_caller]
    pub fn lacks(&self, needles: &[&str]) -> &Self {
        for needle in needles {
            assert!(
                !self.body.contains(needle),
                "{}: {needle:?} unexpectedly found",
                self.what
            );
        }
        self
    }

    /// The `Location` of a redirect.
    #[track_caller]
    pub fn location(&self) -> String {
        self.headers
            .get("location")
            .unwrap_or_else(|| panic!("{}: no Location header ({})", self.what, self.status))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// Asserts a `303 See Other` and returns where to.
    #[track_caller]
    pub fn redirect(&self) -> String {
        self.expect(303);
        self.location()
    }

    /// The value of the `Set-Cookie` named `name`, if any.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// The HTML of the toast shown, if any.
    pub fn toast(&self) -> Option<String> {
        let start = self.body.find("data-testid=\"toast\"")?;
        let rest = &self.body[start..];
        let span = rest.find("<span>")? + 6;
        let end = rest[span..].find("</span>")?;
        Some(rest[span..span + end].to_owned())
    }
}

/// A signed-in browser: the session cookie and the toast cookie carried between requests.
#[derive(Debug, Clone)]
pub struct Session {
    /// `crm_token=…`.
    pub cookie: String,
    /// The user id.
    pub user_id: Uuid,
}

impl TestApp {
    /// Serves the API and the pages over `store` on a free port.
    pub async fn spawn(store: Store) -> Self {
        let state = AppState::new(store.clone()).with_auth(AuthConfig::new(SECRET.to_vec()));
        let data = web::Data::new(state);
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        let port = listener.local_addr().unwrap().port();
        let server =
            HttpServer::new(move || crm_http::app(data.clone()).configure(crm_web::configure))
                .workers(2)
                .listen(listener)
                .expect("listen")
                .run();
        let server = tokio::spawn(server);
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the client");
        Self {
            address: format!("http://127.0.0.1:{port}"),
            host: format!("127.0.0.1:{port}"),
            client,
            store,
            server,
        }
    }

    /// Serves the app over `store` with the demo data seeded.
    pub async fn with_demo(store: Store) -> Self {
        seed::seed_demo(&store, false)
            .await
            .expect("seed the demo data");
        Self::spawn(store).await
    }

    /// A request to `path`.
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// Sends a request and reads the answer.
    pub async fn send(&self, request: RequestBuilder) -> Page {
        let built = request.build().expect("a valid request");
        let what = format!(
            "{} {}{}",
            built.method(),
            built.url().path(),
            built
                .url()
                .query()
                .map(|q| format!("?{q}"))
                .unwrap_or_default()
        );
        let response = self
            .client
            .execute(built)
            .await
            .unwrap_or_else(|e| panic!("{what} failed: {e}"));
        Page {
            what,
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("read the body"),
        }
    }

    /// `GET path` with a session (or none).
    pub async fn get(&self, session: Option<&Session>, path: &str) -> Page {
        let mut request = self.raw(Method::GET, path);
        if let Some(s) = session {
            request = request.header("cookie", &s.cookie);
        }
        self.send(request).await
    }

    /// `GET path` carrying the toast cookie a redirect just set.
    pub async fn follow(&self, session: &Session, from: &Page) -> Page {
        let location = from.redirect();
        let mut cookie = session.cookie.clone();
        if let Some(flash) = from.cookie("crm_flash") {
            let pair = flash.split(';').next().unwrap_or_default();
            cookie = format!("{cookie}; {pair}");
        }
        self.send(self.raw(Method::GET, &location).header("cookie", cookie))
            .await
    }

    /// A same-origin form post.
    pub async fn post(&self, session: Option<&Session>, path: &str, form: &[(&str, &str)]) -> Page {
        let mut request = self
            .raw(Method::POST, path)
            .header("origin", format!("http://{}", self.host))
            .form(form);
        if let Some(s) = session {
            request = request.header("cookie", &s.cookie);
        }
        self.send(request).await
    }

    /// Signs in through the form and returns the session.
    pub async fn login(&self, (email, password): (&str, &str)) -> Session {
        let page = self
            .post(None, "/login", &[("email", email), ("password", password)])
            .await;
        let set = page
            .cookie("crm_token")
            .unwrap_or_else(|| panic!("no session cookie after signing in: {page:?}"));
        let cookie = set.split(';').next().unwrap().to_owned();
        let user = self.user(email).await;
        Session {
            cookie,
            user_id: user.id,
        }
    }

    /// Signs up a fresh user through the form and returns the session.
    pub async fn signup(&self, email: &str, name: &str) -> Session {
        let page = self
            .post(
                None,
                "/signup",
                &[
                    ("email", email),
                    ("password", PASSWORD),
                    ("display_name", name),
                ],
            )
            .await;
        let set = page
            .cookie("crm_token")
            .unwrap_or_else(|| panic!("no session cookie after signing up: {page:?}"));
        let user = self.user(email).await;
        Session {
            cookie: set.split(';').next().unwrap().to_owned(),
            user_id: user.id,
        }
    }

    /// The user with `email`.
    pub async fn user(&self, email: &str) -> User {
        self.store
            .repositories()
            .users
            .credentials(email)
            .await
            .unwrap()
            .expect("the user exists")
            .user
    }

    /// The first deal on `email`'s board.
    pub async fn some_deal(&self, email: &str) -> Deal {
        let user = self.user(email).await;
        self.store
            .repositories()
            .deals
            .board(Tenant::new(user.id), BoardQuery::default(), 5)
            .await
            .unwrap()
            .into_iter()
            .flat_map(|c| c.deals)
            .next()
            .expect("the user has a deal")
    }

    /// Some contact of `email` (one with deals when there is one).
    pub async fn some_contact(&self, email: &str) -> crm_domain::ContactWithCompany {
        let user = self.user(email).await;
        let repos = self.store.repositories();
        let tenant = Tenant::new(user.id);
        let deal = self.some_deal(email).await;
        if let Some(id) = deal.contact_id {
            return repos.contacts.find(tenant, id).await.unwrap().unwrap();
        }
        repos
            .contacts
            .list(
                tenant,
                ContactQuery {
                    page: PageRequest {
                        limit: 1,
                        ..PageRequest::default()
                    },
                    ..ContactQuery::default()
                },
            )
            .await
            .unwrap()
            .data
            .remove(0)
    }

    /// Creates a deal for `session`'s user in `stage`.
    pub async fn make_deal(&self, session: &Session, name: &str, stage: &str) -> Deal {
        let services = crm_domain::Services::new(self.store.repositories());
        services
            .create_deal(
                Tenant::new(session.user_id),
                DealInput {
                    name: name.to_owned(),
                    stage: Some(StageRef::Name(stage.to_owned())),
                    amount: Some("1250.00".parse().unwrap()),
                    ..DealInput::default()
                },
            )
            .await
            .unwrap()
    }
}

/// The id of the stage `name` on a board page.
#[track_caller]
pub fn stage_id(board: &str, name: &str) -> String {
    let at = board
        .find(&format!("data-stage-name=\"{name}\""))
        .unwrap_or_else(|| panic!("no stage {name} on the board"));
    let id_at = board[..at].rfind("data-stage-id=\"").unwrap() + 15;
    board[id_at..id_at + 36].to_owned()
}
