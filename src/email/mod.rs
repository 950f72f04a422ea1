//! Email. Every message is queued in the outbox table in the transaction of the change
//! that caused it (`Outgoing` + `db::outbox::enqueue`); the sender (`outbox`) delivers it by
//! SMTP when `SALA_SMTP_URL` is set, otherwise writes it as an `.eml` file to
//! `<data dir>/outbox/` (and logs it) so that nothing is silently dropped on a machine
//! without a mail server.

pub mod outbox;

use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use crate::config::Settings;
pub use crate::model::mail::{MailKind, Outgoing};

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("the SMTP URL is not usable: {0}")]
    Config(String),
    #[error("the outbox folder {0} could not be created: {1}")]
    Outbox(String, std::io::Error),
    #[error("the message could not be built: {0}")]
    Build(String),
    /// Worth trying again later: the server is down, busy, or said "try later" (4xx).
    #[error("the message could not be delivered: {0}")]
    Send(String),
    /// The server refused this message for good (5xx), for example an unknown mailbox.
    #[error("the mail server refused the message: {0}")]
    Refused(String),
}

/// How long one SMTP conversation may take before it counts as a failed attempt.
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpTransport),
    Files(FileTransport, PathBuf),
}

impl Mailer {
    /// `smtp://host:port` (plain, or `?tls=required` for STARTTLS) or `smtps://host`
    /// (TLS from the first byte), with `user:password@` when the server wants a login.
    pub fn from_settings(settings: &Settings) -> Result<Self, EmailError> {
        match &settings.smtp_url {
            Some(url) => SmtpTransport::from_url(url.expose_secret())
                .map(|builder| Mailer::Smtp(builder.timeout(Some(SMTP_TIMEOUT)).build()))
                .map_err(|e| EmailError::Config(e.to_string())),
            None => {
                let dir = settings.data_dir.join("outbox");
                std::fs::create_dir_all(&dir)
                    .map_err(|e| EmailError::Outbox(dir.display().to_string(), e))?;
                Ok(Mailer::Files(FileTransport::new(&dir), dir))
            }
        }
    }

    /// Delivers one message (on the blocking pool: SMTP is a network conversation).
    pub async fn send(&self, message: Message) -> Result<(), EmailError> {
        let mailer = self.clone();
        tokio::task::spawn_blocking(move || match &mailer {
            Mailer::Smtp(smtp) => smtp.send(&message).map(drop).map_err(|e| {
                if e.is_permanent() {
                    EmailError::Refused(e.to_string())
                } else {
                    EmailError::Send(e.to_string())
                }
            }),
            Mailer::Files(files, dir) => {
                let id = files
                    .send(&message)
                    .map_err(|e| EmailError::Send(e.to_string()))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "email written to the outbox folder");
                Ok(())
            }
        })
        .await
        .map_err(|e| EmailError::Send(e.to_string()))?
    }
}

/// A plain-text message. `message_id` is stable for one outbox row, so that a receiver
/// can tell a rare second delivery (a sender that crashed after sending) from a new one.
pub fn compose(
    from: &Mailbox,
    to: &str,
    subject: &str,
    body: String,
    message_id: String,
) -> Result<Message, EmailError> {
    let to: Mailbox = to
        .parse()
        .map_err(|e: lettre::address::AddressError| EmailError::Build(e.to_string()))?;
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .message_id(Some(message_id))
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| EmailError::Build(e.to_string()))
}

/// Renders a plain-text email template.
pub fn render(
    templates: &tera::Tera,
    template: &str,
    context: &tera::Context,
) -> Result<String, EmailError> {
    templates
        .render(template, context)
        .map_err(|e| EmailError::Build(format!("{template}: {e}")))
}
