//! Who acts: a signed-in person, an API token (acting for its owner with its effective
//! scopes), or the command line. Every rule about who may do what asks this.

use chrono::{DateTime, Utc};
use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
};
use types::{permissions, AppError, Caller};

/// The token a principal acts through.
#[derive(Debug, Clone)]
pub struct ActingToken {
    pub row_id: i64,
    pub public_id: String,
    pub expires_at: Option<DateTime<Utc>>,
    /// What the request needed of the token; owned by whoever authenticated the request,
    /// which reads it once the answer is known.
    pub needed: Ledger,
}

/// The permissions a request needed, as the request states them: the operation's scope,
/// each permission a rule of the domain required (`tokens:admin` to see others' tokens),
/// and each the request handed out (a new token's scopes). Permissions a rule only
/// compared (whether the caller outranks a user's role) are not needs, and a need that one
/// already written implies (`users:read` after `users:write`) is not written again. What
/// least privilege is judged by: the unused-scopes report and the narrower replacement.
#[derive(Debug, Clone, Default)]
pub struct Ledger(Arc<Mutex<Vec<String>>>);

impl Ledger {
    fn write(&self, permission: &str) {
        let mut needed = self.0.lock().expect("the ledger of needs");
        if !permission.is_empty() && !permissions::grants(&needed, permission) {
            needed.push(permission.to_owned());
        }
    }

    /// The permissions needed so far, each once, in the order they were first needed.
    pub fn read(&self) -> Vec<String> {
        self.0.lock().expect("the ledger of needs").clone()
    }
}

#[derive(Debug, Clone)]
pub struct Principal {
    /// The acting user (a token's owner); `None` for the command line.
    pub user_id: Option<i64>,
    /// How the principal reads in the audit log.
    pub label: String,
    /// The role's permissions, or for a token its effective scopes.
    pub permissions: Vec<String>,
    /// The token acting, if a token acts.
    pub token: Option<ActingToken>,
    pub client_addr: Option<IpAddr>,
}

impl Principal {
    /// The signed-in user of a console request.
    /// Someone who must set up a second factor first acts on nothing else.
    pub fn from_caller(caller: &Caller) -> Result<Self, AppError> {
        let user = caller.user()?;
        if user.must_enrol {
            return Err(AppError::SecondFactorRequired);
        }
        Ok(Self {
            user_id: Some(user.id),
            label: user.email.clone(),
            permissions: user.permissions.clone(),
            token: None,
            client_addr: caller.client_addr,
        })
    }

    /// Provisioning from the server's command line: every permission.
    pub fn command_line() -> Self {
        Self::system("command line", None)
    }

    /// A leak report from a secret scanner, verified by its signature: may flag and revoke
    /// any token.
    pub fn leak_report() -> Self {
        Self::system("leak report", None)
    }

    /// Reuse detection: a rolled token was used after its overlap window, from `client`;
    /// may revoke its family.
    pub fn reuse_detection(client: Option<IpAddr>) -> Self {
        Self::system("reuse detection", client)
    }

    /// Latchkey itself acting, with every permission, under `label` in the audit log.
    fn system(label: &str, client_addr: Option<IpAddr>) -> Self {
        Self {
            user_id: None,
            label: label.into(),
            permissions: vec![permissions::ALL.into()],
            token: None,
            client_addr,
        }
    }

    /// Whether the principal holds `permission`: a question, never written down as a
    /// need (see [`Ledger`]).
    pub fn can(&self, permission: &str) -> bool {
        permissions::grants(&self.permissions, permission)
    }

    /// The request needs `permission`: `Ok` (and the need written in the acting token's
    /// ledger) if the principal holds it; `what` completes "You do not have permission
    /// to …".
    pub fn require(&self, permission: &str, what: &str) -> Result<(), AppError> {
        if self.can(permission) {
            self.need(permission);
            Ok(())
        } else {
            Err(AppError::MissingPermission {
                permission: permission.into(),
                what: what.into(),
            })
        }
    }

    /// Nobody hands out more than they hold: `Ok` if every one of `granted` is theirs.
    /// Refusing is a matter of privilege (403), not of the request's form.
    /// Handing them out needs them: on `Ok` each is written in the acting token's ledger.
    pub fn require_all<S: AsRef<str>>(&self, granted: &[S]) -> Result<(), AppError> {
        match granted.iter().find(|p| !self.can(p.as_ref())) {
            None => {
                granted.iter().for_each(|p| self.need(p.as_ref()));
                Ok(())
            }
            Some(p) => Err(AppError::Forbidden(format!(
                "grant {}: your own access does not include it",
                p.as_ref()
            ))),
        }
    }

    fn need(&self, permission: &str) {
        if let Some(token) = &self.token {
            token.needed.write(permission);
        }
    }

    pub fn is(&self, user_id: i64) -> bool {
        self.user_id == Some(user_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acting_with(scopes: &[&str]) -> Principal {
        Principal {
            user_id: Some(1),
            label: "sap@example.com".into(),
            permissions: scopes.iter().map(|s| s.to_string()).collect(),
            token: Some(ActingToken {
                row_id: 1,
                public_id: "Ab12Cd34Ef56".into(),
                expires_at: None,
                needed: Ledger::default(),
            }),
            client_addr: None,
        }
    }

    fn needed(p: &Principal) -> Vec<String> {
        p.token.as_ref().unwrap().needed.read()
    }

    #[test]
    fn asking_is_not_needing() {
        let p = acting_with(&["users:write", "audit:read"]);
        assert!(p.can("audit:read"));
        assert!(p.can("users:read"));
        assert!(!p.can("roles:read"));
        assert!(needed(&p).is_empty(), "a question writes nothing");
    }

    #[test]
    fn a_need_is_written_once_and_not_when_implied() {
        let p = acting_with(&["users:write", "tokens:write"]);
        p.require("users:write", "change users").unwrap();
        p.require("users:read", "see users").unwrap();
        p.require("users:write", "change users").unwrap();
        assert!(p.require("roles:read", "see roles").is_err());
        p.require_all(&["tokens:write"]).unwrap();
        assert_eq!(needed(&p), ["users:write", "tokens:write"]);
    }
}
