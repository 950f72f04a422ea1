//! Pictures, prepared once at publish time: decoded, turned upright, stripped of every bit of
//! metadata (EXIF, GPS, camera) by re-encoding the pixels, and made at 320, 640 and 960 px
//! wide — each as the smaller of JPEG and PNG, and within the page budget (≤ 40 KB at
//! 640 px). SVG drawings are read by usvg and written out again from what it understood —
//! shapes, paths, fills, gradients, text turned into outlines — so that nothing else (a
//! script in any spelling, an event attribute, a link, an outside picture or font) can
//! reach a learner: an allowlist by construction, where a list of forbidden words can
//! always be spelled around.

use std::io::Cursor;
use std::sync::{Arc, LazyLock};

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::metadata::Orientation;
use image::{ColorType, DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::source::hex;
pub use crate::model::courses::MediaFile;

/// Widths made for phones and small screens; larger originals are never served.
pub const WIDTHS: [u32; 3] = [320, 640, 960];
/// Larger pictures are refused: decoding them would take too much memory. A 12-megapixel
/// phone photo (4032 × 3024) fits.
pub const MAX_PIXELS: u64 = 16_000_000;
/// The most memory a decoded picture may take (a 12-megapixel photo takes 37 MB in 8-bit
/// colour; a 16-bit picture of the same size would take 73 MB and is refused), checked
/// before its pixels are read: with one course prepared at a time, the server stays
/// within its 150 MB.
pub const MAX_DECODED_BYTES: u64 = 48 * 1024 * 1024;
/// The longest side accepted, whatever the pixel count.
pub const MAX_SIDE: u32 = 12_000;
/// The largest drawing accepted: real drawings are a few kilobytes, and reading one takes
/// memory in proportion to its size.
pub const MAX_SVG_BYTES: usize = 512 * 1024;
/// BUDGETS.md: one content picture at 640 px is at most 40 KB.
pub const BUDGET_640: usize = 40 * 1024;

impl MediaFile {
    /// A PNG prepared elsewhere (a signature or a logo made fit for certificates), as media.
    pub fn png(bytes: Vec<u8>) -> Option<Self> {
        let (width, height) =
            image::ImageReader::with_format(std::io::Cursor::new(&bytes), image::ImageFormat::Png)
                .into_dimensions()
                .ok()?;
        Some(Self::new("image/png", width, height, bytes))
    }

    fn new(content_type: &'static str, width: u32, height: u32, bytes: Vec<u8>) -> Self {
        let hash = hex(&Sha256::digest(&bytes))[..32].to_owned();
        Self {
            hash,
            content_type,
            width,
            height,
            bytes,
        }
    }

    pub fn extension(&self) -> &'static str {
        extension_of(self.content_type)
    }

    pub fn url(&self) -> String {
        format!("/media/{}.{}", self.hash, self.extension())
    }
}

pub fn extension_of(content_type: &str) -> &'static str {
    match content_type {
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/svg+xml" => "svg",
        _ => "bin",
    }
}

/// A picture as it is placed in a chapter: its variants, smallest first.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Picture {
    pub width: u32,
    pub height: u32,
    /// (url, width) pairs, smallest first.
    pub variants: Vec<(String, u32)>,
}

fn is_svg(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".svg")
}

/// Quick check for the checker: is it a picture we accept? Returns a message key if not.
pub fn inspect(path: &str, bytes: &[u8]) -> Result<(), &'static str> {
    if is_svg(path) {
        return clean_svg(bytes).map(drop);
    }
    // Decoding catches truncated or corrupt files that have a valid header.
    decode(bytes).map(drop)
}

/// The limits every decoder is given: no side beyond [`MAX_SIDE`], no allocation beyond
/// [`MAX_DECODED_BYTES`].
fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits
}

/// Decodes a picture (not turned upright: see [`upright`]) after checking from its header
/// that it is one of the formats we take and that its pixels fit the memory budget.
fn decode(bytes: &[u8]) -> Result<(DynamicImage, Option<Orientation>), &'static str> {
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|_| "check-image-not-image")?;
    match reader.format() {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif) => {}
        _ => return Err("check-image-not-image"),
    }
    reader.limits(limits());
    let refused = |e: ImageError| match e {
        ImageError::Limits(_) => "check-image-too-large",
        _ => "check-image-not-image",
    };
    let mut decoder = reader.into_decoder().map_err(refused)?;
    let (width, height) = decoder.dimensions();
    if u64::from(width) * u64::from(height) > MAX_PIXELS
        || decoder.total_bytes() > MAX_DECODED_BYTES
    {
        return Err("check-image-too-large");
    }
    let orientation = decoder.orientation().ok();
    let image = DynamicImage::from_decoder(decoder).map_err(refused)?;
    Ok((image, orientation))
}

/// Does this orientation turn the picture on its side (width and height swap)?
fn on_its_side(orientation: Option<Orientation>) -> bool {
    matches!(
        orientation,
        Some(
            Orientation::Rotate90
                | Orientation::Rotate270
                | Orientation::Rotate90FlipH
                | Orientation::Rotate270FlipH
        )
    )
}

