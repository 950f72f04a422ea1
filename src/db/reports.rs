//! The figures of a report, aggregated in SQL over a population of invitations (cohorts of
//! one course, narrowed to a province or a set of offices). Every query takes the
//! population as a subquery, so no list of ids grows with the number of learners; stages
//! and the people list read the progress summary kept on each enrolment (`summary.rs`),
//! one row a person.

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDateTime;
use diesel::dsl::{count, count_star, exists, max, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer};

use super::schema::{
    attempt_answers, attempts, chapter_bits, chapter_progress, enrolments, invitations,
    organisations, provinces,
};
use super::{DbConnection, DbError, lower, lower_or_null, on_backend};
use crate::model::courses::Question;
use crate::model::ids::{CourseId, InvitationId, VersionId};
use crate::model::quizzes::Tally;
use crate::model::reports::{Listing, Missed, Order, Person, Stage, Stages};

/// Whose figures: the invitations of these cohorts (all of one course), optionally only
/// those of a province or of these offices.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Population {
    pub course_id: CourseId,
    pub cohorts: Vec<i64>,
    pub province: Option<i32>,
    pub offices: Option<Vec<i64>>,
}

impl Population {
    /// Who is in the population, as an SQL condition on `invitations`. Only integers are
    /// written into it, so it is safe to splice into a query; the same text narrows the
    /// typed queries below and the aggregates written in SQL.
    fn condition(&self) -> String {
        fn list(ids: &[i64]) -> String {
            if ids.is_empty() {
                return "NULL".to_owned();
            }
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        }
        let mut condition = format!("invitations.cohort_id IN ({})", list(&self.cohorts));
        if let Some(province) = self.province {
            condition.push_str(&format!(" AND invitations.province_id = {province}"));
        }
        if let Some(offices) = &self.offices {
            condition.push_str(&format!(
                " AND invitations.office_id IN ({})",
                list(offices)
            ));
        }
        condition
    }

    /// The accounts of the population, as an SQL condition on `column`.
    fn accounts(&self, column: &str) -> String {
        format!(
            "{column} IN (SELECT invitations.user_id FROM invitations WHERE {})",
            self.condition()
        )
    }
}

/// `$source` (a query from `invitations`, perhaps joined) narrowed to the population, boxed.
macro_rules! within {
    ($source:expr, $pop:expr) => {
        $source.filter(sql::<Bool>(&$pop.condition())).into_boxed()
    };
}

/// The furthest stage a person reached, in the order of [`Stage`] (0 = invited …
/// 5 = certified), as SQL over `invitations` left-joined with `enrolments`: certified (a
/// certificate in force), finished (completed), half-way (at least half the course's
/// `chapters` read), started (enrolled), signed in (took up the invitation), invited. This
/// is the one definition of the stages; reports count, filter and sort by it.
fn stage_sql(chapters: i64) -> String {
    format!(
        "(CASE WHEN enrolments.certified THEN 5 \
         WHEN enrolments.completed_at IS NOT NULL THEN 4 \
         WHEN enrolments.user_id IS NOT NULL AND {chapters} > 0 \
           AND 2 * enrolments.chapters_read >= {chapters} THEN 3 \
         WHEN enrolments.user_id IS NOT NULL THEN 2 \
         WHEN invitations.accepted_at IS NOT NULL THEN 1 ELSE 0 END)"
    )
}

fn stage_of(index: i32) -> Stage {
    Stage::ALL
        .get(usize::try_from(index).unwrap_or(0))
        .copied()
        .unwrap_or(Stage::Invited)
}

/// Where one person of a population stands: their stage, the hours they took to finish,
/// the chapters they opened.
#[derive(QueryableByName, PartialEq, Eq, Hash)]
struct PersonStage {
    #[diesel(sql_type = Integer)]
    stage: i32,
    #[diesel(sql_type = diesel::sql_types::Nullable<BigInt>)]
    hours: Option<i64>,
    #[diesel(sql_type = BigInt)]
    opened: i64,
}

/// How many people of a population stand where.
#[derive(QueryableByName)]
struct StageRow {
    #[diesel(embed)]
    at: PersonStage,
    #[diesel(sql_type = BigInt)]
    people: i64,
}

