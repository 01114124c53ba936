//! Single sign-on with OpenID Connect: the authorization code flow with PKCE, `state` and
//! `nonce`, the provider found by discovery from its issuer, and the ID token validated
//! by the `openidconnect` crate (signature against the issuer's keys, `iss`, `aud`,
//! `exp`, `nonce`).
//!
//! A sign-in starts here ([`start`]): a row in `sso_attempts` holds what the answer must
//! carry, and a cookie ties it to the browser that asked. The identity provider's answer
//! ([`finish`]) is taken once: its attempt is deleted as it is read, so a replayed answer
//! finds nothing. The person is then found by their identity (issuer and subject), or
//! linked by a verified e-mail address, or created; with a roles claim set, their groups
//! there name their role here.

pub use crate::settings::SsoSettings;
use crate::{
    audit::{self, Actor, Target},
    error::Error,
    factors::challenge::{self, Admission},
    fields, roles, secrets, sessions,
    settings::Settings,
    users, Core,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use cookie::SameSite;
use http::HeaderMap;
use openidconnect::{
    core::{CoreAuthenticationFlow, CoreClient, CoreProviderMetadata},
    AuthorizationCode, ClaimsVerificationError, ClientId, ClientSecret, CsrfToken, IssuerUrl,
    Nonce, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, RequestTokenError, Scope,
    SignatureVerificationError, TokenResponse,
};
use serde_json::json;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;
use types::{
    directory::{BuiltinRole, UserKind},
    events::Event,
    session::SignInFailure,
    Caller,
};

/// How long an identity provider has to send a person back.
const ATTEMPT_MINUTES: i32 = 10;
/// How long the provider's metadata and keys are trusted before they are read again (they
/// are read at once when an ID token names a key they lack: the provider rotated them).
const METADATA_FRESH: Duration = Duration::from_secs(3600);

/// A sign-in that did not happen, and why: the person is told `failure`; `reason` goes
/// to the log and the audit log.
#[derive(Debug, thiserror::Error)]
pub enum SsoError {
    #[error("single sign-on refused: {reason}")]
    Refused {
        failure: SignInFailure,
        reason: String,
    },
    #[error(transparent)]
    Internal(#[from] Error),
}

impl From<sqlx::Error> for SsoError {
    fn from(e: sqlx::Error) -> Self {
        Self::Internal(e.into())
    }
}

impl SsoError {
    fn refused(failure: SignInFailure, reason: impl Into<String>) -> Self {
        Self::Refused {
            failure,
            reason: reason.into(),
        }
    }

    /// What the sign-in page tells the person.
    pub fn failure(&self) -> SignInFailure {
        match self {
            Self::Refused { failure, .. } => *failure,
            Self::Internal(_) => SignInFailure::Other,
        }
    }
}

/// The configured identity provider, with its metadata and keys once read.
pub struct Provider {
    settings: SsoSettings,
    issuer: IssuerUrl,
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    metadata: Mutex<Option<(CoreProviderMetadata, Instant)>>,
}

impl Provider {
    /// Checks the settings' addresses; nothing is fetched until someone signs in.
    pub fn new(settings: SsoSettings, public_url: &str) -> Result<Self, String> {
        let issuer = IssuerUrl::new(settings.issuer.trim_end_matches('/').to_owned())
            .map_err(|e| format!("the OIDC issuer is not a URL: {e}"))?;
        let redirect_uri = RedirectUrl::new(format!("{public_url}/auth/oidc/callback"))
            .map_err(|e| format!("the public URL makes no redirect URI: {e}"))?;
        // The provider is the operator's choice, not a visitor's; still, it is sent no
        // further than its own answers say (no redirects followed), and not waited on long.
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(10))
            .user_agent("Latchkey")
            .build()
            .map_err(|e| format!("no HTTP client: {e}"))?;
        Ok(Self {
            settings,
            issuer,
            redirect_uri,
            http,
            metadata: Mutex::new(None),
        })
    }

    /// The sign-in button's label.
    pub fn name(&self) -> &str {
        &self.settings.name
    }

    /// The provider's metadata and keys: read again when stale, or when `refresh` asks.
    async fn metadata(&self, refresh: bool) -> Result<CoreProviderMetadata, SsoError> {
        let mut cached = self.metadata.lock().await;
        if let Some((metadata, read_at)) = cached.as_ref() {
            if !refresh && read_at.elapsed() < METADATA_FRESH {
                return Ok(metadata.clone());
            }
        }
        let metadata = CoreProviderMetadata::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|e| {
                tracing::warn!(error = %e, issuer = %self.issuer.as_str(), "OIDC discovery failed");
                SsoError::refused(
                    SignInFailure::SsoUnavailable,
                    format!("discovery failed: {e}"),
                )
            })?;
        *cached = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    async fn client(&self, refresh: bool) -> Result<OidcClient, SsoError> {
        let metadata = self.metadata(refresh).await?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(self.settings.client_id.clone()),
            Some(ClientSecret::new(self.settings.client_secret.clone())),
        )
        .set_redirect_uri(self.redirect_uri.clone()))
    }
}

