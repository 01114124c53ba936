//! Latchkey's vocabulary, defined once for the browser, the domain and the REST API:
//! what a token, a user, a role, an audit event and a webhook look like on the wire, the
//! permissions, and the one error a person is shown. It compiles to Wasm; the derives
//! only the server needs (OpenAPI schemas, database rows) are behind the `server` feature.

pub mod allowlist;
pub mod api_docs;
pub mod audit;
pub mod directory;
pub mod error;
pub mod events;
pub mod factors;
pub mod leaks;
pub mod permissions;
pub mod session;
pub mod tokens;
pub mod webhooks;

pub use error::AppError;
pub use session::{Caller, CurrentUser};

use serde::{de::DeserializeOwned, Deserialize, Deserializer, Serialize};

/// One page of a list, newest first. Pass `next_cursor` back as `cursor` for the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A query value that may be absent or empty (no filter) or else must be one of `T`'s
/// words: `?status=` filters nothing, `?status=bogus` is refused with every status named.
pub fn empty_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    match Option::<String>::deserialize(deserializer)?.as_deref() {
        None | Some("") => Ok(None),
        Some(word) => {
            T::deserialize(serde::de::value::StrDeserializer::<D::Error>::new(word)).map(Some)
        }
    }
}
