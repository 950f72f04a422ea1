//! The certificate's fonts (assets/fonts/certificate, SIL OFL: Khmer and Latin, regular and
//! bold), shaped with rustybuzz: what the PDF draws with, and what decides whether a name
//! can be printed at all. A leaf: nothing of Sala's below it.

use std::sync::LazyLock;

use krilla::Data;
use krilla::text::{Font, GlyphId, KrillaGlyph};

pub struct Face {
    pub font: Font,
    shaper: rustybuzz::Face<'static>,
}

impl Face {
    pub fn load(data: &'static [u8]) -> Option<Self> {
        Some(Face {
            font: Font::new(Data::from(data), 0)?,
            shaper: rustybuzz::Face::from_slice(data, 0)?,
        })
    }

    /// The advance width of `text` at `size`.
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let shaped = self.shape(text);
        let units: i32 = shaped.glyph_positions().iter().map(|p| p.x_advance).sum();
        units as f32 * size / self.units_per_em()
    }

    pub fn units_per_em(&self) -> f32 {
        f32::from(self.shaper.units_per_em() as u16)
    }

    pub fn shape(&self, text: &str) -> rustybuzz::GlyphBuffer {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        rustybuzz::shape(&self.shaper, &[], buffer)
    }

    /// The shaped glyphs of a run, each tied to the text it shows. Latin glyphs are tied
    /// to their cluster, as usual. Khmer glyphs are tied to their whole word: a PDF then
    /// carries each Khmer word once, as ActualText, and text extractors read it back
    /// exactly. Tied cluster by cluster, extractors (poppler's pdftotext among them) take
    /// the offset of a vowel sign under or over its consonant for a gap between words, and
    /// cut words in two ("សុ ខ").
    pub fn glyphs(&self, text: &str, khmer: bool) -> Vec<KrillaGlyph> {
        let shaped = self.shape(text);
        let upem = self.units_per_em();
        let infos = shaped.glyph_infos();
        let words = word_ranges(text);
        let mut glyphs = Vec::with_capacity(infos.len());
        for (i, (info, pos)) in infos.iter().zip(shaped.glyph_positions()).enumerate() {
            let start = info.cluster as usize;
            let range = match words.iter().find(|w| w.contains(&start)) {
                Some(word) if khmer => word.clone(),
                _ => {
                    let end = infos[i..]
                        .iter()
                        .map(|g| g.cluster as usize)
                        .find(|&c| c != start)
                        .unwrap_or(text.len());
                    start..end.max(start)
                }
            };
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                pos.x_advance as f32 / upem,
                pos.x_offset as f32 / upem,
                pos.y_offset as f32 / upem,
                pos.y_advance as f32 / upem,
                range,
                None,
            ));
        }
        glyphs
    }
}

/// The byte ranges of the words (runs without white space) of a text.
pub fn word_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut words = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_whitespace(), start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                words.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        words.push(s..text.len());
    }
    words
}

/// The vendored fonts (assets/fonts/certificate, SIL OFL): Khmer and Latin, regular and bold.
pub struct Fonts {
    pub khmer: [Face; 2],
    pub latin: [Face; 2],
}

pub static FONTS: LazyLock<Option<Fonts>> = LazyLock::new(|| {
    let face = |data: &'static [u8]| Face::load(data);
    Some(Fonts {
        khmer: [
            face(include_bytes!(
                "../assets/fonts/certificate/NotoSerifKhmer-Regular.ttf"
            ))?,
            face(include_bytes!(
                "../assets/fonts/certificate/NotoSerifKhmer-Bold.ttf"
            ))?,
        ],
        latin: [
            face(include_bytes!(
                "../assets/fonts/certificate/NotoSerif-Regular.ttf"
            ))?,
            face(include_bytes!(
                "../assets/fonts/certificate/NotoSerif-Bold.ttf"
            ))?,
        ],
    })
});

pub fn is_khmer(c: char) -> bool {
    matches!(c, '\u{1780}'..='\u{17FF}' | '\u{19E0}'..='\u{19FF}' | '\u{200B}'..='\u{200D}')
}

/// Splits text into runs of one script. Spaces stay with the run they are in, so a Khmer
/// phrase with spaces is shaped as one run; Latin letters, digits and punctuation (which
/// the Khmer font lacks) go to the Latin font.
pub fn runs(text: &str) -> Vec<(bool, &str)> {
    let mut out: Vec<(bool, &str)> = Vec::new();
    let mut start = 0;
    let mut current: Option<bool> = None;
    for (i, c) in text.char_indices() {
        let script = if c.is_whitespace() {
            None
        } else {
            Some(is_khmer(c))
        };
        match (current, script) {
            (Some(a), Some(b)) if a != b => {
                out.push((a, &text[start..i]));
                start = i;
                current = Some(b);
            }
            (None, Some(b)) => current = Some(b),
            _ => {}
        }
    }
    if start < text.len() {
        out.push((current.unwrap_or(false), &text[start..]));
    }
    out
}

/// The first character of `text` the certificate's fonts cannot draw (shaped as the PDF
/// shapes it, in its run's font, regular and bold), if there is one. A name is checked with
/// this when it is given, so that it is never found out at printing.
pub fn undrawable(text: &str) -> Option<char> {
    let fonts = FONTS.as_ref()?;
    runs(text).into_iter().find_map(|(khmer, run)| {
        let faces = if khmer { &fonts.khmer } else { &fonts.latin };
        faces.iter().find_map(|face| {
            let shaped = face.shape(run);
            shaped
                .glyph_infos()
                .iter()
                .find(|info| info.glyph_id == 0)
                .and_then(|info| run.get(info.cluster as usize..)?.chars().next())
        })
    })
}
