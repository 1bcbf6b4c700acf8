//! The harness: [`TestApp`] serves the real application on a random port over the test's
//! store, with a fixed token secret, and wraps a `reqwest` client; [`Resp`] asserts statuses
//! and the error body; a few factories create the rows most tests need.

use chrono::Utc;
use crm_http::{AppState, Application, AuthConfig};
use crm_store::Store;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::header::HeaderMap;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use uuid::Uuid;

/// The token secret of every test application.
pub const SECRET: &[u8] = b"the-http-suite-secret-0123456789abcdef";

/// The dashboard's routes: the whole body and each widget, all taking `?from=&to=`.
pub const DASHBOARD_ROUTES: [&str; 9] = [
    "/api/crm/dashboard",
    "/api/crm/dashboard/kpis",
    "/api/crm/dashboard/revenue",
    "/api/crm/dashboard/lead-sources",
    "/api/crm/dashboard/acquisition-cost",
    "/api/crm/dashboard/sales-funnel",
    "/api/crm/dashboard/customer-feedback",
    "/api/crm/dashboard/lifetime-value",
    "/api/crm/dashboard/active-users",
];

/// The password every helper sign-up uses.
pub const PASSWORD: &str = "correct horse battery";

/// The application under test, serving until dropped.
pub struct TestApp {
    /// `http://127.0.0.1:<port>`.
    pub address: String,
    /// A client that does not follow redirects (so a redirect can be asserted).
    pub client: reqwest::Client,
    /// The store the application serves (for the tests that break the database on purpose).
    pub store: Store,
    server: JoinHandle<std::io::Result<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Dropping the server future stops its workers, which release their connections.
        self.server.abort();
    }
}

/// A signed-up user.
#[derive(Debug, Clone)]
pub struct User {
    /// Id, as the API writes it.
    pub id: String,
    /// E-mail.
    pub email: String,
    /// Bearer token.
    pub token: String,
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Resp {
    /// `METHOD /path`, for failure messages.
    pub what: String,
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: HeaderMap,
    /// Body text.
    pub body: String,
}

impl Resp {
    /// The body as JSON (`null` when empty).
    #[track_caller]
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            return Value::Null;
        }
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} did not answer JSON ({e}): {}", self.what, self.body))
    }

    /// Asserts the status and returns the body.
    #[track_caller]
    pub fn expect(&self, status: u16) -> Value {
        assert_eq!(
            self.status, status,
            "{} answered {} instead of {status}: {}",
            self.what, self.status, self.body
        );
        self.json()
    }

    /// Asserts the status and the error body `{"error": {code, message, details}}` with
    /// exactly those keys; returns `details`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> Value {
        let body = self.expect(status);
        let keys: Vec<&str> = body
            .as_object()
            .unwrap_or_else(|| panic!("{}: error body is not an object: {body}", self.what))
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(keys, ["error"], "{}: {body}", self.what);
        let error = body["error"].as_object().expect("error is an object");
        let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["code", "details", "message"],
            "{}: {body}",
            self.what
        );
        assert_eq!(error["code"], code, "{}: {body}", self.what);
        assert!(
            error["message"].as_str().is_some_and(|m| !m.is_empty()),
            "{}: empty message: {body}",
            self.what
        );
        assert!(error["details"].is_object(), "{}: {body}", self.what);
        error["details"].clone()
    }

    /// Asserts a 422 `validation_failed` and returns the sorted keys of `details.fields`, each
    /// of which must hold at least one message.
    #[track_caller]
    pub fn expect_fields(&self) -> Vec<String> {
        let details = self.expect_error(422, "validation_failed");
        fields_of(&details, &self.what)
    }

    /// Asserts a 400 `bad_request` that names the query parameter in `details.fields`.
    #[track_caller]
    pub fn expect_bad_query(&self) -> Vec<String> {
        let details = self.expect_error(400, "bad_request");
        fields_of(&details, &self.what)
    }

    /// The error message.
    pub fn message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

