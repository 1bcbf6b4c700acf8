//! The OpenAPI document: 3.1, collected from the routes as registered, listing exactly the
//! routes of `spec/api.md` that the application serves, each of them really served, with every
//! schema reference resolvable.

use std::collections::BTreeSet;

use crm_store::Store;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::tokens::fill;

crm_store::backend_tests!(
    the_openapi_document_is_3_1_and_lists_exactly_the_spec_routes,
    every_documented_operation_is_served_and_not_the_routers_404,
    every_schema_reference_of_the_document_resolves,
    every_api_operation_documents_the_503_of_an_unavailable_database,
);

/// The routes of `spec/api.md` that `crm-http` implements.
const SPEC_ROUTES: &[(&str, &str)] = &[
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("post", "/api/auth/signup"),
    ("post", "/api/auth/login"),
    ("get", "/api/auth/me"),
    ("get", "/api/crm/users"),
    ("get", "/api/crm/companies"),
    ("post", "/api/crm/companies"),
    ("get", "/api/crm/companies/{id}"),
    ("patch", "/api/crm/companies/{id}"),
    ("get", "/api/crm/contacts"),
    ("post", "/api/crm/contacts"),
    ("get", "/api/crm/contacts/{id}"),
    ("patch", "/api/crm/contacts/{id}"),
    ("delete", "/api/crm/contacts/{id}"),
    ("get", "/api/crm/contacts/export.csv"),
    ("post", "/api/crm/contacts/import"),
    ("get", "/api/crm/tasks"),
    ("get", "/api/crm/pipeline-stages"),
    ("post", "/api/crm/pipeline-stages"),
    ("patch", "/api/crm/pipeline-stages/{id}"),
    ("delete", "/api/crm/pipeline-stages/{id}"),
    ("get", "/api/crm/deals"),
    ("post", "/api/crm/deals"),
    ("get", "/api/crm/deals/{id}"),
    ("patch", "/api/crm/deals/{id}"),
    ("delete", "/api/crm/deals/{id}"),
    ("post", "/api/crm/deals/{id}/collaborators"),
    ("delete", "/api/crm/deals/{id}/collaborators/{user_id}"),
    ("get", "/api/crm/activities"),
    ("post", "/api/crm/activities"),
    ("patch", "/api/crm/activities/{id}"),
    ("delete", "/api/crm/activities/{id}"),
    ("get", "/api/crm/marketing-spend"),
    ("post", "/api/crm/marketing-spend"),
    ("get", "/api/crm/dashboard"),
    ("get", "/api/crm/dashboard/kpis"),
    ("get", "/api/crm/dashboard/revenue"),
    ("get", "/api/crm/dashboard/lead-sources"),
    ("get", "/api/crm/dashboard/acquisition-cost"),
    ("get", "/api/crm/dashboard/sales-funnel"),
    ("get", "/api/crm/dashboard/customer-feedback"),
    ("get", "/api/crm/dashboard/lifetime-value"),
    ("get", "/api/crm/dashboard/active-users"),
    ("get", "/api/crm/deals/{id}/analytics"),
];

/// The routes that need no token.
const PUBLIC: &[&str] = &["/healthz", "/readyz", "/api/auth/signup", "/api/auth/login"];

async fn document(app: &TestApp) -> Value {
    let answer = app.send(app.raw(Method::GET, "/api/openapi.json")).await;
    answer.expect(200)
}

fn operations(document: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if [
                "get", "post", "put", "patch", "delete", "head", "options", "trace",
            ]
            .contains(&method.as_str())
            {
                out.insert((method.clone(), path.clone()));
            }
        }
    }
    out
}

async fn the_openapi_document_is_3_1_and_lists_exactly_the_spec_routes(store: Store) {
    let app = TestApp::spawn(store).await;
    let document = document(&app).await;
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        document["openapi"]
    );
    assert_eq!(document["info"]["title"], "CRM API");
    let expected: BTreeSet<(String, String)> = SPEC_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let documented = operations(&document);
    let missing: Vec<_> = expected.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing from the document: {missing:?}; not in the spec: {extra:?}"
    );
    // The served document is the one the library builds from the same registration.
    let built = serde_json::to_value(crm_http::openapi::document()).unwrap();
    assert_eq!(operations(&built), documented);

    for (method, path) in &documented {
        let operation = &document["paths"][path][method];
        let secured = operation["security"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r.get("bearer").is_some()));
        assert_eq!(
            secured,
            !PUBLIC.contains(&path.as_str()),
            "{method} {path}: security {}",
            operation["security"]
        );
        // Path parameters are declared once each, with the names of the path.
        let declared: Vec<&str> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "path")
                    .map(|p| p["name"].as_str().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        let in_path: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        assert_eq!(declared, in_path, "{method} {path}");
        let names: Vec<(&str, &str)> = operation["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| (p["in"].as_str().unwrap(), p["name"].as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let unique: BTreeSet<_> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "{method} {path}: {names:?}");
        assert!(
            operation["responses"]
                .as_object()
                .is_some_and(|r| !r.is_empty()),
            "{method} {path} documents no response"
        );
    }
    let scheme = &document["components"]["securitySchemes"]["bearer"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
}

async fn every_documented_operation_is_served_and_not_the_routers_404(store: Store) {
    let app = TestApp::spawn(store).await;
    let document = document(&app).await;
    for (method, path) in operations(&document) {
        let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
        let answer = app.send(app.raw(method.clone(), &fill(&path))).await;
        let routed = !(answer.status == 404 && answer.message().starts_with("no route"));
        assert!(
            routed,
            "{method} {path} is documented but not served: {}",
            answer.body
        );
        // Without a token: the public routes answer (or refuse the empty body), the others 401.
        let expected: &[u16] = match path.as_str() {
            "/healthz" | "/readyz" => &[200],
            "/api/auth/signup" | "/api/auth/login" => &[400],
            _ => &[401],
        };
        assert!(
            expected.contains(&answer.status),
            "{method} {path}: {} {}",
            answer.status,
            answer.body
        );
    }
}

async fn every_schema_reference_of_the_document_resolves(store: Store) {
    let app = TestApp::spawn(store).await;
    let document = document(&app).await;
    let schemas = document["components"]["schemas"]
        .as_object()
        .expect("components.schemas");
    let mut refs = Vec::new();
    collect_refs(&document, &mut refs);
    assert!(!refs.is_empty());
    for reference in refs {
        let name = reference
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {reference}"));
        assert!(schemas.contains_key(name), "dangling $ref {reference}");
    }
    assert!(schemas.contains_key("ErrorBody"));
}

fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                if key == "$ref" {
                    out.push(value.as_str().unwrap_or_default().to_owned());
                } else {
                    collect_refs(value, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

async fn every_api_operation_documents_the_503_of_an_unavailable_database(store: Store) {
    let app = TestApp::spawn(store).await;
    let document = document(&app).await;
    let mut checked = 0;
    for (path, item) in document["paths"].as_object().expect("paths") {
        if !path.starts_with("/api/") {
            continue;
        }
        for (method, operation) in item.as_object().expect("path item") {
            let unavailable = &operation["responses"]["503"];
            assert_eq!(
                unavailable["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} operations under /api/");
}
