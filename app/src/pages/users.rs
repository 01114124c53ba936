//! People and service accounts: create, change role, disable, enable, delete.

use crate::{
    components::{
        action_error, error_id, invalid, on_success, ConfirmDialog, ErrorAlert, FieldError,
        FormError, ShowError,
    },
    server_fns::{
        directory::{list_roles, list_users, CreateUser, DeleteUser, UpdateUser},
        tokens::list_tokens,
    },
    time::When,
    SignedIn,
};
use leptos::prelude::*;
use leptos_meta::Title;
use types::{
    directory::{DeleteOptions, NewUser, Role, UserFilter, UserKind, UserPatch, UserSummary},
    permissions::{scopes_lost, ALL, TOKENS_ADMIN, USERS_WRITE},
    tokens::TokenFilter,
};

#[component]
pub fn UsersPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let me = move || user.get().and_then(Result::ok).flatten();
    let can_write = move || me().is_some_and(|u| u.can(USERS_WRITE));
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let delete = ServerAction::<DeleteUser>::new();
    let users = Resource::new(
        move || {
            (
                create.version().get(),
                update.version().get(),
                delete.version().get(),
            )
        },
        |_| {
            list_users(UserFilter {
                limit: Some(100),
                ..Default::default()
            })
        },
    );
    let roles = Resource::new(|| (), |_| list_roles());
    let removing = RwSignal::new(None::<Removal>);
    let changing = RwSignal::new(None::<RoleChange>);
    // What the last change said when it was saved (shown once the server agrees).
    let saved = RwSignal::new(None::<String>);
    let patch = move |id: i64, patch: UserPatch| {
        saved.set(None);
        update.dispatch(UpdateUser { id, patch });
    };
    let change_role = Callback::new(move |change: RoleChange| {
        changing.set(None);
        let RoleChange { user, role, .. } = change;
        patch(
            user.id,
            UserPatch {
                role_id: Some(role.id),
                ..Default::default()
            },
        );
        saved.set(Some(format!(
            "Saved: {}'s role is now {}.",
            user.display_name, role.name
        )));
    });
    let keep_role = Callback::new(move |()| {
        if let Some(change) = changing.get_untracked() {
            change.chosen.set(change.user.role.id);
        }
        changing.set(None);
    });
    let saved_message = move || {
        update
            .value()
            .get()
            .is_some_and(|answer| answer.is_ok())
            .then(|| saved.get())
            .flatten()
    };
    let remove = Callback::new(move |(removal, revoke_created): (Removal, bool)| {
        removing.set(None);
        let revoke_created_tokens = Some(revoke_created);
        match removal {
            Removal::Disable(u) => patch(
                u.id,
                UserPatch {
                    active: Some(false),
                    revoke_created_tokens,
                    ..Default::default()
                },
            ),
            Removal::Delete(u) => {
                delete.dispatch(DeleteUser {
                    id: u.id,
                    options: DeleteOptions {
                        revoke_created_tokens,
                    },
                });
            }
        }
    });

    view! {
        <Title text="Users"/>
        <h1>"Users and service accounts"</h1>
        <p class="lead">"People sign in to the console. Service accounts cannot sign in: they exist to own integration tokens, with a role that allows only what the integration needs."</p>
        <ShowError error=action_error(update)/>
        <ShowError error=action_error(delete)/>
        {move || saved_message().map(|m| view! { <div class="alert alert-ok" role="status">{m}</div> })}
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let writable = user.await.ok().flatten().is_some_and(|u| u.can(USERS_WRITE));
                let roles = roles.await.unwrap_or_default();
                writable.then(|| view! {
                    <NewUserForm roles create/>
                })
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted" role="status">"Loading users…"</p> }>
            {move || Suspend::new(async move {
                let users = match users.await {
                    Ok(page) => page.items,
                    Err(error) => return view! { <ErrorAlert error/> }.into_any(),
                };
                let roles = roles.await.unwrap_or_default();
                let me_id = me().map(|u| u.id);
                let writable = can_write();
                view! {
                    <div class="card table-card" role="region" aria-label="Users table" tabindex="0">
                        <table class="table" aria-label="Users">
                            <thead><tr>
                                <th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Kind"</th>
                                <th scope="col">"Role"</th><th scope="col">"Status"</th><th scope="col">"Created"</th>
                                <th scope="col"><span class="sr-only">"Actions"</span></th>
                            </tr></thead>
                            <tbody>
                                {users.into_iter().map(|u| {
                                    let id = u.id;
                                    let is_me = me_id == Some(id);
                                    let editable = writable && !is_me;
                                    let (name, active) = (u.display_name.clone(), u.active);
                                    let (for_delete, for_disable) = (u.clone(), u.clone());
                                    let roles = roles.clone();
                                    view! {
                                        <tr>
                                            <td>{u.display_name.clone()} {is_me.then(|| view! { <span class="muted">" (you)"</span> })}</td>
                                            <td>{u.email.clone().unwrap_or_else(|| "—".into())}</td>
                                            <td>{if u.kind == UserKind::Service { "service account" } else { "person" }}</td>
                                            <td>{if editable {
                                                // The select shows the role chosen; a change is asked about first,
                                                // and goes back to the role held when it is not confirmed.
                                                let chosen = RwSignal::new(u.role.id);
                                                let for_change = u.clone();
                                                let choices = roles.clone();
                                                view! {
                                                    <label class="sr-only" for=format!("role-{id}")>{format!("Role of {name}")}</label>
                                                    <select id=format!("role-{id}") prop:value=move || chosen.get().to_string() on:change=move |ev| {
                                                        let picked: Option<i64> = event_target_value(&ev).parse().ok();
                                                        if let Some(role) = picked.and_then(|p| choices.iter().find(|r| r.id == p)) {
                                                            chosen.set(role.id);
                                                            changing.set(Some(RoleChange { user: for_change.clone(), role: role.clone(), from: None, chosen }));
                                                        }
                                                    }>
                                                        {roles.into_iter().map(|r| view! {
                                                            <option value=r.id.to_string() selected=r.id == u.role.id>{r.name}</option>
                                                        }).collect_view()}
                                                    </select>
                                                }.into_any()
                                            } else {
                                                view! { <span>{u.role.name.clone()}</span> }.into_any()
                                            }}</td>
                                            <td>{if active { view! { <span class="status status-active">"active"</span> } } else { view! { <span class="status status-expired">"disabled"</span> } }}</td>
                                            <td class="nowrap"><When at=u.created_at/></td>
                                            <td class="nowrap">{editable.then(|| view! {
                                                <button type="button" class="btn btn-small" on:click=move |_| {
                                                    // Asks first only when there is something to decide.
                                                    if active && for_disable.created_tokens > 0 {
                                                        removing.set(Some(Removal::Disable(for_disable.clone())));
                                                    } else {
                                                        patch(id, UserPatch { active: Some(!active), ..Default::default() });
                                                    }
                                                }>
                                                    {if active { "Disable" } else { "Enable" }}
                                                </button>
                                                " "
                                                <button type="button" class="btn btn-small btn-danger-quiet" aria-label=format!("Delete {name}")
                                                    on:click=move |_| removing.set(Some(Removal::Delete(for_delete.clone())))>"Delete"</button>
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
        {move || removing.get().map(|removal| view! {
            <RemovalDialog removal on_confirm=remove on_cancel=Callback::new(move |()| removing.set(None))/>
        })}
        {move || changing.get().map(|change| {
            let from = roles.get().and_then(Result::ok).unwrap_or_default()
                .into_iter().find(|r| r.id == change.user.role.id);
            let sees_tokens = me().is_some_and(|u| u.can(TOKENS_ADMIN));
            view! { <RoleChangeDialog change=RoleChange { from, ..change } sees_tokens on_confirm=change_role on_cancel=keep_role/> }
        })}
    }
}

/// Each live token that would lose something, and what.
fn losses(
    tokens: Vec<types::tokens::TokenSummary>,
    before: &[String],
    after: &[String],
) -> impl IntoView {
    let losing: Vec<(String, Vec<String>)> = tokens
        .into_iter()
        .map(|t| (t.name.clone(), scopes_lost(&t.scopes, before, after)))
        .filter(|(_, lost)| !lost.is_empty())
        .collect();
    if losing.is_empty() {
        return view! { <p>"None of their live tokens loses anything."</p> }.into_any();
    }
    view! {
        <p>"What their tokens would no longer be able to do:"</p>
        <ul class="role-change-losses" aria-label="What their tokens lose">
            {losing.into_iter().map(|(name, lost)| view! {
                <li><strong>{name}</strong>" loses "{lost.join(", ")}</li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// A role about to be given to a user, asked about first.
#[derive(Clone)]
struct RoleChange {
    user: UserSummary,
    role: Role,
    /// The role they hold now, with its permissions (when the roles are known).
    from: Option<Role>,
    /// The row's select, put back to the role held when the change is not confirmed.
    chosen: RwSignal<i64>,
}

/// Asks before changing a user's role, and says what each of their live tokens would no
/// longer be able to do: a token reaches only as far as its scopes and its owner's role
/// both allow.
#[component]
fn RoleChangeDialog(
    change: RoleChange,
    /// Whether the one asking may see others' tokens (`tokens:admin`).
    sees_tokens: bool,
    on_confirm: Callback<RoleChange>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let title = format!(
        "Change {}'s role to {}?",
        change.user.display_name, change.role.name
    );
    let before = change
        .from
        .as_ref()
        .map_or_else(|| vec![ALL.to_owned()], |r| r.permissions.clone());
    let after = change.role.permissions.clone();
    let owner = change.user.id;
    let tokens = sees_tokens.then(|| {
        Resource::new(
            move || (),
            move |_| {
                list_tokens(TokenFilter {
                    owner_id: Some(owner),
                    status: Some(types::tokens::TokenStatus::Active),
                    limit: Some(100),
                    ..Default::default()
                })
            },
        )
    });
    let confirm = {
        let change = change.clone();
        Callback::new(move |()| on_confirm.run(change.clone()))
    };
    view! {
        <ConfirmDialog title confirm_label="Change role" on_confirm=confirm on_cancel>
            <p>{format!(
                "{} will have the permissions of {}. Their API tokens keep their scopes, but each can do only what the new role allows too.",
                change.user.display_name, change.role.name
            )}</p>
            {match tokens {
                None => view! { <p class="muted">"What their tokens would lose is shown to token admins (tokens:admin)."</p> }.into_any(),
                Some(tokens) => view! {
                    <Transition fallback=|| view! { <p class="muted" role="status">"Looking at their tokens…"</p> }>
                        {move || {
                            let (before, after) = (before.clone(), after.clone());
                            Suspend::new(async move {
                                match tokens.await {
                                    Err(error) => view! { <p class="muted">{format!("Their tokens could not be listed: {error}")}</p> }.into_any(),
                                    Ok(page) => losses(page.items, &before, &after).into_any(),
                                }
                            })
                        }}
                    </Transition>
                }.into_any(),
            }}
        </ConfirmDialog>
    }
}

/// Disabling or deleting a user.
#[derive(Clone)]
enum Removal {
    Disable(UserSummary),
    Delete(UserSummary),
}

/// Asks before disabling or deleting a user, and offers to revoke the tokens they created
/// for others, listing them to those who may see them.
#[component]
fn RemovalDialog(
    removal: Removal,
    on_confirm: Callback<(Removal, bool)>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let (user, title, label, consequence) = match &removal {
        Removal::Disable(u) => (
            u.clone(),
            format!("Disable {}?", u.display_name),
            "Disable",
            "They can no longer sign in, and their API tokens stop working until they are enabled again.",
        ),
        Removal::Delete(u) => (
            u.clone(),
            format!("Delete {}?", u.display_name),
            "Delete",
            "Their API tokens are revoked with them and stop working at once. The audit log keeps what they did.",
        ),
    };
    let revoke_created = RwSignal::new(true);
    let created = user.created_tokens;
    let made = (created > 0).then(|| {
        Resource::new(
            move || (),
            move |_| {
                list_tokens(TokenFilter {
                    created_by: Some(user.id),
                    status: Some(types::tokens::TokenStatus::Active),
                    limit: Some(100),
                    ..Default::default()
                })
            },
        )
    });
    let confirm =
        Callback::new(move |()| on_confirm.run((removal.clone(), revoke_created.get_untracked())));
    view! {
        <ConfirmDialog title confirm_label=label on_confirm=confirm on_cancel>
            <p>{consequence}</p>
            {made.map(|made| view! {
                <p>{format!("They created {created} live API tokens for others, which keep working unless revoked:")}</p>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        made.await.ok().map(|page| view! {
                            <ul class="made-tokens">
                                {page.items.into_iter().map(|t| view! {
                                    <li>{t.name} " " <span class="muted">{format!("({}, {})", t.owner.display_name, t.masked)}</span></li>
                                }).collect_view()}
                            </ul>
                        })
                    })}
                </Transition>
                <label class="choice">
                    <input type="checkbox" prop:checked=move || revoke_created.get()
                        on:change=move |ev| revoke_created.set(event_target_checked(&ev))/>
                    {format!("Also revoke the {created} tokens they created")}
                </label>
            })}
        </ConfirmDialog>
    }
}

#[component]
fn NewUserForm(
    roles: Vec<types::directory::Role>,
    create: ServerAction<CreateUser>,
) -> impl IntoView {
    // A new account starts with the least-privileged role (the fewest permissions), never
    // one that holds every permission: more is a choice, not a default.
    let least = roles
        .iter()
        .filter(|r| !r.permissions.iter().any(|p| p == ALL))
        .min_by(|a, b| (a.permissions.len(), &a.name).cmp(&(b.permissions.len(), &b.name)))
        .map(|r| r.id);
    let kind = RwSignal::new(UserKind::Service);
    let name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let role = RwSignal::new(least);
    let error_signal = action_error(create);
    let done = move || match create.value().get() {
        Some(Ok(user)) => Some(format!("{} was created.", user.display_name)),
        _ => None,
    };
    // A new user was created: the form is ready for the next one.
    on_success(create, move |_| {
        name.set(String::new());
        email.set(String::new());
        password.set(String::new());
    });
    let is_person = move || kind.get() == UserKind::Human;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(role_id) = role.get_untracked() else {
            return;
        };
        let person = kind.get_untracked() == UserKind::Human;
        let new = NewUser {
            kind: Some(kind.get_untracked()),
            email: Some(email.get_untracked()).filter(|e| !e.trim().is_empty()),
            display_name: name.get_untracked(),
            password: person.then(|| password.get_untracked()),
            role_id,
        };
        create.dispatch(CreateUser { new });
    };
    view! {
        <section class="card">
            <h2>"Add a user or service account"</h2>
            <form on:submit=submit>
                <FormError error=error_signal/>
                {move || done().map(|m| view! { <div class="alert alert-ok" role="status">{m}</div> })}
                <fieldset class="choices-inline">
                    <legend>"Kind"</legend>
                    <label class="choice"><input type="radio" name="kind" value="service" prop:checked=move || !is_person() on:change=move |_| kind.set(UserKind::Service)/>"Service account"</label>
                    <label class="choice"><input type="radio" name="kind" value="human" prop:checked=is_person on:change=move |_| kind.set(UserKind::Human)/>"Person"</label>
                </fieldset>
                <label for="user-name">"Name"</label>
                <input id="user-name" required aria-invalid=invalid(error_signal, "display_name")
                    aria-describedby=error_id(error_signal, "display_name") prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <FieldError error=error_signal field="display_name"/>
                <Show when=is_person>
                    <label for="user-email">"Email"</label>
                    <input id="user-email" type="email" aria-invalid=invalid(error_signal, "email")
                        aria-describedby=error_id(error_signal, "email") prop:value=move || email.get() on:input=move |ev| email.set(event_target_value(&ev))/>
                    <FieldError error=error_signal field="email"/>
                    <label for="user-password">"Initial password"</label>
                    <input id="user-password" type="password" autocomplete="new-password"
                        aria-invalid=invalid(error_signal, "password")
                        aria-describedby=error_id(error_signal, "password") prop:value=move || password.get() on:input=move |ev| password.set(event_target_value(&ev))/>
                    <FieldError error=error_signal field="password"/>
                </Show>
                <label for="user-role">"Role"</label>
                <select id="user-role" prop:value=move || role.get().map(|r| r.to_string()).unwrap_or_default()
                    on:change=move |ev| role.set(event_target_value(&ev).parse().ok())>
                    {roles.into_iter().map(|r| view! {
                        <option value=r.id.to_string() selected=Some(r.id) == least>{r.name}</option>
                    }).collect_view()}
                </select>
                <FieldError error=error_signal field="role_id"/>
                <div><button type="submit" class="btn btn-primary">"Create"</button></div>
            </form>
        </section>
    }
}
