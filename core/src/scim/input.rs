//! What a directory sends, read into drafts: a resource (POST, PUT) or a PATCH's
//! operations applied to the resource as it is. Attribute names are read without regard
//! to case, as SCIM asks; booleans sent as the strings "True" and "False" (as Entra ID
//! does) are booleans. Attributes Latchkey does not keep (a title, phone numbers, the
//! enterprise extension) are ignored; read-only ones (`id`, `meta`, `groups`) are ignored
//! in a resource and refused as a PATCH's path.

use super::{filter, Problem, GROUP_SCHEMA, USER_SCHEMA};
use serde_json::{Map, Value};

/// A person as the directory describes them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonDraft {
    /// The e-mail address people sign in with.
    pub user_name: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub external_id: Option<String>,
    pub active: bool,
}

impl PersonDraft {
    /// The name shown: `displayName`, else the name's parts, else the address.
    pub fn shown_name(&self) -> String {
        if let Some(name) = self
            .display_name
            .as_deref()
            .filter(|n| !n.trim().is_empty())
        {
            return name.to_owned();
        }
        let parts: Vec<&str> = [&self.given_name, &self.family_name]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect();
        if parts.is_empty() {
            self.user_name.clone()
        } else {
            parts.join(" ")
        }
    }
}

/// A group as the directory describes it: a role's name and who holds it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct GroupDraft {
    pub display_name: String,
    pub external_id: Option<String>,
    /// The ids of the people in it.
    pub members: Vec<i64>,
}

/// A field of a JSON object, its name compared without regard to case.
fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

fn object<'a>(body: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Problem> {
    body.as_object().ok_or_else(|| {
        Problem::bad_request("invalidSyntax", format!("{what} must be a JSON object."))
    })
}

fn text(value: &Value, attribute: &str) -> Result<Option<String>, Problem> {
    match value {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        _ => Err(Problem::bad_request(
            "invalidValue",
            format!("{attribute} must be a string."),
        )),
    }
}

fn boolean(value: &Value, attribute: &str) -> Result<bool, Problem> {
    match value {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(Problem::bad_request(
            "invalidValue",
            format!("{attribute} must be true or false."),
        )),
    }
}

/// A path without the schema's URN in front (`urn:…:User:userName` is `userName`).
fn bare_path<'a>(path: &'a str, schema: &str) -> &'a str {
    match path.get(..schema.len()) {
        Some(head) if head.eq_ignore_ascii_case(schema) => {
            path[schema.len()..].trim_start_matches(':')
        }
        _ => path,
    }
}

fn mutability(path: &str) -> Problem {
    Problem::bad_request("mutability", format!("{path} cannot be changed."))
}

fn required(attribute: &str) -> Problem {
    Problem::bad_request("invalidValue", format!("{attribute} is required."))
}

/// A person from a resource (POST, PUT). `current` is the person being replaced: what
/// the resource leaves out of `active` stays as it is (a new person is active).
pub fn person(body: &Value, current: Option<&PersonDraft>) -> Result<PersonDraft, Problem> {
    let fields = object(body, "The user")?;
    let mut draft = PersonDraft {
        active: current.is_none_or(|c| c.active),
        ..Default::default()
    };
    for (name, value) in fields {
        set_person(&mut draft, name, value, false)?;
    }
    if draft.user_name.trim().is_empty() {
        return Err(required("userName"));
    }
    Ok(draft)
}

