//! Co-signing: an organisation's key endorses a course's certificates only after one of its
//! publishers has consented to the course's *terms* — what the certificate says and
//! requires: its titles, its signatories, its completion rule and its pass mark.
//!
//! Publishing a version that names a co-signer asks for consent unless the co-signer has
//! already answered for the same terms (a corrected chapter does not ask again; a new pass
//! mark does). The co-signer consents or refuses, and can withdraw a consent: certificates
//! issued after that carry no endorsement, those issued before stay valid. It can also
//! revoke its endorsement of one certificate, which its own status list then publishes.

use chrono::NaiveDateTime;
use serde::Serialize;
use sha2::{Digest, Sha256};

use std::sync::Arc;

use super::{Authority, CertError, clean_reason};
use crate::audit::{self, Action, Actor};
use crate::db::cosigning::{
    self as store, CONSENTED, EndorsedView, PENDING, REFUSED, RequestView, WITHDRAWN,
};
use crate::db::{self, Db, DbConnection, DbError};
use crate::model::courses::CourseMeta;
use crate::model::ids::{CosignRequestId, CourseId, SignatoryId, VersionId};
use crate::organisations::{Organisation, OrganisationId};

/// A co-signing request as the co-signer's publishers see it.
pub type Request = RequestView;
/// A certificate an organisation endorses, for its list.
pub type Endorsed = EndorsedView;

#[derive(Debug, thiserror::Error)]
pub enum CosignError {
    #[error("no such request or certificate for this organisation")]
    NotFound,
    #[error("the request has already been answered that way")]
    AlreadyAnswered,
    #[error("a reason is needed")]
    ReasonMissing,
    #[error("the sample certificate could not be drawn: {0}")]
    Sample(String),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<CertError> for CosignError {
    fn from(e: CertError) -> Self {
        match e {
            CertError::Db(e) => CosignError::Db(e),
            CertError::NotFound | CertError::UnknownOrganisation => CosignError::NotFound,
            other => CosignError::Sample(other.to_string()),
        }
    }
}

/// What a certificate says and requires, as one digest. The same terms in a later version
/// are covered by the consent already given.
pub fn terms(meta: &CourseMeta, signatories: &[SignatoryId], chapters: &[&str]) -> String {
    #[derive(Serialize)]
    struct Terms<'a> {
        course: &'a str,
        title: (&'a str, &'a str),
        publisher: &'a str,
        cosigner: Option<&'a str>,
        signatories: &'a [SignatoryId],
        chapters: &'a [&'a str],
        final_from_start: bool,
        questions_per_attempt: Option<usize>,
        pass_mark: i64,
    }
    let terms = Terms {
        course: &meta.id,
        title: (&meta.title.km, &meta.title.en),
        publisher: &meta.publisher,
        cosigner: meta.cosigner.as_deref(),
        signatories,
        chapters,
        final_from_start: meta.final_from_start,
        questions_per_attempt: meta.questions_per_attempt,
        pass_mark: meta.pass_mark,
    };
    // Serialising plain fields cannot fail; an empty digest would match no consent.
    let json = serde_json::to_vec(&terms).unwrap_or_default();
    Sha256::digest(&json)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Asks the co-signer to consent to a version's terms, unless it has already been asked
/// for these terms of this course (whatever it answered). Called in the transaction that
/// stores the version. Returns whether a new request was made.
pub fn ask(
    conn: &mut DbConnection,
    course: (CourseId, &str),
    version: VersionId,
    cosigner: &Organisation,
    terms: &str,
    actor: &Actor,
    now: NaiveDateTime,
) -> Result<bool, DbError> {
    if store::find(conn, course.0, cosigner.id, terms)?.is_some() {
        return Ok(false);
    }
    store::insert(conn, course.0, version, cosigner.id, terms, actor.user, now)?;
    audit::record(
        conn,
        actor,
        Action::CosignRequested,
        course.1,
        &format!("of {}", cosigner.slug),
        now,
    )?;
    Ok(true)
}

/// Whether the organisation consents, now, to endorse certificates of this course version.
pub fn consents(
    conn: &mut DbConnection,
    course: CourseId,
    version: VersionId,
    cosigner: OrganisationId,
) -> Result<bool, DbError> {
    let terms = store::terms_of_version(conn, version)?;
    Ok(!terms.is_empty() && store::consents(conn, course, cosigner, &terms)?)
}

/// A co-signer's answer to a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Consent,
    Refuse,
    Withdraw,
}

