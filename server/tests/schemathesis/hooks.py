"""What a static schema cannot say, told to schemathesis's generator.

The document states every rule that depends on the request alone. A few depend on the
server's state, the clock or a password estimator instead, and the run brings the bodies
of schema-valid cases in line with them: permissions and scopes name modules the run's
token may grant, role and user ids name ones that exist and that the token may give, an expiry lies in the future, a webhook
URL is one the WHATWG parser takes (no pattern says which), an
allowlist holds addresses and ranges (whose syntax, host bits included, no pattern states), a roll keeps the old token's
scopes, addresses and lifetime (narrowing them depends on the token), and a
person has an email and a password that zxcvbn does not guess (a service account none). Cases meant to break the schema are left alone. The
run's own token and its owner are never revoked, rolled, disabled or deleted by its cases."""

import datetime
import os
import re

import schemathesis

USER_IDS = [int(i) for i in os.environ["LATCHKEY_USER_IDS"].split(",")]
PROTECTED = {str(USER_IDS[0]), os.environ["LATCHKEY_PROTECTED_TOKEN"]}
GRANTABLE = os.environ["LATCHKEY_GRANTABLE"].split(",")
ROLE_IDS = [int(i) for i in os.environ["LATCHKEY_ROLE_IDS"].split(",")]
# The document's pattern for a permission's shape.
SHAPE = re.compile(os.environ["LATCHKEY_PERMISSION_PATTERN"])
STRONG_PASSWORD = "vermilion quokka tessellates 1987 harbours"
# Addresses and ranges an allowlist may hold (a generated string is rarely one).
ALLOWED = ["10.0.4.0/24", "2001:db8::/32", "127.0.0.1", "192.0.2.7"]


@schemathesis.hook
def filter_case(context, case):
    # Reading the run's own token or owner is harmless; changing them is not. (Rolling
    # "self" would roll the run's token: that operation is left out of the run.)
    if case.method.upper() == "GET":
        return True
    values = (case.path_parameters or {}).values()
    return not any(str(value) in PROTECTED for value in values)


def grantable(items):
    """Each well-shaped permission the token may not grant becomes one it may (chosen by
    its length, so that runs repeat)."""
    if not isinstance(items, list):
        return items
    swap = lambda i: isinstance(i, str) and SHAPE.fullmatch(i) and i not in GRANTABLE
    return [GRANTABLE[len(i) % len(GRANTABLE)] if swap(i) else i for i in items]


def in_the_future(text):
    try:
        when = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return text
    now = datetime.datetime.now(datetime.timezone.utc)
    if when.tzinfo is None or when > now + datetime.timedelta(minutes=1):
        return text
    return (now + datetime.timedelta(days=30)).isoformat()


@schemathesis.hook
def map_case(context, case):
    meta = case.meta
    if meta is not None and not meta.generation.mode.is_positive:
        return case
    body = case.body
    if not isinstance(body, dict):
        return case
    body = dict(body)
    for field in ("scopes", "permissions"):
        if field in body:
            body[field] = grantable(body[field])
    for field, known in (("role_id", ROLE_IDS), ("owner_id", USER_IDS)):
        value = body.get(field)
        if type(value) in (int, float) and value not in known:
            body[field] = known[int(value) % len(known)]
    if isinstance(body.get("expires_at"), str):
        body["expires_at"] = in_the_future(body["expires_at"])
    if isinstance(body.get("url"), str):
        # Nothing listens on port 9: deliveries to it are refused and retried, harmlessly.
        body["url"] = "http://127.0.0.1:9/hooks"
    if isinstance(body.get("allowed_ips"), list):
        body["allowed_ips"] = [ALLOWED[len(str(i)) % len(ALLOWED)] for i in body["allowed_ips"]]
    if case.path.endswith("/roll"):
        # A roll may only narrow the old token's scopes and addresses, and never lengthen
        # its life, which the run cannot know: it keeps them (and the old lifetime).
        body.pop("scopes", None)
        body.pop("allowed_ips", None)
        body.pop("expires_at", None)
        body.pop("never_expires", None)
    if "display_name" in body and "role_id" in body:
        # A new user: people need an email and a password, service accounts have none.
        if body.get("kind") == "service":
            body.pop("password", None)
        else:
            body["password"] = STRONG_PASSWORD
            if not isinstance(body.get("email"), str):
                body["email"] = "person@example.com"
    case.body = body
    return case