/// Sets one attribute; `strict` refuses read-only attributes instead of ignoring them.
fn set_person(
    draft: &mut PersonDraft,
    path: &str,
    value: &Value,
    strict: bool,
) -> Result<(), Problem> {
    let path = bare_path(path, USER_SCHEMA);
    match path.to_ascii_lowercase().as_str() {
        "username" => {
            draft.user_name = text(value, "userName")?.ok_or_else(|| required("userName"))?
        }
        "displayname" => draft.display_name = text(value, "displayName")?,
        "externalid" => draft.external_id = text(value, "externalId")?,
        "active" => draft.active = boolean(value, "active")?,
        "name.givenname" => draft.given_name = text(value, "name.givenName")?,
        "name.familyname" => draft.family_name = text(value, "name.familyName")?,
        "name.formatted" if draft.display_name.is_none() => {
            draft.display_name = text(value, "name.formatted")?
        }
        "name" => match value {
            Value::Object(parts) => {
                for (part, v) in parts {
                    set_person(draft, &format!("name.{part}"), v, strict)?;
                }
            }
            Value::Null => {
                draft.given_name = None;
                draft.family_name = None;
            }
            _ => {
                return Err(Problem::bad_request(
                    "invalidValue",
                    "name must be an object.",
                ))
            }
        },
        "id" | "meta" | "groups" | "schemas" if strict => return Err(mutability(path)),
        // The address is the userName; what else a directory keeps is not kept here.
        _ => {}
    }
    Ok(())
}

/// Removes one attribute (a PATCH's `remove`).
fn clear_person(draft: &mut PersonDraft, path: &str) -> Result<(), Problem> {
    let path = bare_path(path, USER_SCHEMA);
    match path.to_ascii_lowercase().as_str() {
        "username" => return Err(required("userName")),
        "active" => return Err(required("active")),
        "displayname" => draft.display_name = None,
        "externalid" => draft.external_id = None,
        "name.givenname" => draft.given_name = None,
        "name.familyname" => draft.family_name = None,
        "name" => {
            draft.given_name = None;
            draft.family_name = None;
        }
        "id" | "meta" | "groups" | "schemas" => return Err(mutability(path)),
        _ => {}
    }
    Ok(())
}

/// One operation of a PATCH request.
struct Operation<'a> {
    op: Op,
    path: Option<&'a str>,
    value: Option<&'a Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Add,
    Replace,
    Remove,
}

fn operations(body: &Value) -> Result<Vec<Operation<'_>>, Problem> {
    let fields = object(body, "The PATCH request")?;
    let listed = field(fields, "Operations")
        .and_then(Value::as_array)
        .filter(|ops| !ops.is_empty())
        .ok_or_else(|| {
            Problem::bad_request(
                "invalidSyntax",
                "A PATCH request needs a list of Operations.",
            )
        })?;
    listed
        .iter()
        .map(|op| {
            let fields = object(op, "An operation")?;
            let name = field(fields, "op")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let op = match name.to_ascii_lowercase().as_str() {
                "add" => Op::Add,
                "replace" => Op::Replace,
                "remove" => Op::Remove,
                _ => {
                    return Err(Problem::bad_request(
                        "invalidSyntax",
                        format!("The operation “{name}” is not one of add, replace and remove."),
                    ))
                }
            };
            let path = match field(fields, "path") {
                None | Some(Value::Null) => None,
                Some(Value::String(p)) => Some(p.as_str()),
                Some(_) => {
                    return Err(Problem::bad_request(
                        "invalidPath",
                        "A path must be a string.",
                    ))
                }
            };
            let value = field(fields, "value");
            if path.is_none() && op == Op::Remove {
                return Err(Problem::bad_request(
                    "noTarget",
                    "A remove operation needs a path.",
                ));
            }
            if op != Op::Remove && value.is_none() {
                return Err(Problem::bad_request(
                    "invalidValue",
                    "An add or replace needs a value.",
                ));
            }
            Ok(Operation { op, path, value })
        })
        .collect()
}

/// Applies a PATCH request's operations to a person, in order.
pub fn patch_person(draft: &mut PersonDraft, body: &Value) -> Result<(), Problem> {
    for operation in operations(body)? {
        match (operation.op, operation.path, operation.value) {
            (Op::Remove, Some(path), _) => clear_person(draft, path)?,
            (_, Some(path), Some(value)) => set_person(draft, path, value, true)?,
            (_, None, Some(Value::Object(fields))) => {
                for (name, value) in fields {
                    set_person(draft, name, value, true)?;
                }
            }
            _ => {
                return Err(Problem::bad_request(
                    "invalidValue",
                    "An operation without a path needs an object as its value.",
                ))
            }
        }
    }
    Ok(())
}

