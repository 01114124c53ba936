"""A directory provisioning Latchkey with scim2-client (PyPI), a SCIM client Latchkey's
authors did not write, which checks every answer against the schemas it discovers.

Run by server/tests/api/scim.rs with two instances on one database:
  LATCHKEY_FIRST, LATCHKEY_SECOND  the instances' base URLs
  LATCHKEY_TOKEN                   a token with scim:write and tokens:admin
It creates a person, finds them by filter, changes them by PATCH, gives them a token
(through the REST API) that the second instance accepts, deactivates them through the
first instance, and checks that the second refuses the token at once. Prints what it
saw; exits non-zero on the first surprise."""

import os
import sys
import time

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import Error, ListResponse, PatchOp, PatchOperation, SearchRequest

first = os.environ["LATCHKEY_FIRST"]
second = os.environ["LATCHKEY_SECOND"]
token = os.environ["LATCHKEY_TOKEN"]
auth = {"Authorization": f"Bearer {token}"}


def check(condition, what):
    if not condition:
        print(f"FAILED: {what}")
        sys.exit(1)
    print(f"ok: {what}")


scim = SyncSCIMClient(httpx2.Client(base_url=f"{first}/scim/v2", headers=auth))
scim.discover()
User = scim.get_resource_model("User")
Group = scim.get_resource_model("Group")
check(User is not None and Group is not None, "discovered the User and Group resource types")

# Create, then find by filter.
grace = scim.create(
    User(
        user_name="grace.hopper@example.com",
        display_name="Grace Hopper",
        name=User.Name(given_name="Grace", family_name="Hopper"),
        external_id="hr-1906",
    )
)
check(grace.id is not None and grace.active, f"created {grace.user_name} as user {grace.id}")

found = scim.query(User, query_parameters=SearchRequest(filter='userName eq "Grace.Hopper@example.com"'))
check(isinstance(found, ListResponse) and found.total_results == 1, "found her by userName (any case)")
check(found.resources[0].id == grace.id, "the same person")
found = scim.query(User, query_parameters=SearchRequest(filter='name.familyName sw "Hop" and active eq true'))
check(found.total_results == 1, "found her by a filter of two comparisons")
none = scim.query(User, query_parameters=SearchRequest(filter='externalId eq "hr-0000"'))
check(none.total_results == 0, "an unknown externalId finds nobody")

# Change by PATCH.
renamed = scim.modify(
    User,
    grace.id,
    PatchOp[User](operations=[PatchOperation(op=PatchOperation.Op.replace_, path="displayName", value="Rear Admiral Hopper")]),
)
check(renamed.display_name == "Rear Admiral Hopper", "renamed her by PATCH")

# A token of hers, made through the REST API, works on the second instance.
api = httpx2.Client(headers=auth)
made = api.post(
    f"{first}/api/v1/tokens",
    json={"name": "Grace's laptop", "owner_id": int(grace.id), "scopes": ["tokens:read"]},
)
check(made.status_code == 201, f"gave her a token ({made.status_code})")
hers = {"Authorization": f"Bearer {made.json()['token']}"}
me = httpx2.get(f"{second}/api/v1/me", headers=hers)
check(me.status_code == 200, "the second instance accepts her token")

# A group (a role) with her in it.
team = scim.create(Group(display_name="Compiler team", members=[Group.Members(value=grace.id)]))
check(team.id is not None and [m.value for m in team.members] == [grace.id], "made a group with her in it")
again = scim.query(User, grace.id)
check(any(g.value == team.id for g in again.groups), "her groups name it")

me = httpx2.get(f"{second}/api/v1/me", headers=hers)
check(me.status_code == 200, "her token still verifies in her new role")

# Deactivate through the first instance: the second refuses her token on the next request.
started = time.monotonic()
gone = scim.modify(
    User,
    grace.id,
    PatchOp[User](operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=False)]),
)
answered = time.monotonic()
check(gone.active is False, f"deactivated her ({(answered - started) * 1000:.0f} ms, receipt included)")
me = httpx2.get(f"{second}/api/v1/me", headers=hers)
check(me.status_code == 401, f"the second instance refuses her token at once ({me.status_code})")

# Coming back brings no token back.
back = scim.modify(
    User,
    grace.id,
    PatchOp[User](operations=[PatchOperation(op=PatchOperation.Op.replace_, path="active", value=True)]),
)
check(back.active is True, "re-activated her")
me = httpx2.get(f"{second}/api/v1/me", headers=hers)
check(me.status_code == 401, "her old token stays revoked")

# Errors in SCIM's shape.
bad = scim.query(User, query_parameters=SearchRequest(filter='userName gt "x"'), raise_scim_errors=False)
check(isinstance(bad, Error) and bad.scim_type == "invalidFilter", "a bad filter is answered invalidFilter")

# Delete: she leaves the directory's view.
scim.delete(User, grace.id)
missing = scim.query(User, grace.id, raise_scim_errors=False)
check(isinstance(missing, Error) and missing.status == 404, "deleted, she is not found")
print("scim2-client: all checks passed")
