//! SCIM 2.0 provisioning (RFC 7643, RFC 7644): a directory (Okta, Entra ID, OneLogin, an
//! HR system) creates, changes and removes the people who use the console, and the roles
//! they hold as groups. A person the directory disables or deletes leaves at once: their
//! sessions end and every token they own or made stops on every instance (see
//! [`crate::offboarding`]).
//!
//! The directory authenticates with a Latchkey token holding `scim:write` (`scim:read`
//! for reading only), and acts with its owner's permissions: the rules of people and roles
//! (nobody changes a person who outranks them, the last administrator stays) hold here as
//! in the console and the REST API.

pub mod discovery;
pub mod filter;
pub mod groups;
mod input;
pub mod users;

use crate::{
    error::Result,
    principal::{ActingToken, Ledger, Principal},
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;
use types::{
    permissions::{SCIM_READ, SCIM_WRITE},
    AppError,
};

pub const PREFIX: &str = "/scim/v2";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const LIST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
/// The most resources one page of a list holds.
pub const MAX_RESULTS: i64 = 200;

/// A SCIM error: its HTTP status, `scimType` and a sentence for the directory's admin.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl Problem {
    pub fn bad_request(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status: 400,
            scim_type: Some(scim_type),
            detail: detail.into(),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self {
            status: 404,
            scim_type: None,
            detail: format!("{what} was not found."),
        }
    }

    /// An `If-Match` that names another version than the resource's.
    pub fn precondition_failed() -> Self {
        Self {
            status: 412,
            scim_type: None,
            detail: "The resource changed since the version If-Match names: read it again.".into(),
        }
    }

    /// The body of the answer (RFC 7644 §3.12).
    pub fn body(&self) -> Value {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        body
    }
}

/// The domain's answers, in SCIM's terms.
impl From<AppError> for Problem {
    fn from(error: AppError) -> Self {
        let (status, scim_type) = match &error {
            AppError::Unauthenticated | AppError::WrongCredentials => (401, None),
            AppError::Forbidden(_)
            | AppError::MissingPermission { .. }
            | AppError::SsoRequired
            | AppError::SecondFactorRequired => (403, None),
            AppError::NotFound(_) => (404, None),
            AppError::Invalid { .. } => (400, Some("invalidValue")),
            AppError::Conflict { .. } => (409, Some("uniqueness")),
            AppError::TooManyRequests(_) => (429, None),
            AppError::Unavailable => (503, None),
            AppError::Internal | AppError::ServerFn(_) => (500, None),
        };
        Self {
            status,
            scim_type,
            detail: error.to_string(),
        }
    }
}

/// What a SCIM operation fails with: a SCIM problem, or the domain's error (told as the
/// domain tells it: server-side failures are logged and answered generically).
#[derive(Debug)]
pub enum Error {
    Scim(Problem),
    Domain(crate::Error),
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Self {
        Self::Scim(p)
    }
}

impl<E: Into<crate::Error>> From<E> for Error {
    fn from(e: E) -> Self {
        Self::Domain(e.into())
    }
}

impl Error {
    /// What the directory is told.
    pub fn into_problem(self) -> Problem {
        match self {
            Self::Scim(p) => p,
            Self::Domain(e) => e.into_answer().into(),
        }
    }
}

pub type ScimResult<T> = std::result::Result<T, Error>;

/// What a request may do: read, or change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
}

/// The directory acting: a token's owner, with the owner's permissions, once the token
/// is found to hold `scim:read` (or `scim:write` to change anything). Its needs are not
/// written in the token's ledger: the token needed `scim:*`, and nothing else.
pub async fn directory(pool: &PgPool, p: &Principal, access: Access) -> Result<Principal> {
    match access {
        Access::Read => p.require(SCIM_READ, "read the directory through SCIM")?,
        Access::Write => p.require(SCIM_WRITE, "provision people through SCIM")?,
    }
    let user_id = p.user_id.ok_or(AppError::Unauthenticated)?;
    let permissions: Vec<String> = sqlx::query_scalar(
        "SELECT r.permissions FROM users u JOIN roles r ON r.id = u.role_id
         WHERE u.id = $1 AND u.active",
    )
    .bind(user_id)
    .fetch_optional(pool)
    .await?
    .ok_or(AppError::Unauthenticated)?;
    Ok(Principal {
        permissions,
        token: p.token.as_ref().map(|t| ActingToken {
            needed: Ledger::default(),
            ..t.clone()
        }),
        ..p.clone()
    })
}

