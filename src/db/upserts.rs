//! The two upserts of recording progress, written as statements a connection prepares once.
//!
//! diesel marks every `ON CONFLICT … DO UPDATE` as not to be cached (a changeset may leave
//! columns out, which changes the SQL), so PostgreSQL parsed and planned both upserts anew
//! on every first-time "I have read this" and practice check: `log_statement = 'all'`
//! showed them as `<unnamed>` beside the prepared `__diesel_stmt_N` reads. Here each shape
//! is its own type with fixed SQL, which diesel caches like any other query. The SQL is the
//! same on both backends (SQLite has had `ON CONFLICT … DO UPDATE` and `excluded` since
//! 3.24); diesel's query builder writes the placeholders (`$1` or `?`).

use chrono::NaiveDateTime;
use diesel::backend::Backend;
use diesel::query_builder::{AstPass, QueryFragment, QueryId};
use diesel::serialize::ToSql;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use diesel::{QueryResult, RunQueryDsl};

/// A chapter's progress row: the first time it is opened, read or passed each count; a
/// time already set stays.
#[derive(Debug, QueryId)]
pub(super) struct ChapterProgress {
    pub user: i64,
    pub course: i64,
    pub chapter: String,
    pub content_hash: String,
    pub now: NaiveDateTime,
    pub read_at: Option<NaiveDateTime>,
    pub passed_at: Option<NaiveDateTime>,
}

impl<DB> QueryFragment<DB> for ChapterProgress
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
    Option<NaiveDateTime>: ToSql<Nullable<Timestamp>, DB>,
{
    fn walk_ast<'b>(&'b self, mut out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        out.push_sql(
            "INSERT INTO chapter_progress (user_id, course_id, chapter_key, content_hash, \
             opened_at, read_at, passed_at) VALUES (",
        );
        out.push_bind_param::<BigInt, _>(&self.user)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(&self.course)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.chapter)?;
        out.push_sql(", ");
        out.push_bind_param::<Text, _>(&self.content_hash)?;
        out.push_sql(", ");
        out.push_bind_param::<Timestamp, _>(&self.now)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.read_at)?;
        out.push_sql(", ");
        out.push_bind_param::<Nullable<Timestamp>, _>(&self.passed_at)?;
        out.push_sql(
            ") ON CONFLICT (user_id, course_id, chapter_key, content_hash) DO UPDATE SET \
             read_at = coalesce(chapter_progress.read_at, excluded.read_at), \
             passed_at = coalesce(chapter_progress.passed_at, excluded.passed_at)",
        );
        Ok(())
    }
}

impl<Conn> RunQueryDsl<Conn> for ChapterProgress {}

/// The learner's enrolment: where they are now, enrolling them on their first chapter.
/// Their progress stays as it is (the columns' defaults on a new enrolment).
#[derive(Debug, QueryId)]
pub(super) struct Enrolment {
    pub user: i64,
    pub course: i64,
    pub chapter: String,
    pub now: NaiveDateTime,
}

/// The same with the learner's recomputed progress: chapters opened (a bit each) and read.
/// A type of its own, because a cached statement is keyed by its type: one type, one SQL.
#[derive(Debug, QueryId)]
pub(super) struct EnrolmentWithProgress {
    pub at: Enrolment,
    pub opened: i64,
    pub read: i64,
}

fn walk_enrolment<'b, DB>(
    at: &'b Enrolment,
    progress: Option<(&'b i64, &'b i64)>,
    mut out: AstPass<'_, 'b, DB>,
) -> QueryResult<()>
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    out.push_sql(
        "INSERT INTO enrolments (user_id, course_id, started_at, last_chapter_key, \
         last_activity_at",
    );
    if progress.is_some() {
        out.push_sql(", chapters_opened, chapters_read");
    }
    out.push_sql(") VALUES (");
    out.push_bind_param::<BigInt, _>(&at.user)?;
    out.push_sql(", ");
    out.push_bind_param::<BigInt, _>(&at.course)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(&at.now)?;
    out.push_sql(", ");
    out.push_bind_param::<Text, _>(&at.chapter)?;
    out.push_sql(", ");
    out.push_bind_param::<Timestamp, _>(&at.now)?;
    if let Some((opened, read)) = progress {
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(opened)?;
        out.push_sql(", ");
        out.push_bind_param::<BigInt, _>(read)?;
    }
    out.push_sql(
        ") ON CONFLICT (user_id, course_id) DO UPDATE SET \
         last_chapter_key = excluded.last_chapter_key, \
         last_activity_at = excluded.last_activity_at",
    );
    if progress.is_some() {
        out.push_sql(
            ", chapters_opened = excluded.chapters_opened, \
             chapters_read = excluded.chapters_read",
        );
    }
    Ok(())
}

impl<DB> QueryFragment<DB> for Enrolment
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        walk_enrolment(self, None, out)
    }
}

impl<DB> QueryFragment<DB> for EnrolmentWithProgress
where
    DB: Backend,
    i64: ToSql<BigInt, DB>,
    String: ToSql<Text, DB>,
    NaiveDateTime: ToSql<Timestamp, DB>,
{
    fn walk_ast<'b>(&'b self, out: AstPass<'_, 'b, DB>) -> QueryResult<()> {
        walk_enrolment(&self.at, Some((&self.opened, &self.read)), out)
    }
}

impl<Conn> RunQueryDsl<Conn> for Enrolment {}
impl<Conn> RunQueryDsl<Conn> for EnrolmentWithProgress {}
