use crate::{
    components::{action_error, FieldError, FormError, PasswordInput},
    session::ChangePassword,
    SignedIn,
};
use leptos::{form::ActionForm, prelude::*};
use leptos_meta::Title;

#[component]
pub fn AccountPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let action = ServerAction::<ChangePassword>::new();
    let error = action_error(action);
    let changed = move || matches!(action.value().get(), Some(Ok(())));
    view! {
        <Title text="Account"/>
        <h1>"Account"</h1>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                user.await.ok().flatten().map(|u| view! {
                    <section class="card">
                        <dl class="facts">
                            <dt>"Name"</dt><dd>{u.display_name}</dd>
                            <dt>"Email"</dt><dd>{u.email}</dd>
                            <dt>"Role"</dt><dd>{u.role}</dd>
                        </dl>
                    </section>
                })
            })}
        </Transition>
        <section class="card">
            <h2>"Change password"</h2>
            <ActionForm action>
                <FormError error/>
                <Show when=changed>
                    <div class="alert alert-ok" role="status">"Your password was changed. Other sessions were signed out."</div>
                </Show>
                <PasswordInput id="current_password" label="Current password" autocomplete="current-password"/>
                <FieldError error field="current_password"/>
                <PasswordInput id="new_password" label="New password" autocomplete="new-password"
                    hint="At least 12 characters."/>
                <FieldError error field="new_password"/>
                <PasswordInput id="confirm_password" label="New password, again" autocomplete="new-password"/>
                <FieldError error field="confirm_password"/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    "Change password"
                </button>
            </ActionForm>
        </section>
    }
}
