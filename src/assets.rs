//! The stylesheet, the small optional scripts and the fonts, compiled into the binary,
//! each under a content-hashed name (`web/assets.rs` serves them), so browsers cache them
//! forever and fetch a new copy only when it changes.

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Files;

/// One file, with the hashed name it is served under (folders flattened: `fonts/a.woff2`
/// is served as `a.<hash>.woff2`).
pub struct Asset {
    pub name: String,
    pub hashed_name: String,
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
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

    /// The file with this name as written (`sw.js`).
    pub fn named(&self, name: &str) -> Option<&Asset> {
        self.files.iter().find(|f| f.name == name)
    }

    /// The file with this content-hashed name.
    pub fn hashed(&self, hashed_name: &str) -> Option<&Asset> {
        self.files.iter().find(|f| f.hashed_name == hashed_name)
    }
}
