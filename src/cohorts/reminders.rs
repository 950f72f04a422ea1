//! Reminders: per cohort, those who have not started N days after their invitation, those
//! who stalled N days, and everyone not finished N days before the due date. Each rule
//! reaches a person at most once: `reminders_sent` has one row per invitation and rule,
//! inserted in the transaction that queues the email, so a second instance (or a rerun)
//! inserts nothing and sends nothing. Never to people who finished or asked to stop.

use chrono::{Duration, NaiveDateTime};

use super::letters::Letters;
use super::links::{Links, Purpose};
use super::{Cohort, CohortError, Invitation, NewInvitation};
use crate::db::{self, Db, DbError};
pub use crate::model::cohorts::{Rule, Standing};

/// The rules due for one person now, before removing those already sent.
pub fn due(cohort: &Cohort, person: &Standing, now: NaiveDateTime) -> Vec<Rule> {
    let today = now.date();
    if person.finished || person.opted_out || today > cohort.due_on || today < cohort.starts_on {
        return Vec::new();
    }
    let days = |n: i32| Duration::days(i64::from(n));
    let mut rules = Vec::new();
    let counted_from = person
        .invited_at
        .max(cohort.starts_on.and_hms_opt(0, 0, 0).unwrap_or_default());
    if let Some(n) = cohort.reminders.not_started
        && person.last_activity.is_none()
        && now >= counted_from + days(n)
    {
        rules.push(Rule::NotStarted);
    }
    if let Some(n) = cohort.reminders.idle
        && let Some(last) = person.last_activity
        && now >= last + days(n)
    {
        rules.push(Rule::Idle);
    }
    if let Some(n) = cohort.reminders.before_due
        && today >= cohort.due_on - days(n)
    {
        rules.push(Rule::BeforeDue);
    }
    rules
}

/// Stops reminders for the invitation a stop link stands for; returns its cohort.
/// `LinkInvalid` for a link that is not genuine or whose invitation is gone.
pub async fn stop_reminders(
    db: &Db,
    links: &Links,
    token: &str,
    now: NaiveDateTime,
) -> Result<Cohort, CohortError> {
    let id = links
        .open(Purpose::StopReminders, token)
        .ok_or(CohortError::LinkInvalid)?;
    db.write(move |conn| {
        let invitation = db::cohorts::invitation(conn, id)?.ok_or(CohortError::LinkInvalid)?;
        db::cohorts::stop_reminders(conn, id, now)?;
        db::cohorts::find(conn, invitation.cohort_id)?.ok_or(CohortError::LinkInvalid)
    })
    .await
}

/// Queues every reminder due now; returns how many were queued.
pub async fn send_due(
    db: &Db,
    letters: std::sync::Arc<Letters>,
    now: NaiveDateTime,
) -> Result<usize, DbError> {
    let cohorts = db
        .read(move |conn| {
            Ok::<_, DbError>(
                db::cohorts::all(conn)?
                    .into_iter()
                    .filter(|c| c.reminders != Default::default() && c.due_on >= now.date())
                    .collect::<Vec<_>>(),
            )
        })
        .await?;
    let mut queued = 0;
    for cohort in cohorts {
        let for_cohort = cohort.clone();
        let people = db
            .read(move |conn| db::cohorts::standings(conn, &for_cohort))
            .await?;
        let due_now: Vec<(Invitation, Rule)> = people
            .into_iter()
            .flat_map(|(invitation, standing, sent)| {
                due(&cohort, &standing, now)
                    .into_iter()
                    .filter(move |rule| !sent.iter().any(|s| s == rule.code()))
                    .map(move |rule| (invitation.clone(), rule))
            })
            .collect();
        if due_now.is_empty() {
            continue;
        }
        // One transaction per cohort: each reminder is recorded (or found already recorded
        // by another instance, and skipped) together with its email.
        let letters = letters.clone();
        queued += db
            .write(move |conn| {
                let Some((version, _)) =
                    db::learning::current_with_chapters(conn, &cohort.course_slug)?
                else {
                    return Ok(0);
                };
                let mut queued = 0;
                for (invitation, rule) in due_now {
                    if !db::cohorts::mark_reminded(conn, invitation.id, rule.code(), now)? {
                        continue;
                    }
                    let mail = letters
                        .reminder(
                            invitation.id,
                            &person(&invitation),
                            &cohort,
                            &version.title,
                            rule,
                        )
                        .map_err(|e| DbError::Corrupt(format!("reminder not written: {e}")))?;
                    db::outbox::enqueue(conn, &mail, now)?;
                    queued += 1;
                }
                Ok::<_, DbError>(queued)
            })
            .await?;
    }
    Ok(queued)
}

/// The person an invitation names, as the letters take it.
fn person(invitation: &Invitation) -> NewInvitation {
    NewInvitation {
        cohort_id: invitation.cohort_id,
        email: invitation.email.clone(),
        name_km: invitation.name_km.clone(),
        name_latin: invitation.name_latin.clone(),
        office_id: invitation.office_id,
        province_id: invitation.province_id,
        position: invitation.position.clone(),
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::cohorts::ReminderDays;

    fn cohort() -> Cohort {
        Cohort {
            id: crate::cohorts::CohortId(1),
            organisation_id: crate::organisations::OrganisationId(1),
            course_id: crate::model::ids::CourseId(1),
            course_slug: "wash".into(),
            name: "Kratie".into(),
            starts_on: date(1),
            due_on: date(31),
            reminders: ReminderDays {
                not_started: Some(3),
                idle: Some(7),
                before_due: Some(5),
            },
        }
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, day).unwrap_or_default()
    }

    fn at(day: u32) -> NaiveDateTime {
        date(day).and_hms_opt(9, 0, 0).unwrap_or_default()
    }

    fn person(last: Option<u32>) -> Standing {
        Standing {
            invited_at: at(1),
            last_activity: last.map(at),
            finished: false,
            opted_out: false,
        }
    }

    #[test]
    fn each_rule_falls_due_on_its_day() {
        let c = cohort();
        assert_eq!(due(&c, &person(None), at(3)), vec![]);
        assert_eq!(due(&c, &person(None), at(4)), vec![Rule::NotStarted]);
        assert_eq!(due(&c, &person(Some(2)), at(8)), vec![]);
        assert_eq!(due(&c, &person(Some(2)), at(9)), vec![Rule::Idle]);
        assert_eq!(due(&c, &person(Some(25)), at(26)), vec![Rule::BeforeDue]);
        assert_eq!(
            due(&c, &person(None), at(26)),
            vec![Rule::NotStarted, Rule::BeforeDue]
        );
    }

    #[test]
    fn nobody_finished_opted_out_or_outside_the_dates_is_reminded() {
        let c = cohort();
        let finished = Standing {
            finished: true,
            ..person(None)
        };
        let opted_out = Standing {
            opted_out: true,
            ..person(None)
        };
        assert_eq!(due(&c, &finished, at(27)), vec![]);
        assert_eq!(due(&c, &opted_out, at(27)), vec![]);
        let after = NaiveDate::from_ymd_opt(2027, 1, 2)
            .unwrap_or_default()
            .and_hms_opt(9, 0, 0)
            .unwrap_or_default();
        assert_eq!(due(&c, &person(None), after), vec![]);
        let off = Cohort {
            reminders: ReminderDays::default(),
            ..cohort()
        };
        assert_eq!(due(&off, &person(None), at(27)), vec![]);
    }
}
