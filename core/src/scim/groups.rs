//! SCIM Groups: a group is a role, its members the people who hold it. A person holds one
//! role: adding them to a group gives them its role, removing them gives them back the
//! Member role. A group the directory creates is a role with no permissions, which an
//! administrator fills on the Roles page.

use super::{filter, input, meta, Problem, Resource, ScimResult, GROUP_SCHEMA, PREFIX};
use crate::{error::ResultExt, principal::Principal, roles, users, Core};
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use types::{
    directory::{BuiltinRole, NewRole, RolePatch, UserPatch},
    AppError,
};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Group {
    pub id: i64,
    pub name: String,
    pub external_id: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Its members' ids and names, by id; `None` when the request left them out.
    #[sqlx(skip)]
    pub members: Option<Vec<(i64, String)>>,
}

const COLUMNS: &str = "SELECT r.id, r.name, r.external_id, r.created_at, r.updated_at";
const FROM: &str = " FROM roles r WHERE true";

impl Resource for Group {
    type Draft = input::GroupDraft;
    const NAME: &'static str = "Group";
    const COLUMNS: &'static str = COLUMNS;
    const FROM: &'static str = FROM;
    const ID: &'static str = "r.id";

    fn column(attribute: &str) -> Option<filter::Column> {
        use filter::Column::*;
        Some(match attribute {
            "displayname" => Text("r.name"),
            "externalid" => Exact("r.external_id"),
            "id" => Exact("r.id::text"),
            _ => return None,
        })
    }

    fn id(&self) -> i64 {
        self.id
    }

    /// The role's last change and who is in it.
    fn version(&self) -> String {
        let mut digest = Sha256::new();
        digest.update(self.updated_at.timestamp_micros().to_be_bytes());
        for (id, _) in self.members.iter().flatten() {
            digest.update(id.to_be_bytes());
        }
        let hex: String = digest.finalize()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        format!("W/\"{hex}\"")
    }

    fn resource(&self, base: &str) -> Value {
        let location = format!("{base}{PREFIX}/Groups/{}", self.id);
        let mut resource = json!({
            "schemas": [GROUP_SCHEMA],
            "id": self.id.to_string(),
            "displayName": self.name,
            "meta": meta("Group", location, self.created_at, self.updated_at, &self.version()),
        });
        if let Some(members) = &self.members {
            resource["members"] = members
                .iter()
                .map(|(id, name)| {
                    json!({
                        "value": id.to_string(),
                        "display": name,
                        "type": "User",
                        "$ref": format!("{base}{PREFIX}/Users/{id}"),
                    })
                })
                .collect();
        }
        if let Some(external) = &self.external_id {
            resource["externalId"] = json!(external);
        }
        resource
    }

    fn draft(&self) -> Self::Draft {
        input::GroupDraft {
            display_name: self.name.clone(),
            external_id: self.external_id.clone(),
            members: self.member_ids(),
        }
    }

    fn read(body: &Value, _: Option<&Self::Draft>) -> Result<Self::Draft, Problem> {
        input::group(body)
    }

    fn apply(draft: &mut Self::Draft, body: &Value) -> Result<(), Problem> {
        input::patch_group(draft, body)
    }

    /// Members are listed unless the request left them out (`excludedAttributes=members`:
    /// a large group's list is long).
    async fn complete(db: &mut PgConnection, found: &mut [Self], whole: bool) -> ScimResult<()> {
        if whole {
            with_members(db, found).await?;
        }
        Ok(())
    }

    async fn insert(core: &Core, p: &Principal, draft: Self::Draft) -> ScimResult<i64> {
        insert(core, p, draft).await
    }

    async fn save(core: &Core, p: &Principal, before: Self, draft: Self::Draft) -> ScimResult<()> {
        save(core, p, before, draft).await
    }

    async fn remove(core: &Core, p: &Principal, before: Self) -> ScimResult<()> {
        remove(core, p, before).await
    }
}

impl Group {
    fn member_ids(&self) -> Vec<i64> {
        self.members.iter().flatten().map(|(id, _)| *id).collect()
    }
}

