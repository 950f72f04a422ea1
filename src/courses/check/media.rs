//! Pictures a chapter refers to: found in the folder, read within limits, and each named once.

use std::collections::HashMap;

use crate::courses::source::SourceFiles;
use crate::courses::{Problem, images};

/// `../media/x.png`, `./media/x.png` and `media/x.png` all name `media/x.png`.
pub(super) fn media_path(reference: &str) -> String {
    reference
        .trim()
        .trim_start_matches("./")
        .trim_start_matches("../")
        .to_owned()
}

// --- Pictures -----------------------------------------------------------------------------

/// Checks each picture once, however many chapters use it.
pub(super) struct MediaChecker<'a> {
    pub(super) files: &'a SourceFiles,
    pub(super) seen: HashMap<String, Option<&'static str>>,
}

impl<'a> MediaChecker<'a> {
    pub(super) fn new(files: &'a SourceFiles) -> Self {
        Self {
            files,
            seen: HashMap::new(),
        }
    }

    pub(super) fn check(
        &mut self,
        path: &str,
        file: &str,
        line: Option<usize>,
        problems: &mut Vec<Problem>,
    ) {
        let files = self.files;
        let verdict = *self.seen.entry(path.to_owned()).or_insert_with(|| {
            if !path.starts_with("media/") {
                return Some("check-image-outside-media");
            }
            match files.get(path) {
                None => Some("check-image-missing"),
                Some(bytes) => images::inspect(path, bytes).err(),
            }
        });
        if let Some(message) = verdict {
            problems.push(Problem::new(file, line, message).with("image", path));
        }
    }
}
