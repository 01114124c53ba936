//! Every event Latchkey tells of, in the audit log and to webhooks alike: one list, one
//! name each (`token.revoked`), defined here and nowhere else.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Event {
    #[serde(rename = "token.created")]
    TokenCreated,
    #[serde(rename = "token.revoked")]
    TokenRevoked,
    #[serde(rename = "token.rolled")]
    TokenRolled,
    /// 30, 7 and 1 days before a token expires, each once.
    #[serde(rename = "token.expiring")]
    TokenExpiring,
    #[serde(rename = "token.expired")]
    TokenExpired,
    /// A rolled token was used after its overlap window: it leaked, or a system was
    /// missed. Its whole family is revoked.
    #[serde(rename = "token.used_after_replacement")]
    TokenUsedAfterReplacement,
    /// A canary token was used: with the client's address, user agent and path.
    #[serde(rename = "canary.triggered")]
    CanaryTriggered,
    /// A secret scanner reported the token found in public (with the URL).
    #[serde(rename = "token.leaked")]
    TokenLeaked,
    /// A token was refused because its allowlist does not admit the client's address
    /// (once per token and address in ten minutes).
    #[serde(rename = "token.refused_address")]
    TokenRefusedAddress,
    /// A token was used from an address not among its recent clients.
    #[serde(rename = "token.used_from_new_address")]
    TokenUsedFromNewAddress,
    #[serde(rename = "sign_in.succeeded")]
    SignInSucceeded,
    #[serde(rename = "sign_in.failed")]
    SignInFailed,
    #[serde(rename = "sign_in.throttled")]
    SignInThrottled,
    #[serde(rename = "sign_out")]
    SignOut,
    #[serde(rename = "session.ended")]
    SessionEnded,
    #[serde(rename = "setup.failed")]
    SetupFailed,
    #[serde(rename = "user.created")]
    UserCreated,
    #[serde(rename = "user.changed")]
    UserChanged,
    /// A user was disabled: their tokens stop working.
    #[serde(rename = "user.disabled")]
    UserDisabled,
    #[serde(rename = "user.enabled")]
    UserEnabled,
    #[serde(rename = "user.deleted")]
    UserDeleted,
    /// A person's directory disabled or deleted them (SCIM): their sessions ended and
    /// every token they own or made was revoked; the details carry the receipt.
    #[serde(rename = "user.deprovisioned")]
    UserDeprovisioned,
    /// A person's account was linked to their identity at the single sign-on provider
    /// (matched by a verified e-mail address).
    #[serde(rename = "user.sso_linked")]
    SsoLinked,
    /// A person's second factors changed: an authenticator app set up or removed, or
    /// their recovery codes renewed.
    #[serde(rename = "user.second_factor_changed")]
    SecondFactorChanged,
    #[serde(rename = "user.password_changed")]
    PasswordChanged,
    #[serde(rename = "user.password_change_failed")]
    PasswordChangeFailed,
    #[serde(rename = "role.created")]
    RoleCreated,
    /// A role's permissions changed: its users' tokens reach further or less far.
    #[serde(rename = "role.changed")]
    RoleChanged,
    #[serde(rename = "role.deleted")]
    RoleDeleted,
    #[serde(rename = "module.added")]
    ModuleAdded,
    /// The console's sign-in policy changed (single sign-on required, session length).
    #[serde(rename = "settings.changed")]
    SettingsChanged,
    #[serde(rename = "webhook.created")]
    WebhookCreated,
    #[serde(rename = "webhook.deleted")]
    WebhookDeleted,
    /// Someone sent an endpoint a test event (the audit log's record of it).
    #[serde(rename = "webhook.tested")]
    WebhookTested,
    #[serde(rename = "webhook.secret_rotated")]
    WebhookSecretRotated,
    /// The test event itself, sent to the one endpoint asked; never subscribed to.
    #[serde(rename = "webhook.test")]
    WebhookTest,
}

