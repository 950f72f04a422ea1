//! What learners read: the published courses, their current versions and chapters, and
//! each learner's progress.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{chapter_progress, chapters, course_versions, courses, enrolments};
use super::{DbConnection, DbError, lower, on_backend};
use crate::accounts::UserId;
use crate::learning::{ACTIVITY_STEP, ChapterProgress, ChapterSummary, CourseVersion};

type VersionColumns = (
    courses::id,
    course_versions::id,
    courses::slug,
    course_versions::number,
    course_versions::title_km,
    course_versions::title_en,
    course_versions::summary_km,
    course_versions::summary_en,
    course_versions::settings,
    course_versions::published_at,
);

const VERSION_COLUMNS: VersionColumns = (
    courses::id,
    course_versions::id,
    courses::slug,
    course_versions::number,
    course_versions::title_km,
    course_versions::title_en,
    course_versions::summary_km,
    course_versions::summary_en,
    course_versions::settings,
    course_versions::published_at,
);

type ProgressRow = (
    String,
    String,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
);

type VersionRow = (
    i64,
    i64,
    String,
    Option<i32>,
    String,
    String,
    String,
    String,
    String,
    Option<NaiveDateTime>,
);

fn to_version(row: VersionRow) -> Option<CourseVersion> {
    let (
        course_id,
        version_id,
        slug,
        number,
        title_km,
        title_en,
        summary_km,
        summary_en,
        settings,
        published_at,
    ) = row;
    Some(CourseVersion {
        course_id,
        version_id,
        slug,
        number: number?,
        title: crate::courses::Bilingual {
            km: title_km,
            en: title_en,
        },
        summary: crate::courses::Bilingual {
            km: summary_km,
            en: summary_en,
        },
        settings,
        published_at: published_at?,
    })
}

/// The newest published version of every course, optionally only those whose title or
/// summary contains `search` (in either language; a substring, so Khmer words are found
/// without spaces between them).
pub fn catalogue(
    conn: &mut DbConnection,
    search: Option<&str>,
) -> Result<Vec<CourseVersion>, DbError> {
    let mut query = courses::table
        .inner_join(course_versions::table)
        .filter(course_versions::number.is_not_null())
        .select(VERSION_COLUMNS)
        .into_boxed();
    if let Some(search) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = super::contains_pattern(search);
        query = query.filter(
            lower(course_versions::title_en)
                .like(pattern.clone())
                .escape('\\')
                .or(lower(course_versions::summary_en)
                    .like(pattern.clone())
                    .escape('\\'))
                .or(course_versions::title_km.like(pattern.clone()).escape('\\'))
                .or(course_versions::summary_km.like(pattern).escape('\\')),
        );
    }
    let rows: Vec<VersionRow> = query.load(conn)?;
    let mut newest: HashMap<i64, CourseVersion> = HashMap::new();
    for version in rows.into_iter().filter_map(to_version) {
        match newest.get(&version.course_id) {
            Some(known) if known.number >= version.number => {}
            _ => {
                newest.insert(version.course_id, version);
            }
        }
    }
    let mut list: Vec<CourseVersion> = newest.into_values().collect();
    list.sort_by(|a, b| a.slug.cmp(&b.slug));
    Ok(list)
}

/// The newest published version of the course with this slug.
pub fn current_version(
    conn: &mut DbConnection,
    slug: &str,
) -> Result<Option<CourseVersion>, DbError> {
    let row: Option<VersionRow> = courses::table
        .inner_join(course_versions::table)
        .filter(courses::slug.eq(slug))
        .filter(course_versions::number.is_not_null())
        .order(course_versions::number.desc())
        .select(VERSION_COLUMNS)
        .first(conn)
        .optional()?;
    Ok(row.and_then(to_version))
}

/// The newest published version of a course and its chapters (without their text).
pub fn current_with_chapters(
    conn: &mut DbConnection,
    slug: &str,
) -> Result<Option<(CourseVersion, Vec<ChapterSummary>)>, DbError> {
    let Some(version) = current_version(conn, slug)? else {
        return Ok(None);
    };
    let chapters = chapter_list(conn, version.version_id)?;
    Ok(Some((version, chapters)))
}

