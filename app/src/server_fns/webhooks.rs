//! Webhook endpoints and their deliveries.

use leptos::prelude::*;
use server_fn::codec::GetUrl;
use types::{
    webhooks::{
        CreatedWebhookEndpoint, NewWebhookEndpoint, RotatedSigningSecret, SecretRotation,
        WebhookDelivery, WebhookEndpoint,
    },
    AppError,
};

#[server(endpoint = "webhooks/list", input = GetUrl)]
pub async fn list_webhooks() -> Result<Vec<WebhookEndpoint>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::list(&core()?.pool, &principal()?).await)
}

#[server(endpoint = "webhooks/register")]
pub async fn register_webhook(new: NewWebhookEndpoint) -> Result<CreatedWebhookEndpoint, AppError> {
    use super::context::{answer, core, principal};
    let core = core()?;
    answer(
        latchkey_core::webhooks::register(
            &core.pool,
            &principal()?,
            core.settings.webhook_limits(),
            new,
        )
        .await,
    )
}

#[server(endpoint = "webhooks/delete")]
pub async fn delete_webhook(id: String) -> Result<(), AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::delete(&core()?.pool, &principal()?, &id).await)
}

#[server(endpoint = "webhooks/deliveries", input = GetUrl)]
pub async fn webhook_deliveries(id: String) -> Result<Vec<WebhookDelivery>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::deliveries(&core()?.pool, &principal()?, &id).await)
}

#[server(endpoint = "webhooks/test")]
pub async fn send_test_webhook(id: String) -> Result<String, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::send_test(&core()?.pool, &principal()?, &id).await)
}

#[server(endpoint = "webhooks/rotate_secret")]
pub async fn rotate_webhook_secret(
    id: String,
    rotate: SecretRotation,
) -> Result<RotatedSigningSecret, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::rotate_secret(&core()?.pool, &principal()?, &id, rotate).await)
}

#[server(endpoint = "webhooks/resend")]
pub async fn resend_delivery(id: String, event_id: String) -> Result<(), AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::webhooks::resend(&core()?.pool, &principal()?, &id, &event_id).await)
}
