-- Rolling a token: a new token takes its place, and the old one keeps working for an
-- overlap window (its expiry is brought forward to the window's end), then is refused
-- as "replaced". The new token's row is `replaced_by`.
ALTER TABLE api_tokens
    ADD COLUMN replaced_by BIGINT REFERENCES api_tokens (id) ON DELETE SET NULL,
    ADD COLUMN replaced_at TIMESTAMPTZ,
    -- The addresses and CIDR ranges a token may be used from (canonical text, e.g.
    -- 10.0.4.0/24, 2001:db8::/32); empty for anywhere. Fixed at creation, like scopes.
    ADD COLUMN allowed_ips TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX api_tokens_replaced_by_idx ON api_tokens (replaced_by) WHERE replaced_by IS NOT NULL;

-- A roll changes what verification answers (replaced, not expired), so it is watched
-- like the rest: the trigger of 0009 is made anew with `replaced_at` among its columns.
DROP TRIGGER api_tokens_verifier_update ON api_tokens;
CREATE TRIGGER api_tokens_verifier_update
    AFTER UPDATE OF revoked_at, name, expires_at, scopes, owner_id, replaced_at ON api_tokens
    FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.scopes IS DISTINCT FROM NEW.scopes OR OLD.owner_id IS DISTINCT FROM NEW.owner_id
          OR OLD.replaced_at IS DISTINCT FROM NEW.replaced_at)
    EXECUTE FUNCTION latchkey_verifier_notice();

-- Requests refused because they came from an address the token's allowlist does not
-- admit, counted per day beside the requests served.
ALTER TABLE token_usage_daily ADD COLUMN refused BIGINT NOT NULL DEFAULT 0;

-- Who uses each token: the last distinct client addresses and user agents (ten kept per
-- token), with when each was first and last seen and how many requests it made. Written
-- in batches with the daily counts.
CREATE TABLE token_clients (
    token_id   BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    addr       TEXT NOT NULL,
    user_agent TEXT NOT NULL,
    first_seen TIMESTAMPTZ NOT NULL,
    last_seen  TIMESTAMPTZ NOT NULL,
    requests   BIGINT NOT NULL,
    PRIMARY KEY (token_id, addr, user_agent)
);
CREATE INDEX token_clients_recent_idx ON token_clients (token_id, last_seen DESC);

-- When each scope of a token was last needed by a request (the scope the operation
-- states, or the gateway asks for): what least privilege is judged by.
CREATE TABLE token_scope_use (
    token_id  BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    scope     TEXT NOT NULL,
    last_used TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (token_id, scope)
);
