//! Roles with a permission checklist grouped by module, and the modules themselves.

use crate::{
    components::{
        action_error, error_id, invalid, on_success, Chips, ConfirmDialog, ErrorAlert, FieldError,
        FormError, ShowError,
    },
    server_fns::directory::{
        list_modules, list_roles, CreateModule, CreateRole, DeleteRole, UpdateRole,
    },
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use std::collections::BTreeSet;
use types::{
    directory::{Module, NewModule, NewRole, Role, RolePatch},
    permissions::ROLES_WRITE,
};

#[component]
pub fn RolesPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let can_write = move || {
        user.get()
            .and_then(Result::ok)
            .flatten()
            .is_some_and(|u| u.can(ROLES_WRITE))
    };
    let create = ServerAction::<CreateRole>::new();
    let update = ServerAction::<UpdateRole>::new();
    let delete = ServerAction::<DeleteRole>::new();
    let add_module = ServerAction::<CreateModule>::new();
    let roles = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                delete.version().get(),
                add_module.version().get(),
            )
        },
        |_| list_roles(),
    );
    let modules = Resource::new(move || add_module.version().get(), |_| list_modules());
    let editing = RwSignal::new(None::<Role>);
    let to_delete = RwSignal::new(None::<Role>);
    // A saved edit closes the editor.
    on_success(update, move |_| editing.set(None));
    let confirm_delete = Callback::new(move |()| {
        if let Some(role) = to_delete.get_untracked() {
            to_delete.set(None);
            delete.dispatch(DeleteRole { id: role.id });
        }
    });

    view! {
        <Title text="Roles"/>
        <h1>"Roles"</h1>
        <p class="lead">"A role carries permissions. A token reaches what its scopes and its owner's role both allow: change a role, and its users' tokens change with it."</p>
        <ShowError error=action_error(delete)/>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading roles…"</p> }>
            {move || Suspend::new(async move {
                let roles = match roles.await {
                    Ok(r) => r,
                    Err(error) => return view! { <ErrorAlert error/> }.into_any(),
                };
                let writable = can_write();
                view! {
                    <div class="card table-card" role="region" aria-label="Roles table" tabindex="0">
                        <table class="table" aria-label="Roles">
                            <thead><tr><th scope="col">"Role"</th><th scope="col">"Permissions"</th><th scope="col">"Users"</th><th scope="col"><span class="sr-only">"Actions"</span></th></tr></thead>
                            <tbody>
                                {roles.into_iter().map(|r| {
                                    let (for_edit, for_delete) = (r.clone(), r.clone());
                                    let (builtin, name) = (r.builtin, r.name.clone());
                                    let groups = (!r.sso_groups.is_empty()).then(|| r.sso_groups.join(", "));
                                    view! {
                                        <tr>
                                            <td><strong>{r.name.clone()}</strong> {r.builtin.then(|| view! { " " <span class="badge">"built-in"</span> })}
                                                <div class="muted">{r.description.clone()}</div>
                                                {groups.map(|g| view! { <div class="muted">"Single sign-on groups: " <span class="mono">{g}</span></div> })}</td>
                                            <td><Chips items=r.permissions.clone()/></td>
                                            <td>{r.user_count}</td>
                                            // A built-in role's permissions are fixed; which groups get it is not.
                                            <td class="nowrap">{writable.then(|| view! {
                                                <button type="button" class="btn btn-small" aria-label=if builtin { format!("Groups of {name}") } else { format!("Edit {name}") }
                                                    on:click=move |_| editing.set(Some(for_edit.clone()))>{if builtin { "Groups" } else { "Edit" }}</button>
                                                {(!builtin).then(|| view! {
                                                    " "
                                                    <button type="button" class="btn btn-small btn-danger-quiet" aria-label=format!("Delete {name}")
                                                        on:click=move |_| to_delete.set(Some(for_delete.clone()))>"Delete"</button>
                                                })}
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            })}
        </Transition>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let writable = user.await.ok().flatten().is_some_and(|u| u.can(ROLES_WRITE));
                let list = modules.await.unwrap_or_default();
                let role = editing.get();
                writable.then(|| view! {
                    <RoleForm role modules=list.clone() create update on_cancel=Callback::new(move |()| editing.set(None))/>
                    <ModulesSection modules=list add_module/>
                })
            })}
        </Transition>
        {move || to_delete.get().map(|r| view! {
            <ConfirmDialog title=format!("Delete the role {}?", r.name) confirm_label="Delete role"
                on_confirm=confirm_delete on_cancel=Callback::new(move |()| to_delete.set(None))>
                <p>"Only a role that no user has can be deleted."</p>
            </ConfirmDialog>
        })}
    }
}

/// Create a role, or edit `role`: name, description, and permissions by module.
#[component]
fn RoleForm(
    role: Option<Role>,
    modules: Vec<Module>,
    create: ServerAction<CreateRole>,
    update: ServerAction<UpdateRole>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let editing_id = role.as_ref().map(|r| r.id);
    let builtin = role.as_ref().is_some_and(|r| r.builtin);
    let groups = RwSignal::new(
        role.as_ref()
            .map(|r| r.sso_groups.join(", "))
            .unwrap_or_default(),
    );
    let name = RwSignal::new(role.as_ref().map(|r| r.name.clone()).unwrap_or_default());
    let description = RwSignal::new(
        role.as_ref()
            .map(|r| r.description.clone())
            .unwrap_or_default(),
    );
    let chosen = RwSignal::new(
        role.map(|r| r.permissions.into_iter().collect::<BTreeSet<_>>())
            .unwrap_or_default(),
    );
    let error_signal = match editing_id {
        Some(_) => action_error(update),
        None => action_error(create),
    };
    // A new role was created: the form is ready for the next one.
    on_success(create, move |_| {
        name.set(String::new());
        description.set(String::new());
        groups.set(String::new());
        chosen.set(BTreeSet::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let permissions: Vec<String> = chosen.get_untracked().into_iter().collect();
        let (name, description) = (name.get_untracked(), Some(description.get_untracked()));
        let sso_groups: Vec<String> = groups
            .get_untracked()
            .split(',')
            .map(|g| g.trim().to_owned())
            .filter(|g| !g.is_empty())
            .collect();
        match editing_id {
            Some(id) if builtin => {
                let patch = RolePatch {
                    sso_groups: Some(sso_groups),
                    ..Default::default()
                };
                update.dispatch(UpdateRole { id, patch });
            }
            Some(id) => {
                let patch = RolePatch {
                    name: Some(name),
                    description,
                    permissions: Some(permissions),
                    sso_groups: Some(sso_groups),
                };
                update.dispatch(UpdateRole { id, patch });
            }
            None => {
                let new = NewRole {
                    name,
                    description,
                    permissions,
                    sso_groups,
                };
                create.dispatch(CreateRole { new });
            }
        }
    };
    let checkbox = move |permission: String, label: String| {
        let id = format!("perm-{}", permission.replace(':', "-"));
        let label_for = id.clone();
        let p1 = permission.clone();
        view! {
            <label class="choice" for=label_for>
                <input type="checkbox" id=id prop:checked=move || chosen.with(|c| c.contains(&p1))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        let p = permission.clone();
                        chosen.update(|c| { if on { c.insert(p); } else { c.remove(&p); } });
                    }/>
                {label}
            </label>
        }
    };
    view! {
        <section class="card">
            <h2>{match (editing_id, builtin) { (Some(_), true) => "Groups of a built-in role", (Some(_), false) => "Edit role", (None, _) => "New role" }}</h2>
            <form on:submit=submit>
                <FormError error=error_signal/>
                <label for="role-name">"Name"</label>
                <input id="role-name" required disabled=builtin aria-invalid=invalid(error_signal, "name")
                    aria-describedby=error_id(error_signal, "name") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError error=error_signal field="name"/>
                <label for="role-description">"Description"</label>
                <input id="role-description" disabled=builtin prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                <label for="role-sso-groups">"Single sign-on groups"</label>
                <input id="role-sso-groups" aria-describedby="role-sso-groups-hint" aria-invalid=invalid(error_signal, "sso_groups")
                    prop:value=move || groups.get() on:input=move |ev| groups.set(event_target_value(&ev))/>
                <p class="hint" id="role-sso-groups-hint">"Comma-separated. People in any of these identity-provider groups get this role each time they sign in with single sign-on."</p>
                <FieldError error=error_signal field="sso_groups"/>
                <fieldset disabled=builtin class:invalid=move || invalid(error_signal, "permissions")().is_some()>
                    <legend>"Permissions"</legend>
                    {modules.into_iter().map(|m| {
                        let slug = m.slug.clone();
                        let write_label = if slug == "tokens" { "create API tokens (tokens:write)".to_owned() } else { format!("{slug}:write") };
                        view! {
                            <div class="module-row">
                                <div class="module-name"><span class="mono">{slug.clone()}</span><span class="muted">{m.description.clone()}</span></div>
                                <div class="module-choices">
                                    {checkbox(format!("{slug}:read"), format!("{slug}:read"))}
                                    {checkbox(format!("{slug}:write"), write_label)}
                                    {(slug == "users").then(|| checkbox("users:credentials".into(), "create people with passwords, through tokens (users:credentials)".into()))}
                                    {(slug == "tokens").then(|| view! {
                                        {checkbox("tokens:admin".into(), "every user's tokens (tokens:admin)".into())}
                                        {checkbox("tokens:introspect".into(), "verify tokens (tokens:introspect)".into())}
                                    })}
                                </div>
                            </div>
                        }
                    }).collect_view()}
                </fieldset>
                <FieldError error=error_signal field="permissions"/>
                <div class="wizard-actions">
                    {editing_id.is_some().then(|| view! { <button type="button" class="btn" on:click=move |_| on_cancel.run(())>"Cancel"</button> })}
                    <button type="submit" class="btn btn-primary">{match (editing_id, builtin) { (Some(_), true) => "Save groups", (Some(_), false) => "Save role", (None, _) => "Create role" }}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn ModulesSection(modules: Vec<Module>, add_module: ServerAction<CreateModule>) -> impl IntoView {
    let slug = RwSignal::new(String::new());
    let description = RwSignal::new(String::new());
    let error_signal = action_error(add_module);
    on_success(add_module, move |_| {
        slug.set(String::new());
        description.set(String::new());
    });
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewModule {
            slug: slug.get_untracked(),
            description: Some(description.get_untracked()),
        };
        add_module.dispatch(CreateModule { new });
    };
    view! {
        <section class="card">
            <h2>"Modules"</h2>
            <p class="hint">"Scopes and permissions are about modules. Add your own (for example shipping) so that your services can use Latchkey tokens too."</p>
            <Chips items=modules.into_iter().map(|m| m.slug).collect() label="Modules"/>
            <form on:submit=submit class="inline-form">
                <FormError error=error_signal/>
                <label for="module-slug">"Module slug"</label>
                <input id="module-slug" required placeholder="shipping"
                    aria-invalid=invalid(error_signal, "slug") aria-describedby=error_id(error_signal, "slug") prop:value=move || slug.get() on:input=move |ev| slug.set(event_target_value(&ev))/>
                <FieldError error=error_signal field="slug"/>
                <label for="module-description">"Module description"</label>
                <input id="module-description" prop:value=move || description.get() on:input=move |ev| description.set(event_target_value(&ev))/>
                <div><button type="submit" class="btn btn-primary">"Add module"</button></div>
            </form>
        </section>
    }
}
