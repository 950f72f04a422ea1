//! A report's rows as the other layers see them: the stages a person can reach and the
//! people and questions the database hands up.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use serde::Serialize;

use super::ids::InvitationId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Invited,
    SignedIn,
    Started,
    HalfWay,
    Finished,
    Certified,
}

impl Stage {
    pub const ALL: [Stage; 6] = [
        Stage::Invited,
        Stage::SignedIn,
        Stage::Started,
        Stage::HalfWay,
        Stage::Finished,
        Stage::Certified,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Stage::Invited => "invited",
            Stage::SignedIn => "signed_in",
            Stage::Started => "started",
            Stage::HalfWay => "half_way",
            Stage::Finished => "finished",
            Stage::Certified => "certified",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// One invited person and what they did in the course.
#[derive(Debug, Clone, Serialize)]
pub struct Person {
    pub invitation_id: InvitationId,
    pub name_km: String,
    pub name_latin: String,
    pub email: String,
    pub office: String,
    pub province: String,
    pub invited_at: NaiveDateTime,
    pub accepted_at: Option<NaiveDateTime>,
    pub started_at: Option<NaiveDateTime>,
    pub last_activity: Option<NaiveDateTime>,
    pub chapters_read: i64,
    pub completed_at: Option<NaiveDateTime>,
    pub certified: bool,
    pub stage: Stage,
}

/// How many people are at each stage (not cumulative, in stage order), how long those
/// who finished took (whole hours from starting to finishing, how many people), and how
/// many opened each chapter (by chapter key).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stages {
    pub at_stage: [i64; 6],
    pub hours_to_finish: Vec<(i64, i64)>,
    pub opened: HashMap<String, i64>,
}

/// A final-assessment question and how often it was answered wrongly.
#[derive(Debug, Clone, Serialize)]
pub struct Missed {
    pub key: String,
    pub prompt_km: String,
    pub prompt_en: String,
    pub answered: i64,
    pub wrong: i64,
    pub percent: i64,
}

/// How the people list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Name,
    Stage,
    LastActivity,
}

impl Order {
    pub fn parse(raw: &str) -> Self {
        match raw {
            "stage" => Self::Stage,
            "last" => Self::LastActivity,
            _ => Self::Name,
        }
    }
}

/// Which people a report lists, and in what order: a stage, and a word in the name,
/// email or office.
#[derive(Debug, Clone)]
pub struct Listing {
    pub order: Order,
    pub stage: Option<Stage>,
    pub search: String,
}