/// A resource's `meta`.
fn meta(
    kind: &str,
    location: String,
    created: DateTime<Utc>,
    modified: DateTime<Utc>,
    version: &str,
) -> Value {
    json!({
        "resourceType": kind,
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location,
        "version": version,
    })
}

/// A list's page: 1-based `startIndex`, at most `count` (RFC 7644 §3.4.2.4).
#[derive(Debug, Clone, Copy)]
pub struct Paging {
    pub start_index: i64,
    pub count: i64,
}

impl Paging {
    pub fn new(start_index: Option<i64>, count: Option<i64>) -> Self {
        Self {
            start_index: start_index.unwrap_or(1).max(1),
            count: count.unwrap_or(100).clamp(0, MAX_RESULTS),
        }
    }

    fn offset(self) -> i64 {
        self.start_index - 1
    }
}

fn list_response(total: i64, paging: Paging, resources: Vec<Value>) -> Value {
    json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": paging.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    })
}

/// Checks `If-Match` (if sent) against the resource's version.
fn check_version(if_match: Option<&str>, version: &str) -> ScimResult<()> {
    match if_match {
        Some(wanted) if wanted.trim() != "*" && !wanted.split(',').any(|v| v.trim() == version) => {
            Err(Problem::precondition_failed().into())
        }
        _ => Ok(()),
    }
}

/// The id in a path: our ids are numbers; anything else names nothing.
pub fn parse_id(id: &str, what: &str) -> ScimResult<i64> {
    id.parse()
        .map_err(|_| Problem::not_found(&format!("{what} {id}")).into())
}

/// A kind of SCIM resource (a person, a group): where it is kept, how a request describes
/// it, and how what the directory says is saved. The operations below are written once,
/// for every kind.
pub trait Resource:
    Sized + Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
{
    /// What a request says of the resource, before it is saved.
    type Draft: Send;
    /// `User`, `Group`.
    const NAME: &'static str;
    /// The `SELECT …` of its columns, and the `FROM … WHERE …` of the ones a directory sees.
    const COLUMNS: &'static str;
    const FROM: &'static str;
    /// The id's column (lists are ordered by it).
    const ID: &'static str;

    /// Where each filterable attribute (lower-cased) is kept.
    fn column(attribute: &str) -> Option<filter::Column>;
    fn id(&self) -> i64;
    /// The version `ETag` and `meta.version` carry: it changes with every change.
    fn version(&self) -> String;
    fn resource(&self, base: &str) -> Value;
    fn draft(&self) -> Self::Draft;
    /// A draft from a resource (POST, PUT); `current` is the draft of the one replaced.
    fn read(body: &Value, current: Option<&Self::Draft>) -> Result<Self::Draft, Problem>;
    /// A PATCH request's operations, applied in order.
    fn apply(draft: &mut Self::Draft, body: &Value) -> Result<(), Problem>;
    /// Completes resources as read (a group's members); `whole` false when the request
    /// left the costly parts out.
    fn complete(
        db: &mut sqlx::PgConnection,
        found: &mut [Self],
        whole: bool,
    ) -> impl std::future::Future<Output = ScimResult<()>> + Send;
    /// Creates the resource a draft describes; the caller reads it back.
    fn insert(
        core: &crate::Core,
        p: &Principal,
        draft: Self::Draft,
    ) -> impl std::future::Future<Output = ScimResult<i64>> + Send;
    /// Saves what the directory says of an existing resource.
    fn save(
        core: &crate::Core,
        p: &Principal,
        before: Self,
        draft: Self::Draft,
    ) -> impl std::future::Future<Output = ScimResult<()>> + Send;
    fn remove(
        core: &crate::Core,
        p: &Principal,
        before: Self,
    ) -> impl std::future::Future<Output = ScimResult<()>> + Send;
}

/// A list request's query: `filter`, `startIndex`, `count`, and whether the costly
/// attributes are wanted.
#[derive(Debug, Clone, Default)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub paging: Option<Paging>,
    pub whole: bool,
}

