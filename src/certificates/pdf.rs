//! The printable certificate: an A4 landscape PDF/A-3b page in Khmer and English, drawn
//! with krilla (which shapes text with rustybuzz, so Khmer subscripts, reordered vowels
//! and stacked marks come out right and stay real, searchable text). The signed credential
//! travels inside as an embedded file, so one download is both printable and verifiable.
//! A PNG preview for phones is the same page rasterised (hayro).
//!
//! krilla does no font fallback, so every line is split into Khmer and non-Khmer runs and
//! each run gets its font; rustybuzz measures the runs to centre lines and to shrink long
//! titles until they fit.

use std::borrow::Cow;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDateTime, Timelike};
use krilla::Data;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::embed::{AssociationKind, EmbeddedFile, MimeType};
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use krilla::text::Glyph;
use krilla::{Document, SerializeSettings};

pub use crate::fonts::undrawable;
use crate::fonts::{FONTS, Face, Fonts, runs};
use crate::i18n::{Lang, format_date, khmer_digits, translate};
use crate::model::courses::Bilingual;

/// A4 landscape, in points.
const WIDTH: f32 = 841.89;
const HEIGHT: f32 = 595.28;
const MARGIN: f32 = 36.0;
/// The preview's width in pixels.
const PREVIEW_WIDTH: f32 = 1000.0;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the certificate PDF could not be written: {0}")]
    Write(String),
    #[error("the certificate preview could not be drawn: {0}")]
    Preview(String),
}

/// One signatory as printed: names, title and organisation in both languages, and the
/// signature picture (already normalised, see [`normalise_signature`]).
#[derive(Debug, Clone)]
pub struct SignatoryBlock {
    pub name: Bilingual,
    pub title: Bilingual,
    pub organisation: Bilingual,
    pub signature: Option<Vec<u8>>,
}

/// Everything printed on one certificate.
#[derive(Debug, Clone)]
pub struct Sheet {
    pub serial: String,
    pub verify_url: String,
    pub learner_km: String,
    pub learner_latin: String,
    pub title: Bilingual,
    pub version: i32,
    pub score: i32,
    pub completed_at: NaiveDateTime,
    pub issuer: Bilingual,
    pub signatories: Vec<SignatoryBlock>,
    /// The publisher's and the co-signer's logos (normalised), printed at the top corners.
    pub logos: [Option<Vec<u8>>; 2],
    /// The signed credential, embedded in the PDF.
    pub credential: String,
}

fn fonts() -> Result<&'static Fonts, PdfError> {
    FONTS
        .as_ref()
        .ok_or_else(|| PdfError::Write("a vendored font does not load".into()))
}

/// Control characters and the invisible marks that reorder text: never drawn.
fn invisible(c: char) -> bool {
    c.is_control() || crate::accounts::fields::reorders_or_hides(c)
}

/// `text` as the fonts can draw it. Names are checked when they are given, but one kept
/// from before that check (or a course's text) may still hold a character the fonts lack,
/// which would make the whole PDF invalid: controls and invisible marks are left out and
/// any other undrawable character is printed as `?`. [`Cow::Owned`] says it was changed.
fn drawable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(invisible) && undrawable(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut one = [0u8; 4];
    Cow::Owned(
        text.chars()
            .filter(|c| !invisible(*c))
            .map(|c| {
                if c.is_whitespace() || undrawable(c.encode_utf8(&mut one)).is_none() {
                    c
                } else {
                    '?'
                }
            })
            .collect(),
    )
}

/// Fluent wraps arguments in invisible isolation marks, which a PDF font cannot draw.
fn plain(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '\u{2068}' | '\u{2069}'))
        .collect()
}

#[derive(Clone, Copy)]
enum Weight {
    Regular = 0,
    Bold = 1,
}

struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    fonts: &'static Fonts,
}