impl Answer {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "consent" => Some(Self::Consent),
            "refuse" => Some(Self::Refuse),
            "withdraw" => Some(Self::Withdraw),
            _ => None,
        }
    }

    /// From which states, to which, and how the audit log calls it. A refused or withdrawn
    /// request can be consented to later; only a pending one can be refused.
    fn transition(self) -> (&'static [&'static str], &'static str, Action) {
        match self {
            Answer::Consent => (
                &[PENDING, REFUSED, WITHDRAWN],
                CONSENTED,
                Action::CosignConsented,
            ),
            Answer::Refuse => (&[PENDING], REFUSED, Action::CosignRefused),
            Answer::Withdraw => (&[CONSENTED], WITHDRAWN, Action::CosignWithdrawn),
        }
    }
}

/// The organisation answers one of the requests made of it.
pub async fn answer(
    db: &Db,
    request: CosignRequestId,
    organisation: &Organisation,
    answer: Answer,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), CosignError> {
    let org = organisation.clone();
    db.write(move |conn| {
        let found = store::by_id(conn, request)?
            .filter(|r| r.organisation_id == org.id)
            .ok_or(CosignError::NotFound)?;
        let (from, to, action) = answer.transition();
        if !store::decide(conn, request, org.id, from, to, actor.user, now)? {
            return Err(CosignError::AlreadyAnswered);
        }
        let slug = db::certificates::course_owner(conn, found.course_id)?
            .map(|(_, slug)| slug)
            .unwrap_or_default();
        audit::record(
            conn,
            &actor,
            action,
            &slug,
            &format!("by {} (request {request})", org.slug),
            now,
        )?;
        Ok(())
    })
    .await
}

/// The requests made of an organisation, those waiting for an answer first.
pub async fn requests(db: &Db, organisation: OrganisationId) -> Result<Vec<RequestView>, DbError> {
    db.read(move |conn| store::for_organisation(conn, organisation))
        .await
}

/// How many certificates an organisation's endorsements list shows at once.
pub const ENDORSED_PAGE: i64 = 200;

/// The certificates an organisation's key endorses, newest first, or the one with a serial.
pub async fn endorsed(
    db: &Db,
    organisation: OrganisationId,
    serial: Option<String>,
) -> Result<Vec<EndorsedView>, DbError> {
    db.read(move |conn| store::endorsed_by(conn, organisation, serial.as_deref(), ENDORSED_PAGE))
        .await
}

/// The organisation revokes its endorsement of one certificate: the certificate stays the
/// issuer's, but no longer carries this organisation's co-signature (its status list says
/// so, and `/verify` no longer names it).
pub async fn revoke_endorsement(
    db: &Db,
    organisation: &Organisation,
    serial: &str,
    reason: &str,
    actor: Actor,
    now: NaiveDateTime,
) -> Result<(), CosignError> {
    let reason = clean_reason(reason).map_err(|_| CosignError::ReasonMissing)?;
    let (org, serial) = (organisation.clone(), serial.to_owned());
    db.write(move |conn| {
        let row = db::certificates::by_serial(conn, &serial)?.ok_or(CosignError::NotFound)?;
        let endorsement = store::endorsement_of(conn, row.id)?
            .filter(|e| e.organisation_id == org.id)
            .ok_or(CosignError::NotFound)?;
        if endorsement.revoked_at.is_some()
            || !store::revoke_endorsement(conn, row.id, org.id, &reason, actor.user, now)?
        {
            return Err(CosignError::AlreadyAnswered);
        }
        audit::record(
            conn,
            &actor,
            Action::EndorsementRevoked,
            &serial,
            &format!("by {}: {reason}", org.slug),
            now,
        )?;
        Ok(())
    })
    .await
}

/// The sample certificate of a request made of `organisation`, as a PDF: the version's
/// certificate for a sample learner, printed as it would be with the co-signature.
pub async fn sample(
    db: &Db,
    authority: Arc<Authority>,
    request: CosignRequestId,
    organisation: OrganisationId,
    now: NaiveDateTime,
) -> Result<Vec<u8>, CosignError> {
    let sheet = db
        .read(move |conn| {
            let found = store::by_id(conn, request)?
                .filter(|r| r.organisation_id == organisation)
                .ok_or(CosignError::NotFound)?;
            Ok::<_, CosignError>(authority.sample_sheet(conn, found.version_id, now)?)
        })
        .await?;
    tokio::task::spawn_blocking(move || super::pdf::certificate(&sheet, now))
        .await
        .map_err(|e| CosignError::Sample(e.to_string()))?
        .map_err(|e| CosignError::Sample(e.to_string()))
}