async fn find<R: Resource>(core: &crate::Core, id: i64) -> ScimResult<R> {
    let mut db = core.pool.acquire().await?;
    let found: Option<R> = sqlx::query_as(&format!("{}{} AND {} = $1", R::COLUMNS, R::FROM, R::ID))
        .bind(id)
        .fetch_optional(&mut *db)
        .await?;
    let mut found = vec![found.ok_or_else(|| Problem::not_found(&format!("{} {id}", R::NAME)))?];
    R::complete(&mut db, &mut found, true).await?;
    Ok(found.pop().expect("one found"))
}

/// GET one.
pub async fn get<R: Resource>(core: &crate::Core, p: &Principal, id: &str) -> ScimResult<R> {
    directory(&core.pool, p, Access::Read).await?;
    find(core, parse_id(id, R::NAME)?).await
}

/// GET a page of those a filter finds, oldest first.
pub async fn list<R: Resource>(
    core: &crate::Core,
    p: &Principal,
    query: &ListQuery,
) -> ScimResult<Value> {
    directory(&core.pool, p, Access::Read).await?;
    let filter = query
        .filter
        .as_deref()
        .filter(|f| !f.trim().is_empty())
        .map(filter::parse)
        .transpose()?;
    let build = |head: &str| -> ScimResult<sqlx::QueryBuilder<'static, sqlx::Postgres>> {
        let mut sql = sqlx::QueryBuilder::new(format!("{head}{}", R::FROM));
        if let Some(filter) = &filter {
            sql.push(" AND ");
            filter::push_sql(filter, &mut sql, &R::column)?;
        }
        Ok(sql)
    };
    let total: i64 = build("SELECT count(*)")?
        .build_query_scalar()
        .fetch_one(&core.pool)
        .await?;
    let paging = query.paging.unwrap_or(Paging::new(None, None));
    let mut page = build(R::COLUMNS)?;
    page.push(format!(" ORDER BY {} OFFSET ", R::ID))
        .push_bind(paging.offset())
        .push(" LIMIT ")
        .push_bind(paging.count);
    let mut db = core.pool.acquire().await?;
    let mut found: Vec<R> = page.build_query_as().fetch_all(&mut *db).await?;
    R::complete(&mut db, &mut found, query.whole).await?;
    let base = &core.settings.public_url;
    Ok(list_response(
        total,
        paging,
        found.iter().map(|r| r.resource(base)).collect(),
    ))
}

/// POST.
pub async fn create<R: Resource>(core: &crate::Core, p: &Principal, body: &Value) -> ScimResult<R> {
    let p = directory(&core.pool, p, Access::Write).await?;
    let draft = R::read(body, None)?;
    let id = R::insert(core, &p, draft).await?;
    find(core, id).await
}

/// The resource `id` names, as a change finds it: the directory may write, and `If-Match`
/// (if sent) names its version.
async fn to_change<R: Resource>(
    core: &crate::Core,
    p: &Principal,
    id: &str,
    if_match: Option<&str>,
) -> ScimResult<(Principal, R)> {
    let p = directory(&core.pool, p, Access::Write).await?;
    let before: R = find(core, parse_id(id, R::NAME)?).await?;
    check_version(if_match, &before.version())?;
    Ok((p, before))
}

/// How a request changes a resource.
#[derive(Debug, Clone, Copy)]
pub enum Change<'a> {
    /// PUT: the resource as the body describes it.
    Replace(&'a Value),
    /// PATCH: the body's operations applied, in order, to the resource as it is.
    Patch(&'a Value),
}

/// PUT or PATCH.
pub async fn change<R: Resource>(
    core: &crate::Core,
    p: &Principal,
    id: &str,
    if_match: Option<&str>,
    change: Change<'_>,
) -> ScimResult<R> {
    let (p, before) = to_change::<R>(core, p, id, if_match).await?;
    let draft = match change {
        Change::Replace(body) => R::read(body, Some(&before.draft()))?,
        Change::Patch(body) => {
            let mut draft = before.draft();
            R::apply(&mut draft, body)?;
            draft
        }
    };
    let id = before.id();
    R::save(core, &p, before, draft).await?;
    find(core, id).await
}

/// DELETE.
pub async fn delete<R: Resource>(
    core: &crate::Core,
    p: &Principal,
    id: &str,
    if_match: Option<&str>,
) -> ScimResult<()> {
    let (p, before) = to_change::<R>(core, p, id, if_match).await?;
    R::remove(core, &p, before).await
}
