//! The policy file format, its validation, and the loaded [`Policies`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::PolicyError;
use super::error::{Source, read_policy_file};

const FILE_NAME: &str = "roles.toml";

/// Who holds a role, which decides the scope of its permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RoleKind {
    /// Held by a person for one customer account; applies to that account only.
    Customer,
    /// Held by the portal owner's employees; applies to every customer account.
    Staff,
}

impl fmt::Display for RoleKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RoleKind::Customer => "customer",
            RoleKind::Staff => "staff",
        })
    }
}

/// A role as defined in the policy.
#[derive(Debug, Clone)]
pub struct Role {
    pub name: String,
    pub kind: RoleKind,
    pub description: String,
    /// Sorted and de-duplicated; every one is declared in the policy.
    pub permissions: Vec<String>,
    /// The roles a holder of this one may grant to others (delegated administration).
    /// Sorted; every one is a defined role, and a customer role names no staff role.
    pub may_grant: Vec<String>,
}

/// A validated policy: only [`Policies::parse`] and [`Policies::load`] build one.
#[derive(Debug, Clone)]
pub struct Policies {
    roles: BTreeMap<String, Role>,
    permissions: BTreeSet<String>,
}

// The file as written. Names keep their spans so that validation errors,
// which happen after deserialising, can still point at a line.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    permissions: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    role: BTreeMap<Spanned<String>, RoleEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleEntry {
    kind: RoleKind,
    description: String,
    permissions: Vec<Spanned<String>>,
    #[serde(default)]
    may_grant: Vec<Spanned<String>>,
}

impl Policies {
    /// Loads and validates `<dir>/roles.toml`.
    pub fn load(dir: &Path) -> Result<Policies, PolicyError> {
        let (origin, text) = read_policy_file(dir, FILE_NAME)?;
        Self::parse(&origin, &text)
    }

    /// Parses policy text (used by load and by tests); `origin` is the file
    /// name used in messages.
    pub fn parse(origin: &str, text: &str) -> Result<Policies, PolicyError> {
        let source = Source { origin, text };
        let file: PolicyFile = toml::from_str(text).map_err(|e| source.toml_error(&e))?;
        let permissions = declared_permissions(&source, file.permissions)?;
        let kinds: BTreeMap<String, RoleKind> = file
            .role
            .iter()
            .map(|(name, entry)| (name.get_ref().clone(), entry.kind))
            .collect();
        let roles = file
            .role
            .into_iter()
            .map(|(name, entry)| {
                let role = checked_role(&source, &permissions, &kinds, name, entry)?;
                Ok((role.name.clone(), role))
            })
            .collect::<Result<_, PolicyError>>()?;
        Ok(Policies { roles, permissions })
    }

    pub fn role(&self, name: &str) -> Option<&Role> {
        self.roles.get(name)
    }

    /// All roles, sorted by name.
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.roles.values()
    }

    /// Checks that every name is a defined role of the given kind; the error
    /// names the first bad one.
    pub fn check_roles(&self, kind: RoleKind, names: &[String]) -> Result<(), PolicyError> {
        for name in names {
            let role = self.role(name).ok_or_else(|| PolicyError::UnknownRole {
                name: name.clone(),
                kind,
            })?;
            if role.kind != kind {
                return Err(PolicyError::WrongRoleKind {
                    name: name.clone(),
                    expected: kind,
                    actual: role.kind,
                });
            }
        }
        Ok(())
    }

    /// Sorted, de-duplicated union of the permissions of these roles; unknown
    /// names are ignored, since a stored grant may outlive its role.
    pub fn permissions_of<'a>(&self, roles: impl IntoIterator<Item = &'a str>) -> Vec<String> {
        let granted: BTreeSet<&String> = roles
            .into_iter()
            .filter_map(|name| self.role(name))
            .flat_map(|role| &role.permissions)
            .collect();
        granted.into_iter().cloned().collect()
    }

    pub fn permission_count(&self) -> usize {
        self.permissions.len()
    }

    pub fn is_permission(&self, name: &str) -> bool {
        self.permissions.contains(name)
    }

    /// Whether any of these roles grants the permission.
    pub fn grants(&self, roles: &[String], permission: &str) -> Option<&Role> {
        roles
            .iter()
            .filter_map(|name| self.role(name))
            .find(|role| role.permissions.iter().any(|p| p == permission))
    }

    /// Whether any of these roles may grant `role` to someone else.
    pub fn may_grant(&self, roles: &[String], role: &str) -> bool {
        roles
            .iter()
            .filter_map(|name| self.role(name))
            .any(|held| held.may_grant.iter().any(|g| g == role))
    }
}

