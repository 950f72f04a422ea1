//! The coordinator's report, as a page (tables and server-drawn charts) and as a CSV of
//! the people in it. The download is personal data, so it is recorded in the audit log.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::WebError;
use super::extract::{Coordinator, Ctx, OrgRole};
use crate::audit::{self, Action};
use crate::db::reports::Population;
use crate::db::{self, DbError};
use crate::i18n::{self, Lang};
use crate::organisations::{OrganisationId, subtree};
use crate::reports::{self, Order, Stage, chart};

#[derive(Deserialize, Default, Clone)]
#[serde(default)]
pub struct ReportQuery {
    cohort: String,
    course: String,
    province: String,
    office: String,
    sort: String,
    stage: String,
    q: String,
    page: String,
}

/// People shown on one page of the report; the CSV has them all.
const PAGE_SIZE: usize = 100;

/// The selected filters, read leniently: the form sends "" for "—", and a value that is not
/// a number is the same as none.
#[derive(Clone, Copy)]
struct Chosen {
    cohort: Option<i64>,
    province: Option<i32>,
    office: Option<i64>,
}

impl ReportQuery {
    fn chosen(&self) -> Chosen {
        Chosen {
            cohort: self.cohort.trim().parse().ok(),
            province: self.province.trim().parse().ok(),
            office: self.office.trim().parse().ok(),
        }
    }
}

/// Everything a report shows, computed for one population.
struct Report {
    scope: String,
    offices: Vec<crate::organisations::TreeEntry>,
    cohorts: Vec<crate::cohorts::Cohort>,
    population: Option<Population>,
    chapters: Vec<(String, String, String)>,
    people: Vec<reports::Person>,
    opened: std::collections::HashMap<String, i64>,
    missed: Vec<reports::Missed>,
}

/// Finds the population the query asks for, within the coordinator's organisations, and
/// computes its figures.
async fn compute(ctx: &Ctx, root: OrganisationId, query: ReportQuery) -> Result<Report, WebError> {
    let chosen_filters = query.chosen();
    ctx.state
        .db
        .read(move |conn| {
            let all = db::organisations::all(conn)?;
            let below: Vec<i64> = subtree(&all, root).iter().map(|o| o.id.0).collect();
            let owned: Vec<_> = db::cohorts::owned_by(conn, &below)?
                .into_iter()
                .map(|(c, _)| c)
                .collect();
            let chosen: Vec<_> = match chosen_filters.cohort {
                Some(id) => owned.iter().filter(|c| c.id == id).cloned().collect(),
                None => {
                    let slug = if query.course.is_empty() {
                        owned
                            .first()
                            .map(|c| c.course_slug.clone())
                            .unwrap_or_default()
                    } else {
                        query.course.clone()
                    };
                    owned
                        .iter()
                        .filter(|c| c.course_slug == slug)
                        .cloned()
                        .collect()
                }
            };
            let mut report = Report {
                offices: crate::organisations::tree_under(subtree(&all, root), root),
                scope: String::new(),
                cohorts: owned.clone(),
                population: None,
                chapters: Vec::new(),
                people: Vec::new(),
                opened: Default::default(),
                missed: Vec::new(),
            };
            let Some(first) = chosen.first() else {
                return Ok::<_, DbError>(report);
            };
            report.scope = match chosen_filters.cohort {
                Some(_) => first.name.clone(),
                None => first.course_slug.clone(),
            };
            let offices = chosen_filters
                .office
                .filter(|id| below.contains(id))
                .map(|id| {
                    subtree(&all, OrganisationId(id))
                        .iter()
                        .map(|o| o.id.0)
                        .collect::<Vec<_>>()
                });
            let population = Population {
                course_id: first.course_id,
                cohorts: chosen.iter().map(|c| c.id).collect(),
                province: chosen_filters.province,
                offices,
            };
            if let Some((_, chapters)) =
                db::learning::current_with_chapters(conn, &first.course_slug)?
            {
                report.chapters = chapters
                    .into_iter()
                    .map(|c| (c.key, c.title.km, c.title.en))
                    .collect();
            }
            let total = report.chapters.len() as i64;
            report.people = db::reports::people(conn, &population)?;
            for person in &mut report.people {
                person.stage = person.furthest(total);
            }
            report.opened = db::reports::chapter_reach(conn, &population)?;
            report.missed = reports::most_missed(db::reports::missed(conn, &population)?);
            report.population = Some(population);
            Ok(report)
        })
        .await
        .map_err(WebError::from)
}

fn stage_label(lang: Lang, stage: Stage) -> String {
    i18n::translate(lang, &format!("stage-{}", stage.code().replace('_', "-")))
}

