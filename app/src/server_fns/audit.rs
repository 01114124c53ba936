//! The audit log, as the console's Audit page reads it.

use leptos::prelude::*;
use types::{
    audit::{AuditEvent, AuditFilter},
    AppError, Page,
};

#[server(endpoint = "audit/list", input = server_fn::codec::GetUrl)]
pub async fn list_audit(filter: AuditFilter) -> Result<Page<AuditEvent>, AppError> {
    use super::context::{answer, core, principal};
    answer(latchkey_core::audit::list(&core()?.pool, &principal()?, filter).await)
}