fn declared_permissions(
    source: &Source<'_>,
    declared: BTreeMap<Spanned<String>, String>,
) -> Result<BTreeSet<String>, PolicyError> {
    let names = declared.into_keys().map(|name| {
        source.check_name(&name, "permission", '.')?;
        Ok(name.into_inner())
    });
    names.collect()
}

fn checked_role(
    source: &Source<'_>,
    declared: &BTreeSet<String>,
    kinds: &BTreeMap<String, RoleKind>,
    name: Spanned<String>,
    entry: RoleEntry,
) -> Result<Role, PolicyError> {
    source.check_name(&name, "role", '-')?;
    let mut permissions = BTreeSet::new();
    for permission in entry.permissions {
        if !declared.contains(permission.get_ref()) {
            let (role, unknown) = (name.get_ref(), permission.get_ref());
            let message = format!("role `{role}` grants unknown permission `{unknown}`");
            return Err(source.error(permission.span().start, message));
        }
        permissions.insert(permission.into_inner());
    }
    let mut may_grant = BTreeSet::new();
    for granted in entry.may_grant {
        let role = name.get_ref();
        let message = match kinds.get(granted.get_ref()) {
            None => format!(
                "role `{role}` may grant unknown role `{}`",
                granted.get_ref()
            ),
            Some(RoleKind::Staff) if entry.kind == RoleKind::Customer => format!(
                "customer role `{role}` may not grant staff role `{}`",
                granted.get_ref()
            ),
            Some(_) => {
                may_grant.insert(granted.into_inner());
                continue;
            }
        };
        return Err(source.error(granted.span().start, message));
    }
    Ok(Role {
        name: name.into_inner(),
        kind: entry.kind,
        description: entry.description,
        permissions: permissions.into_iter().collect(),
        may_grant: may_grant.into_iter().collect(),
    })
}

/// Names end up in tokens, URLs and logs, so they are kept to plain ASCII
/// words: `[a-z0-9_]+` joined by `separator`.
#[cfg(test)]
mod tests {
    use super::*;

    // Three lines, so the first role below starts on line 4.
    const DECLARED: &str = "[permissions]\n\"invoices.read\" = \"x\"\n\"news.read\" = \"x\"\n";

    /// A role taking four lines.
    fn role(name: &str, kind: &str, grants: &str) -> String {
        format!("[role.{name}]\nkind = \"{kind}\"\ndescription = \"x\"\npermissions = [{grants}]\n")
    }

    fn parse(roles: &str) -> Result<Policies, String> {
        Policies::parse("roles.toml", &format!("{DECLARED}{roles}")).map_err(|e| e.to_string())
    }

    fn error(roles: &str) -> String {
        parse(roles)
            .err()
            .unwrap_or_else(|| panic!("the policy was accepted"))
    }