/// A group from a resource (POST, PUT).
pub fn group(body: &Value) -> Result<GroupDraft, Problem> {
    let fields = object(body, "The group")?;
    let mut draft = GroupDraft::default();
    for (name, value) in fields {
        set_group(&mut draft, name, value, Op::Replace, false)?;
    }
    if draft.display_name.trim().is_empty() {
        return Err(required("displayName"));
    }
    Ok(draft)
}

/// The ids of a list of members (`[{"value": "42"}, …]`).
fn member_ids(value: &Value) -> Result<Vec<i64>, Problem> {
    let listed = match value {
        Value::Array(items) => items.as_slice(),
        Value::Object(_) => std::slice::from_ref(value),
        _ => {
            return Err(Problem::bad_request(
                "invalidValue",
                "members must be a list.",
            ))
        }
    };
    listed
        .iter()
        .map(|m| {
            let id = m.as_object().and_then(|o| field(o, "value"));
            match id {
                Some(Value::String(s)) => s.parse().ok(),
                Some(Value::Number(n)) => n.as_i64(),
                _ => None,
            }
            .ok_or_else(|| {
                Problem::bad_request(
                    "invalidValue",
                    format!("{m} does not name a user by its id."),
                )
            })
        })
        .collect()
}

fn set_group(
    draft: &mut GroupDraft,
    path: &str,
    value: &Value,
    op: Op,
    strict: bool,
) -> Result<(), Problem> {
    let path = bare_path(path, GROUP_SCHEMA);
    match path.to_ascii_lowercase().as_str() {
        "displayname" => {
            draft.display_name =
                text(value, "displayName")?.ok_or_else(|| required("displayName"))?
        }
        "externalid" => draft.external_id = text(value, "externalId")?,
        "members" => {
            let ids = member_ids(value)?;
            if op == Op::Replace {
                draft.members.clear();
            }
            for id in ids {
                if !draft.members.contains(&id) {
                    draft.members.push(id);
                }
            }
        }
        "id" | "meta" | "schemas" if strict => return Err(mutability(path)),
        _ => {}
    }
    Ok(())
}

/// Removes members: all of them (`members`), those a filter names
/// (`members[value eq "42"]`), or those the value lists.
fn remove_members(
    draft: &mut GroupDraft,
    path: &str,
    value: Option<&Value>,
) -> Result<(), Problem> {
    let path = bare_path(path, GROUP_SCHEMA);
    let lower = path.to_ascii_lowercase();
    if lower == "members" {
        match value {
            Some(value) => {
                let gone = member_ids(value)?;
                draft.members.retain(|id| !gone.contains(id));
            }
            None => draft.members.clear(),
        }
        return Ok(());
    }
    if lower.starts_with("members[") && lower.ends_with(']') {
        // The filter between the brackets, as sent.
        let gone = member_filter(&path["members[".len()..path.len() - 1])?;
        draft.members.retain(|id| !gone.contains(id));
        return Ok(());
    }
    match lower.as_str() {
        "externalid" => draft.external_id = None,
        "displayname" => return Err(required("displayName")),
        _ => {
            return Err(Problem::bad_request(
                "invalidPath",
                format!("{path} cannot be removed."),
            ))
        }
    }
    Ok(())
}

/// The ids a member filter names: `value eq "42"`, joined by `or`.
fn member_filter(text: &str) -> Result<Vec<i64>, Problem> {
    fn collect(f: &filter::Filter, out: &mut Vec<i64>) -> Result<(), Problem> {
        match f {
            filter::Filter::Or(a, b) => {
                collect(a, out)?;
                collect(b, out)
            }
            filter::Filter::Compare {
                attribute,
                op: filter::Op::Eq,
                value: filter::Value::Text(id),
            } if attribute.eq_ignore_ascii_case("value") => {
                out.extend(id.parse::<i64>().ok());
                Ok(())
            }
            _ => Err(Problem::bad_request(
                "invalidFilter",
                "Name members to remove as members[value eq \"<id>\"].",
            )),
        }
    }
    let mut ids = Vec::new();
    collect(&filter::parse(text)?, &mut ids)?;
    Ok(ids)
}

