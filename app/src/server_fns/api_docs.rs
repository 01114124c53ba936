//! The REST API's reference, for the console's API page.

use leptos::prelude::*;
use types::{api_docs::ApiGroup, AppError};

#[server(endpoint = "api_reference", input = server_fn::codec::GetUrl)]
pub async fn api_reference() -> Result<Vec<ApiGroup>, AppError> {
    use super::context::{principal, ApiReference};
    principal()?;
    let reference = use_context::<ApiReference>().ok_or_else(|| {
        leptos::logging::error!("no API reference in context");
        AppError::Internal
    })?;
    Ok(reference.0.as_ref().clone())
}