#[track_caller]
fn fields_of(details: &Value, what: &str) -> Vec<String> {
    let fields = details["fields"]
        .as_object()
        .unwrap_or_else(|| panic!("{what}: no details.fields in {details}"));
    for (field, messages) in fields {
        let messages = messages.as_array().expect("messages are a list");
        assert!(
            !messages.is_empty() && messages.iter().all(Value::is_string),
            "{what}: bad messages for {field}: {details}"
        );
    }
    let mut keys: Vec<String> = fields.keys().cloned().collect();
    keys.sort();
    keys
}

impl TestApp {
    /// Serves the application over `store` on a free port.
    pub async fn spawn(store: Store) -> Self {
        let state = AppState::new(store.clone()).with_auth(AuthConfig::new(SECRET.to_vec()));
        let app = Application::build(state, "127.0.0.1:0").expect("bind a free port");
        let address = format!("http://127.0.0.1:{}", app.port());
        let server = tokio::spawn(app.run_until_stopped());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the client");
        Self {
            address,
            client,
            store,
            server,
        }
    }

    /// A request builder for `path`, to send with [`TestApp::send`] (bad bodies, headers).
    pub fn raw(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.address))
    }

    /// Sends `request` and reads the whole answer.
    pub async fn send(&self, request: RequestBuilder) -> Resp {
        let built = request.build().expect("a valid request");
        let what = format!("{} {}", built.method(), built.url().path());
        let response = self
            .client
            .execute(built)
            .await
            .unwrap_or_else(|e| panic!("{what} failed: {e}"));
        Resp {
            what,
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.expect("read the body"),
        }
    }

    /// `method path` with an optional token and JSON body.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Resp {
        let mut request = self.raw(method, path);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        self.send(request).await
    }

    /// `method path` as the holder of `token` with a raw body of `content_type` (malformed
    /// or non-JSON bodies).
    pub async fn send_body(
        &self,
        method: Method,
        path: &str,
        token: &str,
        content_type: &str,
        body: impl Into<reqwest::Body>,
    ) -> Resp {
        let request = self
            .raw(method, path)
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        self.send(request).await
    }

    /// `GET path` as the holder of `token`.
    pub async fn get(&self, token: &str, path: &str) -> Resp {
        self.call(Method::GET, path, Some(token), None).await
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, token: &str, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(token), Some(&body))
            .await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, token: &str, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(token), Some(&body))
            .await
    }

    /// `DELETE path`.
    pub async fn delete(&self, token: &str, path: &str) -> Resp {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Signs up `email` (display name: its local part) and returns the session.
    pub async fn signup(&self, email: &str) -> User {
        let name = email.split('@').next().unwrap_or_default();
        self.signup_named(email, name).await
    }

    /// Signs up `email` with a display name.
    pub async fn signup_named(&self, email: &str, display_name: &str) -> User {
        let body = json!({"email": email, "password": PASSWORD, "display_name": display_name});
        let session = self
            .call(Method::POST, "/api/auth/signup", None, Some(&body))
            .await
            .expect(201);
        User {
            id: session["user"]["id"].as_str().expect("user id").to_owned(),
            email: session["user"]["email"].as_str().expect("email").to_owned(),
            token: session["access_token"]
                .as_str()
                .expect("access token")
                .to_owned(),
        }
    }

    /// Sends `POST path` with each body at once, each on its own task and connection, and
    /// returns `(status, body)` in the order of `bodies`.
    pub async fn post_concurrently(
        &self,
        token: &str,
        path: &str,
        bodies: Vec<Value>,
    ) -> Vec<(u16, Value)> {
        let tasks: Vec<_> = bodies
            .into_iter()
            .map(|body| {
                let request = self
                    .client
                    .post(format!("{}{path}", self.address))
                    .bearer_auth(token)
                    .json(&body);
                tokio::spawn(async move {
                    let response = request.send().await.expect("send");
                    let status = response.status().as_u16();
                    let body = response.json::<Value>().await.unwrap_or(Value::Null);
                    (status, body)
                })
            })
            .collect();
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.expect("the request task"));
        }
        out
    }

    // ---- factories ------------------------------------------------------------------------

    /// A contact with just names; returns its JSON.
    pub async fn contact(&self, user: &User, first: &str, last: &str) -> Value {
        self.post(
            &user.token,
            "/api/crm/contacts",
            json!({"first_name": first, "last_name": last}),
        )
        .await
        .expect(201)
    }

    /// A deal in `stage` (by name); returns its JSON.
    pub async fn deal(&self, user: &User, name: &str, stage: &str) -> Value {
        self.post(
            &user.token,
            "/api/crm/deals",
            json!({"name": name, "stage": stage}),
        )
        .await
        .expect(201)
    }

    /// A deal with more fields (`extra` is merged into `{name, stage}`).
    pub async fn deal_with(&self, user: &User, name: &str, stage: &str, extra: Value) -> Value {
        let mut body = json!({"name": name, "stage": stage});
        for (key, value) in extra.as_object().expect("extra is an object") {
            body[key] = value.clone();
        }
        self.post(&user.token, "/api/crm/deals", body)
            .await
            .expect(201)
    }

    /// The whole board (500 cards per column).
    pub async fn board(&self, user: &User) -> Value {
        self.get(&user.token, "/api/crm/deals?per_stage=500")
            .await
            .expect(200)
    }

    /// The deal names of one column in `stage_order`, after checking that the positions are
    /// exactly `0..n-1`.
    pub async fn column(&self, user: &User, stage: &str) -> Vec<String> {
        let board = self.board(user).await;
        let column = board["stages"]
            .as_array()
            .expect("stages")
            .iter()
            .find(|c| c["name"] == stage)
            .unwrap_or_else(|| panic!("no column {stage}"))
            .clone();
        let deals = column["deals"].as_array().expect("deals");
        let orders: Vec<u64> = deals
            .iter()
            .map(|d| d["stage_order"].as_u64().expect("stage_order"))
            .collect();
        let expected: Vec<u64> = (0..deals.len() as u64).collect();
        assert_eq!(orders, expected, "positions of {stage} are not 0..n-1");
        assert_eq!(column["count"].as_u64(), Some(deals.len() as u64));
        deals
            .iter()
            .map(|d| d["name"].as_str().expect("name").to_owned())
            .collect()
    }

    /// The id of the caller's stage `name`.
    pub async fn stage_id(&self, user: &User, name: &str) -> String {
        let stages = self
            .get(&user.token, "/api/crm/pipeline-stages")
            .await
            .expect(200);
        stages
            .as_array()
            .expect("stages")
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["id"].as_str())
            .unwrap_or_else(|| panic!("no stage {name}"))
            .to_owned()
    }
}