/// Turns a (small) picture upright, in 8-bit colour.
fn upright(mut image: DynamicImage, orientation: Option<Orientation>) -> DynamicImage {
    image = match image.color() {
        ColorType::L8 | ColorType::La8 | ColorType::Rgb8 | ColorType::Rgba8 => image,
        color if color.has_alpha() => DynamicImage::ImageRgba8(image.to_rgba8()),
        _ => DynamicImage::ImageRgb8(image.to_rgb8()),
    };
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    image
}

/// The fonts text in drawings is drawn with (the certificate's Noto Serif and Noto Serif
/// Khmer): text becomes outlines, so a learner's phone needs no Khmer font to see it.
static FONTS: LazyLock<Arc<usvg::fontdb::Database>> = LazyLock::new(|| {
    let mut fonts = usvg::fontdb::Database::new();
    for data in [
        &include_bytes!("../../assets/fonts/certificate/NotoSerif-Regular.ttf")[..],
        &include_bytes!("../../assets/fonts/certificate/NotoSerif-Bold.ttf")[..],
        &include_bytes!("../../assets/fonts/certificate/NotoSerifKhmer-Regular.ttf")[..],
        &include_bytes!("../../assets/fonts/certificate/NotoSerifKhmer-Bold.ttf")[..],
    ] {
        fonts.load_font_source(usvg::fontdb::Source::Binary(Arc::new(data)));
    }
    fonts.set_serif_family("Noto Serif");
    fonts.set_sans_serif_family("Noto Serif");
    fonts.set_cursive_family("Noto Serif");
    fonts.set_fantasy_family("Noto Serif");
    fonts.set_monospace_family("Noto Serif");
    Arc::new(fonts)
});

/// A drawing as it will be served: its size, and its bytes written anew by usvg from the
/// parts of SVG it models. Outside pictures and embedded ones are dropped (resolvers that
/// find nothing), files are never read (no resource folder), compressed SVG is refused
/// (`from_str` does not inflate).
fn clean_svg(bytes: &[u8]) -> Result<(u32, u32, Vec<u8>), &'static str> {
    if bytes.len() > MAX_SVG_BYTES {
        return Err("check-image-svg-too-large");
    }
    // The quick check first, for a clear message about what was meant to run.
    svg_size(bytes)?;
    let text = std::str::from_utf8(bytes).map_err(|_| "check-image-not-image")?;
    let options = usvg::Options {
        resources_dir: None,
        font_family: "Noto Serif".to_owned(),
        languages: vec!["km".to_owned(), "en".to_owned()],
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        fontdb: Arc::clone(&FONTS),
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(text, &options).map_err(|_| "check-image-not-image")?;
    let size = tree.size();
    let (width, height) = (size.width().round(), size.height().round());
    if !(1.0..=10_000.0).contains(&width) || !(1.0..=10_000.0).contains(&height) {
        return Err("check-image-svg-size");
    }
    let clean = tree.to_string(&usvg::WriteOptions {
        coordinates_precision: 3,
        transforms_precision: 5,
        indent: usvg::Indent::None,
        attributes_indent: usvg::Indent::None,
        ..usvg::WriteOptions::default()
    });
    // usvg folds the viewBox into the drawing; without one again, a browser showing the
    // drawing narrower than its size (a phone) would cut it instead of scaling it.
    let clean = clean.replacen(
        "<svg ",
        &format!("<svg viewBox=\"0 0 {} {}\" ", size.width(), size.height()),
        1,
    );
    Ok((width as u32, height as u32, clean.into_bytes()))
}

/// An SVG's size from its `width`/`height` attributes (or its `viewBox`), after refusing
/// what was plainly meant to run or load: scripts, event attributes, foreign objects,
/// outside links. Only a courtesy to the publisher: [`clean_svg`] is what keeps learners
/// safe, whatever gets past these words.
fn svg_size(bytes: &[u8]) -> Result<(u32, u32), &'static str> {
    let text = std::str::from_utf8(bytes).map_err(|_| "check-image-not-image")?;
    let lower = text.to_ascii_lowercase();
    let Some(start) = lower.find("<svg") else {
        return Err("check-image-not-image");
    };
    let forbidden = [
        "<script",
        "<foreignobject",
        "javascript:",
        "href=\"http",
        "href='http",
        "<!entity",
    ];
    let has_event = lower.match_indices(" on").any(|(i, _)| {
        let rest = &lower[i + 3..];
        let n = rest.chars().take_while(char::is_ascii_alphabetic).count();
        n > 0 && rest[n..].trim_start().starts_with('=')
    });
    if forbidden.iter().any(|f| lower.contains(f)) || has_event {
        return Err("check-image-svg-unsafe");
    }
    let tag_end = lower[start..].find('>').map_or(lower.len(), |e| start + e);
    let tag = &text[start..tag_end];
    let attribute = |name: &str| -> Option<f64> {
        let at = tag.find(&format!(" {name}=\""))? + name.len() + 3;
        let value: String = tag[at..].chars().take_while(|c| *c != '"').collect();
        value.trim_end_matches("px").trim().parse().ok()
    };
    let from_view_box = || -> Option<(f64, f64)> {
        let at = tag.find("viewBox=\"")? + 9;
        let value: String = tag[at..].chars().take_while(|c| *c != '"').collect();
        let parts: Vec<f64> = value
            .split([' ', ','])
            .filter_map(|p| p.parse().ok())
            .collect();
        (parts.len() == 4).then(|| (parts[2], parts[3]))
    };
    let (width, height) = match (attribute("width"), attribute("height")) {
        (Some(w), Some(h)) => (w, h),
        _ => from_view_box().ok_or("check-image-svg-size")?,
    };
    if !(1.0..=10_000.0).contains(&width) || !(1.0..=10_000.0).contains(&height) {
        return Err("check-image-svg-size");
    }
    Ok((width.round() as u32, height.round() as u32))
}

