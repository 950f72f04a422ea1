//! What learners read: the published courses, their current versions and chapters, and
//! each learner's progress.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{chapter_progress, chapters, course_versions, courses, enrolments};
pub use super::summary::Place;
use super::{DbConnection, DbError, lower, on_backend};
use crate::model::ids::{CourseId, UserId, VersionId};
use crate::model::learning::{
    Changes, ChapterProgress, ChapterSummary, CourseVersion, StoredStanding,
};

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
    CourseId,
    VersionId,
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
        title: crate::model::courses::Bilingual {
            km: title_km,
            en: title_en,
        },
        summary: crate::model::courses::Bilingual {
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
    let mut newest: HashMap<CourseId, CourseVersion> = HashMap::new();
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

/// The newest published version of a course with what `user` has done in its chapter `key`
/// (in that version of the chapter) and where their enrolment says they were last, in one
/// query: the pages a learner asks for most need both, and on PostgreSQL each query is a
/// round trip. `None` when the course has no published version; nothing done when the
/// version has no such chapter.
pub fn current_version_standing(
    conn: &mut DbConnection,
    slug: &str,
    key: &str,
    user: UserId,
) -> Result<Option<(CourseVersion, StoredStanding)>, DbError> {
    type Found = (
        VersionRow,
        (
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
            Option<NaiveDateTime>,
        ),
        Option<(String, NaiveDateTime)>,
    );
    // Owned: the multi-backend connection wants the binds of a join's `ON` to live on.
    let owned_key = key.to_owned();
    let row: Option<Found> = courses::table
        .inner_join(course_versions::table)
        .left_join(
            chapters::table.on(chapters::version_id
                .eq(course_versions::id)
                .and(chapters::chapter_key.eq(owned_key.clone()))),
        )
        .left_join(
            chapter_progress::table.on(chapter_progress::user_id
                .eq(user.0)
                .and(chapter_progress::course_id.eq(courses::id))
                .and(chapter_progress::chapter_key.eq(owned_key))
                .and(chapter_progress::content_hash.eq(chapters::content_hash))),
        )
        .left_join(
            enrolments::table.on(enrolments::user_id
                .eq(user.0)
                .and(enrolments::course_id.eq(courses::id))),
        )
        .filter(courses::slug.eq(slug))
        .filter(course_versions::number.is_not_null())
        .order(course_versions::number.desc())
        .select((
            VERSION_COLUMNS,
            (
                chapter_progress::opened_at.nullable(),
                chapter_progress::read_at.nullable(),
                chapter_progress::passed_at.nullable(),
            ),
            (enrolments::last_chapter_key, enrolments::last_activity_at).nullable(),
        ))
        .first(conn)
        .optional()?;
    let Some((version, (opened, read, passed), last)) = row else {
        return Ok(None);
    };
    let stored = StoredStanding {
        opened: opened.is_some(),
        read: read.is_some(),
        passed: passed.is_some(),
        last,
    };
    Ok(to_version(version).map(|version| (version, stored)))
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
pub fn chapter_list(
    conn: &mut DbConnection,
    version: VersionId,
) -> Result<Vec<ChapterSummary>, DbError> {
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
                title: crate::model::courses::Bilingual { km, en },
            },
        )
        .collect())
}

/// What saving each version for offline reading downloads at most, in bytes.
pub fn offline_sizes(
    conn: &mut DbConnection,
    versions: &[VersionId],
) -> Result<HashMap<VersionId, i64>, DbError> {
    Ok(course_versions::table
        .filter(course_versions::id.eq_any(versions))
        .select((course_versions::id, course_versions::offline_bytes))
        .load::<(VersionId, i64)>(conn)?
        .into_iter()
        .collect())
}

/// Chapters per version and their minutes in all, for the catalogue.
pub fn chapter_counts(
    conn: &mut DbConnection,
    versions: &[VersionId],
) -> Result<HashMap<VersionId, (i64, i64)>, DbError> {
    let rows: Vec<(VersionId, i32)> = chapters::table
        .filter(chapters::version_id.eq_any(versions))
        .select((chapters::version_id, chapters::minutes))
        .load(conn)?;
    let mut counts: HashMap<VersionId, (i64, i64)> = HashMap::new();
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
    course: CourseId,
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

/// How many statements [`record`] makes to write `changes`: none when nothing changes, one
/// that needs no transaction around it, or up to three that do.
pub fn statements(changes: &Changes) -> usize {
    usize::from(changes.progress) + usize::from(changes.summary) + usize::from(changes.enrolment)
}

/// Writes what a learner's step in a chapter version changes (`learning` decides which
/// rows), in at most three statements ([`statements`]): the chapter's progress row, the
/// learner's progress in the course (read to recompute their summary), and their enrolment.
/// Each write keeps the first time: a retried or doubled request, or one decided from a
/// standing that is out of date, leaves the same rows.
pub fn record(
    conn: &mut DbConnection,
    place: &Place,
    changes: &Changes,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    if changes.progress {
        let upsert = super::upserts::ChapterProgress {
            user: place.user.0,
            course: place.course.0,
            chapter: place.chapter.to_owned(),
            content_hash: place.content_hash.to_owned(),
            now,
            read_at: changes.read.then_some(now),
            passed_at: changes.passed.then_some(now),
        };
        on_backend!(conn, |c| upsert.execute(c))?;
    }
    let summary = if changes.summary {
        Some(super::summary::of_progress(conn, place.user, place.course)?)
    } else {
        None
    };
    if changes.enrolment {
        super::summary::at_chapter(conn, place, summary, now)?;
    }
    Ok(())
}

/// The courses a learner has started: (course id, slug, last chapter, last activity).
pub fn enrolments(
    conn: &mut DbConnection,
    user: UserId,
) -> Result<Vec<(CourseId, String, String, NaiveDateTime)>, DbError> {
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
    course: CourseId,
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
    version: VersionId,
    key: &str,
) -> Result<Option<super::courses::ChapterView>, DbError> {
    let row: Option<super::courses::ChapterViewRow> = chapters::table
        .filter(chapters::version_id.eq(version))
        .filter(chapters::chapter_key.eq(key))
        .select(super::courses::CHAPTER_VIEW)
        .first(conn)
        .optional()?;
    Ok(row.map(super::courses::to_chapter_view))
}

/// A version by its id (published or not).
pub fn version(conn: &mut DbConnection, id: VersionId) -> Result<Option<CourseVersion>, DbError> {
    let row: Option<VersionRow> = courses::table
        .inner_join(course_versions::table)
        .filter(course_versions::id.eq(id))
        .select(VERSION_COLUMNS)
        .first(conn)
        .optional()?;
    Ok(row.and_then(to_version))
}