/// Applies a PATCH request's operations to a group, in order.
pub fn patch_group(draft: &mut GroupDraft, body: &Value) -> Result<(), Problem> {
    for operation in operations(body)? {
        match (operation.op, operation.path, operation.value) {
            (Op::Remove, Some(path), value) => remove_members(draft, path, value)?,
            (op, Some(path), Some(value)) => set_group(draft, path, value, op, true)?,
            (op, None, Some(Value::Object(fields))) => {
                for (name, value) in fields {
                    set_group(draft, name, value, op, true)?;
                }
            }
            _ => {
                return Err(Problem::bad_request(
                    "invalidValue",
                    "An operation without a path needs an object as its value.",
                ))
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn patch(ops: Value) -> Value {
        json!({ "schemas": [super::super::PATCH_SCHEMA], "Operations": ops })
    }

    #[test]
    fn a_person_from_a_resource() {
        let draft = person(
            &json!({
                "schemas": [USER_SCHEMA], "UserName": "bjensen@example.com", "id": "ignored",
                "name": { "givenName": "Barbara", "familyName": "Jensen" },
                "emails": [{ "value": "other@example.com" }], "title": "Tour guide"
            }),
            None,
        )
        .unwrap();
        assert_eq!(draft.user_name, "bjensen@example.com");
        assert!(draft.active, "a new person is active");
        assert_eq!(draft.shown_name(), "Barbara Jensen");
        let missing = person(&json!({ "displayName": "Nobody" }), None).unwrap_err();
        assert_eq!(missing.detail, "userName is required.");
    }

    #[test]
    fn patches_as_okta_and_entra_send_them() {
        let mut draft = person(&json!({ "userName": "b@example.com" }), None).unwrap();
        // Okta: no path, an object.
        patch_person(
            &mut draft,
            &patch(json!([{ "op": "replace", "value": { "active": false } }])),
        )
        .unwrap();
        assert!(!draft.active);
        // Entra ID: capitalised operations, booleans as strings, a schema-qualified path.
        patch_person(
            &mut draft,
            &patch(json!([
                { "op": "Replace", "path": "active", "value": "True" },
                { "op": "Add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:displayName", "value": "B" },
                { "op": "Replace", "path": "name.familyName", "value": "Jensen" },
                { "op": "Remove", "path": "name.familyName" },
            ])),
        )
        .unwrap();
        assert!(draft.active);
        assert_eq!(draft.display_name.as_deref(), Some("B"));
        assert_eq!(draft.family_name, None);
        let refused = patch_person(
            &mut draft,
            &patch(json!([{ "op": "replace", "path": "id", "value": "9" }])),
        );
        assert_eq!(refused.unwrap_err().scim_type, Some("mutability"));
        let refused = patch_person(
            &mut draft,
            &patch(json!([{ "op": "move", "path": "active" }])),
        );
        assert_eq!(refused.unwrap_err().scim_type, Some("invalidSyntax"));
    }

    #[test]
    fn members_come_and_go() {
        let mut draft =
            group(&json!({ "displayName": "Warehouse", "members": [{ "value": "1" }] })).unwrap();
        patch_group(
            &mut draft,
            &patch(json!([{ "op": "add", "path": "members", "value": [{ "value": "2" }, { "value": 3 }] }])),
        )
        .unwrap();
        assert_eq!(draft.members, [1, 2, 3]);
        patch_group(
            &mut draft,
            &patch(json!([{ "op": "remove", "path": "members[value eq \"2\"]" }])),
        )
        .unwrap();
        assert_eq!(draft.members, [1, 3]);
        patch_group(
            &mut draft,
            &patch(json!([{ "op": "remove", "path": "members", "value": [{ "value": "1" }] }])),
        )
        .unwrap();
        assert_eq!(draft.members, [3]);
        patch_group(
            &mut draft,
            &patch(json!([{ "op": "replace", "path": "members", "value": [{ "value": "7" }] }])),
        )
        .unwrap();
        assert_eq!(draft.members, [7]);
        let bad = patch_group(
            &mut draft,
            &patch(json!([{ "op": "add", "path": "members", "value": [{ "value": "x" }] }])),
        );
        assert_eq!(bad.unwrap_err().scim_type, Some("invalidValue"));
    }
}