/// Fills in the members of `groups`: the people (not service accounts) who hold each role.
async fn with_members(db: &mut PgConnection, groups: &mut [Group]) -> ScimResult<()> {
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let rows: Vec<(i64, i64, String)> = sqlx::query_as(
        "SELECT role_id, id, display_name FROM users
         WHERE role_id = ANY($1) AND kind = 'human' AND left_directory_at IS NULL ORDER BY id",
    )
    .bind(&ids)
    .fetch_all(db)
    .await?;
    for group in groups.iter_mut() {
        group.members = Some(
            rows.iter()
                .filter(|(role, _, _)| *role == group.id)
                .map(|(_, id, name)| (*id, name.clone()))
                .collect(),
        );
    }
    Ok(())
}

fn external_taken() -> AppError {
    AppError::conflict("externalId", "Another group has this externalId.")
}

/// Creates a role with no permissions, and gives it to the members named.
async fn insert(core: &Core, p: &Principal, draft: input::GroupDraft) -> ScimResult<i64> {
    let new = NewRole {
        name: draft.display_name.clone(),
        description: Some("Provisioned by the directory (SCIM).".into()),
        permissions: Vec::new(),
        sso_groups: Vec::new(),
    };
    let role = roles::create(&core.pool, p, new)
        .await
        .map_err(|e| match e {
            crate::Error::App(AppError::Conflict { message, .. }) => {
                crate::Error::App(AppError::conflict("displayName", message))
            }
            other => other,
        })?;
    // The role as made: no external id, nobody in it yet.
    let made = Group {
        id: role.id,
        name: role.name,
        external_id: None,
        created_at: Utc::now(),
        updated_at: Utc::now(),
        members: Some(Vec::new()),
    };
    save(core, p, made, draft).await?;
    Ok(role.id)
}

/// Writes what the directory says of a group: its name, its external id, who is in it.
/// The members change in one transaction: all of them, or none.
async fn save(
    core: &Core,
    p: &Principal,
    before: Group,
    draft: input::GroupDraft,
) -> ScimResult<()> {
    if draft.display_name != before.name {
        let patch = RolePatch {
            name: Some(draft.display_name.clone()),
            ..Default::default()
        };
        roles::update(core, p, before.id, patch).await?;
    }
    let current = before.member_ids();
    let joining: Vec<i64> = draft
        .members
        .iter()
        .copied()
        .filter(|id| !current.contains(id))
        .collect();
    let leaving: Vec<i64> = current
        .iter()
        .copied()
        .filter(|id| !draft.members.contains(id))
        .collect();
    let external_changed = draft.external_id != before.external_id;
    if joining.is_empty() && leaving.is_empty() && !external_changed {
        return Ok(());
    }
    let mut tx = core.pool.begin().await?;
    if external_changed {
        p.require(types::permissions::ROLES_WRITE, "change roles")?;
        sqlx::query("UPDATE roles SET external_id = $2, updated_at = now() WHERE id = $1")
            .bind(before.id)
            .bind(draft.external_id.as_deref())
            .execute(&mut *tx)
            .await
            .on_constraint("roles_external_id_key", external_taken)?;
    }
    let member_role = roles::builtin_id(&mut tx, BuiltinRole::Member).await?;
    for (people, role_id) in [(&joining, before.id), (&leaving, member_role)] {
        for &id in people {
            let person: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM users WHERE id = $1 AND kind = 'human' AND left_directory_at IS NULL",
            )
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
            if person.is_none() {
                return Err(Problem::bad_request(
                    "invalidValue",
                    format!("members: there is no user {id}."),
                )
                .into());
            }
            let patch = UserPatch {
                role_id: Some(role_id),
                ..Default::default()
            };
            users::update_in(&mut tx, p, id, patch).await?;
        }
    }
    tx.commit().await?;
    // Their tokens reach as far as their new roles allow, here and everywhere, now.
    core.verifier.settle().await;
    Ok(())
}

/// DELETE: its members get the Member role back, and the role is deleted (a built-in
/// role is not).
async fn remove(core: &Core, p: &Principal, before: Group) -> ScimResult<()> {
    let role = roles::get(&core.pool, p, before.id).await?;
    if role.builtin {
        return Err(AppError::Forbidden(format!("delete the built-in role {}", role.name)).into());
    }
    let emptied = input::GroupDraft {
        members: Vec::new(),
        ..before.draft()
    };
    let id = before.id;
    save(core, p, before, emptied).await?;
    roles::delete(core, p, id).await?;
    Ok(())
}
