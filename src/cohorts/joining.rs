//! The invitee's side of an invitation: the join link, which takes the course for the
//! person signed in with the invited address, or makes (or takes over) their account in one
//! step from the email to the course.

use chrono::NaiveDateTime;

use super::links::{Links, Purpose};
use super::{Cohort, CohortError, Invitation};
use crate::accounts::{
    AccountError, Address, Email, Password, PersonNames, Profile, User, UserId, create,
};
use crate::db::{self, Db, DbConnection};
use crate::i18n::Lang;

/// An invitation opened from its link: the cohort, and the account with its address if
/// there is one.
#[derive(Debug)]
pub struct Opened {
    pub invitation: Invitation,
    pub cohort: Cohort,
    pub account: Option<User>,
}

/// How long after its cohort's due date a join link still works: time to finish late, not
/// a link that lives for ever in a forwarded email.
pub const JOIN_LINK_GRACE: chrono::Days = chrono::Days::new(30);

/// When a join link for `cohort` stops working: the end of the day `JOIN_LINK_GRACE` after
/// the due date (reminders, which carry the link, stop at the due date).
pub fn join_link_expires(cohort: &Cohort) -> NaiveDateTime {
    (cohort.due_on + JOIN_LINK_GRACE + chrono::Days::new(1)).and_time(chrono::NaiveTime::MIN)
}

/// The invitation a join link stands for. `LinkInvalid` for a link that is not genuine or
/// has expired, and (as it always has been) for any failure to read it.
pub async fn open(
    db: &Db,
    links: &Links,
    token: &str,
    now: NaiveDateTime,
) -> Result<Opened, CohortError> {
    let id = links
        .open(Purpose::Join, token)
        .ok_or(CohortError::LinkInvalid)?;
    db.read(move |conn| {
        let invitation = db::cohorts::invitation(conn, id)?.ok_or(CohortError::NotFound)?;
        let cohort = db::cohorts::find(conn, invitation.cohort_id)?.ok_or(CohortError::NotFound)?;
        if now >= join_link_expires(&cohort) {
            return Err(CohortError::NotFound);
        }
        let email = Email::parse(&invitation.email).map_err(|_| CohortError::NotFound)?;
        let account = db::users::find_by_email(conn, &email)?.map(|(user, _)| user);
        Ok(Opened {
            invitation,
            cohort,
            account,
        })
    })
    .await
    .map_err(|_: CohortError| CohortError::LinkInvalid)
}

/// Where an invitee starts: the first chapter of the cohort's course, or the course's page
/// when it has no chapters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Start {
    pub course_slug: String,
    pub chapter_key: Option<String>,
}

async fn start(db: &Db, cohort: &Cohort) -> Result<Start, CohortError> {
    let slug = cohort.course_slug.clone();
    let found = db
        .read(move |conn| db::learning::current_with_chapters(conn, &slug))
        .await?;
    Ok(Start {
        course_slug: cohort.course_slug.clone(),
        chapter_key: found
            .and_then(|(_, chapters)| chapters.into_iter().next())
            .map(|chapter| chapter.key),
    })
}

/// What opening a join link leads to.
#[derive(Debug)]
pub enum Joining {
    /// Signed in with the invited address: the invitation is taken up; start here.
    Started(Start),
    /// Signed in with another address.
    OtherAccount(Opened),
    /// The address has an account whose owner proved it: sign in first.
    SignIn,
    /// No account, or one whose address nobody proved: choose a password (see [`sign_up`]).
    ChoosePassword(Opened),
}

/// Opens a join link for `viewer` (the signed-in person's id and address, if any).
pub async fn join(
    db: &Db,
    links: &Links,
    token: &str,
    viewer: Option<(UserId, &str)>,
    now: NaiveDateTime,
) -> Result<Joining, CohortError> {
    let opened = open(db, links, token, now).await?;
    if let Some((user, email)) = viewer {
        if email != opened.invitation.email {
            return Ok(Joining::OtherAccount(opened));
        }
        let invitation = opened.invitation.id;
        db.write(move |conn| {
            Ok::<_, CohortError>(db::cohorts::accept(conn, invitation, user, now)?)
        })
        .await?;
        return Ok(Joining::Started(start(db, &opened.cohort).await?));
    }
    // An account whose address nobody proved is taken by opening this link (see
    // `sign_up`); one whose owner proved it signs in.
    if opened.account.as_ref().is_some_and(|a| a.email_verified) {
        return Ok(Joining::SignIn);
    }
    Ok(Joining::ChoosePassword(opened))
}

