//! People, service accounts, roles and modules.

use leptos::prelude::*;
use server_fn::codec::GetUrl;
use types::{
    directory::{
        DeleteOptions, Module, NewModule, NewRole, NewUser, Role, RolePatch, UserFilter, UserPatch,
        UserSummary,
    },
    AppError, Page,
};

#[server(endpoint = "users/list", input = GetUrl)]
pub async fn list_users(filter: UserFilter) -> Result<Page<UserSummary>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::users::list(&core()?.pool, &principal()?, filter).await)
}

#[server(endpoint = "users/create")]
pub async fn create_user(new: NewUser) -> Result<UserSummary, AppError> {
    use super::context::{answer, core, principal};
    let core = core()?;
    answer(latchkey_core::users::create(&core.pool, &core.passwords, &principal()?, new).await)
}

#[server(endpoint = "users/update")]
pub async fn update_user(id: i64, patch: UserPatch) -> Result<UserSummary, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::users::update(&core()?, &principal()?, id, patch).await)
}

#[server(endpoint = "users/delete")]
pub async fn delete_user(id: i64, options: DeleteOptions) -> Result<(), AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::users::delete(&core()?, &principal()?, id, options).await)
}

#[server(endpoint = "roles/list", input = GetUrl)]
pub async fn list_roles() -> Result<Vec<Role>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::roles::list(&core()?.pool, &principal()?).await)
}

#[server(endpoint = "roles/create")]
pub async fn create_role(new: NewRole) -> Result<Role, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::roles::create(&core()?.pool, &principal()?, new).await)
}

#[server(endpoint = "roles/update")]
pub async fn update_role(id: i64, patch: RolePatch) -> Result<Role, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::roles::update(&core()?, &principal()?, id, patch).await)
}

#[server(endpoint = "roles/delete")]
pub async fn delete_role(id: i64) -> Result<(), AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::roles::delete(&core()?, &principal()?, id).await)
}

#[server(endpoint = "modules/list", input = GetUrl)]
pub async fn list_modules() -> Result<Vec<Module>, AppError> {
    use super::context::{answer, core, principal};
    principal()?;
    answer(latchkey_core::modules::list(&core()?.pool).await)
}

#[server(endpoint = "modules/create")]
pub async fn create_module(new: NewModule) -> Result<Module, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::modules::create(&core()?.pool, &principal()?, new).await)
}
