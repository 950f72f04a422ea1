//! The emails of a cohort, each in Khmer and then English in one message (a shared office
//! address may be read by people who prefer either): the invitation, and the reminders.

use chrono::NaiveDate;
use serde::Serialize;
use url::Url;

use super::links::{Links, Purpose};
use super::{Cohort, NewInvitation};
use crate::courses::Bilingual;
use crate::email::{self, EmailError, MailKind, Outgoing};
use crate::i18n::{self, Lang};
use crate::model::cohorts::Rule;
use crate::model::ids::InvitationId;

pub struct Letters {
    pub templates: std::sync::Arc<tera::Tera>,
    pub base_url: Url,
    pub links: Links,
}

/// What every cohort email says about the person and the course.
#[derive(Serialize)]
struct About<'a> {
    name_km: &'a str,
    name_latin: &'a str,
    course: &'a Bilingual,
    cohort: &'a str,
    due_km: String,
    due_en: String,
    join: String,
    stop: String,
}

fn due(date: NaiveDate, lang: Lang) -> String {
    i18n::format_date(date.and_hms_opt(12, 0, 0).unwrap_or_default(), lang)
}

impl Letters {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url.as_str().trim_end_matches('/'))
    }

    fn about<'a>(
        &self,
        id: InvitationId,
        person: &'a NewInvitation,
        cohort: &'a Cohort,
        course: &'a Bilingual,
    ) -> About<'a> {
        About {
            name_km: &person.name_km,
            name_latin: &person.name_latin,
            course,
            cohort: &cohort.name,
            due_km: due(cohort.due_on, Lang::Km),
            due_en: due(cohort.due_on, Lang::En),
            join: self.url(&format!("/join/{}", self.links.token(Purpose::Join, id))),
            stop: self.url(&format!(
                "/reminders/stop/{}",
                self.links.token(Purpose::StopReminders, id)
            )),
        }
    }

    fn letter(
        &self,
        kind: MailKind,
        template: &str,
        subject_key: &str,
        to: &str,
        about: &About<'_>,
        extra: &[(&str, &str)],
    ) -> Result<Outgoing, EmailError> {
        let mut context =
            tera::Context::from_serialize(about).map_err(|e| EmailError::Build(e.to_string()))?;
        for (key, value) in extra {
            context.insert(*key, value);
        }
        let subject = format!(
            "{} / {}",
            i18n::translate_with(
                Lang::Km,
                subject_key,
                &[("course", about.course.km.clone())]
            ),
            i18n::translate_with(
                Lang::En,
                subject_key,
                &[("course", about.course.en.clone())]
            ),
        );
        Ok(Outgoing {
            kind,
            to: to.to_owned(),
            subject,
            body: email::render(&self.templates, template, &context)?,
        })
    }

    /// The invitation: who invites, to what, by when, and the one link to follow.
    pub fn invitation(
        &self,
        id: InvitationId,
        person: &NewInvitation,
        cohort: &Cohort,
        course: &Bilingual,
    ) -> Result<Outgoing, EmailError> {
        let about = self.about(id, person, cohort, course);
        self.letter(
            MailKind::Invitation,
            "email/invitation.txt",
            "email-invitation-subject",
            &person.email,
            &about,
            &[],
        )
    }

    /// A reminder, worded for its rule, with the link to stop reminders.
    pub fn reminder(
        &self,
        id: InvitationId,
        person: &NewInvitation,
        cohort: &Cohort,
        course: &Bilingual,
        rule: Rule,
    ) -> Result<Outgoing, EmailError> {
        let about = self.about(id, person, cohort, course);
        self.letter(
            MailKind::Reminder,
            "email/reminder.txt",
            "email-reminder-subject",
            &person.email,
            &about,
            &[("rule", rule.code())],
        )
    }
}
