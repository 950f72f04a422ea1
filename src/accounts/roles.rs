//! Roles, and the one rule that decides them: a publisher or coordinator of an organisation
//! acts for that organisation and every organisation below it. Admins manage people and
//! organisations; everyone is a learner.

use crate::model::accounts::{Role, RoleGrant};
use crate::model::ids::{GrantId, OrganisationId};

/// Whether `grants` allow acting as `role` for the organisation whose chain of ancestors,
/// starting with itself, is `lineage`.
pub fn may_act(grants: &[RoleGrant], role: Role, lineage: &[OrganisationId]) -> bool {
    grants
        .iter()
        .any(|grant| grant.role == role && lineage.contains(&grant.organisation.id))
}

/// Grants `role` for `organisation` to `user`; both must exist.
pub async fn grant(
    db: &crate::db::Db,
    user: super::UserId,
    role: Role,
    organisation: OrganisationId,
    actor: crate::audit::Actor,
    now: chrono::NaiveDateTime,
) -> Result<(), super::AccountError> {
    use crate::db;
    let granted_by = actor.user.ok_or(super::AccountError::NotFound)?;
    db.write(move |conn| {
        db::users::find(conn, user)?.ok_or(super::AccountError::NotFound)?;
        if db::organisations::find(conn, organisation)?.is_none() {
            return Err(super::AccountError::field(
                "organisation",
                "error-choose-one",
            ));
        }
        db::users::grant_role(conn, user, role, organisation, granted_by, now)?;
        let who = db::users::find(conn, user)?
            .map(|u| u.email)
            .unwrap_or_default();
        let org = db::organisations::find(conn, organisation)?
            .map(|o| o.slug)
            .unwrap_or_default();
        crate::audit::record(
            conn,
            &actor,
            crate::audit::Action::RoleGranted,
            &who,
            &format!("{} of {org}", role.as_str()),
            now,
        )?;
        Ok(())
    })
    .await
}

/// Takes back one role of `user`, and says so in the audit log; `false` when they did not
/// hold it.
pub async fn revoke(
    db: &crate::db::Db,
    user: super::UserId,
    grant: GrantId,
    actor: crate::audit::Actor,
    now: chrono::NaiveDateTime,
) -> Result<bool, super::AccountError> {
    use crate::db;
    db.write(move |conn| {
        let held = db::users::grants(conn, user)?
            .into_iter()
            .find(|g| g.id == grant);
        let removed = db::users::revoke_role(conn, user, grant)?;
        if let (true, Some(held)) = (removed, held) {
            let who = db::users::find(conn, user)?
                .map(|u| u.email)
                .unwrap_or_default();
            crate::audit::record(
                conn,
                &actor,
                crate::audit::Action::RoleRevoked,
                &who,
                &format!("{} of {}", held.role.as_str(), held.organisation.slug),
                now,
            )?;
        }
        Ok(removed)
    })
    .await
}

/// Makes `user` an admin or not. The last admin cannot step down: someone must be left
/// who can grant roles.
pub async fn set_admin(
    db: &crate::db::Db,
    user: super::UserId,
    is_admin: bool,
) -> Result<(), super::AccountError> {
    use crate::db;
    db.write(move |conn| {
        let target = db::users::find(conn, user)?.ok_or(super::AccountError::NotFound)?;
        if target.is_admin && !is_admin && db::users::count_admins(conn)? <= 1 {
            return Err(super::AccountError::field("is_admin", "error-last-admin"));
        }
        Ok(db::users::set_admin(conn, user, is_admin)?)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::organisations::{OrgKind, Organisation};

    fn grant(role: Role, org: i64) -> RoleGrant {
        RoleGrant {
            id: GrantId(1),
            role,
            organisation: Organisation {
                id: OrganisationId(org),
                parent_id: None,
                slug: "x".into(),
                kind: OrgKind::Ministry,
                name_km: "x".into(),
                name_en: "x".into(),
                province_id: None,
            },
        }
    }

    #[test]
    fn a_grant_covers_descendants_but_not_siblings() {
        let grants = [grant(Role::Publisher, 1)];
        let child_of_1 = [OrganisationId(5), OrganisationId(1)];
        let child_of_2 = [OrganisationId(6), OrganisationId(2)];
        assert!(may_act(&grants, Role::Publisher, &child_of_1));
        assert!(!may_act(&grants, Role::Publisher, &child_of_2));
        assert!(!may_act(&grants, Role::Coordinator, &child_of_1));
    }
}
