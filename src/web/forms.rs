//! Limits on what a request may send: forms are small, so bodies are too.

use actix_web::web::{FormConfig, PayloadConfig};

/// Largest form body accepted (a registration form is under 1 KB).
pub const FORM_LIMIT: usize = 16 * 1024;

pub fn form_config() -> FormConfig {
    FormConfig::default().limit(FORM_LIMIT)
}

pub fn payload_config() -> PayloadConfig {
    PayloadConfig::new(FORM_LIMIT)
}
