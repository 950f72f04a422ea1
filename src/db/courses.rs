//! Courses, their versions, chapters, questions and pictures.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{chapter_bits, chapters, course_versions, courses, media, questions};
use super::{DbConnection, DbError, on_backend};
use crate::model::courses::MediaFile;
use crate::model::ids::{CourseId, OrganisationId, UserId, VersionId};

/// A course as stored: its stable id from `course.toml`, its slug and its publisher.
#[derive(Debug, Clone, Queryable)]
pub struct CourseRow {
    pub id: CourseId,
    pub source_id: String,
    pub slug: String,
    pub organisation_id: OrganisationId,
}

pub fn by_source_id(
    conn: &mut DbConnection,
    source_id: &str,
) -> Result<Option<CourseRow>, DbError> {
    Ok(courses::table
        .filter(courses::source_id.eq(source_id))
        .select((
            courses::id,
            courses::source_id,
            courses::slug,
            courses::organisation_id,
        ))
        .first(conn)
        .optional()?)
}

pub fn by_slug(conn: &mut DbConnection, slug: &str) -> Result<Option<CourseRow>, DbError> {
    Ok(courses::table
        .filter(courses::slug.eq(slug))
        .select((
            courses::id,
            courses::source_id,
            courses::slug,
            courses::organisation_id,
        ))
        .first(conn)
        .optional()?)
}

pub fn insert_course(
    conn: &mut DbConnection,
    source_id: &str,
    slug: &str,
    organisation: OrganisationId,
    now: NaiveDateTime,
) -> Result<CourseId, DbError> {
    let values = (
        courses::source_id.eq(source_id),
        courses::slug.eq(slug),
        courses::organisation_id.eq(organisation),
        courses::created_at.eq(now),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(courses::table)
        .values(values)
        .returning(courses::id)
        .get_result::<CourseId>(c))?)
}

/// The newest published version: (number, content hash).
pub fn latest_published(
    conn: &mut DbConnection,
    course: CourseId,
) -> Result<Option<(i32, String)>, DbError> {
    let row: Option<(Option<i32>, String)> = course_versions::table
        .filter(course_versions::course_id.eq(course))
        .filter(course_versions::number.is_not_null())
        .order(course_versions::number.desc())
        .select((course_versions::number, course_versions::content_hash))
        .first(conn)
        .optional()?;
    Ok(row.and_then(|(number, hash)| Some((number?, hash))))
}

/// A version to store. `number` is `None` for a draft.
pub struct NewVersion<'a> {
    pub course: CourseId,
    pub number: Option<i32>,
    pub content_hash: &'a str,
    pub title: (&'a str, &'a str),
    pub summary: (&'a str, &'a str),
    pub settings: &'a str,
    pub note: &'a str,
    pub created_by: Option<UserId>,
    pub now: NaiveDateTime,
    pub preview_token_hash: Option<&'a str>,
    pub offline_bytes: i64,
    pub terms_hash: &'a str,
}

pub fn insert_version(conn: &mut DbConnection, v: &NewVersion<'_>) -> Result<VersionId, DbError> {
    let values = (
        course_versions::course_id.eq(v.course),
        course_versions::number.eq(v.number),
        course_versions::content_hash.eq(v.content_hash),
        course_versions::title_km.eq(v.title.0),
        course_versions::title_en.eq(v.title.1),
        course_versions::summary_km.eq(v.summary.0),
        course_versions::summary_en.eq(v.summary.1),
        course_versions::settings.eq(v.settings),
        course_versions::note.eq(v.note),
        course_versions::created_by.eq(v.created_by),
        course_versions::created_at.eq(v.now),
        course_versions::published_at.eq(v.number.map(|_| v.now)),
        course_versions::preview_token_hash.eq(v.preview_token_hash),
        course_versions::offline_bytes.eq(v.offline_bytes),
        course_versions::terms_hash.eq(v.terms_hash),
    );
    Ok(on_backend!(conn, |c| diesel::insert_into(
        course_versions::table
    )
    .values(values)
    .returning(course_versions::id)
    .get_result::<VersionId>(c))?)
}

pub struct NewChapter<'a> {
    pub key: &'a str,
    pub position: i32,
    pub content_hash: &'a str,
    pub minutes: i32,
    pub title: (&'a str, &'a str),
    pub html: (&'a str, &'a str),
    pub sections: &'a str,
    pub video: Option<&'a str>,
}

