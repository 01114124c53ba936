//! The token wizard: Details, Access, Expiry, Review; then the one-time reveal. Each step
//! is a component over one [`Draft`], the typed state of the token being made; the
//! server's answers arrive through server actions.

mod access;
mod address;
mod details;
mod expiry;
pub(crate) mod reveal;
mod review;

use crate::{
    components::after,
    server_fns::{
        directory::list_modules,
        tokens::{get_token_policy, token_owners, CheckTokenName, CreateCanary, CreateToken},
    },
    SignedIn,
};
use chrono::{DateTime, Duration, Local, NaiveDate, Utc};
use leptos::{prelude::*, wasm_bindgen::JsCast};
use leptos_meta::Title;
use leptos_router::hooks::{use_navigate, use_query_map};
use std::collections::BTreeMap;
use types::{
    directory::Module,
    permissions::TOKENS_ADMIN,
    tokens::{CreatedToken, NewCanary, NewToken, OwnerChoice},
    AppError, CurrentUser,
};

/// The wizard's steps, in order.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Step {
    Details,
    Access,
    Expiry,
    Review,
}

impl Step {
    const ALL: [Step; 4] = [Step::Details, Step::Access, Step::Expiry, Step::Review];

    fn label(self) -> &'static str {
        match self {
            Step::Details => "Details",
            Step::Access => "Access",
            Step::Expiry => "Expiry",
            Step::Review => "Review",
        }
    }

    fn number(self) -> usize {
        self as usize + 1
    }

    fn previous(self) -> Step {
        match self {
            Step::Details | Step::Access => Step::Details,
            Step::Expiry => Step::Access,
            Step::Review => Step::Expiry,
        }
    }

    /// The step where the field an error names is entered.
    fn of_field(field: &str) -> Option<Step> {
        match field {
            "name" | "description" => Some(Step::Details),
            "owner_id" | "scopes" | "allowed_ips" => Some(Step::Access),
            "expires_at" => Some(Step::Expiry),
            _ => None,
        }
    }
}

/// How far a token reaches into one module.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Access {
    None,
    Read,
    Write,
}

impl Access {
    fn scope(self, module: &str) -> Option<String> {
        match self {
            Access::None => None,
            Access::Read => Some(format!("{module}:read")),
            Access::Write => Some(format!("{module}:write")),
        }
    }
}

#[derive(Clone, PartialEq, Eq, Debug)]
enum Expiry {
    Days(u32),
    Date,
    Never,
}

/// The token being made: what each step has been told, and where the wizard stands.
#[derive(Clone, Copy)]
struct Draft {
    step: RwSignal<Step>,
    name: RwSignal<String>,
    description: RwSignal<String>,
    /// A canary: never authorizes anything, and alerts when used (no scopes, no expiry to
    /// choose).
    canary: RwSignal<bool>,
    /// `None`: the signed-in user.
    owner: RwSignal<Option<i64>>,
    access: RwSignal<BTreeMap<String, Access>>,
    /// Addresses and CIDR ranges, one a line or comma-separated; empty for anywhere.
    allowed_ips: RwSignal<String>,
    expiry: RwSignal<Expiry>,
    /// YYYY-MM-DD from the calendar, for [`Expiry::Date`].
    date: RwSignal<String>,
    /// What the last step, or the server, refused.
    error: RwSignal<Option<AppError>>,
}

impl Draft {
    fn new() -> Self {
        Self {
            step: RwSignal::new(Step::Details),
            name: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            canary: RwSignal::new(false),
            owner: RwSignal::new(None),
            access: RwSignal::new(BTreeMap::new()),
            allowed_ips: RwSignal::new(String::new()),
            expiry: RwSignal::new(Expiry::Days(30)),
            date: RwSignal::new(String::new()),
            error: RwSignal::new(None),
        }
    }

    fn scopes(&self) -> Vec<String> {
        self.access
            .with(|a| a.iter().filter_map(|(m, acc)| acc.scope(m)).collect())
    }

    /// The allowlist's entries as typed (the server checks and normalises them).
    fn allowed_ips(&self) -> Vec<String> {
        self.allowed_ips
            .with(|text| types::allowlist::entries(text).map(str::to_owned).collect())
    }

