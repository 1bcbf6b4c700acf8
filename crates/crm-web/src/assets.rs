//! The stylesheet and the script, embedded in the binary (read from disk in debug builds) and
//! served under `/static/` with a content-hash ETag. Pages link them as
//! `/static/app.css?v=<hash>`; a request carrying the current hash may be cached for a year,
//! since a new file gets a new URL.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Assets;

/// The short content hash of an asset, if it exists.
fn hash_of(name: &str) -> Option<String> {
    let file = Assets::get(name)?;
    let hash = file.metadata.sha256_hash();
    Some(hash.iter().take(8).map(|b| format!("{b:02x}")).collect())
}

/// The URL of an asset with its content hash, e.g. `/static/app.css?v=1a2b3c4d5e6f7a8b`.
pub fn asset_url(name: &str) -> String {
    match hash_of(name) {
        Some(hash) => format!("/static/{name}?v={hash}"),
        None => format!("/static/{name}"),
    }
}

/// Query of an asset request.
#[derive(serde::Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `GET /static/{name}`: the file with `ETag`, `Cache-Control` and `nosniff`; 304 when the
/// client's copy is current.
pub async fn serve(
    req: HttpRequest,
    name: web::Path<String>,
    query: web::Query<AssetQuery>,
) -> HttpResponse {
    let name = name.into_inner();
    let safe = !name.is_empty()
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    let Some(file) = safe.then(|| Assets::get(&name)).flatten() else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let hash: String = file
        .metadata
        .sha256_hash()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let etag = format!("\"{hash}\"");
    let cache = if query.v.as_deref() == Some(hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "public, no-cache"
    };
    let matches = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = if matches {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag.clone()))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ));
    if matches {
        return response.finish();
    }
    let mime = file.metadata.mimetype();
    let mime = if mime.starts_with("text/") || mime.ends_with("javascript") {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_owned()
    };
    response.content_type(mime).body(file.data.into_owned())
}