pub fn insert_chapter(
    conn: &mut DbConnection,
    version: VersionId,
    c: &NewChapter<'_>,
) -> Result<(), DbError> {
    diesel::insert_into(chapters::table)
        .values((
            chapters::version_id.eq(version),
            chapters::chapter_key.eq(c.key),
            chapters::position.eq(c.position),
            chapters::content_hash.eq(c.content_hash),
            chapters::minutes.eq(c.minutes),
            chapters::title_km.eq(c.title.0),
            chapters::title_en.eq(c.title.1),
            chapters::html_km.eq(c.html.0),
            chapters::html_en.eq(c.html.1),
            chapters::sections.eq(c.sections),
            chapters::video.eq(c.video),
        ))
        .execute(conn)?;
    Ok(())
}

pub struct NewQuestion<'a> {
    pub quiz: &'a str,
    pub chapter: &'a str,
    pub key: &'a str,
    pub position: i32,
    pub kind: &'a str,
    pub body: &'a str,
}

pub fn insert_question(
    conn: &mut DbConnection,
    version: VersionId,
    q: &NewQuestion<'_>,
) -> Result<(), DbError> {
    diesel::insert_into(questions::table)
        .values((
            questions::version_id.eq(version),
            questions::quiz.eq(q.quiz),
            questions::chapter_key.eq(q.chapter),
            questions::question_key.eq(q.key),
            questions::position.eq(q.position),
            questions::kind.eq(q.kind),
            questions::body.eq(q.body),
        ))
        .execute(conn)?;
    Ok(())
}