impl Pen<'_, '_> {
    fn face(&self, khmer: bool, weight: Weight) -> &'static Face {
        if khmer {
            &self.fonts.khmer[weight as usize]
        } else {
            &self.fonts.latin[weight as usize]
        }
    }

    fn width(&self, text: &str, size: f32, weight: Weight) -> f32 {
        let text = drawable(text);
        runs(&text)
            .iter()
            .map(|(khmer, run)| self.face(*khmer, weight).width(run, size))
            .sum()
    }

    /// Draws `text` with its baseline at `y`, starting at `x`.
    fn text(&mut self, text: &str, x: f32, y: f32, size: f32, weight: Weight) {
        let mut x = x;
        let text = drawable(text);
        for (khmer, run) in runs(&text) {
            let face = self.face(khmer, weight);
            let glyphs = face.glyphs(run, khmer);
            self.surface.draw_glyphs(
                Point::from_xy(x, y),
                &glyphs,
                face.font.clone(),
                run,
                size,
                false,
            );
            x += glyphs.iter().map(|g| g.x_advance(size)).sum::<f32>();
        }
    }

    /// Draws `text` centred on `cx`, shrunk (down to 60 %) if it is wider than `max`.
    fn centred(&mut self, text: &str, cx: f32, y: f32, size: f32, weight: Weight, max: f32) {
        let mut size = size;
        let mut width = self.width(text, size, weight);
        if width > max {
            size = (size * max / width).max(size * 0.6);
            width = self.width(text, size, weight);
        }
        self.text(text, cx - width / 2.0, y, size, weight);
    }

    fn rule(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, width: f32) {
        let mut path = PathBuilder::new();
        path.move_to(x1, y1);
        path.line_to(x2, y2);
        self.stroke(path, width);
    }

    fn frame(&mut self, inset: f32, width: f32) {
        if let Some(rect) = Rect::from_xywh(inset, inset, WIDTH - 2.0 * inset, HEIGHT - 2.0 * inset)
        {
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            self.stroke(path, width);
        }
    }

    /// Strokes a path in black.
    fn stroke(&mut self, path: PathBuilder, width: f32) {
        if let Some(path) = path.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width,
                ..Stroke::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
        }
    }

    /// The QR code of `url`, `size` points wide, its top left corner at (x, y).
    fn qr(&mut self, url: &str, x: f32, y: f32, size: f32) {
        // Level L keeps the modules large: the code is printed, not worn.
        let Ok(code) = qrcode::QrCode::with_error_correction_level(url, qrcode::EcLevel::L) else {
            return;
        };
        let modules = code.width();
        // Four modules of quiet zone are left white around the code.
        let cell = size / (modules as f32 + 8.0);
        let colors = code.to_colors();
        let mut path = PathBuilder::new();
        for (i, color) in colors.iter().enumerate() {
            if *color == qrcode::Color::Dark {
                let (col, row) = ((i % modules) as f32, (i / modules) as f32);
                if let Some(rect) =
                    Rect::from_xywh(x + (col + 4.0) * cell, y + (row + 4.0) * cell, cell, cell)
                {
                    path.push_rect(rect);
                }
            }
        }
        if let Some(path) = path.finish() {
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(Fill::default()));
            self.surface.draw_path(&path);
        }
    }

    /// A picture (signature, logo), fitted in a `w` × `h` box centred on `cx`, bottom at
    /// `bottom`.
    fn signature(&mut self, png: &[u8], cx: f32, bottom: f32, w: f32, h: f32) {
        let Ok(image) = Image::from_png(Data::from(png.to_vec()), false) else {
            return;
        };
        let (iw, ih) = image.size();
        let scale = (w / iw as f32).min(h / ih as f32);
        let (dw, dh) = (iw as f32 * scale, ih as f32 * scale);
        let Some(size) = Size::from_wh(dw, dh) else {
            return;
        };
        self.surface
            .push_transform(&krilla::geom::Transform::from_translate(
                cx - dw / 2.0,
                bottom - dh,
            ));
        self.surface.draw_image(image, size);
        self.surface.pop();
    }
}

/// The labels printed on every certificate, in both languages.
struct Labels {
    km: LabelSet,
    en: LabelSet,
}

struct LabelSet {
    national_1: String,
    national_2: String,
    title: String,
    certifies: String,
    completed: String,
    score: String,
    version: String,
    date: String,
    verify: String,
    name_changed: String,
}

impl LabelSet {
    fn of(lang: Lang) -> Self {
        let t = |key: &str| plain(&translate(lang, key));
        LabelSet {
            national_1: t("pdf-national-1"),
            national_2: t("pdf-national-2"),
            title: t("pdf-title"),
            certifies: t("pdf-certifies"),
            completed: t("pdf-completed"),
            score: t("pdf-score"),
            version: t("pdf-version"),
            date: t("pdf-date"),
            verify: t("pdf-verify"),
            name_changed: t("pdf-name-changed"),
        }
    }
}