/// The chapters of a version, without their text.
pub fn chapter_list(conn: &mut DbConnection, version: i64) -> Result<Vec<ChapterSummary>, DbError> {
    let rows: Vec<(String, i32, i32, String, String, String)> = chapters::table
        .filter(chapters::version_id.eq(version))
        .order(chapters::position)
        .select((
            chapters::chapter_key,
            chapters::position,
            chapters::minutes,
            chapters::content_hash,
            chapters::title_km,
            chapters::title_en,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(key, position, minutes, content_hash, km, en)| ChapterSummary {
                key,
                position,
                minutes,
                content_hash,
                title: crate::courses::Bilingual { km, en },
            },
        )
        .collect())
}

/// Chapters per version, for the catalogue.
/// What saving each version for offline reading downloads at most, in bytes.
pub fn offline_sizes(
    conn: &mut DbConnection,
    versions: &[i64],
) -> Result<HashMap<i64, i64>, DbError> {
    Ok(course_versions::table
        .filter(course_versions::id.eq_any(versions))
        .select((course_versions::id, course_versions::offline_bytes))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect())
}

pub fn chapter_counts(
    conn: &mut DbConnection,
    versions: &[i64],
) -> Result<HashMap<i64, (i64, i64)>, DbError> {
    let rows: Vec<(i64, i32)> = chapters::table
        .filter(chapters::version_id.eq_any(versions))
        .select((chapters::version_id, chapters::minutes))
        .load(conn)?;
    let mut counts: HashMap<i64, (i64, i64)> = HashMap::new();
    for (version, minutes) in rows {
        let entry = counts.entry(version).or_default();
        entry.0 += 1;
        entry.1 += i64::from(minutes);
    }
    Ok(counts)
}

/// A learner's progress rows in a course (all chapter versions).
pub fn progress(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
) -> Result<Vec<ChapterProgress>, DbError> {
    let rows: Vec<ProgressRow> = chapter_progress::table
        .filter(chapter_progress::user_id.eq(user.0))
        .filter(chapter_progress::course_id.eq(course))
        .select((
            chapter_progress::chapter_key,
            chapter_progress::content_hash,
            chapter_progress::opened_at,
            chapter_progress::read_at,
            chapter_progress::passed_at,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(chapter_key, content_hash, opened_at, read_at, passed_at)| ChapterProgress {
                chapter_key,
                content_hash,
                opened_at,
                read_at,
                passed_at,
            },
        )
        .collect())
}

/// Where a learner stands with one version of one chapter, read in one query before
/// recording progress on it, so that only what changes is written.
#[derive(Debug, Clone, Copy, Default)]
pub struct Standing {
    pub opened: bool,
    pub read: bool,
    pub passed: bool,
    /// Recorded as being at this chapter, and active within `ACTIVITY_STEP` of now.
    pub here: bool,
}

impl Standing {
    /// Opening the chapter again would change nothing worth a write.
    pub fn opened_and_here(self) -> bool {
        self.opened && self.here
    }
}

pub fn standing(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
    chapter: &str,
    content_hash: &str,
    now: NaiveDateTime,
) -> Result<Standing, DbError> {
    use diesel::dsl::exists;
    let progress = || {
        chapter_progress::table
            .filter(chapter_progress::user_id.eq(user.0))
            .filter(chapter_progress::course_id.eq(course))
            .filter(chapter_progress::chapter_key.eq(chapter))
            .filter(chapter_progress::content_hash.eq(content_hash))
    };
    let here = enrolments::table
        .filter(enrolments::user_id.eq(user.0))
        .filter(enrolments::course_id.eq(course))
        .filter(enrolments::last_chapter_key.eq(chapter))
        .filter(enrolments::last_activity_at.ge(now - ACTIVITY_STEP));
    let (opened, read, passed, here) = diesel::select((
        exists(progress()),
        exists(progress().filter(chapter_progress::read_at.is_not_null())),
        exists(progress().filter(chapter_progress::passed_at.is_not_null())),
        exists(here),
    ))
    .get_result(conn)?;
    Ok(Standing {
        opened,
        read,
        passed,
        here,
    })
}