/// The `id` of a JSON row.
#[track_caller]
pub fn id(row: &Value) -> String {
    row["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {row}"))
        .to_owned()
}

/// The `id`s of a list's `data`.
#[track_caller]
pub fn ids(page: &Value) -> Vec<String> {
    page["data"]
        .as_array()
        .unwrap_or_else(|| panic!("no data in {page}"))
        .iter()
        .map(id)
        .collect()
}

/// The sorted keys of a JSON object.
#[track_caller]
pub fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

/// A random id that names no row.
pub fn unknown_id() -> String {
    Uuid::new_v4().to_string()
}

/// Claims of a valid token for `sub` (Supabase's layout), one hour to live.
pub fn claims(sub: &str, email: &str) -> Value {
    let now = Utc::now().timestamp();
    json!({
        "sub": sub,
        "email": email,
        "role": "authenticated",
        "aud": "authenticated",
        "iat": now,
        "exp": now + 3600,
    })
}

/// `claims` signed HS256 with `secret`.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    sign_with(Algorithm::HS256, claims, secret)
}

/// `claims` signed with `algorithm` and `secret`.
pub fn sign_with(algorithm: Algorithm, claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("sign the token")
}

/// An unsigned token: `base64url(header).base64url(claims).` with `alg: none`.
pub fn unsigned(claims: &Value) -> String {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = json!({"alg": "none", "typ": "JWT"});
    format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    )
}

/// An RFC 3339 timestamp of a JSON field.
#[track_caller]
pub fn ts(value: &Value) -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339(value.as_str().expect("a timestamp string"))
        .unwrap_or_else(|e| panic!("{value} is not RFC 3339: {e}"))
}
