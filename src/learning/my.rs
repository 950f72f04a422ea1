//! "My learning": the courses a learner has started, where each stands, and their
//! certificates.

use std::sync::Arc;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::{LearningError, continue_at, percent_done, states};
use crate::certificates::{Authority, CertError};
use crate::db::{self, Db, DbError};
use crate::model::courses::Bilingual;
use crate::model::ids::UserId;
use crate::model::learning::CourseVersion;

/// A course the learner has started.
#[derive(Debug, Serialize)]
pub struct MyCourse {
    pub course: CourseVersion,
    pub percent: i64,
    pub continue_at: Option<String>,
    pub last_activity: NaiveDateTime,
}

/// A certificate, with the address that shows it to anyone.
#[derive(Debug, Serialize)]
pub struct MyCertificate {
    pub serial: String,
    pub title: Bilingual,
    pub issued_at: NaiveDateTime,
    pub revoked: bool,
    pub share: String,
}

#[derive(Debug, Serialize)]
pub struct MyLearning {
    pub courses: Vec<MyCourse>,
    pub certificates: Vec<MyCertificate>,
}

/// The learner's courses, most recent first, and their certificates, issuing first any that
/// a failure left missing.
pub async fn my_learning(
    db: &Db,
    authority: &Arc<Authority>,
    user: UserId,
    now: NaiveDateTime,
) -> Result<MyLearning, LearningError> {
    let courses = db.read(move |conn| courses(conn, user)).await?;
    let certificates = certificates(db, authority, user, now).await?;
    Ok(MyLearning {
        courses,
        certificates,
    })
}

fn courses(conn: &mut db::DbConnection, user: UserId) -> Result<Vec<MyCourse>, DbError> {
    let mut out = Vec::new();
    for (course_id, slug, last, last_activity) in db::learning::enrolments(conn, user)? {
        let Some((version, chapters)) = db::learning::current_with_chapters(conn, &slug)? else {
            continue;
        };
        let progress = db::learning::progress(conn, user, course_id)?;
        let states = states(&chapters, &progress);
        out.push(MyCourse {
            percent: percent_done(&states),
            continue_at: continue_at(&chapters, &states, Some(&last)).map(|c| c.key.clone()),
            course: version,
            last_activity,
        });
    }
    Ok(out)
}

async fn certificates(
    db: &Db,
    authority: &Arc<Authority>,
    user: UserId,
    now: NaiveDateTime,
) -> Result<Vec<MyCertificate>, CertError> {
    let missing = db
        .read(move |conn| db::certificates::completions_without_certificate(conn, user))
        .await?;
    if !missing.is_empty() {
        let authority = Arc::clone(authority);
        db.write(move |conn| authority.issue_missing(conn, user, now))
            .await?;
    }
    let authority = Arc::clone(authority);
    db.read(move |conn| {
        let mut out = Vec::new();
        for row in db::certificates::of_user(conn, user)? {
            let facts = authority.facts(conn, &row)?;
            out.push(MyCertificate {
                share: authority.verify_url(&row.serial),
                serial: row.serial,
                title: facts.title,
                issued_at: row.issued_at,
                revoked: row.revoked_at.is_some(),
            });
        }
        Ok(out)
    })
    .await
}