pub async fn page(
    scope: OrgRole<Coordinator>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let query = query.into_inner();
    let report = compute(&ctx, organisation.id, query.clone()).await?;
    let lang = ctx.lang;
    let total = report.people.len() as i64;
    let funnel: Vec<_> = reports::funnel(&report.people)
        .into_iter()
        .map(|(stage, count, percent)| (stage.code(), stage_label(lang, stage), count, percent))
        .collect();
    let funnel_svg = chart::bars(
        &i18n::translate(lang, "report-funnel"),
        &funnel
            .iter()
            .map(|(_, label, count, percent)| chart::Bar {
                label,
                value: *count,
                shown: format!("{count} ({percent}%)"),
            })
            .collect::<Vec<_>>(),
    );
    let reach = reports::reach(&report.chapters, &report.opened, total);
    let reach_svg = chart::bars(
        &i18n::translate(lang, "report-reach"),
        &reach
            .iter()
            .map(|c| chart::Bar {
                label: if lang == Lang::Km {
                    &c.label_km
                } else {
                    &c.label_en
                },
                value: c.count,
                shown: format!("{} ({}%)", c.count, c.percent),
            })
            .collect::<Vec<_>>(),
    );
    let median = reports::median_hours_to_finish(&report.people);
    let people = reports::people_list(
        report.people,
        Order::parse(&query.sort),
        Stage::parse(&query.stage),
        &query.q,
    );
    let shown = people.len();
    let pages = shown.div_ceil(PAGE_SIZE).max(1);
    let page_number = query
        .page
        .trim()
        .parse::<usize>()
        .unwrap_or(1)
        .clamp(1, pages);
    let first = (page_number - 1) * PAGE_SIZE;
    let people: Vec<_> = people.into_iter().skip(first).take(PAGE_SIZE).collect();
    let provinces = ctx.state.db.read(db::provinces::all).await?;
    let mut page = ctx.page();
    page.insert("organisation", &organisation);
    page.insert("scope", &report.scope);
    let mut courses: Vec<&str> = report
        .cohorts
        .iter()
        .map(|c| c.course_slug.as_str())
        .collect();
    courses.sort_unstable();
    courses.dedup();
    page.insert("courses", &courses);
    page.insert("offices", &report.offices);
    page.insert("cohorts", &report.cohorts);
    page.insert("has_population", &report.population.is_some());
    page.insert("total", &total);
    page.insert("funnel", &funnel);
    page.insert("funnel_svg", &funnel_svg);
    page.insert("reach", &reach);
    page.insert("reach_svg", &reach_svg);
    page.insert("median_days", &median.map(|h| format!("{:.1}", h / 24.0)));
    page.insert("missed", &report.missed);
    page.insert("people", &people);
    page.insert("shown", &shown);
    page.insert("page_number", &page_number);
    page.insert("pages", &pages);
    page.insert("from", &(first + 1).min(shown));
    page.insert("to", &(first + people.len()));
    page.insert(
        "stages",
        &Stage::ALL
            .iter()
            .map(|s| (s.code(), stage_label(lang, *s)))
            .collect::<Vec<_>>(),
    );
    page.insert("provinces", &provinces);
    let chosen = query.chosen();
    page.insert("query_cohort", &chosen.cohort);
    page.insert("query_course", &query.course);
    page.insert("query_province", &chosen.province);
    page.insert("query_office", &chosen.office);
    page.insert("query_stage", &query.stage);
    page.insert("query_sort", &query.sort);
    page.insert("query_q", &query.q);
    let mut list = filters(&query);
    list.push(("stage", query.stage.clone()));
    list.push(("q", query.q.clone()));
    page.insert(
        "list_query",
        &serde_urlencoded::to_string(list).unwrap_or_default(),
    );
    ctx.render("reports/report.html", &page)
}

/// The population part of the query, to carry into sort links and the CSV link.
fn filters(query: &ReportQuery) -> Vec<(&'static str, String)> {
    let chosen = query.chosen();
    let mut pairs = Vec::new();
    if let Some(c) = chosen.cohort {
        pairs.push(("cohort", c.to_string()));
    }
    if !query.course.is_empty() {
        pairs.push(("course", query.course.clone()));
    }
    if let Some(p) = chosen.province {
        pairs.push(("province", p.to_string()));
    }
    if let Some(o) = chosen.office {
        pairs.push(("office", o.to_string()));
    }
    pairs
}

pub async fn csv(
    scope: OrgRole<Coordinator>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let query = query.into_inner();
    let report = compute(&ctx, organisation.id, query.clone()).await?;
    let people = reports::people_list(
        report.people,
        Order::parse(&query.sort),
        Stage::parse(&query.stage),
        &query.q,
    );
    let body = reports::people_csv(&people).map_err(|e| WebError::Internal(e.to_string()))?;
    let (actor, now, count, what) = (
        ctx.actor(),
        ctx.state.now(),
        people.len(),
        report.scope.clone(),
    );
    ctx.state
        .db
        .write(move |conn| {
            audit::record(
                conn,
                &actor,
                Action::PersonalDataExported,
                &what,
                &format!("report CSV, {count} people"),
                now,
            )
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            "attachment; filename=\"sala-report.csv\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}
