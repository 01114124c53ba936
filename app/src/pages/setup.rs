use crate::{
    components::{
        action_error, error_id, invalid, FieldError, Fields, FormError, PasswordInput, ServerForm,
    },
    server_fns::session::SetUp,
};
use leptos::prelude::*;
use leptos_meta::Title;

/// First run: creates the first administrator, guarded by the code in the server's log.
#[component]
pub fn SetupPage() -> impl IntoView {
    let action = ServerAction::<SetUp>::new();
    let error = action_error(action);
    view! {
        <Title text="Set up"/>
        <section class="card auth-card">
            <h1>"Set up Latchkey"</h1>
            <p class="lead">
                "Create the first administrator. The set-up code is printed in the server's log "
                "each time it starts, until set-up is done, so that nobody else on the network "
                "can claim this instance."
            </p>
            <ServerForm action read=fields>
                <FormError error/>
                <label for="code">"Set-up code"</label>
                <input id="code" name="code" autocomplete="off" spellcheck="false" required
                    placeholder="XXXX-XXXX-XXXX" aria-invalid=invalid(error, "code")
                    aria-describedby=error_id(error, "code")/>
                <FieldError error field="code"/>
                <label for="email">"Email"</label>
                <input id="email" name="email" type="email" autocomplete="username" required
                    aria-invalid=invalid(error, "email") aria-describedby=error_id(error, "email")/>
                <FieldError error field="email"/>
                <label for="display_name">"Name"</label>
                <input id="display_name" name="display_name" autocomplete="name" required
                    aria-invalid=invalid(error, "display_name")
                    aria-describedby=error_id(error, "display_name")/>
                <FieldError error field="display_name"/>
                <PasswordInput id="password" label="Password" autocomplete="new-password"
                    hint="At least 12 characters." error/>
                <FieldError error field="password"/>
                <button type="submit" class="btn btn-primary" disabled=move || action.pending().get()>
                    "Create administrator"
                </button>
            </ServerForm>
        </section>
    }
}

/// The server function's input, from the form's fields.
fn fields(form: &Fields) -> SetUp {
    SetUp {
        code: form.text("code"),
        email: form.text("email"),
        display_name: form.text("display_name"),
        password: form.text("password"),
    }
}
