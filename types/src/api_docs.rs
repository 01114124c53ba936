//! The REST API's reference, for people: the OpenAPI document's operations, with the
//! scope each needs.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub tag: String,
    pub method: String,
    pub path: String,
    pub summary: String,
    /// The scope the operation needs; empty when any valid token will do.
    pub scope: String,
}
