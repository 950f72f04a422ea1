//! Typed ids: a number that names a row of one table, so that a user's id is never
//! passed where an organisation's is expected.

use serde::Serialize;

/// A user's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct UserId(pub i64);

/// An organisation's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct OrganisationId(pub i64);

/// A province's official code (1–25; 12 is Phnom Penh, the capital).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct ProvinceId(pub i32);