type OidcClient = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

/// The cookie that ties a sign-in to the browser that started it. SameSite=Lax: the
/// identity provider sends the person back by a top-level GET from its own site.
pub fn browser_cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-latchkey_sso"
    } else {
        "latchkey_sso"
    }
}

/// The browser cookie's value, if the request carries one.
pub fn browser_cookie<'h>(settings: &Settings, headers: &'h HeaderMap) -> Option<&'h str> {
    sessions::cookie_named(headers, browser_cookie_name(settings))
}

/// The `Set-Cookie` value of the browser cookie (an empty value ends it).
pub fn set_browser_cookie(settings: &Settings, value: &str) -> String {
    let minutes = if value.is_empty() { 0 } else { ATTEMPT_MINUTES };
    sessions::cookie_header(
        settings,
        browser_cookie_name(settings),
        value,
        SameSite::Lax,
        Some(cookie::time::Duration::minutes(minutes.into())),
    )
}

/// A sign-in sent on its way: where to send the browser, and the cookie to give it.
pub struct Started {
    pub location: String,
    pub browser_cookie: String,
}

fn random_value() -> String {
    URL_SAFE_NO_PAD.encode(secrets::random_bytes::<32>())
}

/// Starts a sign-in at the identity provider.
#[tracing::instrument(skip_all)]
pub async fn start(pool: &PgPool, provider: &Provider) -> Result<Started, SsoError> {
    let client = provider.client(false).await?;
    let (state, nonce, verifier, browser) = (
        random_value(),
        random_value(),
        random_value(),
        random_value(),
    );
    let challenge =
        PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(verifier.clone()));
    let (state_for_url, nonce_for_url) = (state.clone(), nonce.clone());
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            move || CsrfToken::new(state_for_url),
            move || Nonce::new(nonce_for_url),
        )
        .add_scope(Scope::new("email".into()))
        .add_scope(Scope::new("profile".into()))
        .set_pkce_challenge(challenge);
    for scope in &provider.settings.extra_scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (location, _, _) = request.url();
    let mut tx = pool.begin().await?;
    sqlx::query("DELETE FROM sso_attempts WHERE created_at < now() - make_interval(mins => $1)")
        .bind(ATTEMPT_MINUTES)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sso_attempts (state_digest, browser_digest, nonce, pkce_verifier)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(secrets::sha256(state.as_bytes()))
    .bind(secrets::sha256(browser.as_bytes()))
    .bind(&nonce)
    .bind(&verifier)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Started {
        location: location.to_string(),
        browser_cookie: browser,
    })
}