impl Event {
    /// What the audit log records, in the order its filter offers them.
    pub const AUDITED: [Self; 32] = [
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::TokenRolled,
        Self::TokenUsedAfterReplacement,
        Self::TokenLeaked,
        Self::TokenRefusedAddress,
        Self::CanaryTriggered,
        Self::SignInSucceeded,
        Self::SignInFailed,
        Self::SignInThrottled,
        Self::SignOut,
        Self::SessionEnded,
        Self::SetupFailed,
        Self::UserCreated,
        Self::UserChanged,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::UserDeleted,
        Self::UserDeprovisioned,
        Self::SsoLinked,
        Self::SecondFactorChanged,
        Self::PasswordChanged,
        Self::PasswordChangeFailed,
        Self::RoleCreated,
        Self::RoleChanged,
        Self::RoleDeleted,
        Self::ModuleAdded,
        Self::SettingsChanged,
        Self::WebhookCreated,
        Self::WebhookDeleted,
        Self::WebhookTested,
        Self::WebhookSecretRotated,
    ];

    /// What a webhook endpoint may subscribe to.
    pub const SUBSCRIBABLE: [Self; 12] = [
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::TokenRolled,
        Self::TokenExpiring,
        Self::TokenExpired,
        Self::CanaryTriggered,
        Self::TokenLeaked,
        Self::TokenUsedAfterReplacement,
        Self::TokenRefusedAddress,
        Self::TokenUsedFromNewAddress,
        Self::UserDisabled,
        Self::RoleChanged,
    ];

    /// The name stored, sent and shown, e.g. `token.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenCreated => "token.created",
            Self::TokenRevoked => "token.revoked",
            Self::TokenRolled => "token.rolled",
            Self::TokenExpiring => "token.expiring",
            Self::TokenExpired => "token.expired",
            Self::TokenUsedAfterReplacement => "token.used_after_replacement",
            Self::CanaryTriggered => "canary.triggered",
            Self::TokenLeaked => "token.leaked",
            Self::TokenRefusedAddress => "token.refused_address",
            Self::TokenUsedFromNewAddress => "token.used_from_new_address",
            Self::SignInSucceeded => "sign_in.succeeded",
            Self::SignInFailed => "sign_in.failed",
            Self::SignInThrottled => "sign_in.throttled",
            Self::SignOut => "sign_out",
            Self::SessionEnded => "session.ended",
            Self::SetupFailed => "setup.failed",
            Self::UserCreated => "user.created",
            Self::UserChanged => "user.changed",
            Self::UserDisabled => "user.disabled",
            Self::UserEnabled => "user.enabled",
            Self::UserDeleted => "user.deleted",
            Self::UserDeprovisioned => "user.deprovisioned",
            Self::SsoLinked => "user.sso_linked",
            Self::SecondFactorChanged => "user.second_factor_changed",
            Self::PasswordChanged => "user.password_changed",
            Self::PasswordChangeFailed => "user.password_change_failed",
            Self::RoleCreated => "role.created",
            Self::RoleChanged => "role.changed",
            Self::RoleDeleted => "role.deleted",
            Self::ModuleAdded => "module.added",
            Self::SettingsChanged => "settings.changed",
            Self::WebhookCreated => "webhook.created",
            Self::WebhookDeleted => "webhook.deleted",
            Self::WebhookTested => "webhook.tested",
            Self::WebhookSecretRotated => "webhook.secret_rotated",
            Self::WebhookTest => "webhook.test",
        }
    }

    /// The event a stored or sent name names, if any.
    pub fn named(name: &str) -> Option<Self> {
        Self::AUDITED
            .into_iter()
            .chain(Self::SUBSCRIBABLE)
            .chain([Self::WebhookTest])
            .find(|event| event.as_str() == name)
    }

    /// What the audit log's action filter offers: each group of events (`token.` for
    /// every token event), followed by the events in it, in the order of [`Self::AUDITED`].
    pub fn filter_choices() -> Vec<&'static str> {
        let mut choices: Vec<&'static str> = Vec::new();
        for event in Self::AUDITED {
            let name = event.as_str();
            if let Some((group, _)) = name.split_once('.') {
                let group = &name[..=group.len()];
                if !choices.contains(&group) {
                    choices.push(group);
                }
            }
            choices.push(name);
        }
        choices
    }
}

impl std::fmt::Display for Event {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event a webhook endpoint subscribes to: one of [`Event::SUBSCRIBABLE`], and refused
/// (naming them) otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Event", into = "Event")]
pub struct Subscription(pub Event);

impl TryFrom<Event> for Subscription {
    type Error = String;

