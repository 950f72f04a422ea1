//! The stylesheet (and later the small optional script and the Khmer font), compiled into
//! the binary and served under a content-hashed name, so browsers cache them forever and
//! fetch a new copy only when it changes.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use actix_web::{HttpResponse, web};

use super::error::WebError;
pub use crate::assets::Assets;
use crate::web::state::AppState;

/// The service worker, at a fixed address (a worker's scope is the folder it is served
/// from) and always revalidated, so a new version reaches every browser.
pub async fn service_worker(state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let asset = state.assets.named("sw.js").ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, asset.content_type))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(asset.bytes.clone()))
}

pub async fn serve(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let asset = state.assets.hashed(&name).ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, asset.content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((ETAG, format!("\"{}\"", asset.hashed_name)))
        .body(asset.bytes.clone()))
}