    fn sample() -> Policies {
        let finance = role(
            "finance",
            "customer",
            r#""news.read", "invoices.read", "news.read""#,
        );
        let roles = [
            &role("member", "customer", r#""news.read""#),
            &finance,
            &role("support", "staff", ""),
        ];
        parse(&roles.map(String::as_str).concat()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn strings(names: &[&str]) -> Vec<String> {
        names.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn an_unknown_key_is_reported_with_its_line() {
        let message =
            error("[role.member]\nkind = \"staff\"\ndescription = \"x\"\npermisions = []\n");
        assert!(
            message.starts_with("roles.toml:7: unknown field `permisions`, expected one of"),
            "{message}"
        );
    }

    #[test]
    fn an_unknown_top_level_table_is_reported_with_its_line() {
        let expected = "roles.toml:4: unknown field `roles`, expected `permissions` or `role`";
        assert_eq!(error("[roles.member]\n"), expected);
    }

    #[test]
    fn a_duplicate_role_is_refused_with_its_line() {
        let member = role("member", "customer", "");
        let expected = "roles.toml:8: invalid table header: duplicate key `member` in table `role`";
        assert_eq!(error(&format!("{member}{member}")), expected);
    }

    #[test]
    fn a_role_granting_an_undeclared_permission_is_refused() {
        let message = error(&role(
            "finance",
            "customer",
            "\n\"news.read\",\n\"invoice.read\",\n",
        ));
        assert_eq!(
            message,
            "roles.toml:9: role `finance` grants unknown permission `invoice.read`"
        );
    }

    #[test]
    fn a_role_kind_other_than_customer_or_staff_is_refused() {
        let message = error(&role("member", "partner", ""));
        assert_eq!(
            message,
            "roles.toml:5: unknown variant `partner`, expected `customer` or `staff`"
        );
    }

    #[test]
    fn badly_formed_names_are_refused_with_their_line() {
        let message = error(&role("\"Customer Admin\"", "customer", ""));
        assert_eq!(
            message,
            "roles.toml:4: role `Customer Admin` must be lowercase words joined by `-`"
        );
        let message = Policies::parse("p.toml", "\n[permissions]\n\"Invoices.Read\" = \"x\"\n");
        let expected = "p.toml:3: permission `Invoices.Read` must be lowercase words joined by `.`";
        assert_eq!(
            message.err().map(|e| e.to_string()).as_deref(),
            Some(expected)
        );
    }

    #[test]
    fn a_syntax_error_is_reported_on_one_line() {
        let message = error("[role.member\n");
        assert!(
            message.starts_with("roles.toml:4: ") && !message.contains('\n'),
            "{message}"
        );
    }

    #[test]
    fn a_missing_policy_file_is_reported_with_its_path() {
        let dir = Path::new("/nonexistent/trohet-policies");
        match Policies::load(dir) {
            Err(PolicyError::Missing { path }) => assert_eq!(path, dir.join("roles.toml")),
            other => panic!("expected a missing file error, got {other:?}"),
        }
    }

    #[test]
    fn roles_are_listed_by_name_with_sorted_unique_permissions() {
        let policies = sample();
        let listed: Vec<&str> = policies.roles().map(|role| role.name.as_str()).collect();
        assert_eq!(listed, ["finance", "member", "support"]);
        let finance = policies
            .role("finance")
            .map(|role| (role.kind, role.permissions.clone()));
        assert_eq!(
            finance,
            Some((RoleKind::Customer, strings(&["invoices.read", "news.read"])))
        );
        assert!(policies.role("buyer").is_none());
        assert_eq!(policies.permission_count(), 2);
    }

    #[test]
    fn role_names_are_checked_for_existence_and_kind() {
        let policies = sample();
        let check = |kind, names: &[&str]| {
            policies
                .check_roles(kind, &strings(names))
                .map_err(|e| e.to_string())
        };
        assert_eq!(check(RoleKind::Customer, &["member", "finance"]), Ok(()));
        let unknown = check(RoleKind::Customer, &["member", "buyer", "support"]);
        assert_eq!(unknown, Err("unknown customer role `buyer`".to_owned()));
        let wrong = check(RoleKind::Staff, &["support", "member"]);
        assert_eq!(
            wrong,
            Err("role `member` is a customer role, not a staff role".to_owned())
        );
    }

    #[test]
    fn permissions_of_is_the_sorted_union_of_known_roles() {
        let policies = sample();
        let granted = policies.permissions_of(["support", "gone", "member", "finance"]);
        assert_eq!(granted, strings(&["invoices.read", "news.read"]));
        assert!(policies.permissions_of(["gone", "support"]).is_empty());
    }

    #[test]
    fn a_role_may_grant_only_defined_roles_and_customer_roles_no_staff_role() {
        let roles = [
            role("member", "customer", ""),
            role("support", "staff", ""),
            "[role.lead]\nkind = \"customer\"\ndescription = \"x\"\npermissions = []\nmay_grant = [\"member\", \"support\"]\n".to_string(),
        ];
        assert_eq!(
            error(&roles.concat()),
            "roles.toml:16: customer role `lead` may not grant staff role `support`"
        );
        let unknown = roles[2].replace("\"support\"", "\"boss\"");
        assert_eq!(
            error(&[roles[0].clone(), unknown].concat()),
            "roles.toml:12: role `lead` may grant unknown role `boss`"
        );
    }

    #[test]
    fn the_shipped_policies_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
        let policies = Policies::load(&dir).unwrap_or_else(|error| panic!("{error}"));
        let customer = strings(&["customer-admin", "finance", "buyer", "member"]);
        let staff = strings(&["admin", "dpo", "support", "customer-success"]);
        assert!(policies.check_roles(RoleKind::Customer, &customer).is_ok());
        assert!(policies.check_roles(RoleKind::Staff, &staff).is_ok());
        assert_eq!(policies.roles().count(), customer.len() + staff.len());
        // A customer admin sees everything a member sees.
        let admin = policies.permissions_of(["customer-admin"]);
        assert_eq!(policies.permissions_of(["customer-admin", "member"]), admin);
    }
}