static LABELS: LazyLock<Labels> = LazyLock::new(|| Labels {
    km: LabelSet::of(Lang::Km),
    en: LabelSet::of(Lang::En),
});

/// Cambodia's date (UTC+7) of a UTC timestamp.
fn local(at: NaiveDateTime) -> NaiveDateTime {
    at + chrono::Duration::hours(7)
}

fn draw_sheet(pen: &mut Pen<'_, '_>, sheet: &Sheet) {
    let l = &*LABELS;
    let cx = WIDTH / 2.0;
    let wide = WIDTH - 2.0 * MARGIN - 40.0;
    pen.frame(18.0, 2.5);
    pen.frame(24.0, 0.6);

    // The organisations' logos in the top corners, the publisher's on the left.
    for (logo, cx) in sheet
        .logos
        .iter()
        .zip([MARGIN + 60.0, WIDTH - MARGIN - 60.0])
    {
        if let Some(png) = logo {
            pen.signature(png, cx, 112.0, 72.0, 72.0);
        }
    }

    // The national header.
    pen.centred(&l.km.national_1, cx, 62.0, 15.0, Weight::Bold, wide);
    pen.centred(&l.km.national_2, cx, 84.0, 12.0, Weight::Regular, wide);
    pen.centred(
        &format!("{} · {}", l.en.national_1, l.en.national_2),
        cx,
        100.0,
        8.5,
        Weight::Regular,
        wide,
    );
    pen.rule(cx - 40.0, 108.0, cx + 40.0, 108.0, 0.8);

    // Title, learner, course.
    pen.centred(&l.km.title, cx, 146.0, 25.0, Weight::Bold, wide);
    pen.centred(
        &l.en.title.to_uppercase(),
        cx,
        170.0,
        14.0,
        Weight::Bold,
        wide,
    );
    pen.centred(
        &format!("{} · {}", l.km.certifies, l.en.certifies),
        cx,
        198.0,
        11.0,
        Weight::Regular,
        wide,
    );
    pen.centred(&sheet.learner_km, cx, 236.0, 26.0, Weight::Bold, wide);
    pen.centred(&sheet.learner_latin, cx, 262.0, 17.0, Weight::Bold, wide);
    if matches!(drawable(&sheet.learner_km), Cow::Owned(_))
        || matches!(drawable(&sheet.learner_latin), Cow::Owned(_))
    {
        // Said on the sheet: the name printed is not exactly the name certified.
        pen.centred(
            &format!("{} · {}", l.km.name_changed, l.en.name_changed),
            cx,
            274.0,
            7.5,
            Weight::Regular,
            wide,
        );
    }
    pen.centred(
        &format!("{} · {}", l.km.completed, l.en.completed),
        cx,
        288.0,
        11.0,
        Weight::Regular,
        wide,
    );
    pen.centred(&sheet.title.km, cx, 320.0, 18.0, Weight::Bold, wide);
    pen.centred(&sheet.title.en, cx, 344.0, 14.0, Weight::Regular, wide);

    // Score, version and date, in each language's own digits and month names.
    let date = local(sheet.completed_at);
    let km_line = format!(
        "{} {}%  ·  {} {}  ·  {} {}",
        l.km.score,
        khmer_digits(&sheet.score.to_string()),
        l.km.version,
        khmer_digits(&sheet.version.to_string()),
        l.km.date,
        format_date(date, Lang::Km)
    );
    let en_line = format!(
        "{} {}%  ·  {} {}  ·  {} {}",
        l.en.score,
        sheet.score,
        l.en.version,
        sheet.version,
        l.en.date,
        format_date(date, Lang::En)
    );
    pen.centred(&km_line, cx, 372.0, 11.0, Weight::Regular, wide);
    pen.centred(&en_line, cx, 388.0, 10.0, Weight::Regular, wide);

    // Signatories: the first on the left, the second on the right.
    let slots = [MARGIN + 150.0, WIDTH - MARGIN - 150.0];
    for (signatory, cx) in sheet.signatories.iter().take(2).zip(slots) {
        let line_y = 470.0;
        if let Some(png) = &signatory.signature {
            pen.signature(png, cx, line_y - 4.0, 150.0, 52.0);
        }
        pen.rule(cx - 110.0, line_y, cx + 110.0, line_y, 0.6);
        let max = 240.0;
        pen.centred(
            &signatory.name.km,
            cx,
            line_y + 16.0,
            11.0,
            Weight::Bold,
            max,
        );
        pen.centred(
            &signatory.name.en,
            cx,
            line_y + 30.0,
            9.5,
            Weight::Bold,
            max,
        );
        pen.centred(
            &signatory.title.km,
            cx,
            line_y + 44.0,
            9.0,
            Weight::Regular,
            max,
        );
        pen.centred(
            &signatory.title.en,
            cx,
            line_y + 56.0,
            8.5,
            Weight::Regular,
            max,
        );
        pen.centred(
            &signatory.organisation.km,
            cx,
            line_y + 70.0,
            9.0,
            Weight::Regular,
            max,
        );
        pen.centred(
            &signatory.organisation.en,
            cx,
            line_y + 82.0,
            8.5,
            Weight::Regular,
            max,
        );
    }

    // The QR code to the verification page, the serial and the address.
    let qr = 100.0;
    pen.qr(&sheet.verify_url, cx - qr / 2.0, 404.0, qr);
    pen.centred(&sheet.serial, cx, 514.0, 13.0, Weight::Bold, 200.0);
    pen.centred(
        &format!("{} · {}", l.km.verify, l.en.verify),
        cx,
        530.0,
        8.0,
        Weight::Regular,
        200.0,
    );
    pen.centred(&sheet.verify_url, cx, 542.0, 7.5, Weight::Regular, 260.0);
}

