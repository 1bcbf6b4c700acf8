//! Serves the pages and the JSON API on `127.0.0.1:8099` over a throw-away SQLite file with
//! the demo data, for looking at the pages before `crm-server` mounts them:
//! `cargo run -p crm-web --example preview` (sign in as `ava@demo.crm` / `demo-pass-1`).
#![allow(clippy::expect_used, missing_docs)]

use actix_web::{HttpServer, web};
use crm_http::AppState;
use crm_store::{Store, StoreConfig};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let path = std::env::temp_dir().join(format!("crm-preview-{}.db", std::process::id()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = Store::connect(&StoreConfig::new(url))
        .await
        .expect("open the preview database");
    store.migrate().await.expect("migrate");
    seed::seed_demo(&store, false)
        .await
        .expect("seed the demo data");
    let data = web::Data::new(AppState::new(store));
    let address = std::env::var("CRM_PREVIEW_BIND").unwrap_or_else(|_| "127.0.0.1:8099".to_owned());
    println!("serving on http://{address} (ava@demo.crm / demo-pass-1)");
    HttpServer::new(move || crm_http::app(data.clone()).configure(crm_web::configure))
        .bind(address)?
        .run()
        .await
}
