//! The design's permission matrix as one pure decision.
//!
//! | Role       | Create | Read | Execute | Delete | Admin functions |
//! |------------|--------|------|---------|--------|-----------------|
//! | user       | own    | own  | own     | no     | no              |
//! | creator    | own    | own  | own     | own    | no              |
//! | admin      | all    | all  | all     | all    | limited (own tenant) |
//! | superadmin | all    | all  | all     | all    | all (every tenant)   |
//!
//! "All" for an admin means all inside the admin's tenant; only a superadmin crosses tenants.

use super::{Principal, Role, TenantCode, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Read,
    Update,
    Execute,
    Delete,
    /// Reading the audit log, execution records of others, tenant-wide operations.
    Administer,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Read => "read",
            Action::Update => "update",
            Action::Execute => "execute",
            Action::Delete => "delete",
            Action::Administer => "admin",
        }
    }
}

/// What the action is on: a tenant, and the owning user where there is one.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub tenant: &'a TenantCode,
    pub owner: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("your token is for tenant {mine:?}; it cannot act on tenant {theirs:?}")]
    OtherTenant { mine: String, theirs: String },
    #[error("the role {role} may not {}", phrase(action))]
    RoleCannot { role: Role, action: &'static str },
    #[error(
        "the role {role} may {action} only its own utilities; this one belongs to user {owner}"
    )]
    NotOwner {
        role: Role,
        action: &'static str,
        owner: UserId,
    },
}

fn phrase(action: &str) -> &'static str {
    match action {
        "delete" => "delete utilities",
        "admin" => "use admin functions (audit log, tenant-wide operations)",
        _ => "do that",
    }
}

pub fn authorize(who: &Principal, action: Action, target: Target<'_>) -> Result<(), Denied> {
    if who.role == Role::Superadmin {
        return Ok(());
    }
    if &who.tenant != target.tenant {
        return Err(Denied::OtherTenant {
            mine: who.tenant.to_string(),
            theirs: target.tenant.to_string(),
        });
    }
    if who.role == Role::Admin {
        return Ok(());
    }
    let allowed = match action {
        Action::Administer => false,
        Action::Delete => who.role == Role::Creator,
        Action::Create | Action::Read | Action::Update | Action::Execute => true,
    };
    if !allowed {
        return Err(Denied::RoleCannot {
            role: who.role,
            action: action.as_str(),
        });
    }
    match target.owner {
        Some(owner) if owner != who.user => Err(Denied::NotOwner {
            role: who.role,
            action: action.as_str(),
            owner,
        }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(role: Role) -> Principal {
        Principal {
            user: UserId(1),
            tenant: TenantCode::parse("t1").unwrap(),
            role,
        }
    }

    /// Each role x action x (own, another user's, another tenant's), against the matrix.
    #[test]
    fn the_whole_matrix() {
        let t1 = TenantCode::parse("t1").unwrap();
        let t2 = TenantCode::parse("t2").unwrap();
        use Action::*;
        use Role::*;
        let cases: &[(Role, Action, [bool; 3])] = &[
            (User, Create, [true, false, false]),
            (User, Read, [true, false, false]),
            (User, Update, [true, false, false]),
            (User, Execute, [true, false, false]),
            (User, Delete, [false, false, false]),
            (User, Administer, [false, false, false]),
            (Creator, Create, [true, false, false]),
            (Creator, Read, [true, false, false]),
            (Creator, Update, [true, false, false]),
            (Creator, Execute, [true, false, false]),
            (Creator, Delete, [true, false, false]),
            (Creator, Administer, [false, false, false]),
            (Admin, Create, [true, true, false]),
            (Admin, Read, [true, true, false]),
            (Admin, Update, [true, true, false]),
            (Admin, Execute, [true, true, false]),
            (Admin, Delete, [true, true, false]),
            (Admin, Administer, [true, true, false]),
            (Superadmin, Create, [true, true, true]),
            (Superadmin, Delete, [true, true, true]),
            (Superadmin, Administer, [true, true, true]),
        ];
        for (role, action, [own, other_user, other_tenant]) in cases {
            let who = p(*role);
            let targets = [
                Target {
                    tenant: &t1,
                    owner: Some(UserId(1)),
                },
                Target {
                    tenant: &t1,
                    owner: Some(UserId(2)),
                },
                Target {
                    tenant: &t2,
                    owner: Some(UserId(1)),
                },
            ];
            for (target, expected) in targets.iter().zip([own, other_user, other_tenant]) {
                assert_eq!(
                    authorize(&who, *action, *target).is_ok(),
                    *expected,
                    "{role:?} {action:?} {target:?}"
                );
            }
        }
    }
}
