//! The permission vocabulary shared by roles and token scopes: `<module>:read`,
//! `<module>:write` (which includes read), plus `tokens:admin` and `tokens:introspect`.
//! The built-in Administrator role holds `*`, every permission, including those of
//! modules added later.

pub const ALL: &str = "*";
pub const TOKENS_READ: &str = "tokens:read";
pub const TOKENS_WRITE: &str = "tokens:write";
pub const TOKENS_ADMIN: &str = "tokens:admin";
pub const TOKENS_INTROSPECT: &str = "tokens:introspect";
pub const USERS_READ: &str = "users:read";
pub const USERS_WRITE: &str = "users:write";
/// Lets a token create people who sign in with a password (a signed-in person with
/// `users:write` may without it).
pub const USERS_CREDENTIALS: &str = "users:credentials";
pub const ROLES_READ: &str = "roles:read";
pub const ROLES_WRITE: &str = "roles:write";
pub const AUDIT_READ: &str = "audit:read";
pub const WEBHOOKS_READ: &str = "webhooks:read";
pub const WEBHOOKS_WRITE: &str = "webhooks:write";
/// Provisioning through SCIM: a directory reads (`scim:read`) or changes (`scim:write`)
/// people and groups, with its token owner's permissions.
pub const SCIM_READ: &str = "scim:read";
pub const SCIM_WRITE: &str = "scim:write";
/// The console's sign-in policy: single sign-on required or not, session length.
pub const SETTINGS_READ: &str = "settings:read";
pub const SETTINGS_WRITE: &str = "settings:write";

/// Whether a set of held permissions grants `needed`.
pub fn grants<S: AsRef<str>>(held: &[S], needed: &str) -> bool {
    held.iter().any(|p| {
        let p = p.as_ref();
        p == ALL || p == needed || write_implies_read(p, needed)
    })
}

/// A token's scopes, each as far as its owner's permissions reach: a `write` scope whose
/// owner may now only read becomes `read`; one the owner lost entirely goes. What a token
/// may do, sorted.
pub fn effective_scopes<S: AsRef<str>>(scopes: &[String], owner_permissions: &[S]) -> Vec<String> {
    let mut out: Vec<String> = scopes
        .iter()
        .filter_map(|s| {
            if grants(owner_permissions, s) {
                Some(s.clone())
            } else {
                let read = format!("{}:read", s.strip_suffix(":write")?);
                grants(owner_permissions, &read).then_some(read)
            }
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// What a token with `scopes` could do under its owner's permissions `before` and can no
/// longer do under `after` (a role change), in the order of its scopes.
pub fn scopes_lost(scopes: &[String], before: &[String], after: &[String]) -> Vec<String> {
    let now = effective_scopes(scopes, after);
    let mut lost: Vec<String> = effective_scopes(scopes, before)
        .into_iter()
        .filter(|s| !grants(&now, s))
        .collect();
    lost.sort_by_key(|s| scopes.iter().position(|t| t == s).unwrap_or(usize::MAX));
    lost
}

/// What a permission lets one do, to complete "You do not have permission to …".
pub fn describe(permission: &str) -> String {
    match permission {
        TOKENS_ADMIN => "manage every user's API tokens".into(),
        TOKENS_INTROSPECT => "verify other tokens".into(),
        TOKENS_READ => "see API tokens".into(),
        TOKENS_WRITE => "create and revoke API tokens".into(),
        USERS_CREDENTIALS => "create people who sign in with a password".into(),
        ALL => "do everything".into(),
        _ => match permission.split_once(':') {
            Some((module, "read")) => format!("see {module}"),
            Some((module, "write")) => format!("change {module}"),
            _ => format!("use {permission}"),
        },
    }
}

fn write_implies_read(held: &str, needed: &str) -> bool {
    match (held.strip_suffix(":write"), needed.strip_suffix(":read")) {
        (Some(h), Some(n)) => h == n,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_includes_read_of_the_same_module_only() {
        assert!(grants(&["users:write"], "users:read"));
        assert!(!grants(&["users:write"], "roles:read"));
        assert!(!grants(&["users:read"], "users:write"));
    }

    #[test]
    fn star_grants_everything() {
        assert!(grants(&["*"], "shipping:write"));
        assert!(grants(&["*"], TOKENS_ADMIN));
    }

    #[test]
    fn effective_scopes_are_the_intersection_with_the_owners_role() {
        let scopes: Vec<String> = ["users:write", "audit:read", "shipping:read"]
            .map(String::from)
            .to_vec();
        assert_eq!(
            effective_scopes(&scopes, &["users:read", "audit:read"]),
            ["audit:read", "users:read"]
        );
        assert_eq!(
            effective_scopes(&scopes, &["*"]),
            ["audit:read", "shipping:read", "users:write"]
        );
        assert!(effective_scopes::<&str>(&scopes, &[]).is_empty());
    }

    #[test]
    fn a_role_change_says_what_a_token_loses() {
        let scopes: Vec<String> = ["shipping:write", "audit:read", "users:read"]
            .map(String::from)
            .to_vec();
        let before: Vec<String> = vec!["*".into()];
        let after: Vec<String> = ["shipping:read", "users:read"].map(String::from).to_vec();
        assert_eq!(
            scopes_lost(&scopes, &before, &after),
            ["shipping:write", "audit:read"]
        );
        assert!(scopes_lost(&scopes, &after, &before).is_empty());
        assert_eq!(
            effective_scopes(&scopes, &after),
            ["shipping:read", "users:read"]
        );
    }

    #[test]
    fn admin_is_not_implied_by_write() {
        assert!(!grants(&[TOKENS_WRITE], TOKENS_ADMIN));
    }
}
