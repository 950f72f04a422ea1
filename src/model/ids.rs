//! Typed ids: a number that names a row of one table, so that a user's id is never
//! passed where an organisation's is expected.
//!
//! Each id is parsed once at the edge (a URL segment or a form field deserialises straight
//! into it) and travels typed down to the query. `DieselNewType` lets a query compare a
//! column with an id and read a column into one, so `db/` needs no `.0` at its edges; the
//! derive is a trait implementation only, so `model/` still depends on nothing of ours.
//!
//! Chapters and questions have no id type: nothing names their rows. They are named by
//! their stable keys within a version (`chapter_key`, `question_key`), which is what
//! progress and answers follow from one version to the next.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

/// Declares one id type: a transparent number with the derives every id shares.
macro_rules! id {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            Serialize, Deserialize, DieselNewType,
        )]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        /// Parses an id from a form field or a URL segment.
        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;

            fn from_str(raw: &str) -> Result<Self, Self::Err> {
                raw.parse().map(Self)
            }
        }
    };
}

id!(
    /// A user's account.
    UserId(i64)
);
id!(
    /// An organisation: a ministry, an NGO, a provincial or district office.
    OrganisationId(i64)
);
id!(
    /// A province's official code (1–25; 12 is Phnom Penh, the capital).
    ProvinceId(i32)
);
id!(
    /// A course, across all its versions.
    CourseId(i64)
);
id!(
    /// One version of a course: published with a number, or a draft without one.
    VersionId(i64)
);
id!(
    /// A draft in the course studio: a course folder being edited in the browser.
    DraftId(i64)
);
id!(
    /// An attempt at a course's final assessment (`/final/{id}/…`).
    AttemptId(i64)
);
id!(
    /// A certificate as issued (the public name is its serial).
    CertificateId(i64)
);
id!(
    /// A cohort: people invited to one course together.
    CohortId(i64)
);
id!(
    /// One person's invitation to a cohort.
    InvitationId(i64)
);
id!(
    /// A person who signs certificates for an organisation.
    SignatoryId(i64)
);
id!(
    /// A request to an organisation to co-sign a course's certificates.
    CosignRequestId(i64)
);
id!(
    /// An organisation's signing key.
    KeyId(i64)
);
id!(
    /// A role granted to a user in an organisation.
    GrantId(i64)
);
id!(
    /// A letter in the outbox.
    LetterId(i64)
);
id!(
    /// A one-time token (password link, join link, reminder stop link).
    TokenId(i64)
);
id!(
    /// An entry of the audit log.
    AuditEntryId(i64)
);