/// What choosing a password from a join link leads to.
#[derive(Debug)]
pub enum SignedUp {
    /// The account is the person's, signed in from here, and starts here.
    Started { user: User, start: Start },
    /// An account was made for this address meanwhile (or its owner proved it): signing
    /// in takes the course.
    SignIn,
}

/// Makes the account an invitation was sent to, with the names, office, province and
/// position the coordinator gave, and the password the person chose: one step from the
/// email to the course. Every open invitation to the address is taken up with it. Once:
/// an invitation already taken up, or an address whose owner proved it, makes no account,
/// so whoever opens the link later cannot choose the password.
///
/// An account that nobody proved the address of (a registration never finished, perhaps
/// by someone else) does not stand in the way: the link proves the address, so its owner
/// takes that account, with a password of their own (ending its sessions) and, if it had
/// no password yet, the profile the coordinator gave.
pub async fn sign_up(
    db: &Db,
    links: &Links,
    token: &str,
    password: Password,
    lang: Lang,
    now: NaiveDateTime,
) -> Result<SignedUp, CohortError> {
    let opened = open(db, links, token, now).await?;
    let hash = crate::accounts::password::hash_queued(password).await?;
    let invitation = opened.invitation;
    let made = db
        .write(move |conn| take_up(conn, &invitation, &hash, lang, now))
        .await;
    let user = match made {
        Ok(user) => user,
        Err(AccountError::Invalid(_)) => return Ok(SignedUp::SignIn),
        Err(other) => return Err(other.into()),
    };
    let start = start(db, &opened.cohort).await?;
    Ok(SignedUp::Started { user, start })
}

/// The account for `invitation`, made or taken over (see [`sign_up`]); `Invalid` when the
/// link may no longer make one.
fn take_up(
    conn: &mut DbConnection,
    invitation: &Invitation,
    hash: &str,
    lang: Lang,
    now: NaiveDateTime,
) -> Result<User, AccountError> {
    let taken_error = || AccountError::field("email", "error-email-taken");
    let email = Email::parse(&invitation.email).map_err(|e| AccountError::Invalid(vec![e]))?;
    let taken = db::cohorts::invitation(conn, invitation.id)?
        .is_none_or(|current| current.accepted_at.is_some());
    let existing = db::users::find_by_email(conn, &email)?;
    if taken
        || existing
            .as_ref()
            .is_some_and(|(user, _)| user.email_verified)
    {
        return Err(taken_error());
    }
    let profile = Profile {
        names: PersonNames::parse(&invitation.name_km, &invitation.name_latin)
            .map_err(AccountError::Invalid)?,
        position: invitation.position.clone(),
        organisation_id: invitation.office_id,
        province_id: invitation.province_id,
        lang: Some(lang),
    };
    let user = match existing {
        Some((unproven, had_password)) => {
            if had_password.is_none() {
                db::users::update_profile(conn, unproven.id, &profile, now)?;
            }
            db::users::set_password(conn, unproven.id, hash, now)?;
            db::users::end_all_sessions(conn, unproven.id)?;
            unproven
        }
        // The join link was sent to this address: it is proven. An account made for it
        // meanwhile (`Raced`) stands in the way like any other.
        None => {
            create(conn, &email, &profile, Some(hash), Address::Proven, now).map_err(
                |e| match e {
                    AccountError::Raced => taken_error(),
                    other => other,
                },
            )?
        }
    };
    // The join link was sent to this address (a no-op for an account just made).
    db::users::mark_email_verified(conn, user.id, now)?;
    db::tokens::use_all(conn, user.id, now)?;
    db::cohorts::accept_all_for(conn, email.as_str(), user.id, now)?;
    db::users::find(conn, user.id)?.ok_or(AccountError::NotFound)
}