/// How many people of the population are at each stage, how many hours those who finished
/// took from starting (whole hours), and how many opened each of `chapters` (the keys of
/// the course's chapters), in one pass over the population: the chapters opened are a
/// mask on each enrolment (a bit a chapter key, `db::courses::number_chapters`).
pub fn stages(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: &[String],
) -> Result<Stages, DbError> {
    let hours = match conn {
        DbConnection::Sqlite(_) => {
            "CAST((julianday(enrolments.completed_at) - julianday(enrolments.started_at)) \
             * 24 AS BIGINT)"
        }
        DbConnection::Postgres(_) => {
            "CAST(FLOOR(EXTRACT(EPOCH FROM enrolments.completed_at - enrolments.started_at) \
             / 3600) AS BIGINT)"
        }
    };
    let rows = format!(
        "SELECT {stage} AS stage, {hours} AS hours, \
           COALESCE(enrolments.chapters_opened, 0) AS opened \
         FROM invitations \
         LEFT JOIN enrolments ON enrolments.user_id = invitations.user_id \
           AND enrolments.course_id = {course} \
         WHERE {population}",
        stage = stage_sql(chapters.len() as i64),
        course = pop.course_id,
        population = pop.condition(),
    );
    let rows: Vec<StageRow> = match conn {
        DbConnection::Postgres(c) => diesel::sql_query(format!(
            "SELECT stage, hours, opened, COUNT(*) AS people FROM ({rows}) AS r \
                 GROUP BY stage, hours, opened"
        ))
        .load(c)?,
        // SQLite groups with a sorter: for 100 000 people it took 56 of the query's 133 ms
        // (`sqlite3` shell, the benchmark's data). Counting the rows here is one pass.
        DbConnection::Sqlite(c) => {
            let mut groups: HashMap<PersonStage, i64> = HashMap::new();
            for row in diesel::sql_query(rows).load_iter::<PersonStage, _>(c)? {
                *groups.entry(row?).or_default() += 1;
            }
            groups
                .into_iter()
                .map(|(at, people)| StageRow { at, people })
                .collect()
        }
    };
    let bits: Vec<(String, i64)> = chapter_bits::table
        .filter(chapter_bits::course_id.eq(pop.course_id))
        .select((chapter_bits::chapter_key, chapter_bits::mask))
        .load(conn)?;
    let mut stages = Stages::default();
    for (key, _) in &bits {
        stages.opened.insert(key.clone(), 0);
    }
    for row in rows {
        stages.at_stage[stage_of(row.at.stage) as usize] += row.people;
        if let Some(hours) = row.at.hours {
            stages.hours_to_finish.push((hours, row.people));
        }
        for (key, mask) in &bits {
            if row.at.opened & mask != 0 {
                *stages.opened.entry(key.clone()).or_default() += row.people;
            }
        }
    }
    let unnumbered: Vec<&String> = chapters
        .iter()
        .filter(|key| !stages.opened.contains_key(*key))
        .collect();
    if !unnumbered.is_empty() {
        stages
            .opened
            .extend(reach_from_progress(conn, pop, &unnumbered)?);
    }
    Ok(stages)
}