/// Prepares one picture: its variants, and how the chapter places it.
pub fn process(path: &str, bytes: &[u8]) -> Result<(Picture, Vec<MediaFile>), &'static str> {
    if is_svg(path) {
        let (width, height, clean) = clean_svg(bytes)?;
        let file = MediaFile::new("image/svg+xml", width, height, clean);
        let picture = Picture {
            width,
            height,
            variants: vec![(file.url(), width)],
        };
        return Ok((picture, vec![file]));
    }
    let (original, orientation) = decode(bytes)?;
    // The size as shown, once upright.
    let (width, height) = if on_its_side(orientation) {
        (original.height(), original.width())
    } else {
        (original.width(), original.height())
    };
    if width == 0 || height == 0 {
        return Err("check-image-not-image");
    }
    let largest = width.min(WIDTHS[WIDTHS.len() - 1]);
    let scaled =
        |target: u32| ((u64::from(height) * u64::from(target)) / u64::from(width)).max(1) as u32;
    // The largest copy is made first, by averaging (no intermediate image the size of the
    // original), and the original is let go; the smaller copies are made from it.
    let base = if largest == width {
        original
    } else if on_its_side(orientation) {
        original.thumbnail_exact(scaled(largest), largest)
    } else {
        original.thumbnail_exact(largest, scaled(largest))
    };
    let base = upright(base, orientation);
    let mut widths: Vec<u32> = WIDTHS.iter().copied().filter(|w| *w < largest).collect();
    widths.push(largest);
    widths.dedup();
    let mut files = Vec::new();
    for target in widths {
        let resized = if target == largest {
            base.clone()
        } else {
            base.resize_exact(target, scaled(target), FilterType::Triangle)
        };
        let budget = BUDGET_640 * (target as usize * target as usize) / (640 * 640);
        files.push(smallest_encoding(&resized, budget.max(8 * 1024))?);
    }
    let variants = files.iter().map(|f| (f.url(), f.width)).collect();
    let largest = files
        .last()
        .map_or((width, height), |f| (f.width, f.height));
    Ok((
        Picture {
            width: largest.0,
            height: largest.1,
            variants,
        },
        files,
    ))
}

/// The smaller of PNG and JPEG. Pictures with transparency stay PNG; JPEG quality is lowered
/// step by step until the file fits the budget for its size.
fn smallest_encoding(image: &DynamicImage, budget: usize) -> Result<MediaFile, &'static str> {
    let (width, height) = (image.width(), image.height());
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|_| "check-image-not-image")?;
    if image.color().has_alpha() && has_transparency(image) {
        return Ok(MediaFile::new("image/png", width, height, png));
    }
    let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
    let mut jpeg = Vec::new();
    for quality in [80u8, 70, 60, 50, 40] {
        jpeg.clear();
        JpegEncoder::new_with_quality(&mut jpeg, quality)
            .encode_image(&rgb)
            .map_err(|_| "check-image-not-image")?;
        if jpeg.len() <= budget {
            break;
        }
    }
    Ok(if png.len() <= jpeg.len() {
        MediaFile::new("image/png", width, height, png)
    } else {
        MediaFile::new("image/jpeg", width, height, jpeg)
    })
}

fn has_transparency(image: &DynamicImage) -> bool {
    image.to_rgba8().pixels().any(|p| p.0[3] < 255)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_sizes_and_safety() {
        let ok = br#"<svg xmlns="http://www.w3.org/2000/svg" width="320" height="200" viewBox="0 0 320 200"><rect/></svg>"#;
        assert_eq!(svg_size(ok), Ok((320, 200)));
        let view_box_only =
            br#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 32"></svg>"#;
        assert_eq!(svg_size(view_box_only), Ok((64, 32)));
        let script = br#"<svg width="1" height="1"><script>alert(1)</script></svg>"#;
        assert_eq!(svg_size(script), Err("check-image-svg-unsafe"));
        let event = br#"<svg width="1" height="1" onload="alert(1)"></svg>"#;
        assert_eq!(svg_size(event), Err("check-image-svg-unsafe"));
    }
}