/// Stores a picture unless a file with the same bytes is already there.
pub fn insert_media(
    conn: &mut DbConnection,
    file: &MediaFile,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    let exists = media::table
        .filter(media::hash.eq(&file.hash))
        .count()
        .get_result::<i64>(conn)?
        > 0;
    if !exists {
        diesel::insert_into(media::table)
            .values((
                media::hash.eq(&file.hash),
                media::content_type.eq(file.content_type),
                media::width.eq(file.width as i32),
                media::height.eq(file.height as i32),
                media::bytes.eq(&file.bytes),
                media::created_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A picture's type and bytes, for serving.
pub fn media_bytes(
    conn: &mut DbConnection,
    hash: &str,
) -> Result<Option<(String, Vec<u8>)>, DbError> {
    Ok(media::table
        .filter(media::hash.eq(hash))
        .select((media::content_type, media::bytes))
        .first(conn)
        .optional()?)
}

/// The id of a course's published version `number`.
pub fn published_id(
    conn: &mut DbConnection,
    course: CourseId,
    number: i32,
) -> Result<Option<VersionId>, DbError> {
    Ok(course_versions::table
        .filter(course_versions::course_id.eq(course))
        .filter(course_versions::number.eq(number))
        .select(course_versions::id)
        .first(conn)
        .optional()?)
}

/// How many versions and chapters a course has (for tests and reports).
pub fn count_versions(conn: &mut DbConnection, course: CourseId) -> Result<i64, DbError> {
    Ok(course_versions::table
        .filter(course_versions::course_id.eq(course))
        .filter(course_versions::number.is_not_null())
        .count()
        .get_result(conn)?)
}

/// The chapters of a published version: (key, position, content hash).
pub fn chapter_keys(
    conn: &mut DbConnection,
    course: CourseId,
    number: i32,
) -> Result<Vec<(String, i32, String)>, DbError> {
    Ok(chapters::table
        .inner_join(course_versions::table)
        .filter(course_versions::course_id.eq(course))
        .filter(course_versions::number.eq(number))
        .order(chapters::position)
        .select((
            chapters::chapter_key,
            chapters::position,
            chapters::content_hash,
        ))
        .load(conn)?)
}

/// A course with its newest published version, for lists.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct CourseSummary {
    pub id: VersionId,
    pub slug: String,
    pub number: Option<i32>,
    pub title_km: String,
    pub title_en: String,
    pub published_at: Option<NaiveDateTime>,
    pub note: String,
}

/// The published versions of the courses of these organisations, newest first.
pub fn versions_of(
    conn: &mut DbConnection,
    organisations: &[OrganisationId],
) -> Result<Vec<CourseSummary>, DbError> {
    Ok(course_versions::table
        .inner_join(courses::table)
        .filter(courses::organisation_id.eq_any(organisations))
        .filter(course_versions::number.is_not_null())
        .order((courses::slug, course_versions::number.desc()))
        .select((
            course_versions::id,
            courses::slug,
            course_versions::number,
            course_versions::title_km,
            course_versions::title_en,
            course_versions::published_at,
            course_versions::note,
        ))
        .load(conn)?)
}

/// A draft (unpublished version): its id, course, content hash and the course's publisher.
#[derive(Debug, Clone, Queryable)]
pub struct DraftRow {
    pub id: VersionId,
    pub course_id: CourseId,
    pub content_hash: String,
    pub organisation_id: OrganisationId,
    pub slug: String,
}

pub fn draft(conn: &mut DbConnection, version: VersionId) -> Result<Option<DraftRow>, DbError> {
    Ok(course_versions::table
        .inner_join(courses::table)
        .filter(course_versions::id.eq(version))
        .filter(course_versions::number.is_null())
        .select((
            course_versions::id,
            course_versions::course_id,
            course_versions::content_hash,
            courses::organisation_id,
            courses::slug,
        ))
        .first(conn)
        .optional()?)
}

/// Makes a draft the published version `number`.
pub fn set_published(
    conn: &mut DbConnection,
    version: VersionId,
    number: i32,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(course_versions::table.find(version))
        .set((
            course_versions::number.eq(Some(number)),
            course_versions::published_at.eq(Some(now)),
        ))
        .execute(conn)?;
    Ok(())
}

/// Gives each chapter of a published version that has none yet the next bit of its
/// course, for reports to count who opened which chapter from one mask a learner
/// (`enrolments.chapters_opened`); a course has 63 bits, and a chapter beyond them is
/// counted from its progress rows.
pub fn number_chapters(
    conn: &mut DbConnection,
    course: CourseId,
    version: VersionId,
) -> Result<(), DbError> {
    let numbered: Vec<String> = chapter_bits::table
        .filter(chapter_bits::course_id.eq(course))
        .select(chapter_bits::chapter_key)
        .load(conn)?;
    let keys: Vec<String> = chapters::table
        .filter(chapters::version_id.eq(version))
        .order(chapters::position)
        .select(chapters::chapter_key)
        .load(conn)?;
    let new = keys.iter().filter(|key| !numbered.contains(key));
    for (bit, key) in (numbered.len()..63).zip(new) {
        diesel::insert_into(chapter_bits::table)
            .values((
                chapter_bits::course_id.eq(course),
                chapter_bits::chapter_key.eq(key),
                chapter_bits::mask.eq(1_i64 << bit),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A version's heading, found by its preview token digest.
#[derive(Debug, Clone, Queryable, serde::Serialize)]
pub struct VersionHead {
    pub id: VersionId,
    pub number: Option<i32>,
    pub title_km: String,
    pub title_en: String,
    pub summary_km: String,
    pub summary_en: String,
    pub note: String,
}

pub fn version_by_preview(
    conn: &mut DbConnection,
    digest: &str,
) -> Result<Option<VersionHead>, DbError> {
    Ok(course_versions::table
        .filter(course_versions::preview_token_hash.eq(digest))
        .select((
            course_versions::id,
            course_versions::number,
            course_versions::title_km,
            course_versions::title_en,
            course_versions::summary_km,
            course_versions::summary_en,
            course_versions::note,
        ))
        .first(conn)
        .optional()?)
}

pub use crate::model::courses::ChapterView;

/// A `ChapterView` as its columns ([`CHAPTER_VIEW`]) are read.
pub(super) type ChapterViewRow = (
    String,
    i32,
    i32,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
);

pub(super) fn to_chapter_view(row: ChapterViewRow) -> ChapterView {
    let (key, position, minutes, title_km, title_en, html_km, html_en, sections, video) = row;
    ChapterView {
        key,
        position,
        minutes,
        title_km,
        title_en,
        html_km,
        html_en,
        sections,
        video,
    }
}

/// The columns of a `ChapterView`, in its order.
pub(super) const CHAPTER_VIEW: (
    chapters::chapter_key,
    chapters::position,
    chapters::minutes,
    chapters::title_km,
    chapters::title_en,
    chapters::html_km,
    chapters::html_en,
    chapters::sections,
    chapters::video,
) = (
    chapters::chapter_key,
    chapters::position,
    chapters::minutes,
    chapters::title_km,
    chapters::title_en,
    chapters::html_km,
    chapters::html_en,
    chapters::sections,
    chapters::video,
);

pub fn chapters_of(
    conn: &mut DbConnection,
    version: VersionId,
) -> Result<Vec<ChapterView>, DbError> {
    let rows: Vec<ChapterViewRow> = chapters::table
        .filter(chapters::version_id.eq(version))
        .order(chapters::position)
        .select(CHAPTER_VIEW)
        .load(conn)?;
    Ok(rows.into_iter().map(to_chapter_view).collect())
}
