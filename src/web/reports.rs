//! The coordinator's report, as a page (tables and server-drawn charts) and as a CSV of
//! the people in it. The download is personal data, so it is recorded in the audit log.

use std::sync::Arc;

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::error::WebError;
use super::extract::{Coordinator, OrgRole};
use crate::audit::{self, Action};
use crate::db::reports::Population;
use crate::db::{self, DbError};
use crate::i18n::{self, Lang};
use crate::organisations::{OrganisationId, subtree};
use crate::reports::{self, Listing, Order, Stage, chart};

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

/// The population a query asks for, within the coordinator's organisations, and what the
/// page shows around it.
#[derive(Default)]
struct Scope {
    scope: String,
    offices: Vec<crate::organisations::TreeEntry>,
    cohorts: Vec<crate::cohorts::Cohort>,
    population: Option<Population>,
    chapters: Vec<(String, String, String)>,
}

/// One page of a report's people list.
struct Page {
    shown: usize,
    number: usize,
    pages: usize,
    people: Vec<reports::Person>,
}

impl ReportQuery {
    fn listing(&self) -> Listing {
        Listing {
            order: Order::parse(&self.sort),
            stage: Stage::parse(&self.stage),
            search: self.q.clone(),
        }
    }
}

/// Finds the population the query asks for, within the organisations under `root`.
fn find_scope(
    conn: &mut db::DbConnection,
    root: OrganisationId,
    query: &ReportQuery,
) -> Result<Scope, DbError> {
    let chosen_filters = query.chosen();
    let all = db::organisations::all(conn)?;
    let below: Vec<i64> = subtree(&all, root).iter().map(|o| o.id.0).collect();
    let owned = db::cohorts::owned_by(conn, &below)?;
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
    let mut scope = Scope {
        offices: crate::organisations::tree_under(subtree(&all, root), root),
        cohorts: owned.clone(),
        ..Scope::default()
    };
    let Some(first) = chosen.first() else {
        return Ok(scope);
    };
    scope.scope = match chosen_filters.cohort {
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
    if let Some((_, chapters)) = db::learning::current_with_chapters(conn, &first.course_slug)? {
        scope.chapters = chapters
            .into_iter()
            .map(|c| (c.key, c.title.km, c.title.en))
            .collect();
    }
    scope.population = Some(Population {
        course_id: first.course_id,
        cohorts: chosen.iter().map(|c| c.id).collect(),
        province: chosen_filters.province,
        offices,
    });
    Ok(scope)
}

/// The people on the asked-for page (pages of [`PAGE_SIZE`]) of those `listing` shows.
fn page_of_people(
    conn: &mut db::DbConnection,
    pop: &Population,
    chapters: i64,
    stages: &reports::Stages,
    listing: &Listing,
    page: usize,
) -> Result<Page, DbError> {
    // Without a search, how many the list shows is known from the stages.
    let shown = if listing.search.trim().is_empty() {
        match listing.stage {
            Some(stage) => stages.at_stage[stage as usize],
            None => stages.at_stage.iter().sum(),
        }
    } else {
        db::reports::count_people(conn, pop, chapters, listing)?
    };
    let shown = usize::try_from(shown).unwrap_or_default();
    let pages = shown.div_ceil(PAGE_SIZE).max(1);
    let number = page.clamp(1, pages);
    let first = ((number - 1) * PAGE_SIZE) as i64;
    let people = db::reports::people(
        conn,
        pop,
        chapters,
        listing,
        Some((first, PAGE_SIZE as i64)),
    )?;
    Ok(Page {
        shown,
        number,
        pages,
        people,
    })
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
    let wanted_page = query.page.trim().parse::<usize>().unwrap_or(1);
    let root = organisation.id;
    let (scope, provinces) = {
        let query = query.clone();
        ctx.state
            .db
            .read(move |conn| {
                Ok::<_, DbError>((find_scope(conn, root, &query)?, db::provinces::all(conn)?))
            })
            .await?
    };
    let keys: Vec<String> = scope.chapters.iter().map(|c| c.0.clone()).collect();
    let chapters = keys.len() as i64;
    let (figures, page) = match scope.population.clone() {
        Some(pop) => {
            let figures =
                reports::totals::of(&ctx.state.db, &ctx.state.report_totals, &pop, keys).await?;
            let (listing, counted) = (query.listing(), figures.clone());
            let page = ctx
                .state
                .db
                .read(move |conn| {
                    page_of_people(conn, &pop, chapters, &counted.stages, &listing, wanted_page)
                })
                .await?;
            (figures, page)
        }
        None => (
            Arc::default(),
            Page {
                shown: 0,
                number: 1,
                pages: 1,
                people: Vec::new(),
            },
        ),
    };
    let lang = ctx.lang;
    let total: i64 = figures.stages.at_stage.iter().sum();
    let funnel: Vec<_> = reports::funnel(&figures.stages.at_stage)
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
    let reach = reports::reach(&scope.chapters, &figures.stages.opened, total);
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
    let median = reports::median_hours_to_finish(&figures.stages.hours_to_finish);
    let Page {
        shown,
        number: page_number,
        pages,
        people,
    } = page;
    let first = (page_number - 1) * PAGE_SIZE;
    let mut page = ctx.page();
    page.insert("organisation", &organisation);
    page.insert("scope", &scope.scope);
    let mut courses: Vec<&str> = scope
        .cohorts
        .iter()
        .map(|c| c.course_slug.as_str())
        .collect();
    courses.sort_unstable();
    courses.dedup();
    page.insert("courses", &courses);
    page.insert("offices", &scope.offices);
    page.insert("cohorts", &scope.cohorts);
    page.insert("has_population", &scope.population.is_some());
    page.insert("total", &total);
    page.insert("funnel", &funnel);
    page.insert("funnel_svg", &funnel_svg);
    page.insert("reach", &reach);
    page.insert("reach_svg", &reach_svg);
    page.insert("median_days", &median.map(|h| format!("{:.1}", h / 24.0)));
    page.insert("missed", &figures.missed);
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
    let root = organisation.id;
    let (scope, people) = ctx
        .state
        .db
        .read(move |conn| {
            let scope = find_scope(conn, root, &query)?;
            let people = match &scope.population {
                Some(pop) => {
                    let chapters = scope.chapters.len() as i64;
                    db::reports::people(conn, pop, chapters, &query.listing(), None)?
                }
                None => Vec::new(),
            };
            Ok::<_, DbError>((scope, people))
        })
        .await?;
    let body = reports::people_csv(&people).map_err(|e| WebError::Internal(e.to_string()))?;
    let (actor, now, count, what) = (
        ctx.actor(),
        ctx.state.now(),
        people.len(),
        scope.scope.clone(),
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
