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

/// Whether a set of held permissions grants `needed`.
pub fn grants<S: AsRef<str>>(held: &[S], needed: &str) -> bool {
    held.iter().any(|p| {
        let p = p.as_ref();
        p == ALL || p == needed || write_implies_read(p, needed)
    })
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
    fn admin_is_not_implied_by_write() {
        assert!(!grants(&[TOKENS_WRITE], TOKENS_ADMIN));
    }
}