/// How many of the population opened each of `chapters`, from the progress rows: for the
/// chapters of a course beyond the 63 that have a bit.
fn reach_from_progress(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: &[&String],
) -> Result<HashMap<String, i64>, DbError> {
    let rows: Vec<(String, i64)> = chapter_progress::table
        .filter(chapter_progress::course_id.eq(pop.course_id))
        .filter(chapter_progress::chapter_key.eq_any(chapters))
        .filter(sql::<Bool>(&pop.accounts("chapter_progress.user_id")))
        .group_by(chapter_progress::chapter_key)
        .select((
            chapter_progress::chapter_key,
            count(chapter_progress::user_id).aggregate_distinct(),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The people of the population that `listing` shows, with their office, province and
/// progress summary, filtered and sorted in SQL.
macro_rules! listed {
    ($pop:expr, $stage:expr, $listing:expr) => {{
        let mut query = within!(
            invitations::table
                .left_join(
                    enrolments::table.on(enrolments::user_id
                        .nullable()
                        .eq(invitations::user_id)
                        .and(enrolments::course_id.eq($pop.course_id))),
                )
                .left_join(
                    organisations::table
                        .on(invitations::office_id.eq(organisations::id.nullable())),
                )
                .left_join(
                    provinces::table.on(invitations::province_id.eq(provinces::id.nullable())),
                ),
            $pop
        );
        if let Some(wanted) = $listing.stage {
            query = query.filter(sql::<Bool>(&format!("{} = {}", $stage, wanted as i32)));
        }
        let search = $listing.search.trim();
        if !search.is_empty() {
            let pattern = super::contains_pattern(search);
            query = query.filter(
                lower(invitations::name_latin)
                    .like(pattern.clone())
                    .escape('\\')
                    .or(invitations::name_km.like(pattern.clone()).escape('\\'))
                    .or(lower(invitations::email).like(pattern.clone()).escape('\\'))
                    .nullable()
                    .or(lower_or_null(organisations::name_en.nullable())
                        .like(pattern.clone())
                        .escape('\\'))
                    .or(organisations::name_km.nullable().like(pattern).escape('\\')),
            );
        }
        query
    }};
}

type PersonRow = (
    InvitationId,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDateTime,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<NaiveDateTime>,
    Option<i64>,
    Option<NaiveDateTime>,
    i32,
);

/// How many people `listing` shows.
pub fn count_people(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: i64,
    listing: &Listing,
) -> Result<i64, DbError> {
    let stage = stage_sql(chapters);
    Ok(listed!(pop, stage, listing)
        .select(count_star())
        .first(conn)?)
}

/// The people `listing` shows, in its order; `page` is (offset, limit), or everyone.
pub fn people(
    conn: &mut DbConnection,
    pop: &Population,
    chapters: i64,
    listing: &Listing,
    page: Option<(i64, i64)>,
) -> Result<Vec<Person>, DbError> {
    let stage = stage_sql(chapters);
    let mut query = listed!(pop, stage, listing);
    query = match listing.order {
        Order::Name => query.order((invitations::name_latin, invitations::id)),
        Order::Stage => query.order((
            sql::<Integer>(&stage).desc(),
            invitations::name_latin,
            invitations::id,
        )),
        Order::LastActivity => query.order((
            enrolments::last_activity_at.nullable().is_null(),
            enrolments::last_activity_at.nullable().desc(),
            invitations::id,
        )),
    };
    if let Some((offset, limit)) = page {
        query = query.offset(offset).limit(limit);
    }
    let rows: Vec<PersonRow> = query
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
            enrolments::started_at.nullable(),
            enrolments::last_activity_at.nullable(),
            enrolments::chapters_read.nullable(),
            enrolments::completed_at.nullable(),
            sql::<Integer>(&stage),
        ))
        .load(conn)?;
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
                started_at,
                last_activity,
                chapters_read,
                completed_at,
                stage,
            ) = row;
            let stage = stage_of(stage);
            Person {
                invitation_id: id,
                name_km,
                name_latin,
                email,
                office: join(office_km, office_en),
                province: join(prov_km, prov_en),
                invited_at,
                accepted_at,
                started_at,
                last_activity,
                chapters_read: chapters_read.unwrap_or(0),
                completed_at,
                certified: stage == Stage::Certified,
                stage,
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

#[derive(QueryableByName)]
struct TallyRow {
    #[diesel(sql_type = BigInt)]
    version: VersionId,
    #[diesel(sql_type = BigInt)]
    answered: i64,
    #[diesel(sql_type = BigInt)]
    missed: i64,
    #[diesel(sql_type = BigInt)]
    attempts: i64,
}

/// For each question of the final assessment, how often the population answered it and
/// how often wrongly, over every submitted attempt: from the tally kept on each attempt
/// (`model::quizzes::Tally`), and from the answers of any attempt without one. `people`,
/// how many the population holds (from its stages), only chooses how their attempts are
/// found; the figures are the same either way.
pub fn missed(
    conn: &mut DbConnection,
    pop: &Population,
    people: i64,
) -> Result<Vec<Missed>, DbError> {
    // Whose attempts: for a population larger than twice the attempts ever made (every
    // course's), each attempt is looked up among the population's invitations; otherwise
    // the population's accounts are listed and their attempts looked up. SQLite runs each
    // form as written; for the whole course of the benchmark (100 000 people, 20 600
    // attempts) the first took 32 ms against 65, for one cohort the second 0.1 ms against
    // 30 (docs/benchmarks.md, tenth run). The largest attempt id is read from the primary
    // key's end, and attempts are never deleted but with their account.
    let made: Option<i64> = attempts::table.select(max(attempts::id)).first(conn)?;
    let whose = if made.unwrap_or(0).saturating_mul(2) < people {
        format!(
            "EXISTS (SELECT 1 FROM invitations WHERE invitations.user_id = attempts.user_id \
             AND {})",
            pop.condition()
        )
    } else {
        pop.accounts("attempts.user_id")
    };
    let query = format!(
        "SELECT version_id AS version, answered_bits AS answered, \
           COALESCE(missed_bits, 0) AS missed, \
           COUNT(*) AS attempts FROM attempts \
         WHERE course_id = {course} AND submitted_at IS NOT NULL \
           AND answered_bits IS NOT NULL AND {whose} \
         GROUP BY 1, 2, 3",
        course = pop.course_id,
    );
    let tallies: Vec<TallyRow> = on_backend!(conn, |c| diesel::sql_query(&query).load(c))?;
    let untallied = attempts::table
        .filter(attempts::course_id.eq(pop.course_id))
        .filter(attempts::submitted_at.is_not_null())
        .filter(attempts::answered_bits.is_null());
    // Usually none: every attempt is tallied when it is graded (index `attempts_untallied`).
    let untallied: Vec<(VersionId, String, String, i64)> =
        if !diesel::select(exists(untallied)).get_result::<bool>(conn)? {
            Vec::new()
        } else {
            untallied
                .inner_join(attempt_answers::table)
                .filter(sql::<Bool>(&pop.accounts("attempts.user_id")))
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
                .load(conn)?
        };
    let mut pools: HashMap<VersionId, Vec<Question>> = HashMap::new();
    for version in tallies
        .iter()
        .map(|t| t.version)
        .chain(untallied.iter().map(|u| u.0))
    {
        if let std::collections::hash_map::Entry::Vacant(e) = pools.entry(version) {
            e.insert(super::quizzes::questions(conn, version, None)?);
        }
    }
    let mut missed: HashMap<String, Missed> = HashMap::new();
    let mut count = |question: &Question, wrong: bool, n: i64| {
        let tally = missed
            .entry(question.key.clone())
            .or_insert_with(|| Missed {
                key: question.key.clone(),
                prompt_km: question.prompt.km.clone(),
                prompt_en: question.prompt.en.clone(),
                answered: 0,
                wrong: 0,
                percent: 0,
            });
        tally.answered += n;
        if wrong {
            tally.wrong += n;
        }
    };
    for row in &tallies {
        let tally = Tally {
            answered: row.answered,
            missed: row.missed,
        };
        let pool = pools.get(&row.version).map_or(&[][..], Vec::as_slice);
        for (question, wrong) in tally.questions(pool) {
            count(question, wrong, row.attempts);
        }
    }
    for (version, key, chosen, n) in untallied {
        let pool = pools.get(&version).map_or(&[][..], Vec::as_slice);
        let Some(question) = pool.iter().find(|q| q.key == key) else {
            continue;
        };
        let chosen: BTreeSet<String> = serde_json::from_str(&chosen).unwrap_or_default();
        count(
            question,
            !crate::model::quizzes::is_correct(question, &chosen),
            n,
        );
    }
    Ok(missed.into_values().collect())
}

/// One enrolment's progress summary: (user, course, chapters opened (a bit each), chapters
/// read, completed at, certified), and the tallies of the attempts: (attempt, answered,
/// missed).
pub type Summaries = (
    Vec<(i64, i64, i64, i64, Option<NaiveDateTime>, bool)>,
    Vec<(i64, Option<i64>, Option<i64>)>,
);

/// Every enrolment's progress summary, in (user, course) order, and every attempt's tally,
/// to check them against the rows they summarise.
pub fn summaries(conn: &mut DbConnection) -> Result<Summaries, DbError> {
    let enrolled = enrolments::table
        .order((enrolments::user_id, enrolments::course_id))
        .select((
            enrolments::user_id,
            enrolments::course_id,
            enrolments::chapters_opened,
            enrolments::chapters_read,
            enrolments::completed_at,
            enrolments::certified,
        ))
        .load(conn)?;
    let tallies = attempts::table
        .order(attempts::id)
        .select((attempts::id, attempts::answered_bits, attempts::missed_bits))
        .load(conn)?;
    Ok((enrolled, tallies))
}