    fn expires_at(&self) -> Result<Option<DateTime<Utc>>, AppError> {
        match self.expiry.get() {
            Expiry::Days(n) => Ok(Some(Utc::now() + Duration::days(n.into()))),
            Expiry::Never => Ok(None),
            Expiry::Date => {
                let at = NaiveDate::parse_from_str(&self.date.get(), "%Y-%m-%d")
                    .ok()
                    .and_then(|d| d.and_hms_opt(23, 59, 59))
                    .and_then(|d| d.and_local_timezone(Local).single())
                    .map(|d| d.with_timezone(&Utc))
                    .ok_or_else(|| {
                        AppError::invalid("expires_at", "Pick a date on the calendar.")
                    })?;
                if at <= Utc::now() {
                    return Err(AppError::invalid(
                        "expires_at",
                        "The expiry must lie in the future.",
                    ));
                }
                Ok(Some(at))
            }
        }
    }

    /// What creating the token asks the server for.
    fn new_token(&self) -> Result<NewToken, AppError> {
        Ok(NewToken {
            name: self.name.get_untracked(),
            description: Some(self.description.get_untracked()).filter(|d| !d.trim().is_empty()),
            owner_id: self.owner.get_untracked(),
            scopes: self.scopes(),
            expires_at: self.expires_at()?,
            allowed_ips: self.allowed_ips(),
        })
    }

    /// What creating a canary asks the server for.
    fn new_canary(&self) -> NewCanary {
        NewCanary {
            name: self.name.get_untracked(),
            description: Some(self.description.get_untracked()).filter(|d| !d.trim().is_empty()),
            owner_id: self.owner.get_untracked(),
        }
    }

    /// Moves to `step`, whose heading then takes the focus: a screen reader reads on from
    /// it, and Tab goes on to the step's first field.
    fn go_to(&self, step: Step) {
        self.error.set(None);
        self.step.set(step);
        request_animation_frame(|| {
            let heading = document()
                .query_selector(".wizard h2")
                .ok()
                .flatten()
                .and_then(|h| h.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(heading) = heading {
                let _ = heading.focus();
            }
        });
    }

    /// Shows `error` on the step where its field is entered.
    fn fail(&self, error: AppError) {
        if let Some(step) = error.field().and_then(Step::of_field) {
            self.step.set(step);
        }
        self.error.set(Some(error));
    }

    fn error_signal(&self) -> Signal<Option<AppError>> {
        let error = self.error;
        Signal::derive(move || error.get())
    }
}

/// What the wizard knows of the world: who asks, who may own the token, the modules,
/// and the server's expiry policy.
#[derive(Clone, Copy)]
struct Facts {
    user: Resource<Result<Option<CurrentUser>, AppError>>,
    owners: Resource<Result<Vec<OwnerChoice>, AppError>>,
    modules: Resource<Result<Vec<Module>, AppError>>,
    max_days: Signal<Option<u32>>,
}

impl Facts {
    fn me(&self) -> Option<CurrentUser> {
        self.user.get().and_then(Result::ok).flatten()
    }

    fn is_admin(&self) -> bool {
        self.me().is_some_and(|u| u.can(TOKENS_ADMIN))
    }

    /// The chosen owner (the signed-in user unless a token admin chose another).
    fn owner(&self, draft: Draft) -> Option<OwnerChoice> {
        let list = self.owners.get().and_then(Result::ok)?;
        let wanted = draft.owner.get().or_else(|| self.me().map(|u| u.id))?;
        list.into_iter().find(|o| o.id == wanted)
    }

