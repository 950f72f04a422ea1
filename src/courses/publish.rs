//! Publishing: a checked, prepared course becomes an immutable new version in one
//! transaction — everything or nothing. The same content again is not a new version.

use std::path::Path;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::prepare::{PreparedVersion, prepare};
use super::source::{SourceError, SourceFiles};
use super::{CourseMeta, CourseSource, Problem, check};
use crate::accounts::UserId;
use crate::accounts::tokens::{digest, random_token};
use crate::audit::{self, Action, Actor};
use crate::bounded::{Bounded, WorkError};
use crate::certificates::cosigning;
use crate::certificates::signatories::{self, SeedError};
use crate::db::courses::{NewChapter, NewQuestion, NewVersion};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::ids::{SignatoryId, VersionId};
use crate::organisations::{Organisation, OrganisationId};

#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    #[error("the course has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("the course files cannot be read: {0}")]
    Source(#[from] SourceError),
    #[error("preparing the course failed: {0}")]
    Internal(String),
    #[error(transparent)]
    Db(#[from] DbError),
    /// The upload's work was refused or ran out of time (`bounded`).
    #[error(transparent)]
    Work(#[from] WorkError),
}

/// What publishing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Published {
        number: i32,
    },
    /// The content is the same as the newest version: nothing was written.
    Unchanged {
        number: i32,
    },
    /// Stored as a draft (version id), to preview before publishing.
    Drafted {
        version: VersionId,
    },
}

/// What a version stores about itself beyond its chapters and questions: the checked
/// `course.toml` and the signatories it picked, by id in the organisations' lists.
#[derive(Serialize)]
struct VersionSettings<'a> {
    #[serde(flatten)]
    meta: &'a CourseMeta,
    signatory_ids: &'a [SignatoryId],
}

/// The organisations and signatories a course names, found in the organisations' own
/// records.
struct Signers {
    publisher: Organisation,
    cosigner: Option<Organisation>,
    signatories: Vec<SignatoryId>,
}

/// Finds what the course names among the organisations and their signatories, and checks
/// what only the database can see: a course names organisations by slug and signatories by
/// handle (it cannot create either, nor pick a signatory who no longer signs), and its id
/// and slug stay with each other. Either everything it names, or every problem.
fn resolve(
    conn: &mut DbConnection,
    meta: &CourseMeta,
) -> Result<Result<Signers, Vec<Problem>>, DbError> {
    let mut problems = Vec::new();
    let publisher = db::organisations::find_by_slug(conn, &meta.publisher)?;
    if publisher.is_none() {
        problems.push(
            Problem::new("course.toml", None, "check-publisher-unknown")
                .with("publisher", meta.publisher.clone()),
        );
    }
    let cosigner = match &meta.cosigner {
        Some(slug) => {
            let found = db::organisations::find_by_slug(conn, slug)?;
            if found.is_none() {
                problems.push(
                    Problem::new("course.toml", None, "check-cosigner-unknown")
                        .with("cosigner", slug.clone()),
                );
            }
            found
        }
        None => None,
    };
    let mut signatories = Vec::new();
    for picked in &meta.signatories {
        let org = [publisher.as_ref(), cosigner.as_ref()]
            .into_iter()
            .flatten()
            .find(|org| org.slug == picked.organisation);
        let Some(org) = org else { continue };
        match db::signatories::by_handle(conn, org.id, &picked.handle)? {
            Some(row) if row.retired_at.is_none() => signatories.push(row.id),
            Some(_) => problems.push(
                Problem::new("course.toml", None, "check-signatory-retired")
                    .with("signatory", picked.to_string()),
            ),
            None => problems.push(
                Problem::new("course.toml", None, "check-signatory-unknown")
                    .with("signatory", picked.to_string()),
            ),
        }
    }
    if let Some(course) = db::courses::by_source_id(conn, &meta.id)?
        && course.slug != meta.slug
    {
        problems.push(
            Problem::new("course.toml", None, "check-slug-changed")
                .with("old", course.slug)
                .with("new", meta.slug.clone()),
        );
    }
    if let Some(course) = db::courses::by_slug(conn, &meta.slug)?
        && course.source_id != meta.id
    {
        problems.push(
            Problem::new("course.toml", None, "check-id-changed")
                .with("old", course.source_id)
                .with("new", meta.id.clone()),
        );
    }
    Ok(match publisher {
        Some(publisher) if problems.is_empty() => Ok(Signers {
            publisher,
            cosigner,
            signatories,
        }),
        _ => Err(problems),
    })
}

/// Problems only the database can see: an id moved to another slug, or a slug taken by
/// another course, organisations or signatories that do not exist.
pub fn conflicts(conn: &mut DbConnection, meta: &CourseMeta) -> Result<Vec<Problem>, DbError> {
    Ok(resolve(conn, meta)?.err().unwrap_or_default())
}

