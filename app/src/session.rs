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