/// Records that the learner opened a chapter version (once) and is now there.
pub fn record_opened(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
    chapter: &str,
    content_hash: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let row = (
        chapter_progress::user_id.eq(user.0),
        chapter_progress::course_id.eq(course),
        chapter_progress::chapter_key.eq(chapter),
        chapter_progress::content_hash.eq(content_hash),
        chapter_progress::opened_at.eq(now),
    );
    let first_time = on_backend!(conn, |c| diesel::insert_into(chapter_progress::table)
        .values(row)
        .on_conflict_do_nothing()
        .execute(c))?
        > 0;
    let enrolment = (
        enrolments::user_id.eq(user.0),
        enrolments::course_id.eq(course),
        enrolments::started_at.eq(now),
        enrolments::last_chapter_key.eq(chapter),
        enrolments::last_activity_at.eq(now),
    );
    on_backend!(conn, |c| diesel::insert_into(enrolments::table)
        .values(enrolment)
        .on_conflict((enrolments::user_id, enrolments::course_id))
        .do_update()
        .set((
            enrolments::last_chapter_key.eq(chapter),
            enrolments::last_activity_at.eq(now)
        ))
        .execute(c))?;
    if first_time {
        super::summary::chapters_opened(conn, user.0, course)?;
    }
    Ok(())
}

/// Records that the learner read a chapter version to the end. Only the first time counts:
/// a retried or doubled request changes nothing.
pub fn record_read(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
    chapter: &str,
    content_hash: &str,
    now: NaiveDateTime,
) -> Result<Standing, DbError> {
    let before = standing(conn, user, course, chapter, content_hash, now)?;
    if !before.opened_and_here() {
        record_opened(conn, user, course, chapter, content_hash, now)?;
    }
    if before.read {
        return Ok(before);
    }
    let newly_read = diesel::update(
        chapter_progress::table
            .filter(chapter_progress::user_id.eq(user.0))
            .filter(chapter_progress::course_id.eq(course))
            .filter(chapter_progress::chapter_key.eq(chapter))
            .filter(chapter_progress::content_hash.eq(content_hash))
            .filter(chapter_progress::read_at.is_null()),
    )
    .set(chapter_progress::read_at.eq(now))
    .execute(conn)?;
    if newly_read > 0 {
        super::summary::chapters_read(conn, user.0, course)?;
    }
    Ok(before)
}

/// The courses a learner has started: (course id, slug, last chapter, last activity).
pub fn enrolments(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Vec<(i64, String, String, NaiveDateTime)>, DbError> {
    Ok(enrolments::table
        .inner_join(courses::table)
        .filter(enrolments::user_id.eq(user.0))
        .order(enrolments::last_activity_at.desc())
        .select((
            courses::id,
            courses::slug,
            enrolments::last_chapter_key,
            enrolments::last_activity_at,
        ))
        .load(conn)?)
}

/// Where the learner last was in a course.
pub fn last_chapter(
    conn: &mut DbConnection,
    user: UserId,
    course: i64,
) -> Result<Option<String>, DbError> {
    Ok(enrolments::table
        .filter(enrolments::user_id.eq(user.0))
        .filter(enrolments::course_id.eq(course))
        .select(enrolments::last_chapter_key)
        .first(conn)
        .optional()?)
}

/// One chapter of a version, with its text.
pub fn chapter(
    conn: &mut DbConnection,
    version: i64,
    key: &str,
) -> Result<Option<super::courses::ChapterView>, DbError> {
    Ok(chapters::table
        .filter(chapters::version_id.eq(version))
        .filter(chapters::chapter_key.eq(key))
        .select(super::courses::CHAPTER_VIEW)
        .first(conn)
        .optional()?)
}

/// A version by its id (published or not).
pub fn version(conn: &mut DbConnection, id: i64) -> Result<Option<CourseVersion>, DbError> {
    let row: Option<VersionRow> = courses::table
        .inner_join(course_versions::table)
        .filter(course_versions::id.eq(id))
        .select(VERSION_COLUMNS)
        .first(conn)
        .optional()?;
    Ok(row.and_then(to_version))
}
