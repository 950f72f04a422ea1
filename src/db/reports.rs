//! The figures of a report, aggregated in SQL over a population of invitations (cohorts of
//! one course, narrowed to a province or a set of offices). Every query takes the
//! population as a subquery, so no list of ids grows with the number of learners.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::{count, count_star};
use diesel::prelude::*;

use super::schema::{
    attempt_answers, attempts, certificates, chapter_progress, completions, enrolments,
    invitations, organisations, provinces,
};
use super::{DbConnection, DbError};
use crate::reports::{Missed, Person};

/// Whose figures: the invitations of these cohorts (all of one course), optionally only
/// those of a province or of these offices.
#[derive(Debug, Clone)]
pub struct Population {
    pub course_id: i64,
    pub cohorts: Vec<i64>,
    pub province: Option<i32>,
    pub offices: Option<Vec<i64>>,
}

/// The population's invitations, as a boxed query to load from.
macro_rules! invited {
    ($pop:expr) => {{
        let mut query = invitations::table
            .filter(invitations::cohort_id.eq_any($pop.cohorts.clone()))
            .into_boxed();
        if let Some(province) = $pop.province {
            query = query.filter(invitations::province_id.eq(province));
        }
        if let Some(offices) = &$pop.offices {
            query = query.filter(invitations::office_id.eq_any(offices.clone()));
        }
        query
    }};
}

/// Runs `$body` with `$users` bound to the subquery of the population's accounts. Boxed
/// queries cannot be subqueries on a multi-backend connection, so each combination of
/// filters is its own (unboxed) query type.
macro_rules! with_users {
    ($pop:expr, |$users:ident| $body:expr) => {{
        let base = invitations::table.filter(invitations::cohort_id.eq_any($pop.cohorts.clone()));
        match (&$pop.province, &$pop.offices) {
            (None, None) => {
                let $users = base.select(invitations::user_id);
                $body
            }
            (Some(p), None) => {
                let $users = base
                    .filter(invitations::province_id.eq(*p))
                    .select(invitations::user_id);
                $body
            }
            (None, Some(o)) => {
                let $users = base
                    .filter(invitations::office_id.eq_any(o.clone()))
                    .select(invitations::user_id);
                $body
            }
            (Some(p), Some(o)) => {
                let $users = base
                    .filter(invitations::province_id.eq(*p))
                    .filter(invitations::office_id.eq_any(o.clone()))
                    .select(invitations::user_id);
                $body
            }
        }
    }};
}

type InvitationRow = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<i64>,
);

/// Everyone in the population with what they did in the course. The stage is left as
/// `Invited`; the caller sets it from the course's chapter count.
pub fn people(conn: &mut DbConnection, pop: &Population) -> Result<Vec<Person>, DbError> {
    let rows: Vec<InvitationRow> = invited!(pop)
        .left_join(organisations::table.on(invitations::office_id.eq(organisations::id.nullable())))
        .left_join(provinces::table.on(invitations::province_id.eq(provinces::id.nullable())))
        .order(invitations::id)
        .select((
            invitations::id,
            invitations::name_km,
            invitations::name_latin,
            invitations::email,
            organisations::name_km.nullable(),
            organisations::name_en.nullable(),
            provinces::name_km.nullable(),
            provinces::name_en.nullable(),
            invitations::invited_at,
            invitations::accepted_at,
            invitations::user_id,
        ))
        .load(conn)?;
    let course = pop.course_id;
    let started = enrolments::table
        .filter(enrolments::course_id.eq(course))
        .select((
            enrolments::user_id,
            enrolments::started_at,
            enrolments::last_activity_at,
        ));
    let started: Vec<(i64, NaiveDateTime, NaiveDateTime)> = with_users!(pop, |users| started
        .filter(enrolments::user_id.nullable().eq_any(users))
        .load(conn))?;
    let started: HashMap<i64, (NaiveDateTime, NaiveDateTime)> =
        started.into_iter().map(|(u, s, l)| (u, (s, l))).collect();
    let read: Vec<(i64, i64)> = with_users!(pop, |users| chapter_progress::table
        .filter(chapter_progress::course_id.eq(course))
        .filter(chapter_progress::read_at.is_not_null())
        .filter(chapter_progress::user_id.nullable().eq_any(users))
        .group_by(chapter_progress::user_id)
        .select((
            chapter_progress::user_id,
            count(chapter_progress::chapter_key).aggregate_distinct(),
        ))
        .load(conn))?;
    let read: HashMap<i64, i64> = read.into_iter().collect();
    let finished: Vec<(i64, NaiveDateTime)> = with_users!(pop, |users| completions::table
        .filter(completions::course_id.eq(course))
        .filter(completions::user_id.nullable().eq_any(users))
        .select((completions::user_id, completions::completed_at))
        .load(conn))?;
    let finished: HashMap<i64, NaiveDateTime> = finished.into_iter().collect();
    let certified: Vec<i64> = with_users!(pop, |users| certificates::table
        .filter(certificates::course_id.eq(course))
        .filter(certificates::revoked_at.is_null())
        .filter(certificates::user_id.nullable().eq_any(users))
        .select(certificates::user_id)
        .load(conn))?;
    let certified: BTreeSet<i64> = certified.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let (
                id,
                name_km,
                name_latin,
                email,
                office_km,
                office_en,
                prov_km,
                prov_en,
                invited_at,
                accepted_at,
                user,
            ) = row;
            let activity = user.and_then(|u| started.get(&u).copied());
            Person {
                invitation_id: id,
                name_km,
                name_latin,
                email,
                office: join(office_km, office_en),
                province: join(prov_km, prov_en),
                invited_at,
                accepted_at,
                started_at: activity.map(|a| a.0),
                last_activity: activity.map(|a| a.1),
                chapters_read: user.and_then(|u| read.get(&u).copied()).unwrap_or(0),
                completed_at: user.and_then(|u| finished.get(&u).copied()),
                certified: user.is_some_and(|u| certified.contains(&u)),
                stage: crate::reports::Stage::Invited,
            }
        })
        .collect())
}

