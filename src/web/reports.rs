//! The coordinator's report, as a page (tables and server-drawn charts) and as a CSV of
//! the people in it (`reports::report`, `reports::csv`).

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use super::error::WebError;
use super::extract::{Coordinator, OrgRole};
use crate::cohorts::Cohort;
use crate::i18n::{self, Lang};
use crate::organisations::{Organisation, Province, TreeEntry};
use crate::reports::report::{self, Report, Request};
use crate::reports::scope::Filters;
use crate::reports::{self, Count, Listing, Missed, Order, Person, Stage, chart};

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

impl ReportQuery {
    /// The selected filters, read leniently: the form sends "" for "—", and a value that is
    /// not a number is the same as none.
    fn filters(&self) -> Filters {
        Filters {
            cohort: self.cohort.trim().parse().ok(),
            course: Some(self.course.clone()).filter(|c| !c.is_empty()),
            province: self.province.trim().parse().ok(),
            office: self.office.trim().parse().ok(),
        }
    }

    fn listing(&self) -> Listing {
        Listing {
            order: Order::parse(&self.sort),
            stage: Stage::parse(&self.stage),
            search: self.q.clone(),
        }
    }

    fn request(&self) -> Request {
        Request {
            filters: self.filters(),
            listing: self.listing(),
            page: self.page.trim().parse().unwrap_or(1),
        }
    }

    /// The list part of the query (population, stage, search), to carry into sort links,
    /// pages and the CSV link.
    fn list_query(&self) -> String {
        let chosen = self.filters();
        let mut pairs = Vec::new();
        if let Some(c) = chosen.cohort {
            pairs.push(("cohort", c.to_string()));
        }
        if let Some(course) = chosen.course {
            pairs.push(("course", course));
        }
        if let Some(p) = chosen.province {
            pairs.push(("province", p.to_string()));
        }
        if let Some(o) = chosen.office {
            pairs.push(("office", o.to_string()));
        }
        pairs.push(("stage", self.stage.clone()));
        pairs.push(("q", self.q.clone()));
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    }
}

/// What `reports/report.html` shows.
#[derive(Serialize)]
struct ReportPage<'a> {
    organisation: &'a Organisation,
    scope: &'a str,
    courses: Vec<&'a str>,
    offices: &'a [TreeEntry],
    cohorts: &'a [Cohort],
    provinces: &'a [Province],
    has_population: bool,
    total: i64,
    /// Stage code, label, count, percent.
    funnel: Vec<(&'static str, String, i64, i64)>,
    funnel_svg: String,
    reach: &'a [Count],
    reach_svg: String,
    median_days: Option<String>,
    missed: &'a [Missed],
    people: &'a [Person],
    shown: usize,
    page_number: usize,
    pages: usize,
    from: usize,
    to: usize,
    /// Stage code and label, for the stage filter.
    stages: Vec<(&'static str, String)>,
    query_cohort: Option<crate::model::ids::CohortId>,
    query_course: &'a str,
    query_province: Option<crate::model::ids::ProvinceId>,
    query_office: Option<crate::organisations::OrganisationId>,
    query_stage: &'a str,
    query_sort: &'a str,
    query_q: &'a str,
    list_query: String,
}

fn stage_label(lang: Lang, stage: Stage) -> String {
    i18n::translate(lang, &format!("stage-{}", stage.code().replace('_', "-")))
}

impl<'a> ReportPage<'a> {
    fn new(
        organisation: &'a Organisation,
        report: &'a Report,
        query: &'a ReportQuery,
        lang: Lang,
    ) -> Self {
        let funnel: Vec<_> = report
            .funnel
            .iter()
            .map(|&(stage, count, percent)| {
                (stage.code(), stage_label(lang, stage), count, percent)
            })
            .collect();
        let funnel_bars: Vec<_> = funnel
            .iter()
            .map(|(_, label, count, percent)| chart::Bar {
                label,
                value: *count,
                shown: format!("{count} ({percent}%)"),
            })
            .collect();
        let reach_bars: Vec<_> = report
            .reach
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
            .collect();
        let (scope, people, filters) = (&report.scope, &report.people, query.filters());
        Self {
            organisation,
            scope: &scope.name,
            courses: scope.courses(),
            offices: &scope.offices,
            cohorts: &scope.cohorts,
            provinces: &report.provinces,
            has_population: scope.population.is_some(),
            total: report.total,
            funnel_svg: chart::bars(&i18n::translate(lang, "report-funnel"), &funnel_bars),
            funnel,
            reach: &report.reach,
            reach_svg: chart::bars(&i18n::translate(lang, "report-reach"), &reach_bars),
            median_days: report
                .median_hours_to_finish
                .map(|h| format!("{:.1}", h / 24.0)),
            missed: &report.missed,
            people: &people.people,
            shown: people.shown,
            page_number: people.number,
            pages: people.pages,
            from: people.from(),
            to: people.to(),
            stages: Stage::ALL
                .iter()
                .map(|s| (s.code(), stage_label(lang, *s)))
                .collect(),
            query_cohort: filters.cohort,
            query_course: &query.course,
            query_province: filters.province,
            query_office: filters.office,
            query_stage: &query.stage,
            query_sort: &query.sort,
            query_q: &query.q,
            list_query: query.list_query(),
        }
    }
}

pub async fn page(
    scope: OrgRole<Coordinator>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let state = &ctx.state;
    let report = report::report(
        &state.db,
        &state.report_totals,
        organisation.id,
        query.request(),
    )
    .await?;
    let page = ReportPage::new(&organisation, &report, &query, ctx.lang);
    ctx.render_page("reports/report.html", &page)
}

pub async fn csv(
    scope: OrgRole<Coordinator>,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, WebError> {
    let OrgRole {
        ctx, organisation, ..
    } = scope;
    let body = reports::csv::download(
        &ctx.state.db,
        organisation.id,
        query.filters(),
        query.listing(),
        ctx.actor(),
        ctx.state.now(),
    )
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