fn pdf_date(at: NaiveDateTime) -> DateTime {
    DateTime::new(at.year() as u16)
        .month(at.month() as u8)
        .day(at.day() as u8)
        .hour(at.hour() as u8)
        .minute(at.minute() as u8)
        .second(at.second() as u8)
        .utc_offset_hour(0)
}

/// A PDF of the sheets, one per page, each with its credential embedded.
fn document(sheets: &[Sheet], title: &str, now: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts()?;
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A3_B)
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))?;
    let mut document = Document::new_with(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    });
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .language("km".into())
            .creator("Sala".into())
            .producer("Sala".into())
            .creation_date(pdf_date(now)),
    );
    for sheet in sheets {
        let settings = PageSettings::from_wh(WIDTH, HEIGHT)
            .ok_or_else(|| PdfError::Write("page size".into()))?;
        let mut page = document.start_page_with(settings);
        let mut surface = page.surface();
        draw_sheet(
            &mut Pen {
                surface: &mut surface,
                fonts,
            },
            sheet,
        );
        surface.finish();
        page.finish();
        document.embed_file(EmbeddedFile {
            path: if sheets.len() == 1 {
                super::embedded::FILE_NAME.to_owned()
            } else {
                format!("{}.jwt", sheet.serial)
            },
            mime_type: MimeType::new("application/jwt"),
            description: Some(format!(
                "Signed Open Badges 3.0 credential (VC-JWT) of certificate {}",
                sheet.serial
            )),
            association_kind: AssociationKind::Data,
            data: Data::from(sheet.credential.clone().into_bytes()),
            modification_date: Some(pdf_date(now)),
            compress: Some(false),
            location: None,
        });
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// One certificate.
pub fn certificate(sheet: &Sheet, now: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    document(
        std::slice::from_ref(sheet),
        &format!("{} — {}", sheet.title.en, sheet.learner_latin),
        now,
    )
}

/// A cohort's certificates, one per page, for a coordinator to print. One sheet that
/// cannot be made never fails the others: if the whole fails, each sheet is tried alone,
/// those that fail are left out (and logged by serial), and the rest are printed.
pub fn cohort(sheets: &[Sheet], title: &str, now: NaiveDateTime) -> Result<Vec<u8>, PdfError> {
    let error = match document(sheets, title, now) {
        Ok(pdf) => return Ok(pdf),
        Err(error) => error,
    };
    let (good, bad): (Vec<&Sheet>, Vec<&Sheet>) = sheets
        .iter()
        .partition(|sheet| document(std::slice::from_ref(*sheet), title, now).is_ok());
    for sheet in &bad {
        tracing::warn!(serial = %sheet.serial, %error, "a certificate left out of a cohort PDF");
    }
    if good.is_empty() {
        return Err(error);
    }
    let good: Vec<Sheet> = good.into_iter().cloned().collect();
    document(&good, title, now)
}

/// A signature picture made fit for a black-and-white laser printer: flattened onto
/// white, grey, at most 600 × 200 pixels, as PNG.
pub fn normalise_signature(bytes: &[u8]) -> Option<Vec<u8>> {
    normalise(bytes, 600, 200)
}

/// A logo, the same way, at most 300 × 300 pixels.
pub fn normalise_logo(bytes: &[u8]) -> Option<Vec<u8>> {
    normalise(bytes, 300, 300)
}

fn normalise(bytes: &[u8], width: u32, height: u32) -> Option<Vec<u8>> {
    // Decoded within limits: a small file can declare a huge picture.
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(8_000);
    limits.max_image_height = Some(8_000);
    limits.max_alloc = Some(64 * 1024 * 1024);
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .ok()?;
    reader.limits(limits);
    let picture = reader.decode().ok()?;
    let picture = picture.resize(width, height, image::imageops::FilterType::Triangle);
    let rgba = picture.to_rgba8();
    let grey = image::GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, a] = rgba.get_pixel(x, y).0;
        let luma = (u32::from(r) * 299 + u32::from(g) * 587 + u32::from(b) * 114) / 1000;
        // Composite onto white by the alpha.
        let value = (luma * u32::from(a) + 255 * (255 - u32::from(a))) / 255;
        image::Luma([value as u8])
    });
    let mut out = Vec::new();
    grey.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .ok()?;
    Some(out)
}

