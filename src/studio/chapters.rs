//! A chapter as the studio's form shows it: its two language files (`chapters/NN-key.km.md`
//! and `.en.md`, see `docs/course-format.md`) side by side, and the form written back into
//! those files. Whatever the form does not show (a video, its transcript, a comment) stays
//! in the file as it was.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toml_edit::{DocumentMut, Item, value};

use crate::courses::source::{SourceFiles, hex};

/// One chapter's form: titles, minutes and text in both languages, and the digests of
/// the two files as they were when the form was filled (to tell whether someone else saved
/// the chapter since).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ChapterForm {
    pub title_km: String,
    pub title_en: String,
    pub minutes: String,
    pub body_km: String,
    pub body_en: String,
    pub base_km: String,
    pub base_en: String,
}

/// Where a chapter's files are: its number and the path of each language's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChapterFiles {
    pub number: String,
    pub km: String,
    pub en: String,
}

/// A chapter in the draft's list.
#[derive(Debug, Clone, Serialize)]
pub struct ChapterEntry {
    pub key: String,
    pub number: String,
    pub title_km: String,
    pub title_en: String,
}

/// The chapters of a folder, in the order of their numbers.
pub fn list(files: &SourceFiles) -> Vec<ChapterEntry> {
    let mut keys: Vec<(String, String)> = files
        .under("chapters")
        .filter_map(name_parts)
        .map(|(number, key, _)| (number, key))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .map(|(number, key)| {
            let form = find(files, &key)
                .map(|at| read(files, &at))
                .unwrap_or_default();
            ChapterEntry {
                key,
                number,
                title_km: form.title_km,
                title_en: form.title_en,
            }
        })
        .collect()
}

/// `chapters/02-latrines.en.md` → ("02", "latrines", "en").
fn name_parts(path: &str) -> Option<(String, String, String)> {
    let name = path.strip_prefix("chapters/")?.strip_suffix(".md")?;
    let (rest, lang) = name.rsplit_once('.')?;
    let (number, key) = rest.split_once('-')?;
    Some((number.to_owned(), key.to_owned(), lang.to_owned()))
}

/// The files of chapter `key`, when the folder has it.
pub fn find(files: &SourceFiles, key: &str) -> Option<ChapterFiles> {
    let number = files
        .under("chapters")
        .filter_map(name_parts)
        .find(|(_, k, _)| k == key)?
        .0;
    let path = |lang: &str| format!("chapters/{number}-{key}.{lang}.md");
    Some(ChapterFiles {
        km: path("km"),
        en: path("en"),
        number,
    })
}

/// The SHA-256 of a file's bytes, as stored (empty for a file the folder does not have).
pub fn digest(files: &SourceFiles, path: &str) -> String {
    files
        .get(path)
        .map(|bytes| hex(&Sha256::digest(bytes)))
        .unwrap_or_default()
}

/// The chapter's form, as its files hold it now.
pub fn read(files: &SourceFiles, at: &ChapterFiles) -> ChapterForm {
    let km = Parsed::of(files.text(&at.km).unwrap_or_default());
    let en = Parsed::of(files.text(&at.en).unwrap_or_default());
    ChapterForm {
        title_km: km.string("title"),
        title_en: en.string("title"),
        minutes: en.minutes().or_else(|| km.minutes()).unwrap_or_default(),
        body_km: km.body,
        body_en: en.body,
        base_km: digest(files, &at.km),
        base_en: digest(files, &at.en),
    }
}

/// The two files the form makes: (Khmer, English). What the form does not show is kept
/// from the files as they are; a field left empty is left out, for the checker to name.
pub fn write(files: &SourceFiles, at: &ChapterFiles, form: &ChapterForm) -> (String, String) {
    let one = |path: &str, title: &str, body: &str| {
        let mut parsed = Parsed::of(files.text(path).unwrap_or_default());
        parsed.set("title", title);
        parsed.set_minutes(&form.minutes);
        parsed.body = body.to_owned();
        parsed.text()
    };
    (
        one(&at.km, &form.title_km, &form.body_km),
        one(&at.en, &form.title_en, &form.body_en),
    )
}

/// A chapter file's front matter (TOML between `+++` lines, edited in place with
/// `toml_edit` so that its comments and order stay) and its Markdown body.
struct Parsed {
    front: DocumentMut,
    body: String,
}

