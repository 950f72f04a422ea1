//! The stylesheet (and later the small optional script and the Khmer font), compiled into
//! the binary and served under a content-hashed name, so browsers cache them forever and
//! fetch a new copy only when it changes.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE, ETAG};
use actix_web::{HttpResponse, web};
use rust_embed::RustEmbed;

use super::error::WebError;
use crate::web::state::AppState;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Files;

/// One file, with the hashed name it is served under (folders flattened: `fonts/a.woff2`
/// is served as `a.<hash>.woff2`).
struct Asset {
    name: String,
    hashed_name: String,
    content_type: &'static str,
    bytes: Vec<u8>,
}

impl Asset {
    fn new(name: &str, bytes: Vec<u8>) -> Self {
        use sha2::{Digest, Sha256};
        let hash = Sha256::digest(&bytes);
        let short: String = hash[..6].iter().map(|b| format!("{b:02x}")).collect();
        let file = name.rsplit('/').next().unwrap_or(name);
        let (stem, ext) = file.rsplit_once('.').unwrap_or((file, "bin"));
        let content_type = match ext {
            "css" => "text/css; charset=utf-8",
            "js" => "text/javascript; charset=utf-8",
            "woff2" => "font/woff2",
            "svg" => "image/svg+xml",
            "png" => "image/png",
            _ => "application/octet-stream",
        };
        Self {
            name: name.to_owned(),
            hashed_name: format!("{stem}.{short}.{ext}"),
            content_type,
            bytes,
        }
    }
}

pub struct Assets {
    files: Vec<Asset>,
}

impl Assets {
    /// Loads every asset. The stylesheet's `url(fonts/…)` references are rewritten to the
    /// fonts' hashed names first, so a new font also gives the stylesheet a new name.
    pub fn load() -> Self {
        let mut files: Vec<Asset> = Files::iter()
            .filter(|name| {
                !name.ends_with(".css") && !name.ends_with(".sh") && !name.contains("LICENSE")
            })
            .filter_map(|name| {
                let file = Files::get(&name)?;
                Some(Asset::new(&name, file.data.into_owned()))
            })
            .collect();
        let stylesheets: Vec<Asset> = Files::iter()
            .filter(|name| name.ends_with(".css"))
            .filter_map(|name| {
                let file = Files::get(&name)?;
                let mut text = String::from_utf8(file.data.into_owned()).ok()?;
                for asset in &files {
                    text = text.replace(
                        &format!("url({})", asset.name),
                        &format!("url(/assets/{})", asset.hashed_name),
                    );
                }
                Some(Asset::new(&name, text.into_bytes()))
            })
            .collect();
        files.extend(stylesheets);
        Self { files }
    }

    /// The URL of the one stylesheet.
    pub fn stylesheet_url(&self) -> String {
        self.url_of("sala.")
            .unwrap_or_else(|| "/assets/missing.css".to_owned())
    }

    /// The URL of the optional offline script.
    pub fn offline_script_url(&self) -> String {
        self.url_of("offline.").unwrap_or_default()
    }

    /// The URLs a course needs besides its pages: the stylesheet and the Khmer font.
    pub fn offline_urls(&self) -> Vec<String> {
        ["sala.", "sala-khmer."]
            .iter()
            .filter_map(|p| self.url_of(p))
            .collect()
    }

    fn url_of(&self, prefix: &str) -> Option<String> {
        self.files
            .iter()
            .find(|f| f.hashed_name.starts_with(prefix))
            .map(|f| format!("/assets/{}", f.hashed_name))
    }
}

/// The service worker, at a fixed address (a worker's scope is the folder it is served
/// from) and always revalidated, so a new version reaches every browser.
pub async fn service_worker(state: web::Data<AppState>) -> Result<HttpResponse, WebError> {
    let asset = state
        .assets
        .files
        .iter()
        .find(|f| f.name == "sw.js")
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, asset.content_type))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(asset.bytes.clone()))
}

pub async fn serve(
    state: web::Data<AppState>,
    name: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let asset = state
        .assets
        .files
        .iter()
        .find(|f| f.hashed_name == *name)
        .ok_or(WebError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, asset.content_type))
        .insert_header((CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .insert_header((ETAG, format!("\"{}\"", asset.hashed_name)))
        .body(asset.bytes.clone()))
}
