//! Signing in and out, the first administrator's set-up, one's sessions and password.

use leptos::prelude::*;
use server_fn::codec::GetUrl;
pub use types::session::SignInFailure;
use types::{
    session::{SessionInfo, SignInPolicy},
    AppError, CurrentUser,
};

#[server(endpoint = "sessions/list", input = GetUrl)]
pub async fn list_sessions() -> Result<Vec<SessionInfo>, AppError> {
    use super::context::{answer, caller, core, with_status};
    let caller = caller();
    let user = with_status(caller.user())?;
    let current = caller.session_digest.as_deref().unwrap_or_default();
    let core = core()?;
    answer(latchkey_core::sessions::list(&core.pool, &core.settings, user.id, current).await)
}

/// Ends one of the caller's own sessions (signing that browser out).
#[server(endpoint = "sessions/end")]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::accounts::end_session(&core()?.pool, &caller(), id).await)
}

/// Signs the caller out of every browser but this one; how many sessions it ended.
#[server(endpoint = "sessions/end_others")]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use super::context::{answer, caller, core};
    answer(latchkey_core::accounts::end_other_sessions(&core()?.pool, &caller()).await)
}

#[server(endpoint = "who_am_i", input = GetUrl)]
pub async fn who_am_i() -> Result<Option<CurrentUser>, AppError> {
    Ok(super::context::caller().user)
}

#[server(endpoint = "sign_in")]
pub async fn sign_in(email: String, password: String) -> Result<(), AppError> {
    use super::context::{answer, caller, core, go_to_after_plain_form, set_cookie};
    use latchkey_core::{
        accounts,
        factors::challenge::{self, Admission},
        sessions,
    };
    let core = core()?;
    let signed_in =
        answer(accounts::sign_in(&core.pool, &core.passwords, &caller(), &email, password).await);
    let admission = signed_in.inspect_err(|e| {
        // Without the Wasm, the sign-in page says what went wrong (from a fixed list:
        // nothing a link could make it say).
        go_to_after_plain_form(&format!(
            "/login?failed={}",
            SignInFailure::from(e).as_str()
        ));
    })?;
    match admission {
        Admission::Session(value) => {
            set_cookie(&sessions::set_cookie(&core.settings, &value));
            leptos_axum::redirect("/");
        }
        Admission::SecondFactor(value) => {
            set_cookie(&challenge::set_cookie(&core.settings, &value));
            leptos_axum::redirect(SECOND_FACTOR_PAGE);
        }
    }
    Ok(())
}

/// Where a sign-in waits for its second factor.
pub const SECOND_FACTOR_PAGE: &str = "/login/code";

/// Finishes a sign-in with a code from the person's authenticator app, or a recovery code.
#[server(endpoint = "sign_in/code")]
pub async fn sign_in_with_code(code: String) -> Result<(), AppError> {
    use super::context::{
        answer, caller, core, go_to_after_plain_form, request_headers, set_cookie,
    };
    use latchkey_core::{factors::challenge, sessions};
    let core = core()?;
    let headers = request_headers();
    let waiting = challenge::cookie_value(&core.settings, &headers);
    let finished = answer(challenge::finish(&core.pool, &caller(), waiting, &code).await);
    let value = finished.inspect_err(|_| go_to_after_plain_form(SECOND_FACTOR_PAGE))?;
    set_cookie(&challenge::set_cookie(&core.settings, ""));
    set_cookie(&sessions::set_cookie(&core.settings, &value));
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use super::context::{answer, caller, core, set_cookie};
    use latchkey_core::{accounts, sessions};
    let core = core()?;
    answer(accounts::sign_out(&core.pool, &caller()).await)?;
    set_cookie(&sessions::clear_cookie(&core.settings));
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
    use super::context::{answer, caller, core, set_cookie};
    use latchkey_core::{accounts, sessions};
    use types::session::SetupForm;
    let form = SetupForm {
        code,
        email,
        display_name,
        password,
    };
    let core = core()?;
    let value =
        answer(accounts::set_up(&core.pool, &core.passwords, &core.setup, &caller(), form).await)?;
    set_cookie(&sessions::set_cookie(&core.settings, &value));
    leptos_axum::redirect("/");
    Ok(())
}

#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
    confirm_password: String,
) -> Result<(), AppError> {
    use super::context::{answer, caller, core, with_status};
    if new_password != confirm_password {
        return with_status(Err(AppError::invalid(
            "confirm_password",
            "The two new passwords differ.",
        )));
    }
    let core = core()?;
    answer(
        latchkey_core::accounts::change_password(
            &core.pool,
            &core.passwords,
            &caller(),
            current_password,
            new_password,
        )
        .await,
    )
}

/// The console's sign-in policy (`settings:read`).
#[server(endpoint = "settings/get", input = GetUrl)]
pub async fn get_sign_in_policy() -> Result<SignInPolicy, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::policy::get(&core()?, &principal()?).await)
}

/// Changes the console's sign-in policy (`settings:write`).
#[server(endpoint = "settings/update")]
pub async fn update_sign_in_policy(policy: SignInPolicy) -> Result<SignInPolicy, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::policy::update(&core()?, &principal()?, policy).await)
}
