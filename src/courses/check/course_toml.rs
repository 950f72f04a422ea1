//! `course.toml`: the course's settings, who publishes and co-signs it, and who signs.

use super::{
    COURSE_FILE, LANGS, MAX_SIGNATORIES, both, find_line, non_empty, parse_toml, valid_key,
};
use crate::courses::format::{CourseToml, OrgField, SignatoryField};
use crate::courses::source::SourceFiles;
use crate::courses::{CourseMeta, Problem, SignatoryRef};
use crate::organisations::Slug;

// --- course.toml --------------------------------------------------------------------------

pub(super) fn check_course_toml(
    files: &SourceFiles,
    folder: Option<&str>,
    problems: &mut Vec<Problem>,
) -> Option<CourseMeta> {
    let file = COURSE_FILE;
    let Some(text) = files.text(file) else {
        let message = if files.get(file).is_some() {
            "check-not-utf8"
        } else {
            "check-course-missing"
        };
        problems.push(Problem::new(file, None, message));
        return None;
    };
    let raw: CourseToml = parse_toml(text, file, 0, problems)?;
    let before = problems.len();
    let line = |key: &str| find_line(text, &format!("{key} ="));

    let id = non_empty(&raw.id);
    if !id.as_deref().is_some_and(valid_key) {
        problems.push(Problem::new(file, line("id"), "check-course-id"));
    }
    let slug = non_empty(&raw.slug);
    match (&slug, folder) {
        (Some(slug), _) if !valid_key(slug) => {
            problems.push(Problem::new(file, line("slug"), "check-course-slug"))
        }
        (None, _) => problems.push(Problem::new(file, None, "check-course-slug")),
        (Some(slug), Some(folder)) if slug != folder => problems.push(
            Problem::new(file, line("slug"), "check-slug-folder")
                .with("slug", slug.clone())
                .with("folder", folder),
        ),
        _ => {}
    }
    if !raw.languages.is_empty() {
        for lang in LANGS {
            if !raw.languages.iter().any(|l| l == lang) {
                problems.push(
                    Problem::new(file, line("languages"), "check-languages").with("lang", lang),
                );
            }
        }
    }
    let minutes = raw.minutes.filter(|m| (1..=6000).contains(m));
    if minutes.is_none() {
        problems.push(Problem::new(file, line("minutes"), "check-minutes"));
    }
    let licence = non_empty(&raw.licence);
    if licence.is_none() {
        problems.push(Problem::new(file, line("licence"), "check-licence"));
    }
    let pass_mark = raw.pass_mark.filter(|m| (1..=100).contains(m));
    if pass_mark.is_none() {
        problems.push(Problem::new(file, line("pass_mark"), "check-pass-mark"));
    }
    let attempts = raw.attempts.filter(|a| (1..=100).contains(a));
    if attempts.is_none() {
        problems.push(Problem::new(file, line("attempts"), "check-attempts"));
    }
    if raw.wait_minutes < 0 {
        problems.push(Problem::new(file, line("wait_minutes"), "check-wait"));
    }
    let title = both(
        &raw.title,
        file,
        find_line(text, "[title]"),
        "title",
        problems,
    );
    let summary = both(
        &raw.summary,
        file,
        find_line(text, "[summary]"),
        "summary",
        problems,
    );
    let publisher = match &raw.publisher {
        Some(org) => check_org(org, file, find_line(text, "publisher"), problems),
        None => {
            problems.push(Problem::new(file, None, "check-publisher-missing"));
            None
        }
    };
    let cosigner = raw
        .cosigner
        .as_ref()
        .and_then(|org| check_org(org, file, find_line(text, "cosigner"), problems));
    if cosigner.is_some() && cosigner == publisher {
        problems.push(Problem::new(
            file,
            find_line(text, "cosigner"),
            "check-cosigner-is-publisher",
        ));
    }
    let mut signatories: Vec<SignatoryRef> = Vec::new();
    for signatory in &raw.signatories {
        let handle = match signatory {
            SignatoryField::Handle(handle) => handle,
            SignatoryField::Table(table) => {
                let at = find_line(text, &format!("\"{}\"", table.organisation));
                problems.push(Problem::new(file, at, "check-signatory-from-records"));
                continue;
            }
        };
        let at = find_line(text, &format!("\"{handle}\""));
        let Some(picked) = parse_signatory(handle) else {
            problems.push(
                Problem::new(file, at, "check-signatory-handle").with("signatory", handle.clone()),
            );
            continue;
        };
        // When the publisher itself is wrong, that is the problem to tell, not this one.
        let known = publisher.is_none()
            || [publisher.as_ref(), cosigner.as_ref()]
                .into_iter()
                .flatten()
                .any(|slug| *slug == picked.organisation);
        if !known {
            problems.push(
                Problem::new(file, at, "check-signatory-organisation")
                    .with("organisation", picked.organisation.clone()),
            );
        } else if signatories.contains(&picked) {
            problems.push(
                Problem::new(file, at, "check-signatory-twice").with("signatory", handle.clone()),
            );
        } else {
            signatories.push(picked);
        }
    }
    if signatories.len() > MAX_SIGNATORIES {
        problems.push(Problem::new(
            file,
            find_line(text, "signatories"),
            "check-signatories-too-many",
        ));
    }
    if problems.len() > before {
        return None;
    }
    Some(CourseMeta {
        id: id?,
        slug: slug?,
        minutes: minutes?,
        licence: licence?,
        pass_mark: pass_mark?,
        attempts: attempts?,
        wait_minutes: raw.wait_minutes,
        final_from_start: raw.final_from_start,
        questions_per_attempt: None,
        title: title?,
        summary: summary?,
        publisher: publisher?,
        cosigner,
        signatories,
    })
}

/// `mrd/director-general`: an organisation's slug and a signatory's handle.
pub(super) fn parse_signatory(raw: &str) -> Option<SignatoryRef> {
    let (organisation, handle) = raw.trim().split_once('/')?;
    let is_slug = |s: &str| Slug::parse(s).is_ok_and(|slug| slug.as_str() == s);
    (is_slug(organisation) && is_slug(handle)).then(|| SignatoryRef {
        organisation: organisation.to_owned(),
        handle: handle.to_owned(),
    })
}

/// An organisation named by its slug. Its names and logo are its own records in Sala: a
/// course that types them (the table form of earlier courses) is told to name the slug only.
pub(super) fn check_org(
    org: &OrgField,
    file: &str,
    line: Option<usize>,
    problems: &mut Vec<Problem>,
) -> Option<String> {
    let slug = match org {
        OrgField::Slug(slug) => slug,
        OrgField::Table(table)
            if table.km.is_some() || table.en.is_some() || table.logo.is_some() =>
        {
            problems.push(
                Problem::new(file, line, "check-org-from-records").with("slug", table.slug.clone()),
            );
            return None;
        }
        OrgField::Table(table) => &table.slug,
    };
    if Slug::parse(slug).map(|s| s.as_str() == slug) != Ok(true) {
        problems.push(Problem::new(file, line, "check-org-slug").with("slug", slug.clone()));
        return None;
    }
    Some(slug.clone())
}
