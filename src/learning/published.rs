//! Published chapters kept in memory. A published version never changes, so what a chapter
//! page shows of it (the text, the chapter list, the practice questions, the section
//! titles and the video) is read from the database and parsed once per version and
//! chapter, not on every view: the chapter page then asks the database only which version
//! is current and what the learner has done. Written by hand: a map behind a lock, emptied
//! when full, is all a few courses of a few chapters need.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::courses::prepare::SectionTitles;
use crate::courses::{Question, Video};
use crate::db::{self, DbConnection, DbError};
use crate::model::courses::ChapterView;
use crate::model::ids::VersionId;
use crate::model::learning::ChapterSummary;

/// One chapter of a published version, as the chapter page shows it.
#[derive(Debug)]
pub struct Chapter {
    pub view: ChapterView,
    pub sections: Vec<SectionTitles>,
    pub video: Option<Video>,
    /// Every chapter of the version, in order, without their text.
    pub chapters: Vec<ChapterSummary>,
    pub practice: Vec<Question>,
}

/// Entries kept at most; past that the map starts again (a new version was published, or
/// many courses are read).
const MOST: usize = 1024;

#[derive(Default)]
pub struct Published {
    chapters: Mutex<HashMap<(VersionId, String), Arc<Chapter>>>,
}

impl Published {
    pub fn get(&self, version: VersionId, key: &str) -> Option<Arc<Chapter>> {
        let chapters = self.chapters.lock().ok()?;
        chapters.get(&(version, key.to_owned())).cloned()
    }

    pub fn keep(&self, version: VersionId, chapter: Chapter) -> Arc<Chapter> {
        let chapter = Arc::new(chapter);
        if let Ok(mut chapters) = self.chapters.lock() {
            if chapters.len() >= MOST {
                chapters.clear();
            }
            chapters.insert((version, chapter.view.key.clone()), chapter.clone());
        }
        chapter
    }

    /// Chapter `key` of a published version: from memory after the first time.
    pub fn chapter(
        &self,
        conn: &mut DbConnection,
        version: VersionId,
        key: &str,
    ) -> Result<Option<Arc<Chapter>>, DbError> {
        if let Some(content) = self.get(version, key) {
            return Ok(Some(content));
        }
        let Some(content) = read(conn, version, key)? else {
            return Ok(None);
        };
        Ok(Some(self.keep(version, content)))
    }
}

/// A published chapter with what its page shows, read and parsed from the database.
fn read(
    conn: &mut DbConnection,
    version: VersionId,
    key: &str,
) -> Result<Option<Chapter>, DbError> {
    let Some(view) = db::learning::chapter(conn, version, key)? else {
        return Ok(None);
    };
    let sections =
        serde_json::from_str(&view.sections).map_err(|e| DbError::Corrupt(e.to_string()))?;
    let video = view
        .video
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| DbError::Corrupt(e.to_string()))?;
    Ok(Some(Chapter {
        sections,
        video,
        chapters: db::learning::chapter_list(conn, version)?,
        practice: db::quizzes::questions(conn, version, Some(key))?,
        view,
    }))
}
