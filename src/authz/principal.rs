//! Who is asking, and the one decision function: principal × permission × customer
//! account → allowed, forbidden (403) or not visible at all (404).

use super::Policies;
use serde::Serialize;

/// The caller of an administrative action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A person, through the console or a token carrying the `admin` scope.
    Person(String),
    /// A service client acting with the staff roles it was registered with.
    Client(String),
    /// The operator on the host, through the command line: may do everything.
    System,
}

/// A caller with the roles they hold right now.
#[derive(Debug, Clone)]
pub struct Principal {
    pub caller: Caller,
    /// Staff roles: their permissions apply to every customer account.
    pub staff_roles: Vec<String>,
    /// Customer accounts (active ones only) and the roles held in each.
    pub memberships: Vec<(String, Vec<String>)>,
}

/// The answer to "may this principal do that here?".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Decision {
    Allowed(String),
    /// Inside the caller's reach, but no role grants the permission (403).
    Forbidden(String),
    /// Outside the caller's tenant: not even its existence is confirmed (404).
    Invisible(String),
}

impl Decision {
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }

    pub fn reason(&self) -> &str {
        match self {
            Decision::Allowed(r) | Decision::Forbidden(r) | Decision::Invisible(r) => r,
        }
    }
}

impl Principal {
    pub fn system() -> Self {
        Self {
            caller: Caller::System,
            staff_roles: Vec::new(),
            memberships: Vec::new(),
        }
    }

    pub fn is_staff(&self) -> bool {
        self.caller == Caller::System || !self.staff_roles.is_empty()
    }

    pub fn person_id(&self) -> Option<&str> {
        match &self.caller {
            Caller::Person(id) => Some(id),
            _ => None,
        }
    }

    /// The roles held in one customer account.
    pub fn roles_in(&self, customer_account_id: &str) -> Option<&[String]> {
        self.memberships
            .iter()
            .find(|(id, _)| id == customer_account_id)
            .map(|(_, roles)| roles.as_slice())
    }

    /// The customer accounts where some held role grants `permission` (for scoping lists).
    pub fn accounts_with(&self, policies: &Policies, permission: &str) -> Vec<String> {
        self.memberships
            .iter()
            .filter(|(_, roles)| policies.grants(roles, permission).is_some())
            .map(|(id, _)| id.clone())
            .collect()
    }

    /// Whether the principal may give `role` to someone in this customer account (or, with
    /// `None`, a staff role): staff roles' `may_grant` apply everywhere, customer roles'
    /// only inside their own account.
    pub fn may_grant(&self, policies: &Policies, customer: Option<&str>, role: &str) -> bool {
        if self.caller == Caller::System || policies.may_grant(&self.staff_roles, role) {
            return true;
        }
        match customer.and_then(|c| self.roles_in(c)) {
            Some(roles) => policies.may_grant(roles, role),
            None => false,
        }
    }
}

impl Policies {
    /// The one decision: staff permissions apply to every customer account, customer-role
    /// permissions only inside that account; `customer: None` asks for a staff-wide action.
    pub fn decide(
        &self,
        principal: &Principal,
        permission: &str,
        customer: Option<&str>,
    ) -> Decision {
        if principal.caller == Caller::System {
            return Decision::Allowed("the command line acts as the operator".into());
        }
        if let Some(role) = self.grants(&principal.staff_roles, permission) {
            return Decision::Allowed(format!("staff role {} grants {permission}", role.name));
        }
        let Some(customer) = customer else {
            return Decision::Forbidden(format!("no staff role grants {permission}"));
        };
        match principal.roles_in(customer) {
            Some(roles) => match self.grants(roles, permission) {
                Some(role) => Decision::Allowed(format!(
                    "role {} in customer account {customer} grants {permission}",
                    role.name
                )),
                None => Decision::Forbidden(format!(
                    "no role in customer account {customer} grants {permission}"
                )),
            },
            None if principal.is_staff() => {
                Decision::Forbidden(format!("no staff role grants {permission}"))
            }
            None => Decision::Invisible(format!("not a member of customer account {customer}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn policies() -> Policies {
        Policies::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("policies")).unwrap()
    }

    fn person(staff: &[&str], memberships: &[(&str, &[&str])]) -> Principal {
        Principal {
            caller: Caller::Person("p".into()),
            staff_roles: staff.iter().map(|r| r.to_string()).collect(),
            memberships: memberships
                .iter()
                .map(|(c, roles)| (c.to_string(), roles.iter().map(|r| r.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn a_staff_permission_applies_in_every_account() {
        let admin = person(&["admin"], &[]);
        assert!(
            policies()
                .decide(&admin, "people.manage", Some("a"))
                .is_allowed()
        );
        assert!(
            policies()
                .decide(&admin, "people.manage", None)
                .is_allowed()
        );
    }

    #[test]
    fn a_customer_role_applies_only_in_its_own_account() {
        let p = policies();
        let customer_admin = person(&[], &[("a", &["customer-admin"])]);
        assert!(
            p.decide(&customer_admin, "people.manage", Some("a"))
                .is_allowed()
        );
        assert!(matches!(
            p.decide(&customer_admin, "people.manage", Some("b")),
            Decision::Invisible(_)
        ));
        assert!(matches!(
            p.decide(&customer_admin, "people.manage", None),
            Decision::Forbidden(_)
        ));
        let finance = person(&[], &[("a", &["finance"])]);
        assert!(matches!(
            p.decide(&finance, "people.manage", Some("a")),
            Decision::Forbidden(_)
        ));
    }

    #[test]
    fn staff_without_the_permission_are_refused_not_hidden_from() {
        let support = person(&["support"], &[]);
        assert!(matches!(
            policies().decide(&support, "people.manage", Some("a")),
            Decision::Forbidden(_)
        ));
    }

    #[test]
    fn a_customer_admin_grants_customer_roles_in_their_account_only() {
        let p = policies();
        let customer_admin = person(&[], &[("a", &["customer-admin"])]);
        assert!(customer_admin.may_grant(&p, Some("a"), "finance"));
        assert!(!customer_admin.may_grant(&p, Some("b"), "finance"));
        assert!(!customer_admin.may_grant(&p, Some("a"), "admin"));
        assert!(person(&["admin"], &[]).may_grant(&p, None, "dpo"));
    }
}