/// The identity provider's answer, from the callback's query string.
#[derive(Debug, Default, serde::Deserialize)]
pub struct Answer {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Who the identity provider says signed in.
struct Person {
    subject: String,
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    /// The roles claim's groups, when a roles claim is set and the token carries it.
    groups: Option<Vec<String>>,
}

/// Takes the identity provider's answer and, if it holds up, starts a session for the
/// person it names; returns the session cookie's value.
#[tracing::instrument(skip_all)]
pub async fn finish(
    core: &Core,
    provider: &Provider,
    caller: &Caller,
    browser: Option<&str>,
    answer: Answer,
) -> Result<Admission, SsoError> {
    let result = match verify(core, provider, browser, answer).await {
        Ok(person) => sign_in_as(core, provider, caller, person).await,
        Err(e) => Err(e),
    };
    if let Err(SsoError::Refused { failure, reason }) = &result {
        tracing::info!(failure = failure.as_str(), %reason, "single sign-on refused");
        let key = format!(
            "sso-refused:{}",
            caller
                .client_addr
                .map(|a| a.to_string())
                .unwrap_or_default()
        );
        // Once a minute per address: forged answers in a flood are one line, counted.
        audit::record_once_per(
            &core.pool,
            &key,
            chrono::Duration::minutes(1),
            &Actor::anonymous(caller.client_addr),
            Event::SignInFailed,
            Target::Account("single sign-on"),
            json!({ "method": "single sign-on", "reason": failure.as_str() }),
        )
        .await?;
    }
    result
}

/// Checks the answer against its attempt, exchanges the code and validates the ID token.
async fn verify(
    core: &Core,
    provider: &Provider,
    browser: Option<&str>,
    answer: Answer,
) -> Result<Person, SsoError> {
    let expired = |why: &str| SsoError::refused(SignInFailure::SsoExpired, why);
    let state = answer
        .state
        .ok_or_else(|| expired("the answer has no state"))?;
    // Taken as it is read: the same answer twice finds nothing the second time.
    let attempt: Option<(Vec<u8>, String, String, bool)> = sqlx::query_as(
        "DELETE FROM sso_attempts WHERE state_digest = $1
         RETURNING browser_digest, nonce, pkce_verifier,
                   created_at > now() - make_interval(mins => $2)",
    )
    .bind(secrets::sha256(state.as_bytes()))
    .bind(ATTEMPT_MINUTES)
    .fetch_optional(&core.pool)
    .await?;
    let Some((browser_digest, nonce, verifier, fresh)) = attempt else {
        return Err(expired(
            "no sign-in started with this state (forged, or used already)",
        ));
    };
    if !fresh {
        return Err(expired("the sign-in started more than ten minutes ago"));
    }
    let same_browser = browser.is_some_and(|value| {
        secrets::constant_time_eq(&secrets::sha256(value.as_bytes()), &browser_digest)
    });
    if !same_browser {
        return Err(expired(
            "the answer came to a browser that did not start the sign-in",
        ));
    }
    if let Some(error) = answer.error {
        let description = answer.error_description.unwrap_or_default();
        return Err(SsoError::refused(
            SignInFailure::SsoDenied,
            format!("the provider answered {error}: {description}"),
        ));
    }
    let rejected = |why: String| SsoError::refused(SignInFailure::SsoRejected, why);
    let code = answer
        .code
        .ok_or_else(|| rejected("the answer has no code".into()))?;
    let client = provider.client(false).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|e| rejected(format!("no token endpoint: {e}")))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier))
        .request_async(&provider.http)
        .await
        .map_err(|e| match e {
            RequestTokenError::ServerResponse(e) => {
                rejected(format!("the token endpoint refused the code: {e}"))
            }
            other => SsoError::refused(
                SignInFailure::SsoUnavailable,
                format!("the token endpoint failed: {other}"),
            ),
        })?;
    let id_token = tokens
        .id_token()
        .ok_or_else(|| rejected("the token response has no ID token".into()))?;
    let nonce = Nonce::new(nonce);
    let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
        Ok(claims) => claims.clone(),
        Err(ClaimsVerificationError::SignatureVerification(
            SignatureVerificationError::NoMatchingKey,
        )) => {
            // Signed with a key we have not seen: the provider rotated its keys.
            let client = provider.client(true).await?;
            let claims = id_token
                .claims(&client.id_token_verifier(), &nonce)
                .map_err(|e| rejected(format!("the ID token is not valid: {e}")))?
                .clone();
            claims
        }
        Err(e) => return Err(rejected(format!("the ID token is not valid: {e}"))),
    };
    let groups = match &provider.settings.roles_claim {
        Some(claim) => groups_in(&id_token.to_string(), claim),
        None => None,
    };
    Ok(Person {
        subject: claims.subject().as_str().to_owned(),
        email: claims.email().map(|e| e.as_str().trim().to_lowercase()),
        email_verified: claims.email_verified() == Some(true),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.as_str().trim().to_owned())
            .filter(|n| !n.is_empty()),
        groups,
    })
}

