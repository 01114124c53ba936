//! The REST API's reference, for people: the OpenAPI document's operations grouped by
//! resource, each with the scope it needs and an example.

use serde::{Deserialize, Serialize};

/// The operations on one resource (a tag of the document), in the document's order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiGroup {
    pub name: String,
    /// What the resource is, as HTML rendered on the server from the document's Markdown.
    pub description_html: String,
    pub operations: Vec<ApiOperation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiOperation {
    pub method: String,
    pub path: String,
    /// The operation's summary and the rest of its description, as HTML rendered on the
    /// server from the document's Markdown (raw HTML in the source is shown as text).
    pub summary_html: String,
    pub description_html: String,
    /// The scope the operation's bearer token needs (empty when any valid token will
    /// do), or `None` for an operation that takes no bearer token (its description says
    /// how it is authenticated).
    pub scope: Option<String>,
    /// A request, as a `curl` command line.
    pub example_request: String,
    /// Its answer: the status line, and the body when there is one.
    pub example_response: String,
}
