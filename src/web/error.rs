//! The web layer's one error type, and the only place where errors become HTTP statuses.
//! The page itself is rendered by `middleware::error_pages` in the visitor's language; a 5xx
//! page never shows the cause, which goes to the log.

use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{HttpResponse, ResponseError};

use crate::accounts::AccountError;
use crate::bounded::WorkError;
use crate::db::DbError;
use crate::email::EmailError;
use crate::templates::TemplateError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    /// Not signed in: go to the sign-in page and come back here afterwards.
    #[error("sign-in required")]
    SignInRequired { next: String },
    #[error("the form's CSRF token is missing or wrong")]
    Csrf,
    /// Bad input that a form page cannot show next to a field.
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    #[error("the request body is too large")]
    TooLarge,
    /// Not allowed now, with a message key saying why.
    #[error("refused: {0}")]
    Refused(&'static str),
    /// Already done (a submitted attempt), with a message key.
    #[error("conflict: {0}")]
    Conflict(&'static str),
    #[error("too many attempts")]
    TooManyAttempts { minutes: i64 },
    #[error("the link is no longer valid")]
    LinkInvalid,
    #[error("registration is closed")]
    RegistrationClosed,
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// Every slot for an upload's work is taken, or the work ran out of time (`bounded`).
    #[error("busy: {0}")]
    Busy(String),
    /// The database file cannot be written (read-only or full disk).
    #[error("storage unavailable: {0}")]
    Storage(String),
    #[error("internal error: {0}")]
    Internal(String),
}

/// What the error page should say: a message key, and its arguments.
#[derive(Debug, Clone)]
pub struct ErrorPage {
    pub message: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Forbidden | Self::Csrf | Self::RegistrationClosed => StatusCode::FORBIDDEN,
            Self::SignInRequired { .. } => StatusCode::SEE_OTHER,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Refused(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::TooManyAttempts { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::LinkInvalid => StatusCode::GONE,
            Self::Unavailable(_) | Self::Storage(_) | Self::Busy(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        if let Self::SignInRequired { next } = self {
            let target = format!(
                "/sign-in?next={}",
                url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
            );
            return HttpResponse::SeeOther()
                .insert_header((LOCATION, target))
                .finish();
        }
        match self {
            Self::Unavailable(cause) => tracing::warn!(cause, "service unavailable"),
            Self::Busy(cause) => tracing::warn!(cause, "upload work refused"),
            Self::Storage(cause) => {
                tracing::error!(cause, "the database file cannot be written")
            }
            Self::Internal(cause) => tracing::error!(cause, "internal error"),
            _ => {}
        }
        let (message, args) = match self {
            Self::NotFound => ("error-not-found", vec![]),
            Self::Forbidden => ("error-forbidden", vec![]),
            Self::Csrf => ("error-csrf", vec![]),
            Self::BadRequest(key) => (*key, vec![]),
            Self::TooLarge => ("error-too-large", vec![]),
            Self::Refused(key) | Self::Conflict(key) => (*key, vec![]),
            Self::TooManyAttempts { minutes } => {
                ("error-throttled", vec![("minutes", minutes.to_string())])
            }
            Self::LinkInvalid => ("error-link-invalid", vec![]),
            Self::RegistrationClosed => ("error-registration-closed", vec![]),
            Self::Unavailable(_) => ("error-unavailable", vec![]),
            Self::Busy(_) => ("error-busy", vec![]),
            Self::Storage(_) => ("error-storage", vec![]),
            Self::Internal(_) | Self::SignInRequired { .. } => ("error-internal", vec![]),
        };
        let mut response = HttpResponse::build(self.status_code());
        if matches!(self, Self::Unavailable(_) | Self::Storage(_)) {
            response.insert_header((actix_web::http::header::RETRY_AFTER, "5"));
        }
        if matches!(self, Self::Busy(_)) {
            // Uploads take seconds each: leave time for the ones running to end.
            response.insert_header((actix_web::http::header::RETRY_AFTER, "30"));
        }
        let mut response = response.finish();
        response
            .extensions_mut()
            .insert(ErrorPage { message, args });
        response
    }
}

impl From<&DbError> for WebError {
    fn from(error: &DbError) -> Self {
        match error {
            DbError::Unavailable(cause) => Self::Unavailable(cause.clone()),
            DbError::Storage(cause) => Self::Storage(cause.clone()),
            other => Self::Internal(other.to_string()),
        }
    }
}

impl From<DbError> for WebError {
    fn from(error: DbError) -> Self {
        Self::from(&error)
    }
}

impl From<crate::reports::ReportError> for WebError {
    fn from(error: crate::reports::ReportError) -> Self {
        use crate::reports::ReportError;
        match error {
            ReportError::Db(db) => db.into(),
            // A database error shared by everyone who waited for the same totals.
            ReportError::Shared(db) => Self::from(db.as_ref()),
            ReportError::Spreadsheet(cause) => Self::Internal(cause),
        }
    }
}

impl From<WorkError> for WebError {
    fn from(error: WorkError) -> Self {
        match error {
            WorkError::Busy | WorkError::TimedOut(_) => Self::Busy(error.to_string()),
            WorkError::Failed(cause) => Self::Internal(cause),
        }
    }
}

impl From<TemplateError> for WebError {
    fn from(error: TemplateError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<EmailError> for WebError {
    fn from(error: EmailError) -> Self {
        Self::Internal(error.to_string())
    }
}

impl From<AccountError> for WebError {
    /// Form mistakes (`Invalid`) are shown on the form by the handler; reaching here with one
    /// means a form that has no field for it.
    fn from(error: AccountError) -> Self {
        match error {
            AccountError::Invalid(_) => Self::BadRequest("error-bad-request"),
            AccountError::RegistrationClosed => Self::RegistrationClosed,
            AccountError::BadCredentials => Self::Forbidden,
            AccountError::Throttled { minutes } => Self::TooManyAttempts { minutes },
            AccountError::LinkInvalid => Self::LinkInvalid,
            AccountError::NotFound => Self::NotFound,
            AccountError::Raced => Self::Conflict("error-bad-request"),
            AccountError::Hashing(cause) | AccountError::Email(cause) => Self::Internal(cause),
            AccountError::Db(db) => db.into(),
        }
    }
}

impl From<crate::cohorts::CohortError> for WebError {
    fn from(error: crate::cohorts::CohortError) -> Self {
        use crate::cohorts::CohortError;
        match error {
            CohortError::NotFound => Self::NotFound,
            CohortError::LinkInvalid => Self::LinkInvalid,
            CohortError::Invalid(_) | CohortError::Roster(_) => {
                Self::BadRequest("error-bad-request")
            }
            CohortError::Email(cause) => Self::Internal(cause),
            CohortError::Account(account) => account.into(),
            CohortError::Db(error) => error.into(),
        }
    }
}

impl From<crate::quizzes::attempts::FinalError> for WebError {
    fn from(error: crate::quizzes::attempts::FinalError) -> Self {
        use crate::quizzes::attempts::FinalError;
        match error {
            FinalError::NotEligible => Self::Refused("final-not-eligible"),
            FinalError::NoAttemptsLeft => Self::Refused("final-no-attempts"),
            FinalError::Wait { minutes } => Self::TooManyAttempts { minutes },
            FinalError::NotFound => Self::NotFound,
            FinalError::Submitted => Self::Conflict("final-submitted"),
            FinalError::BadAnswer => Self::BadRequest("error-bad-answer"),
            FinalError::Db(db) => db.into(),
        }
    }
}

impl From<crate::learning::LearningError> for WebError {
    fn from(error: crate::learning::LearningError) -> Self {
        use crate::learning::LearningError;
        match error {
            LearningError::NotFound => Self::NotFound,
            LearningError::BadAnswer => Self::BadRequest("error-bad-answer"),
            LearningError::Certificate(error) => error.into(),
            LearningError::Db(db) => db.into(),
        }
    }
}

impl From<crate::certificates::CertError> for WebError {
    fn from(error: crate::certificates::CertError) -> Self {
        use crate::certificates::CertError;
        match error {
            CertError::NotFound | CertError::UnknownOrganisation => Self::NotFound,
            CertError::AlreadyRevoked => Self::Conflict("certificate-already-revoked"),
            CertError::ReasonMissing => Self::BadRequest("certificate-reason-missing"),
            CertError::Key(key) => Self::Internal(key.to_string()),
            CertError::Db(db) => db.into(),
        }
    }
}

impl From<crate::certificates::cosigning::CosignError> for WebError {
    fn from(error: crate::certificates::cosigning::CosignError) -> Self {
        use crate::certificates::cosigning::CosignError;
        match error {
            CosignError::NotFound => Self::NotFound,
            CosignError::AlreadyAnswered => Self::Conflict("cosign-already-answered"),
            CosignError::ReasonMissing => Self::BadRequest("certificate-reason-missing"),
            CosignError::Sample(cause) => Self::Internal(cause),
            CosignError::Db(db) => db.into(),
        }
    }
}

impl From<crate::certificates::signatories::SignatoryError> for WebError {
    fn from(error: crate::certificates::signatories::SignatoryError) -> Self {
        use crate::certificates::signatories::SignatoryError;
        match error {
            SignatoryError::NotFound => Self::NotFound,
            SignatoryError::Invalid(_) | SignatoryError::Picture => {
                Self::BadRequest("error-bad-request")
            }
            SignatoryError::Db(db) => db.into(),
        }
    }
}

/// A course that cannot be published: its problems and unreadable files are shown on the
/// check report by the handler, so what reaches here is the database, the bounded work, or
/// a fault of ours.
impl From<crate::courses::publish::CourseError> for WebError {
    fn from(error: crate::courses::publish::CourseError) -> Self {
        use crate::courses::publish::CourseError;
        match error {
            CourseError::Db(e) => e.into(),
            CourseError::Work(e) => e.into(),
            other => WebError::Internal(other.to_string()),
        }
    }
}

/// A conflicting save is shown by its handler (both texts, 409); what reaches here is a
/// draft or chapter that is not the publisher's, or the database.
impl From<crate::studio::StudioError> for WebError {
    fn from(error: crate::studio::StudioError) -> Self {
        use crate::studio::StudioError;
        match error {
            StudioError::NotFound => Self::NotFound,
            StudioError::Conflict(_) | StudioError::SettingsConflict(_) => {
                Self::Conflict("studio-conflict")
            }
            StudioError::Refused(why) => Self::BadRequest(why),
            StudioError::Db(e) => e.into(),
        }
    }
}

impl From<crate::courses::folder::DownloadError> for WebError {
    fn from(error: crate::courses::folder::DownloadError) -> Self {
        use crate::courses::folder::DownloadError;
        match error {
            DownloadError::Db(e) => e.into(),
            DownloadError::Work(e) => e.into(),
            DownloadError::Zip(cause) => WebError::Internal(cause),
        }
    }
}