/// The first page of a certificate PDF as a PNG, 1000 pixels wide, in 16 greys (small
/// enough for a phone on a slow link).
pub fn preview(pdf: &[u8]) -> Result<Vec<u8>, PdfError> {
    use hayro::hayro_interpret::InterpreterSettings;
    use hayro::hayro_syntax::Pdf;
    let failed = |what: &str| PdfError::Preview(what.to_owned());
    let pdf = Pdf::new(pdf.to_vec()).map_err(|e| PdfError::Preview(format!("{e:?}")))?;
    let pages = pdf.pages();
    let page = pages.first().ok_or_else(|| failed("no page"))?;
    let scale = PREVIEW_WIDTH / WIDTH;
    let pixmap = hayro::render(
        page,
        &hayro::RenderCache::new(),
        &InterpreterSettings::default(),
        &hayro::RenderSettings::default(),
        &hayro::PixmapSettings {
            x_scale: scale,
            y_scale: scale,
            bg_color: hayro::vello_cpu::color::palette::css::WHITE,
        },
    );
    let (width, height) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
    // Four bits of grey per pixel, two pixels a byte.
    let rgba = pixmap.data_as_u8_slice();
    let row_bytes = (width as usize).div_ceil(2);
    let mut packed = vec![0u8; row_bytes * height as usize];
    for y in 0..height as usize {
        for x in 0..width as usize {
            let i = (y * width as usize + x) * 4;
            let (r, g, b) = (rgba[i] as u32, rgba[i + 1] as u32, rgba[i + 2] as u32);
            let luma = (r * 299 + g * 587 + b * 114) / 1000;
            let level = ((luma + 8) / 17).min(15) as u8;
            let byte = &mut packed[y * row_bytes + x / 2];
            *byte |= if x % 2 == 0 { level << 4 } else { level };
        }
    }
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Four);
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder
            .write_header()
            .map_err(|e| PdfError::Preview(e.to_string()))?;
        writer
            .write_image_data(&packed)
            .map_err(|e| PdfError::Preview(e.to_string()))?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_split_khmer_from_latin_and_keep_spaces_inside() {
        assert_eq!(
            runs("ពិន្ទុ ៨៧%  ·  Score"),
            vec![(true, "ពិន្ទុ ៨៧"), (false, "%  ·  Score")]
        );
        assert_eq!(runs("សុខ ចាន់ធា"), vec![(true, "សុខ ចាន់ធា")]);
        assert_eq!(runs("ថ្ងៃ ២៣ (A)"), vec![(true, "ថ្ងៃ ២៣ "), (false, "(A)")]);
        assert_eq!(runs("Dara Sok"), vec![(false, "Dara Sok")]);
        assert_eq!(runs(""), Vec::<(bool, &str)>::new());
    }
}