    fn owner_label(&self, o: &OwnerChoice) -> String {
        let who = match (&o.email, o.kind) {
            (_, types::directory::UserKind::Service) => {
                format!("{} (service account)", o.display_name)
            }
            (Some(email), _) => format!("{} <{email}>", o.display_name),
            (None, _) => o.display_name.clone(),
        };
        if Some(o.id) == self.me().map(|u| u.id) {
            format!("Yourself: {who}")
        } else {
            who
        }
    }
}

#[component]
pub fn NewTokenPage() -> impl IntoView {
    let SignedIn(user) = expect_context::<SignedIn>();
    let policy = Resource::new(|| (), |_| get_token_policy());
    let facts = Facts {
        user,
        owners: Resource::new(|| (), |_| token_owners()),
        modules: Resource::new(|| (), |_| list_modules()),
        max_days: Signal::derive(move || {
            policy
                .get()
                .and_then(Result::ok)
                .and_then(|p| p.max_lifetime_days)
        }),
    };
    let draft = address::draft_from(&use_query_map().get_untracked());
    address::keep_in_address(draft);
    let check_name = ServerAction::<CheckTokenName>::new();
    let create = ServerAction::<CreateToken>::new();
    let create_canary = ServerAction::<CreateCanary>::new();
    after(check_name, move |answer| match answer {
        Ok(()) => draft.go_to(Step::Access),
        Err(e) => draft.fail(e.clone()),
    });
    let refused = move |answer: &Result<CreatedToken, AppError>| {
        if let Err(e) = answer {
            draft.fail(e.clone());
        }
    };
    after(create, refused);
    after(create_canary, refused);
    let created = move || {
        create
            .value()
            .get()
            .or_else(|| create_canary.value().get())
            .and_then(Result::ok)
    };
    address::guard_leaving(move || {
        let chosen = draft.name.with(|n| !n.is_empty()) || draft.access.with(|a| !a.is_empty());
        chosen && created().is_none()
    });
    let navigate = use_navigate();
    let done = Callback::new(move |()| {
        // Forget the plaintext before leaving.
        create.value().set(None);
        create_canary.value().set(None);
        navigate("/", Default::default());
    });

    view! {
        <Title text="Generate token"/>
        {move || match created() {
            Some(token) if token.summary.canary => view! {
                <reveal::Reveal token on_done=done title="Canary generated"
                    note=Some(CANARY_PLANTING.to_owned())/>
            }.into_any(),
            Some(token) => view! { <reveal::Reveal token on_done=done/> }.into_any(),
            None => view! {
                <h1>"Generate an API token"</h1>
                <ol class="steps" aria-label="Steps">
                    {Step::ALL.into_iter().map(|s| {
                        let here = move || draft.step.get() == s;
                        view! {
                            <li class:current=here class:done=move || { draft.step.get() > s }
                                aria-current=move || here().then_some("step")>
                                <span class="step-n">{s.number()}</span> {s.label()}
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <section class="card wizard">
                    {move || match draft.step.get() {
                        Step::Details => view! { <details::DetailsStep draft check_name/> }.into_any(),
                        Step::Access => view! { <access::AccessStep draft facts/> }.into_any(),
                        Step::Expiry => view! { <expiry::ExpiryStep draft max_days=facts.max_days/> }.into_any(),
                        Step::Review => view! { <review::ReviewStep draft facts create create_canary/> }.into_any(),
                    }}
                </section>
            }.into_any(),
        }}
    }
}

/// Where to put a canary, as the reveal says it.
const CANARY_PLANTING: &str = "Plant it where a leak would show: a config file, a CI variable, a wiki page. It never authorizes anything; any use is refused like a wrong token, flagged in the list and sent to webhooks as canary.triggered, with the caller's address.";

/// Back and the step's submit button, at the foot of a wizard step. The submit button is
/// disabled while `busy` (a request is under way).
#[component]
fn StepActions(
    draft: Draft,
    submit: &'static str,
    #[prop(optional, into)] busy: Signal<bool>,
) -> impl IntoView {
    let back = move |_| draft.go_to(draft.step.get_untracked().previous());
    view! {
        <div class="wizard-actions">
            <button type="button" class="btn" on:click=back>"Back"</button>
            <button type="submit" class="btn btn-primary" disabled=move || busy.get()>{submit}</button>
        </div>
    }
}

/// The expiry as the Expiry and Review steps state it.
fn expiry_text(draft: Draft, max_days: Option<u32>) -> String {
    if draft.canary.get() {
        return match max_days {
            Some(days) => format!("Lives the longest the policy allows: {days} days."),
            None => "Never expires: a canary is planted to be found years on.".into(),
        };
    }
    match draft.expires_at() {
        Ok(Some(at)) => format!(
            "Expires on {} ({}).",
            crate::time::exact(at),
            crate::time::relative(at)
        ),
        Ok(None) => "Never expires.".into(),
        // The error itself shows under the field once Next is pressed, and only there.
        Err(_) => String::new(),
    }
}