    fn try_from(event: Event) -> Result<Self, Self::Error> {
        if Event::SUBSCRIBABLE.contains(&event) {
            Ok(Self(event))
        } else {
            let names: Vec<&str> = Event::SUBSCRIBABLE.map(Event::as_str).to_vec();
            Err(format!(
                "`{event}` cannot be subscribed to: choose from {}",
                names.join(", ")
            ))
        }
    }
}

impl From<Subscription> for Event {
    fn from(subscription: Subscription) -> Self {
        subscription.0
    }
}

#[cfg(feature = "server")]
mod schema {
    use super::{Event, Subscription};
    use utoipa::openapi::{schema::SchemaType, ObjectBuilder, RefOr, Schema, Type};

    fn names<const N: usize>(events: [Event; N]) -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .enum_values(Some(events.map(Event::as_str)))
            .into()
    }

    impl utoipa::PartialSchema for Event {
        fn schema() -> RefOr<Schema> {
            let mut all = Event::AUDITED.to_vec();
            all.extend(
                Event::SUBSCRIBABLE
                    .iter()
                    .filter(|e| !Event::AUDITED.contains(e)),
            );
            all.push(Event::WebhookTest);
            ObjectBuilder::new()
                .schema_type(SchemaType::Type(Type::String))
                .enum_values(Some(all.into_iter().map(Event::as_str)))
                .into()
        }
    }
    impl utoipa::ToSchema for Event {}

    impl utoipa::PartialSchema for Subscription {
        fn schema() -> RefOr<Schema> {
            names(Event::SUBSCRIBABLE)
        }
    }
    impl utoipa::ToSchema for Subscription {}
}

/// Stored as its name (`text`); a name no event has is an error when read, never a
/// default.
#[cfg(feature = "server")]
mod sql {
    use super::Event;
    use sqlx::{
        encode::IsNull,
        error::BoxDynError,
        postgres::{PgArgumentBuffer, PgHasArrayType, PgTypeInfo, PgValueRef},
        Decode, Encode, Postgres, Type,
    };

    impl Type<Postgres> for Event {
        fn type_info() -> PgTypeInfo {
            <&str as Type<Postgres>>::type_info()
        }

        fn compatible(ty: &PgTypeInfo) -> bool {
            <&str as Type<Postgres>>::compatible(ty)
        }
    }

    impl PgHasArrayType for Event {
        fn array_type_info() -> PgTypeInfo {
            <&str as PgHasArrayType>::array_type_info()
        }
    }

    impl<'r> Decode<'r, Postgres> for Event {
        fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
            let name = <&str as Decode<Postgres>>::decode(value)?;
            Event::named(name).ok_or_else(|| format!("`{name}` is no event Latchkey knows").into())
        }
    }

    impl Encode<'_, Postgres> for Event {
        fn encode_by_ref(&self, buf: &mut PgArgumentBuffer) -> Result<IsNull, BoxDynError> {
            <&str as Encode<Postgres>>::encode(self.as_str(), buf)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_event_has_one_name_and_is_found_by_it() {
        let mut seen = Vec::new();
        for event in Event::AUDITED.into_iter().chain(Event::SUBSCRIBABLE) {
            assert_eq!(Event::named(event.as_str()), Some(event));
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{event}\""), "serde and as_str agree");
            seen.push(event.as_str());
        }
        assert_eq!(Event::named("token.canary_triggered"), None);
    }

    #[test]
    fn the_filter_offers_each_group_before_its_events() {
        let choices = Event::filter_choices();
        assert_eq!(&choices[..3], ["token.", "token.created", "token.revoked"]);
        assert!(choices.contains(&"sign_out"));
        assert!(choices.contains(&"canary."));
        assert_eq!(choices.len(), Event::AUDITED.len() + 10);
    }

    #[test]
    fn only_some_events_may_be_subscribed_to() {
        let ok: Subscription = serde_json::from_str("\"canary.triggered\"").unwrap();
        assert_eq!(ok.0, Event::CanaryTriggered);
        let refused = serde_json::from_str::<Subscription>("\"sign_in.failed\"").unwrap_err();
        assert!(
            refused.to_string().contains("cannot be subscribed to"),
            "{refused}"
        );
        assert!(refused.to_string().contains("role.changed"), "{refused}");
    }
}
