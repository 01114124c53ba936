//! The server's side of the console's server functions (see `app::backend`).

use crate::{auth, sessions, AppState};
use app::{
    backend::{Caller, Console, SetCookie},
    session::SetupForm,
    AppError,
};
use async_trait::async_trait;

pub struct ConsoleService(pub AppState);

#[async_trait]
impl Console for ConsoleService {
    async fn sign_in(
        &self,
        caller: &Caller,
        email: String,
        password: String,
    ) -> Result<SetCookie, AppError> {
        let value = auth::sign_in(&self.0, caller, &email, password).await?;
        Ok(sessions::set_cookie(&self.0.settings, &value))
    }

    async fn sign_out(&self, caller: &Caller) -> Result<SetCookie, AppError> {
        auth::sign_out(&self.0, caller).await?;
        Ok(sessions::clear_cookie(&self.0.settings))
    }

    async fn set_up(&self, caller: &Caller, form: SetupForm) -> Result<SetCookie, AppError> {
        let value = auth::set_up(&self.0, caller, form).await?;
        Ok(sessions::set_cookie(&self.0.settings, &value))
    }

    async fn change_password(
        &self,
        caller: &Caller,
        current: String,
        new: String,
    ) -> Result<(), AppError> {
        Ok(auth::change_password(&self.0, caller, current, new).await?)
    }
}
