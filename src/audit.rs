//! The audit log: who did what, when and from where — publishing, role changes,
//! certificates issued, revoked and re-issued, cohorts, invitations, and downloads of
//! personal data. Entries are written in the same transaction
//! as the change they record, and never changed: the database refuses updates and deletes
//! (triggers), and this module offers no way to ask.

use chrono::NaiveDateTime;
use serde::Serialize;

pub use crate::db::audit::Entry;
use crate::db::{self, DbConnection, DbError};
use crate::model::ids::UserId;

/// What was done. Stored by its code, shown translated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Action {
    CoursePublished,
    RoleGranted,
    RoleRevoked,
    CertificateIssued,
    CertificateRevoked,
    CertificateReissued,
    CohortCreated,
    PeopleInvited,
    PersonalDataExported,
    SignatoryAdded,
    SignatoryRetired,
    LogoChanged,
    CosignRequested,
    CosignConsented,
    CosignRefused,
    CosignWithdrawn,
    EndorsementRevoked,
    DraftCreated,
    DraftDiscarded,
}

impl Action {
    pub const ALL: [Action; 19] = [
        Action::CoursePublished,
        Action::RoleGranted,
        Action::RoleRevoked,
        Action::CertificateIssued,
        Action::CertificateRevoked,
        Action::CertificateReissued,
        Action::CohortCreated,
        Action::PeopleInvited,
        Action::PersonalDataExported,
        Action::SignatoryAdded,
        Action::SignatoryRetired,
        Action::LogoChanged,
        Action::CosignRequested,
        Action::CosignConsented,
        Action::CosignRefused,
        Action::CosignWithdrawn,
        Action::EndorsementRevoked,
        Action::DraftCreated,
        Action::DraftDiscarded,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Action::CoursePublished => "course.published",
            Action::RoleGranted => "role.granted",
            Action::RoleRevoked => "role.revoked",
            Action::CertificateIssued => "certificate.issued",
            Action::CertificateRevoked => "certificate.revoked",
            Action::CertificateReissued => "certificate.reissued",
            Action::CohortCreated => "cohort.created",
            Action::PeopleInvited => "people.invited",
            Action::PersonalDataExported => "personal_data.exported",
            Action::SignatoryAdded => "signatory.added",
            Action::SignatoryRetired => "signatory.retired",
            Action::LogoChanged => "logo.changed",
            Action::CosignRequested => "cosign.requested",
            Action::CosignConsented => "cosign.consented",
            Action::CosignRefused => "cosign.refused",
            Action::CosignWithdrawn => "cosign.withdrawn",
            Action::EndorsementRevoked => "endorsement.revoked",
            Action::DraftCreated => "draft.created",
            Action::DraftDiscarded => "draft.discarded",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// Who did it: a signed-in person (and the address they came from), or Sala itself (an
/// automatic step, or an operator at the command line).
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: Option<UserId>,
    /// The person's email, or "sala" / "command line".
    pub label: String,
    pub address: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Actor {
            user: None,
            label: "sala".into(),
            address: None,
        }
    }

    pub fn command_line() -> Self {
        Actor {
            user: None,
            label: "command line".into(),
            address: None,
        }
    }
}

/// Appends one entry.
pub fn record(
    conn: &mut DbConnection,
    actor: &Actor,
    action: Action,
    subject: &str,
    detail: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    db::audit::insert(
        conn,
        &db::audit::NewEntry {
            at: now,
            actor_id: actor.user.map(|u| u.0),
            actor: &actor.label,
            address: actor.address.as_deref(),
            action: action.code(),
            subject,
            detail,
        },
    )
}

/// The newest `limit` entries, narrowed by action and by a word in the actor, subject or
/// detail (the admin's audit page).
pub async fn entries(
    db: &db::Db,
    action: Option<Action>,
    search: String,
    limit: i64,
) -> Result<Vec<db::audit::Entry>, DbError> {
    db.read(move |conn| db::audit::list(conn, action.map(Action::code), &search, limit))
        .await
}
