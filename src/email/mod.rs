//! Email: composed from text templates in the recipient's language, delivered by SMTP when
//! `SALA_SMTP_URL` is set, otherwise written as `.eml` files to `<data dir>/outbox/` (and
//! logged) so that nothing is silently dropped on a machine without a mail server.

use std::path::PathBuf;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{FileTransport, Message, SmtpTransport, Transport};
use secrecy::ExposeSecret;

use crate::config::Settings;

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("the SMTP URL is not usable: {0}")]
    Config(String),
    #[error("the outbox folder {0} could not be created: {1}")]
    Outbox(String, std::io::Error),
    #[error("the message could not be built: {0}")]
    Build(String),
    #[error("the message could not be delivered: {0}")]
    Send(String),
}

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(SmtpTransport),
    Files(FileTransport, PathBuf),
}

impl Mailer {
    pub fn from_settings(settings: &Settings) -> Result<Self, EmailError> {
        match &settings.smtp_url {
            Some(url) => SmtpTransport::from_url(url.expose_secret())
                .map(|builder| Mailer::Smtp(builder.build()))
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
            Mailer::Smtp(smtp) => smtp.send(&message).map(drop).map_err(|e| EmailError::Send(e.to_string())),
            Mailer::Files(files, dir) => {
                let id = files.send(&message).map_err(|e| EmailError::Send(e.to_string()))?;
                tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "email written to the outbox folder");
                Ok(())
            }
        })
        .await
        .map_err(|e| EmailError::Send(e.to_string()))?
    }
}

/// A plain-text message.
pub fn compose(
    from: &Mailbox,
    to: Mailbox,
    subject: &str,
    body: String,
) -> Result<Message, EmailError> {
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| EmailError::Build(e.to_string()))
}
