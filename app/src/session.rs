//! Who is signed in, and the server functions that sign people in and out, set up the
//! first administrator and change a password. Their bodies only gather the request's
//! context and hand over to the server's [`crate::backend::Console`].

use crate::AppError;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// The signed-in person, as the console shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub role: String,
    pub permissions: Vec<String>,
}

impl CurrentUser {
    pub fn can(&self, permission: &str) -> bool {
        crate::permissions::grants(&self.permissions, permission)
    }
}

/// The first administrator, as entered on the set-up page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupForm {
    pub code: String,
    pub email: String,
    pub display_name: String,
    pub password: String,
}

pub const MIN_PASSWORD_LEN: usize = 12;

/// One of the signed-in person's sessions: a browser where they are signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub id: i64,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub last_seen_at: chrono::DateTime<chrono::Utc>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    /// The session of this very request.
    pub current: bool,
}

#[server(endpoint = "sessions/list")]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use crate::backend::{caller, console, with_status};
    with_status(console()?.list_sessions(&caller()).await)
}

/// Ends one of the caller's own sessions (signing that browser out).
#[server(endpoint = "sessions/end")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use crate::backend::{caller, console, with_status};
    with_status(console()?.end_session(&caller(), id).await)
}

#[server(endpoint = "who_am_i")]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    Ok(crate::backend::caller().user)
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use crate::backend::{caller, console, set_cookie, with_status};
    let cookie = with_status(console()?.sign_in(&caller(), email, password).await)?;
    set_cookie(&cookie);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::backend::{caller, console, set_cookie, with_status};
    let cookie = with_status(console()?.sign_out(&caller()).await)?;
    set_cookie(&cookie);
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "set_up")]
pub async fn set_up(
    code: String,
    email: String,
    display_name: String,
    password: String,
) -> Result<(), AppError> {
    use crate::backend::{caller, console, set_cookie, with_status};
    let form = SetupForm {
        code,
        email,
        display_name,
        password,
    };
    let cookie = with_status(console()?.set_up(&caller(), form).await)?;
    set_cookie(&cookie);
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use crate::backend::{caller, console, with_status};
    if new_password != confirm_password {
        return with_status(Err(AppError::invalid(
            "confirm_password",
            "The two new passwords differ.",
        )));
    }
    with_status(
        console()?
            .change_password(&caller(), current_password, new_password)
            .await,
    )
}