/// "Khmer / English", or whichever there is.
fn join(km: Option<String>, en: Option<String>) -> String {
    match (km, en) {
        (Some(km), Some(en)) => format!("{km} / {en}"),
        (a, b) => a.or(b).unwrap_or_default(),
    }
}

/// How many of the population opened each chapter (by chapter key).
pub fn chapter_reach(
    conn: &mut DbConnection,
    pop: &Population,
) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, i64)> = with_users!(pop, |users| chapter_progress::table
        .filter(chapter_progress::course_id.eq(pop.course_id))
        .filter(chapter_progress::user_id.nullable().eq_any(users))
        .group_by(chapter_progress::chapter_key)
        .select((
            chapter_progress::chapter_key,
            count(chapter_progress::user_id).aggregate_distinct(),
        ))
        .load(conn))?;
    Ok(rows.into_iter().collect())
}

/// For each question of the final assessment, how often the population answered it and
/// how often wrongly, over every submitted attempt.
pub fn missed(conn: &mut DbConnection, pop: &Population) -> Result<Vec<Missed>, DbError> {
    let answers: Vec<(i64, String, String, i64)> = with_users!(pop, |users| attempts::table
        .inner_join(attempt_answers::table)
        .filter(attempts::course_id.eq(pop.course_id))
        .filter(attempts::submitted_at.is_not_null())
        .filter(attempts::user_id.nullable().eq_any(users))
        .group_by((
            attempts::version_id,
            attempt_answers::question_key,
            attempt_answers::chosen,
        ))
        .select((
            attempts::version_id,
            attempt_answers::question_key,
            attempt_answers::chosen,
            count_star(),
        ))
        .load(conn))?;
    let mut questions = HashMap::new();
    let mut tallies: HashMap<String, Missed> = HashMap::new();
    for (version, key, chosen, n) in answers {
        if let std::collections::hash_map::Entry::Vacant(e) = questions.entry(version) {
            e.insert(super::quizzes::questions(conn, version, None)?);
        }
        let Some(question) = questions
            .get(&version)
            .and_then(|qs: &Vec<crate::courses::Question>| qs.iter().find(|q| q.key == key))
        else {
            continue;
        };
        let chosen: BTreeSet<String> = serde_json::from_str(&chosen).unwrap_or_default();
        let tally = tallies.entry(key.clone()).or_insert_with(|| Missed {
            key: key.clone(),
            prompt_km: question.prompt.km.clone(),
            prompt_en: question.prompt.en.clone(),
            answered: 0,
            wrong: 0,
            percent: 0,
        });
        tally.answered += n;
        if !crate::quizzes::is_correct(question, &chosen) {
            tally.wrong += n;
        }
    }
    Ok(tallies.into_values().collect())
}