/// The groups a validated ID token lists under `claim`: an array of strings, or one string.
fn groups_in(id_token: &str, claim: &str) -> Option<Vec<String>> {
    let payload = id_token.split('.').nth(1)?;
    let claims: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    match claims.get(claim)? {
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter_map(|g| g.as_str().map(str::to_owned))
                .collect(),
        ),
        serde_json::Value::String(one) => Some(vec![one.clone()]),
        _ => None,
    }
}

/// Finds, links or creates the person, keeps their role as their groups say, and starts
/// their session.
async fn sign_in_as(
    core: &Core,
    provider: &Provider,
    caller: &Caller,
    person: Person,
) -> Result<Admission, SsoError> {
    let issuer = provider.issuer.as_str();
    let via = Actor {
        user_id: None,
        label: format!("single sign-on ({})", provider.name()),
        client_addr: caller.client_addr,
        token: None,
    };
    let mut tx = core.pool.begin().await?;
    let known: Option<i64> = sqlx::query_scalar(
        "SELECT user_id FROM user_identities WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(&person.subject)
    .fetch_optional(&mut *tx)
    .await?;
    let user_id = match known {
        Some(id) => id,
        None => {
            let email = person
                .email
                .clone()
                .filter(|e| !e.is_empty() && e.len() <= fields::EMAIL_MAX)
                .ok_or_else(|| {
                    SsoError::refused(SignInFailure::SsoNoEmail, "the ID token names no e-mail")
                })?;
            let existing: Option<(i64, UserKind)> =
                sqlx::query_as("SELECT id, kind FROM users WHERE lower(email) = $1")
                    .bind(&email)
                    .fetch_optional(&mut *tx)
                    .await?;
            let id = match existing {
                Some((id, UserKind::Human)) if person.email_verified => {
                    audit::record(
                        &mut *tx,
                        &via,
                        Event::SsoLinked,
                        Target::User { id, label: &email },
                        json!({ "issuer": issuer, "subject": person.subject }),
                    )
                    .await?;
                    id
                }
                Some(_) => {
                    return Err(SsoError::refused(
                        SignInFailure::SsoUnverified,
                        format!(
                            "{email} belongs to an account, and the provider did not verify it"
                        ),
                    ))
                }
                None => {
                    let role = role_for(&mut tx, provider, person.groups.as_deref()).await?;
                    let display_name = person.name.clone().unwrap_or_else(|| email.clone());
                    let display_name: String = display_name.chars().take(100).collect();
                    let id: i64 = sqlx::query_scalar(
                        "INSERT INTO users (email, display_name, kind, role_id)
                         VALUES ($1, $2, $3, $4) RETURNING id",
                    )
                    .bind(&email)
                    .bind(&display_name)
                    .bind(UserKind::Human)
                    .bind(role)
                    .fetch_one(&mut *tx)
                    .await?;
                    audit::record(
                        &mut *tx,
                        &via,
                        Event::UserCreated,
                        Target::User { id, label: &email },
                        json!({ "id": id, "kind": UserKind::Human, "through": "single sign-on",
                                "issuer": issuer, "subject": person.subject }),
                    )
                    .await?;
                    id
                }
            };
            sqlx::query(
                "INSERT INTO user_identities (issuer, subject, user_id) VALUES ($1, $2, $3)",
            )
            .bind(issuer)
            .bind(&person.subject)
            .bind(id)
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    let (active, kind, role_id, email): (bool, UserKind, i64, Option<String>) =
        sqlx::query_as("SELECT active, kind, role_id, email FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
    let label = email.unwrap_or_default();
    if !active || kind != UserKind::Human {
        return Err(SsoError::refused(
            SignInFailure::Disabled,
            format!("{label} is disabled"),
        ));
    }
    let mut role_changed = false;
    if let (Some(_), Some(groups)) = (&provider.settings.roles_claim, person.groups.as_deref()) {
        let role = role_for(&mut tx, provider, Some(groups)).await?;
        if role != role_id {
            role_changed = change_role(&mut tx, &via, user_id, &label, role_id, role).await?;
        }
    }
    sqlx::query(
        "UPDATE user_identities SET last_sign_in_at = now() WHERE issuer = $1 AND subject = $2",
    )
    .bind(issuer)
    .bind(&person.subject)
    .execute(&mut *tx)
    .await?;
    let admission = challenge::admit(
        &mut tx,
        user_id,
        &label,
        caller,
        challenge::Method::SingleSignOn,
        json!({ "method": "single sign-on", "issuer": issuer }),
    )
    .await?;
    tx.commit().await?;
    if role_changed {
        // Their tokens reach what the new role allows, here and everywhere, from now.
        core.verifier.settle().await;
    }
    Ok(admission)
}

/// The role a person's groups give: of the roles mapped to any of them, the one holding
/// every permission, else the one holding the most (then by name); none mapped gives the
/// default role.
async fn role_for(
    tx: &mut sqlx::PgConnection,
    provider: &Provider,
    groups: Option<&[String]>,
) -> Result<i64, SsoError> {
    if let Some(groups) = groups.filter(|g| !g.is_empty()) {
        let mapped: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM roles WHERE sso_groups && $1
             ORDER BY '*' = ANY(permissions) DESC, cardinality(permissions) DESC, name
             LIMIT 1",
        )
        .bind(groups)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = mapped {
            return Ok(id);
        }
    }
    let named: Option<i64> = sqlx::query_scalar("SELECT id FROM roles WHERE name = $1")
        .bind(&provider.settings.default_role)
        .fetch_optional(&mut *tx)
        .await?;
    match named {
        Some(id) => Ok(id),
        None => Ok(roles::builtin_id(tx, BuiltinRole::Member).await?),
    }
}

/// Gives a person the role their groups name, unless that would leave no administrator
/// (then they keep theirs, and the log says why). Whether the role changed.
async fn change_role(
    tx: &mut sqlx::PgConnection,
    via: &Actor,
    user_id: i64,
    label: &str,
    from: i64,
    to: i64,
) -> Result<bool, SsoError> {
    let names: Vec<(i64, String, bool)> =
        sqlx::query_as("SELECT id, name, builtin FROM roles WHERE id = ANY($1)")
            .bind([from, to])
            .fetch_all(&mut *tx)
            .await?;
    let name_of = |id: i64| {
        names
            .iter()
            .find(|(i, ..)| *i == id)
            .map(|(_, n, b)| (n.clone(), *b))
            .unwrap_or_default()
    };
    let (before, before_builtin) = name_of(from);
    let (after, _) = name_of(to);
    if before_builtin && before == BuiltinRole::Administrator.name() {
        if let Err(e) = users::keep_an_administrator(tx, user_id).await {
            tracing::warn!(error = %e, user = user_id, "single sign-on kept the last administrator's role");
            return Ok(false);
        }
    }
    sqlx::query("UPDATE users SET role_id = $2, updated_at = now() WHERE id = $1")
        .bind(user_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut *tx,
        via,
        Event::UserChanged,
        Target::User { id: user_id, label },
        json!({ "id": user_id, "through": "single sign-on groups",
                "before": { "role": before }, "after": { "role": after } }),
    )
    .await?;
    Ok(true)
}
