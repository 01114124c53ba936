//! SCIM Users: the people who sign in to the console (service accounts are not a
//! directory's to manage). `userName` is the e-mail address; the groups a person is in
//! are the role they hold.

use super::{filter, input, meta, Problem, Resource, ScimResult, PREFIX, USER_SCHEMA};
use crate::{
    audit::{self, Target},
    error::ResultExt,
    fields,
    offboarding::{self, Leaving},
    principal::Principal,
    roles, users, Core,
};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgConnection;
use types::{
    directory::{BuiltinRole, UserKind, UserPatch},
    events::Event,
    permissions::USERS_WRITE,
    AppError,
};

/// A person as the directory sees them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Person {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub external_id: Option<String>,
    pub active: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub role_id: i64,
    pub role_name: String,
}

const COLUMNS: &str = "SELECT u.id, u.email, u.display_name, u.given_name, u.family_name,
        u.external_id, u.active, u.created_at, u.updated_at, r.id AS role_id, r.name AS role_name";
/// The people a directory sees: not service accounts, not those it deleted.
const FROM: &str = " FROM users u JOIN roles r ON r.id = u.role_id
    WHERE u.kind = 'human' AND u.left_directory_at IS NULL";

impl Resource for Person {
    type Draft = input::PersonDraft;
    const NAME: &'static str = "User";
    const COLUMNS: &'static str = COLUMNS;
    const FROM: &'static str = FROM;
    const ID: &'static str = "u.id";

    fn column(attribute: &str) -> Option<filter::Column> {
        use filter::Column::*;
        Some(match attribute {
            "username" | "emails" | "emails.value" => Text("u.email"),
            "displayname" => Text("u.display_name"),
            "name.givenname" => Text("u.given_name"),
            "name.familyname" => Text("u.family_name"),
            "externalid" => Exact("u.external_id"),
            "id" => Exact("u.id::text"),
            "active" => Bool("u.active"),
            _ => return None,
        })
    }

    fn id(&self) -> i64 {
        self.id
    }

    fn version(&self) -> String {
        format!("W/\"{}\"", self.updated_at.timestamp_micros())
    }

    fn resource(&self, base: &str) -> Value {
        let location = format!("{base}{PREFIX}/Users/{}", self.id);
        let mut name = json!({ "formatted": self.display_name });
        if let Some(given) = &self.given_name {
            name["givenName"] = json!(given);
        }
        if let Some(family) = &self.family_name {
            name["familyName"] = json!(family);
        }
        let mut resource = json!({
            "schemas": [USER_SCHEMA],
            "id": self.id.to_string(),
            "userName": self.email,
            "name": name,
            "displayName": self.display_name,
            "emails": [{ "value": self.email, "type": "work", "primary": true }],
            "active": self.active,
            "groups": [{
                "value": self.role_id.to_string(),
                "display": self.role_name,
                "$ref": format!("{base}{PREFIX}/Groups/{}", self.role_id),
                "type": "direct",
            }],
            "meta": meta("User", location, self.created_at, self.updated_at, &self.version()),
        });
        if let Some(external) = &self.external_id {
            resource["externalId"] = json!(external);
        }
        resource
    }

    fn draft(&self) -> Self::Draft {
        input::PersonDraft {
            user_name: self.email.clone(),
            display_name: Some(self.display_name.clone()),
            given_name: self.given_name.clone(),
            family_name: self.family_name.clone(),
            external_id: self.external_id.clone(),
            active: self.active,
        }
    }

    fn read(body: &Value, current: Option<&Self::Draft>) -> Result<Self::Draft, Problem> {
        input::person(body, current)
    }

    fn apply(draft: &mut Self::Draft, body: &Value) -> Result<(), Problem> {
        input::patch_person(draft, body)
    }

    async fn complete(_: &mut PgConnection, _: &mut [Self], _: bool) -> ScimResult<()> {
        Ok(())
    }

    async fn insert(core: &Core, p: &Principal, draft: Self::Draft) -> ScimResult<i64> {
        insert(core, p, draft).await
    }

    async fn save(core: &Core, p: &Principal, before: Self, draft: Self::Draft) -> ScimResult<()> {
        save(core, p, before, draft).await
    }

    /// The person leaves the directory: disabled, everything they hold stopped, as when
    /// the directory disables them; they stay, disabled, in the console's list and the
    /// audit log, and the directory no longer sees them.
    async fn remove(core: &Core, p: &Principal, before: Self) -> ScimResult<()> {
        offboarding::offboard(core, p, before.id, Leaving::Deleted).await?;
        Ok(())
    }
}

