-- Modules: what scopes and permissions are about. Administrators may add their own.
CREATE TABLE modules (
    slug        TEXT PRIMARY KEY CHECK (slug ~ '^[a-z][a-z0-9-]{1,31}$'),
    description TEXT NOT NULL DEFAULT '',
    builtin     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO modules (slug, description, builtin) VALUES
    ('tokens', 'API tokens', true),
    ('users', 'Users and service accounts', true),
    ('roles', 'Roles, their permissions, and modules', true),
    ('audit', 'The audit log', true);

-- API tokens. Only the SHA-256 digest of the secret is kept, never the plaintext.
CREATE TABLE api_tokens (
    id             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id      TEXT NOT NULL,
    secret_digest  BYTEA NOT NULL,
    name           TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    owner_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_by     BIGINT REFERENCES users (id) ON DELETE SET NULL,
    scopes         TEXT[] NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    expires_at     TIMESTAMPTZ,
    last_used_at   TIMESTAMPTZ,
    last_used_addr TEXT,
    revoked_at     TIMESTAMPTZ,
    revoked_by     TEXT,
    CONSTRAINT api_tokens_public_id_key UNIQUE (public_id)
);
-- A name is unique among one owner's live (not revoked) tokens.
CREATE UNIQUE INDEX api_tokens_owner_name_key ON api_tokens (owner_id, lower(name))
    WHERE revoked_at IS NULL;
CREATE INDEX api_tokens_owner_idx ON api_tokens (owner_id, id DESC);

-- Which token acted, when a token acted.
ALTER TABLE audit_events ADD COLUMN actor_token TEXT;
CREATE INDEX audit_events_target_idx ON audit_events (target);