/// Reads, checks and publishes the course folder `dir` (the operator's way, `sala course
/// publish`). An `organisations.toml` beside the folder is loaded first, as on a first
/// start: it creates the organisations and signatories it lists that do not exist yet, and
/// changes none that do.
pub async fn publish_folder(
    db: &Db,
    dir: &Path,
    note: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Outcome, CourseError> {
    if let Some(seed) = dir
        .parent()
        .map(|parent| parent.join("organisations.toml"))
        .filter(|file| file.is_file())
    {
        let db = db.clone();
        tokio::task::spawn_blocking(move || signatories::seed(&db, &seed, now))
            .await
            .map_err(|e| CourseError::Internal(e.to_string()))?
            .map_err(|e| match e {
                SeedError::Db(e) => CourseError::Db(e),
                other => CourseError::Internal(other.to_string()),
            })?;
    }
    let files = SourceFiles::from_dir(dir)?;
    let folder = dir.file_name().map(|n| n.to_string_lossy().into_owned());
    let source = check::check(&files, folder.as_deref()).map_err(CourseError::Invalid)?;
    publish(db, source, note, by, now).await
}

/// Publishes a checked course as the next version.
pub async fn publish(
    db: &Db,
    source: CourseSource,
    note: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
) -> Result<Outcome, CourseError> {
    let (prepared, files) =
        tokio::task::spawn_blocking(move || prepare(&source).map(|p| (p, source.files)))
            .await
            .map_err(|e| CourseError::Internal(e.to_string()))?
            .map_err(CourseError::Invalid)?;
    let note = note.trim().chars().take(200).collect::<String>();
    db.write(move |conn| store(conn, (&prepared, &files), &note, by, now, None))
        .await
}

/// Reads an uploaded zip, checks and prepares it — CPU and memory a request starts, so on a
/// bounded blocking thread (`work`) — and stores it as a draft of a course published by
/// `organisation` (or one below it), with a private preview link; returns the link's token
/// with the outcome.
pub async fn create_draft(
    db: &Db,
    work: &Bounded,
    archive: Vec<u8>,
    organisation: OrganisationId,
    note: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(Outcome, String), CourseError> {
    let prepared = work
        .run(move || {
            let files = SourceFiles::from_zip(&archive)?;
            drop(archive);
            checked_and_prepared(files)
        })
        .await??;
    store_draft(db, prepared, organisation, note, by, now).await
}

/// The same for a folder already in memory (a draft of the course studio).
pub async fn draft_from_files(
    db: &Db,
    work: &Bounded,
    files: SourceFiles,
    organisation: OrganisationId,
    note: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(Outcome, String), CourseError> {
    let prepared = work.run(move || checked_and_prepared(files)).await??;
    store_draft(db, prepared, organisation, note, by, now).await
}

/// Checks and prepares a folder: CPU and memory, for a bounded blocking thread.
fn checked_and_prepared(files: SourceFiles) -> Result<(PreparedVersion, SourceFiles), CourseError> {
    let source = check::check(&files, None).map_err(CourseError::Invalid)?;
    drop(files);
    let prepared = prepare(&source).map_err(CourseError::Invalid)?;
    Ok((prepared, source.files))
}

/// Stores a prepared folder as a draft version of a course of `organisation` (or one
/// below it), with a private preview link; returns the link's token with the outcome.
async fn store_draft(
    db: &Db,
    (prepared, files): (PreparedVersion, SourceFiles),
    organisation: OrganisationId,
    note: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(Outcome, String), CourseError> {
    let note = note.trim().chars().take(200).collect::<String>();
    let token = random_token();
    let preview = digest(&token);
    let outcome = db
        .write(move |conn| {
            let slug = &prepared.meta.publisher;
            let mine = match db::organisations::find_by_slug(conn, slug)? {
                Some(publisher) => {
                    db::organisations::lineage(conn, publisher.id)?.contains(&organisation)
                }
                None => false,
            };
            if !mine {
                return Err(CourseError::Invalid(vec![
                    Problem::new("course.toml", None, "check-publisher-not-yours")
                        .with("publisher", slug.clone()),
                ]));
            }
            store(
                conn,
                (&prepared, &files),
                &note,
                Some(by),
                now,
                Some(&preview),
            )
        })
        .await?;
    Ok((outcome, token))
}

/// Publishes a draft as the next version of its course; `None` when there is no such draft
/// for this organisation.
pub async fn publish_draft(
    db: &Db,
    version: VersionId,
    organisation: OrganisationId,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<Option<Outcome>, CourseError> {
    db.write(move |conn| {
        let Some(draft) = db::courses::draft(conn, version)? else {
            return Ok(None);
        };
        let lineage = db::organisations::lineage(conn, draft.organisation_id)?;
        if !lineage.contains(&organisation) {
            return Ok(None);
        }
        let latest = db::courses::latest_published(conn, draft.course_id)?;
        if let Some((number, hash)) = &latest
            && *hash == draft.content_hash
        {
            return Ok(Some(Outcome::Unchanged { number: *number }));
        }
        let number = latest.map_or(1, |(n, _)| n + 1);
        db::courses::set_published(conn, version, number, now)?;
        db::courses::number_chapters(conn, draft.course_id, version)?;
        audit::record(
            conn,
            &actor,
            Action::CoursePublished,
            &draft.slug,
            &format!("version {number}"),
            now,
        )?;
        Ok(Some(Outcome::Published { number }))
    })
    .await
}

/// Writes a prepared version with the folder it was made from: published now, or a draft
/// when `preview` (the digest of its preview token) is given.
fn store(
    conn: &mut DbConnection,
    (version, files): (&PreparedVersion, &SourceFiles),
    note: &str,
    by: Option<UserId>,
    now: NaiveDateTime,
    preview: Option<&str>,
) -> Result<Outcome, CourseError> {
    let meta = &version.meta;
    let signers = resolve(conn, meta)?.map_err(CourseError::Invalid)?;
    let publisher = signers.publisher.id;
    let course = match db::courses::by_source_id(conn, &meta.id)? {
        Some(course) if course.organisation_id != publisher => {
            return Err(CourseError::Invalid(vec![
                Problem::new("course.toml", None, "check-publisher-changed")
                    .with("publisher", meta.publisher.clone()),
            ]));
        }
        Some(course) => course.id,
        None => db::courses::insert_course(conn, &meta.id, &meta.slug, publisher, now)?,
    };
    let latest = db::courses::latest_published(conn, course)?;
    if let Some((number, hash)) = &latest
        && *hash == version.content_hash
    {
        // A version published before folders were kept gets its folder now.
        if let Some(id) = db::courses::published_id(conn, course, *number)? {
            super::folder::keep(conn, id, files)?;
        }
        return Ok(Outcome::Unchanged { number: *number });
    }
    let number = match preview {
        Some(_) => None,
        None => Some(latest.map_or(1, |(n, _)| n + 1)),
    };
    let settings = serde_json::to_string(&VersionSettings {
        meta,
        signatory_ids: &signers.signatories,
    })
    .map_err(|e| CourseError::Internal(e.to_string()))?;
    let chapter_keys: Vec<&str> = version.chapters.iter().map(|c| c.key.as_str()).collect();
    let terms = cosigning::terms(meta, &signers.signatories, &chapter_keys);
    let version_id = db::courses::insert_version(
        conn,
        &NewVersion {
            course,
            number,
            content_hash: &version.content_hash,
            title: (&meta.title.km, &meta.title.en),
            summary: (&meta.summary.km, &meta.summary.en),
            settings: &settings,
            note,
            created_by: by,
            now,
            preview_token_hash: preview,
            offline_bytes: offline_bytes(version),
            terms_hash: &terms,
        },
    )?;
    super::folder::keep(conn, version_id, files)?;
    for file in &version.media {
        db::courses::insert_media(conn, file, now)?;
    }
    for chapter in &version.chapters {
        let sections = json(&chapter.sections)?;
        let video = chapter.video.as_ref().map(json).transpose()?;
        db::courses::insert_chapter(
            conn,
            version_id,
            &NewChapter {
                key: &chapter.key,
                position: chapter.position,
                content_hash: &chapter.content_hash,
                minutes: chapter.minutes as i32,
                title: (&chapter.title.km, &chapter.title.en),
                html: (&chapter.html.km, &chapter.html.en),
                sections: &sections,
                video: video.as_deref(),
            },
        )?;
    }
    let practice = version
        .chapters
        .iter()
        .flat_map(|c| c.practice.iter().map(|q| ("practice", q)));
    let all = practice.chain(version.final_questions.iter().map(|q| ("final", q)));
    for (position, (quiz, question)) in all.enumerate() {
        let body = json(question)?;
        db::courses::insert_question(
            conn,
            version_id,
            &NewQuestion {
                quiz,
                chapter: &question.chapter,
                key: &question.key,
                position: position as i32,
                kind: question.kind.as_str(),
                body: &body,
            },
        )?;
    }
    let actor = match by {
        Some(user) => Actor {
            user: Some(user),
            label: db::users::find(conn, user)?
                .map(|u| u.email)
                .unwrap_or_default(),
            address: None,
        },
        None => Actor::command_line(),
    };
    // A draft asks too, so that the co-signer can answer before the version goes out.
    if let Some(cosigner) = &signers.cosigner {
        cosigning::ask(
            conn,
            (course, &meta.slug),
            version_id,
            cosigner,
            &terms,
            &actor,
            now,
        )?;
    }
    if let Some(number) = number {
        db::courses::number_chapters(conn, course, version_id)?;
        audit::record(
            conn,
            &actor,
            Action::CoursePublished,
            &meta.slug,
            &format!("version {number}"),
            now,
        )?;
    }
    Ok(match number {
        Some(number) => Outcome::Published { number },
        None => Outcome::Drafted {
            version: version_id,
        },
    })
}

/// What saving the version for offline reading downloads at most: each chapter in its
/// longer language and every picture (all its sizes), before compression.
fn offline_bytes(version: &PreparedVersion) -> i64 {
    let pages: usize = version
        .chapters
        .iter()
        .map(|c| c.html.km.len().max(c.html.en.len()))
        .sum();
    let pictures: usize = version.media.iter().map(|m| m.bytes.len()).sum();
    (pages + pictures) as i64
}

/// JSON for the columns that hold structured text.
fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, CourseError> {
    serde_json::to_string(value).map_err(|e| CourseError::Internal(e.to_string()))
}
