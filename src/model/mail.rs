//! An email to queue, as the other layers see it.

/// Why a message is sent; shown to admins beside each message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// "Finish registering" or "you already have an account".
    Registration,
    PasswordReset,
    Invitation,
    Reminder,
    Certificate,
}

impl MailKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::PasswordReset => "password_reset",
            Self::Invitation => "invitation",
            Self::Reminder => "reminder",
            Self::Certificate => "certificate",
        }
    }
}

/// A message to queue: plain text, already rendered in the recipient's language(s).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub kind: MailKind,
    pub to: String,
    pub subject: String,
    pub body: String,
}