impl Parsed {
    /// Reads a file leniently: what the front matter cannot be read as stays out of the
    /// form (the checker names it with its line); the body is what follows it.
    fn of(text: &str) -> Self {
        let text = text
            .strip_prefix('\u{feff}')
            .unwrap_or(text)
            .replace("\r\n", "\n");
        let split = text
            .strip_prefix("+++\n")
            .and_then(|rest| rest.find("\n+++").map(|close| (rest, close)));
        match split {
            Some((rest, close)) => Self {
                front: rest[..close + 1].parse().unwrap_or_default(),
                body: rest[close + "\n+++".len()..]
                    .trim_start_matches('\n')
                    .to_owned(),
            },
            None => Self {
                front: DocumentMut::new(),
                body: text,
            },
        }
    }

    fn string(&self, key: &str) -> String {
        self.front
            .get(key)
            .and_then(Item::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    fn minutes(&self) -> Option<String> {
        let item = self.front.get("minutes")?;
        item.as_integer()
            .map(|n| n.to_string())
            .or_else(|| item.as_str().map(str::to_owned))
    }

    fn set(&mut self, key: &str, text: &str) {
        match text.trim() {
            "" => {
                self.front.remove(key);
            }
            text if self.string(key) != text => self.front[key] = value(text),
            _ => {}
        }
    }

    /// Minutes as a number. Anything else cannot be written into the file (the checker
    /// could read nothing else of it): it is left out, the checker names the missing
    /// minutes, and the page that answers the save shows what was typed.
    fn set_minutes(&mut self, raw: &str) {
        match raw.trim().parse::<i64>() {
            Ok(n) if self.front.get("minutes").and_then(Item::as_integer) == Some(n) => {}
            Ok(n) => self.front["minutes"] = value(n),
            Err(_) => {
                self.front.remove("minutes");
            }
        }
    }

    fn text(&self) -> String {
        let mut front = self.front.to_string();
        if front.is_empty() {
            // Two `+++` lines around nothing: still settings, every one of them missing.
            front.push('\n');
        } else if !front.ends_with('\n') {
            front.push('\n');
        }
        let body = self.body.replace("\r\n", "\n");
        format!("+++\n{front}+++\n\n{}\n", body.trim_end())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder() -> SourceFiles {
        let mut files = SourceFiles::default();
        files.files.insert(
            "chapters/02-latrines.km.md".into(),
            "+++\ntitle = \"បង្គន់\"\nminutes = 5\n+++\n\nអត្ថបទ។\n".into(),
        );
        files.files.insert(
            "chapters/02-latrines.en.md".into(),
            "+++\n# Checked by the ministry.\ntitle = \"Latrines\"\nminutes = 5\n\n[video]\nurl = \"https://example.org/v.mp4\"\nsize_mb = 3.0\ntranscript = \"Words.\"\n+++\n\nA gentle slope.\n"
                .into(),
        );
        files
    }

    #[test]
    fn a_chapter_reads_into_the_form_and_back_keeping_what_the_form_does_not_show() {
        let files = folder();
        let at = find(&files, "latrines").unwrap();
        assert_eq!(at.number, "02");
        let mut form = read(&files, &at);
        assert_eq!(
            (
                form.title_km.as_str(),
                form.title_en.as_str(),
                form.minutes.as_str()
            ),
            ("បង្គន់", "Latrines", "5")
        );
        assert_eq!(form.body_en, "A gentle slope.\n");
        form.body_en = "A gentle, firm slope.".into();
        form.minutes = "7".into();
        let (km, en) = write(&files, &at, &form);
        assert!(km.contains("minutes = 7"), "{km}");
        assert!(en.contains("A gentle, firm slope."), "{en}");
        assert!(
            en.contains("transcript = \"Words.\""),
            "the video stays: {en}"
        );
        assert!(
            en.contains("# Checked by the ministry."),
            "the comment stays: {en}"
        );
        let unchanged = write(&files, &at, &read(&files, &at));
        assert_eq!(
            unchanged.1.as_bytes(),
            files.get(&at.en).unwrap(),
            "an unchanged form writes the same bytes"
        );
        let mut again = SourceFiles::default();
        again.files.insert(at.km.clone(), km.into_bytes());
        again.files.insert(at.en.clone(), en.into_bytes());
        let back = read(&again, &at);
        assert_eq!(back.body_en, "A gentle, firm slope.\n");
        assert_eq!(back.title_km, "បង្គន់");
    }

    #[test]
    fn what_cannot_be_written_is_left_for_the_checker_to_name() {
        let files = folder();
        let at = find(&files, "latrines").unwrap();
        let mut form = read(&files, &at);
        form.minutes = "five".into();
        form.title_en = "  ".into();
        let (_, en) = write(&files, &at, &form);
        assert!(!en.contains("minutes"), "{en}");
        assert!(
            !en.contains("title"),
            "an empty title is left for the checker: {en}"
        );
        assert!(en.contains("[video]"), "{en}");
    }
}