async fn find(db: &mut PgConnection, id: i64) -> ScimResult<Person> {
    sqlx::query_as(&format!("{COLUMNS}{FROM} AND u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?
        .ok_or_else(|| Problem::not_found(&format!("User {id}")).into())
}

/// The rules every person's attributes keep, whoever sends them.
fn checked(draft: input::PersonDraft) -> ScimResult<input::PersonDraft> {
    let email = fields::email("userName", &draft.user_name)?;
    let display_name = fields::name("displayName", &draft.shown_name(), 100)?;
    let part = |field: &str, value: Option<String>| -> ScimResult<Option<String>> {
        Ok(value
            .map(|v| fields::text(field, Some(&v), 100))
            .transpose()?
            .filter(|v| !v.is_empty()))
    };
    Ok(input::PersonDraft {
        given_name: part("name.givenName", draft.given_name)?,
        family_name: part("name.familyName", draft.family_name)?,
        external_id: part("externalId", draft.external_id)?,
        user_name: email,
        display_name: Some(display_name),
        active: draft.active,
    })
}

fn taken(email: &str) -> AppError {
    AppError::conflict(
        "userName",
        format!("A person with the userName {email} exists already."),
    )
}

fn external_taken() -> AppError {
    AppError::conflict("externalId", "Another person has this externalId.")
}

/// Provisions a person, with the Member role (a group puts them in another). A person the
/// directory deleted before comes back under the same address, with none of their old
/// tokens or sessions.
async fn insert(core: &Core, p: &Principal, draft: input::PersonDraft) -> ScimResult<i64> {
    p.require(USERS_WRITE, "add people")?;
    let draft = checked(draft)?;
    let mut tx = core.pool.begin().await?;
    let returning: Option<(i64, bool)> = sqlx::query_as(
        "SELECT id, left_directory_at IS NOT NULL FROM users WHERE lower(email) = $1 FOR UPDATE",
    )
    .bind(&draft.user_name)
    .fetch_optional(&mut *tx)
    .await?;
    let id = match returning {
        Some((id, true)) => {
            sqlx::query("UPDATE users SET left_directory_at = NULL WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            id
        }
        Some((_, false)) => return Err(taken(&draft.user_name).into()),
        None => {
            let member = roles::builtin_id(&mut tx, BuiltinRole::Member).await?;
            let role = roles::assignable(&mut tx, p, member).await?;
            sqlx::query_scalar(
                "INSERT INTO users (email, display_name, given_name, family_name, external_id,
                                    kind, active, role_id)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            )
            .bind(&draft.user_name)
            .bind(draft.display_name.as_deref())
            .bind(draft.given_name.as_deref())
            .bind(draft.family_name.as_deref())
            .bind(draft.external_id.as_deref())
            .bind(UserKind::Human)
            .bind(draft.active)
            .bind(role.id)
            .fetch_one(&mut *tx)
            .await
            .on_constraint("users_external_id_key", external_taken)?
        }
    };
    audit::record(
        &mut *tx,
        &p.into(),
        Event::UserCreated,
        Target::User { id, label: &draft.user_name },
        json!({ "id": id, "kind": UserKind::Human, "through": "SCIM", "external_id": draft.external_id }),
    )
    .await?;
    let before = find(&mut tx, id).await?;
    let active = draft.active;
    write(&mut tx, p, &before, draft).await?;
    tx.commit().await?;
    if active && !before.active {
        users::update(
            core,
            p,
            id,
            UserPatch {
                active: Some(true),
                ..Default::default()
            },
        )
        .await?;
    }
    Ok(id)
}

/// Writes a person's attributes (not whether they are active), with an audit row when
/// something changed.
async fn write(
    tx: &mut PgConnection,
    p: &Principal,
    before: &Person,
    draft: input::PersonDraft,
) -> ScimResult<()> {
    let unchanged = before.email == draft.user_name
        && Some(&before.display_name) == draft.display_name.as_ref()
        && before.given_name == draft.given_name
        && before.family_name == draft.family_name
        && before.external_id == draft.external_id;
    if unchanged {
        return Ok(());
    }
    let summary = users::get(&mut *tx, p, before.id).await?;
    users::require_outranks(tx, p, &summary, "change").await?;
    sqlx::query(
        "UPDATE users SET email = $2, display_name = $3, given_name = $4, family_name = $5,
             external_id = $6, updated_at = now()
         WHERE id = $1",
    )
    .bind(before.id)
    .bind(&draft.user_name)
    .bind(draft.display_name.as_deref())
    .bind(draft.given_name.as_deref())
    .bind(draft.family_name.as_deref())
    .bind(draft.external_id.as_deref())
    .execute(&mut *tx)
    .await
    .on_constraint("users_email_key", || taken(&draft.user_name))
    .on_constraint("users_external_id_key", external_taken)?;
    audit::record(
        &mut *tx,
        &p.into(),
        Event::UserChanged,
        Target::User { id: before.id, label: &draft.user_name },
        json!({
            "id": before.id,
            "through": "SCIM",
            "before": { "user_name": before.email, "display_name": before.display_name, "external_id": before.external_id },
            "after": { "user_name": draft.user_name, "display_name": draft.display_name, "external_id": draft.external_id },
        }),
    )
    .await?;
    Ok(())
}

/// Saves what the directory says of a person: their attributes, then whether they are
/// active. Disabling them stops everything they hold (see [`offboarding`]); enabling them
/// again brings no token back.
async fn save(
    core: &Core,
    p: &Principal,
    before: Person,
    draft: input::PersonDraft,
) -> ScimResult<()> {
    p.require(USERS_WRITE, "change people")?;
    let draft = checked(draft)?;
    let active = draft.active;
    let mut tx = core.pool.begin().await?;
    write(&mut tx, p, &before, draft).await?;
    tx.commit().await?;
    match (before.active, active) {
        (true, false) => {
            offboarding::offboard(core, p, before.id, Leaving::Disabled).await?;
        }
        (false, true) => {
            users::update(
                core,
                p,
                before.id,
                UserPatch {
                    active: Some(true),
                    ..Default::default()
                },
            )
            .await?;
        }
        _ => {}
    }
    Ok(())
}
