//! The course studio: publishers edit a course in the browser instead of a folder on their
//! computer. A draft is a course folder kept in the database (`db::drafts`), started from a
//! published version; a chapter's two language files are edited side by side in one form
//! (`chapters`); every save runs the same checker as `sala course check` and keeps what was
//! typed, problems or not; "Check and preview" turns the folder into a version without a
//! number exactly as an upload does (`courses::publish::draft_from_files`), to preview and
//! publish. The folder format stays the one interchange format: a draft's files are a
//! course folder, byte for byte.
//!
//! Only publishers of the course's organisation (or one above it) see or change its drafts.

pub mod chapters;
pub mod settings;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

use crate::audit::{self, Action, Actor};
use crate::bounded::Bounded;
use crate::courses::publish::{self, CourseError, Outcome};
use crate::courses::source::{SourceFiles, hex};
use crate::courses::{Problem, check};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::ids::{DraftId, OrganisationId, UserId, VersionId};
use chapters::{ChapterEntry, ChapterFiles, ChapterForm, Structure};
use settings::SettingsForm;

pub use crate::db::drafts::DraftRow as Draft;

/// The studio's one error type.
#[derive(Debug, thiserror::Error)]
pub enum StudioError {
    /// No such draft, chapter or version for this organisation's publishers.
    #[error("not found")]
    NotFound,
    /// Someone else saved the chapter since the form was filled: nothing was written.
    #[error("the chapter was saved by someone else meanwhile")]
    Conflict(Box<Conflict<ChapterForm>>),
    #[error("the settings were saved by someone else meanwhile")]
    SettingsConflict(Box<Conflict<SettingsForm>>),
    /// The change cannot be made (a chapter key that is taken or not a key), with a
    /// message key saying why.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// A save that came too late: the form as the files hold it now, and as it was typed.
#[derive(Debug)]
pub struct Conflict<F> {
    pub theirs: F,
    pub yours: F,
}

/// The draft `id`, when `root`'s publishers may work on it.
fn owned(conn: &mut DbConnection, root: OrganisationId, id: DraftId) -> Result<Draft, StudioError> {
    let draft = db::drafts::find(conn, id)?.ok_or(StudioError::NotFound)?;
    if db::organisations::lineage(conn, draft.organisation_id)?.contains(&root) {
        Ok(draft)
    } else {
        Err(StudioError::NotFound)
    }
}

fn folder(conn: &mut DbConnection, id: DraftId) -> Result<SourceFiles, DbError> {
    Ok(SourceFiles {
        files: db::drafts::files(conn, id)?,
    })
}

/// The draft `id` with its folder, when `root`'s publishers may work on it.
async fn opened(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
) -> Result<(Draft, SourceFiles), StudioError> {
    db.read(move |conn| {
        let draft = owned(conn, root, id)?;
        Ok((draft, folder(conn, id)?))
    })
    .await
}

/// Starts a draft from a published version (or a draft version) of a course of `root` or
/// an organisation below it: the draft holds the version's folder.
pub async fn start(
    db: &Db,
    root: OrganisationId,
    version: VersionId,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<DraftId, StudioError> {
    db.write(move |conn| {
        let owner = db::sources::owner(conn, version)?.ok_or(StudioError::NotFound)?;
        if !db::organisations::lineage(conn, owner.organisation_id)?.contains(&root)
            || db::sources::folder(conn, version)?.is_empty()
        {
            return Err(StudioError::NotFound);
        }
        let id = db::drafts::start_from(
            conn,
            owner.organisation_id,
            &owner.slug,
            version,
            actor.user,
            now,
        )?;
        let from = owner.number.map_or_else(
            || "from a draft".to_owned(),
            |n| format!("from version {n}"),
        );
        audit::record(conn, &actor, Action::DraftCreated, &owner.slug, &from, now)?;
        Ok(id)
    })
    .await
}

/// The drafts `root`'s publishers can work on.
pub async fn drafts(db: &Db, root: OrganisationId) -> Result<Vec<Draft>, DbError> {
    db.read(move |conn| {
        let below = db::organisations::ids_under(conn, root)?;
        db::drafts::of_organisations(conn, &below)
    })
    .await
}

/// A draft as its page shows it: its chapters, and what the checker finds in its folder.
#[derive(Debug)]
pub struct Overview {
    pub draft: Draft,
    pub chapters: Vec<ChapterEntry>,
    pub problems: Vec<Problem>,
}

pub async fn overview(db: &Db, root: OrganisationId, id: DraftId) -> Result<Overview, StudioError> {
    let (draft, files) = opened(db, root, id).await?;
    let problems = checked(files.clone()).await;
    Ok(Overview {
        draft,
        chapters: chapters::list(&files),
        problems,
    })
}

/// What the checker finds in a folder (nothing when it is clean). CPU work: on the
/// blocking pool.
async fn checked(files: SourceFiles) -> Vec<Problem> {
    tokio::task::spawn_blocking(move || check::check(&files, None).err().unwrap_or_default())
        .await
        .unwrap_or_default()
}

/// A chapter's form: the chapter as the draft holds it.
#[derive(Debug)]
pub struct ChapterPage {
    pub draft: Draft,
    pub key: String,
    pub files: ChapterFiles,
    pub form: ChapterForm,
    /// What the checker finds in this chapter's two files.
    pub problems: Vec<Problem>,
}

pub async fn chapter(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
    key: String,
) -> Result<ChapterPage, StudioError> {
    let (draft, files) = opened(db, root, id).await?;
    let at = chapters::find(&files, &key).ok_or(StudioError::NotFound)?;
    let form = chapters::read(&files, &at);
    let problems = of_chapter(checked(files).await, &at);
    Ok(ChapterPage {
        draft,
        key,
        files: at,
        form,
        problems,
    })
}

fn of_chapter(problems: Vec<Problem>, at: &ChapterFiles) -> Vec<Problem> {
    problems
        .into_iter()
        .filter(|p| p.file == at.km || p.file == at.en)
        .collect()
}

/// Saves a chapter's form into the draft's two files, whatever the checker finds (it is
/// told, not refused: only publishing needs a clean check). A file whose fields did not
/// change is left as it is, byte for byte. If someone else saved either file since the
/// form was filled, nothing is written and both texts come back.
pub async fn save_chapter(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
    key: String,
    form: ChapterForm,
    by: UserId,
    now: NaiveDateTime,
) -> Result<ChapterPage, StudioError> {
    let asked = key.clone();
    db.write(move |conn| {
        owned(conn, root, id)?;
        let files = folder(conn, id)?;
        let at = chapters::find(&files, &asked).ok_or(StudioError::NotFound)?;
        let now_km = chapters::digest(&files, &at.km);
        let now_en = chapters::digest(&files, &at.en);
        if form.base_km != now_km || form.base_en != now_en {
            return Err(StudioError::Conflict(Box::new(Conflict {
                theirs: chapters::read(&files, &at),
                yours: form,
            })));
        }
        let untouched = chapters::write(&files, &at, &chapters::read(&files, &at));
        let (km, en) = chapters::write(&files, &at, &form);
        let changes = [(&at.km, km, untouched.0), (&at.en, en, untouched.1)];
        write_changed(conn, id, &changes, by, now)
    })
    .await?;
    chapter(db, root, id, key).await
}

/// Writes each file whose text differs from what an unchanged form would write (so a file
/// nobody changed stays byte for byte as it was), and records who changed the draft.
fn write_changed(
    conn: &mut DbConnection,
    id: DraftId,
    changes: &[(&String, String, String)],
    by: UserId,
    now: NaiveDateTime,
) -> Result<(), StudioError> {
    let mut changed = false;
    for (path, text, before) in changes {
        if text == before {
            continue;
        }
        let hash = hex(&Sha256::digest(text.as_bytes()));
        db::sources::put_blob(conn, &hash, text.as_bytes())?;
        db::drafts::set_file(conn, id, path, &hash)?;
        changed = true;
    }
    if changed {
        db::drafts::touch(conn, id, Some(by), now)?;
    }
    Ok(())
}

/// The settings form: `course.toml` as the draft holds it, and what the checker finds in it.
#[derive(Debug)]
pub struct SettingsPage {
    pub draft: Draft,
    pub form: SettingsForm,
    pub problems: Vec<Problem>,
}

pub async fn settings(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
) -> Result<SettingsPage, StudioError> {
    let (draft, files) = opened(db, root, id).await?;
    let form = settings::read(&files);
    let problems = checked(files)
        .await
        .into_iter()
        .filter(|p| p.file == settings::FILE)
        .collect();
    Ok(SettingsPage {
        draft,
        form,
        problems,
    })
}

/// Saves the settings form into `course.toml`, as `save_chapter` saves a chapter.
pub async fn save_settings(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
    form: SettingsForm,
    by: UserId,
    now: NaiveDateTime,
) -> Result<SettingsPage, StudioError> {
    db.write(move |conn| {
        owned(conn, root, id)?;
        let files = folder(conn, id)?;
        if form.base != chapters::digest(&files, settings::FILE) {
            return Err(StudioError::SettingsConflict(Box::new(Conflict {
                theirs: settings::read(&files),
                yours: form,
            })));
        }
        let path = settings::FILE.to_owned();
        let before = settings::write(&files, &settings::read(&files));
        let text = settings::write(&files, &form);
        write_changed(conn, id, &[(&path, text, before)], by, now)
    })
    .await?;
    settings(db, root, id).await
}

/// Adds, moves or removes a chapter: its files (and its practice check) are renamed or
/// removed, and every chapter keeps its key.
pub async fn restructure(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
    change: Structure,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(), StudioError> {
    db.write(move |conn| {
        owned(conn, root, id)?;
        let files = folder(conn, id)?;
        let writes = chapters::restructure(&files, &change).map_err(StudioError::Refused)?;
        for (path, bytes) in &writes {
            match bytes {
                Some(bytes) => {
                    let hash = hex(&Sha256::digest(bytes));
                    db::sources::put_blob(conn, &hash, bytes)?;
                    db::drafts::set_file(conn, id, path, &hash)?;
                }
                None => db::drafts::remove_file(conn, id, path)?,
            }
        }
        if !writes.is_empty() {
            db::drafts::touch(conn, id, Some(by), now)?;
        }
        Ok(())
    })
    .await
}

/// Discards a draft: its files go (the versions that hold the same files keep them).
pub async fn discard(
    db: &Db,
    root: OrganisationId,
    id: DraftId,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), StudioError> {
    db.write(move |conn| {
        let draft = owned(conn, root, id)?;
        db::drafts::delete(conn, id)?;
        audit::record(
            conn,
            &actor,
            Action::DraftDiscarded,
            &draft.course_slug,
            "",
            now,
        )?;
        Ok(())
    })
    .await
}

/// "Check and preview": the draft's folder becomes a version without a number, as an upload
/// of the same folder would (the same checks, the same preview link, the same "nothing
/// new" when it is the published version). Problems come back as `CourseError::Invalid`.
pub async fn preview(
    db: &Db,
    work: &Bounded,
    root: OrganisationId,
    id: DraftId,
    note: &str,
    by: UserId,
    now: NaiveDateTime,
) -> Result<(Outcome, String), PreviewError> {
    let files = db
        .read(move |conn| {
            owned(conn, root, id)?;
            Ok::<_, StudioError>(folder(conn, id)?)
        })
        .await?;
    Ok(publish::draft_from_files(db, work, files, root, note, by, now).await?)
}

/// Why "Check and preview" made no preview.
#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error(transparent)]
    Studio(#[from] StudioError),
    #[error(transparent)]
    Course(#[from] CourseError),
}
