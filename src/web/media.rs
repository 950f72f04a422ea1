//! Course pictures, served by the hash of their bytes: a URL never changes meaning, so
//! browsers keep them forever.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use super::error::WebError;
use crate::web::state::AppState;

pub async fn serve(
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let (hash, extension) = file.split_once('.').ok_or(WebError::NotFound)?;
    if hash.len() != 32 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(WebError::NotFound);
    }
    let found = crate::courses::media(&state.db, hash.to_owned()).await?;
    let (content_type, bytes) = found.ok_or(WebError::NotFound)?;
    if crate::courses::images::extension_of(&content_type) != extension {
        return Err(WebError::NotFound);
    }
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(bytes))
}
