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
    /// The scopes the request has needed so far: each permission a check found the token
    /// holding (the operation's scope, and whatever the domain's rules asked, such as
    /// `tokens:admin` to see others' tokens). What least privilege is judged by.
    pub needed: Arc<Mutex<Vec<String>>>,
}

impl ActingToken {
    /// The scopes needed so far, each once.
    pub fn needed(&self) -> Vec<String> {
        self.needed.lock().expect("needed scopes").clone()
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
    pub fn from_caller(caller: &Caller) -> Result<Self, AppError> {
        let user = caller.user()?;
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

    pub fn can(&self, permission: &str) -> bool {
        let granted = permissions::grants(&self.permissions, permission);
        if let Some(token) = self
            .token
            .as_ref()
            .filter(|_| granted && !permission.is_empty())
        {
            let mut needed = token.needed.lock().expect("needed scopes");
            if !needed.iter().any(|n| n == permission) {
                needed.push(permission.to_owned());
            }
        }
        granted
    }

    /// `Ok` if the principal holds `permission`; `what` completes "You do not have
    /// permission to …".
    pub fn require(&self, permission: &str, what: &str) -> Result<(), AppError> {
        if self.can(permission) {
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
    pub fn require_all<S: AsRef<str>>(&self, granted: &[S]) -> Result<(), AppError> {
        match granted.iter().find(|p| !self.can(p.as_ref())) {
            None => Ok(()),
            Some(p) => Err(AppError::Forbidden(format!(
                "grant {}: your own access does not include it",
                p.as_ref()
            ))),
        }
    }

    pub fn is(&self, user_id: i64) -> bool {
        self.user_id == Some(user_id)
    }
}
