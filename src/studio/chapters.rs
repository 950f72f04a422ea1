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

/// A change to the list of chapters. Keys never change: progress follows them from one
/// version to the next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Structure {
    /// A new chapter at the end, with its key and titles.
    Add {
        key: String,
        title_km: String,
        title_en: String,
    },
    /// One place earlier or later.
    Move { key: String, earlier: bool },
    /// The chapter's two files and its practice check go.
    Remove { key: String },
}

/// One file a change writes: its path and new bytes, or `None` when it goes.
pub type Write = (String, Option<Vec<u8>>);

/// The files a change to the list of chapters writes: each path with its new text, or
/// `None` for a file that goes. Chapters are numbered 01, 02 … in their new order, and a
/// chapter's practice check (`quizzes/NN-key.toml`) moves with it.
pub fn restructure(files: &SourceFiles, change: &Structure) -> Result<Vec<Write>, &'static str> {
    let mut order: Vec<String> = list(files).into_iter().map(|c| c.key).collect();
    let mut writes: Vec<Write> = Vec::new();
    let mut new_files: Vec<(String, Vec<u8>)> = Vec::new();
    match change {
        Structure::Add {
            key,
            title_km,
            title_en,
        } => {
            let valid = crate::model::organisations::Slug::parse(key)
                .is_ok_and(|slug| slug.as_str() == key);
            if !valid {
                return Err("studio-key-invalid");
            }
            if order.contains(key) {
                return Err("studio-key-taken");
            }
            if order.len() >= 99 {
                return Err("studio-too-many-chapters");
            }
            order.push(key.clone());
            for (lang, title) in [("km", title_km), ("en", title_en)] {
                let mut parsed = Parsed::of("");
                parsed.set("title", title);
                parsed.set_minutes("5");
                let path = format!("chapters/00-{key}.{lang}.md");
                new_files.push((path, parsed.text().into_bytes()));
            }
        }
        Structure::Move { key, earlier } => {
            let at = order
                .iter()
                .position(|k| k == key)
                .ok_or("studio-no-chapter")?;
            let other = if *earlier {
                at.checked_sub(1)
            } else {
                Some(at + 1).filter(|&i| i < order.len())
            };
            if let Some(other) = other {
                order.swap(at, other);
            }
        }
        Structure::Remove { key } => {
            let at = order
                .iter()
                .position(|k| k == key)
                .ok_or("studio-no-chapter")?;
            order.remove(at);
            for path in files.under("chapters").chain(files.under("quizzes")) {
                if key_of(path).as_deref() == Some(key.as_str()) {
                    writes.push((path.to_owned(), None));
                }
            }
        }
    }
    // Renumber: every chapter file and practice check whose number is not its place.
    let place = |key: &str| order.iter().position(|k| k == key).map(|i| i + 1);
    let renamed = |path: &str| -> Option<String> {
        let (folder, name) = path.split_once('/')?;
        let (_, rest) = name.split_once('-')?;
        let key = key_of(path)?;
        Some(format!("{folder}/{:02}-{rest}", place(&key)?))
    };
    for path in files.under("chapters").chain(files.under("quizzes")) {
        if writes.iter().any(|(p, _)| p == path) {
            continue;
        }
        if let Some(new) = renamed(path).filter(|new| new != path) {
            writes.push((path.to_owned(), None));
            writes.push((new, files.get(path).map(<[u8]>::to_vec)));
        }
    }
    for (path, bytes) in new_files {
        if let Some(new) = renamed(&path) {
            writes.push((new, Some(bytes)));
        }
    }
    Ok(writes)
}

/// The chapter key a chapter file or practice check belongs to:
/// `chapters/02-latrines.en.md` and `quizzes/02-latrines.toml` → `latrines`.
fn key_of(path: &str) -> Option<String> {
    let (folder, name) = path.split_once('/')?;
    let (number, rest) = name.split_once('-')?;
    if number.len() != 2 || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let key = match folder {
        "chapters" => rest.strip_suffix(".md")?.rsplit_once('.')?.0,
        "quizzes" => rest.strip_suffix(".toml")?,
        _ => return None,
    };
    Some(key.to_owned())
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
    fn chapters_move_go_and_come_with_their_practice_checks() {
        let mut files = folder();
        for (path, text) in [
            (
                "chapters/01-water.km.md",
                "+++\ntitle = \"ទឹក\"\nminutes = 5\n+++\n\nក\n",
            ),
            (
                "chapters/01-water.en.md",
                "+++\ntitle = \"Water\"\nminutes = 5\n+++\n\nA\n",
            ),
            ("quizzes/01-water.toml", "[[questions]]\n"),
            ("quizzes/final.toml", "[[questions]]\n"),
        ] {
            files.files.insert(path.into(), text.as_bytes().to_vec());
        }
        let apply = |files: &SourceFiles, change: &Structure| {
            let mut out = files.clone();
            for (path, bytes) in restructure(files, change).unwrap() {
                match bytes {
                    Some(bytes) => out.files.insert(path, bytes),
                    None => out.files.remove(&path),
                };
            }
            out
        };
        let moved = apply(
            &files,
            &Structure::Move {
                key: "latrines".into(),
                earlier: true,
            },
        );
        let names: Vec<&String> = moved.files.keys().collect();
        assert_eq!(
            names,
            [
                "chapters/01-latrines.en.md",
                "chapters/01-latrines.km.md",
                "chapters/02-water.en.md",
                "chapters/02-water.km.md",
                "quizzes/02-water.toml",
                "quizzes/final.toml",
            ]
        );
        assert_eq!(
            moved.get("chapters/01-latrines.en.md"),
            files.get("chapters/02-latrines.en.md")
        );
        let removed = apply(
            &moved,
            &Structure::Remove {
                key: "water".into(),
            },
        );
        assert!(removed.under("quizzes").all(|p| p == "quizzes/final.toml"));
        assert_eq!(list(&removed).len(), 1);
        let added = apply(
            &removed,
            &Structure::Add {
                key: "ramps".into(),
                title_km: "ជម្រាល".into(),
                title_en: "Ramps".into(),
            },
        );
        assert_eq!(list(&added)[1].key, "ramps");
        assert_eq!(list(&added)[1].number, "02");
        assert_eq!(list(&added)[1].title_en, "Ramps");
        let taken = Structure::Add {
            key: "ramps".into(),
            title_km: String::new(),
            title_en: String::new(),
        };
        assert_eq!(restructure(&added, &taken), Err("studio-key-taken"));
        let bad = Structure::Add {
            key: "Ramps!".into(),
            title_km: String::new(),
            title_en: String::new(),
        };
        assert_eq!(restructure(&added, &bad), Err("studio-key-invalid"));
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
