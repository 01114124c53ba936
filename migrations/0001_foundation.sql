-- Roles carry permissions (`<module>:read`, `<module>:write`, `tokens:admin`,
-- `tokens:introspect`, or `*` for every permission).
CREATE TABLE roles (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    permissions TEXT[] NOT NULL DEFAULT '{}',
    builtin     BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT roles_name_key UNIQUE (name)
);

INSERT INTO roles (name, description, permissions, builtin) VALUES
    ('Administrator', 'Every permission: users, roles, modules, the audit log and every token.',
        '{*}', true),
    ('Member', 'May create, list and revoke API tokens for themselves.',
        '{tokens:read,tokens:write}', true),
    ('Auditor', 'Read-only: users, roles, tokens and the audit log.',
        '{users:read,roles:read,tokens:read,audit:read}', true);

-- People sign in with a password; service accounts have none and exist to own
-- integration tokens.
CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT,
    display_name  TEXT NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('human', 'service')),
    active        BOOLEAN NOT NULL DEFAULT true,
    password_hash TEXT,
    role_id       BIGINT NOT NULL REFERENCES roles (id),
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CHECK (kind = 'service' OR (email IS NOT NULL AND password_hash IS NOT NULL)),
    CHECK (kind = 'human' OR password_hash IS NULL)
);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));
CREATE INDEX users_role_id_idx ON users (role_id);

-- Console sessions. Only the SHA-256 digest of the cookie's random value is kept.
CREATE TABLE sessions (
    digest       BYTEA PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    client_addr  TEXT
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Failed sign-in attempts, by account and by client address, for the throttle.
CREATE TABLE sign_in_failures (
    key TEXT NOT NULL,
    at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_failures_key_at_idx ON sign_in_failures (key, at);

-- Every change, and every sign-in. Never a secret.
CREATE TABLE audit_events (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at            TIMESTAMPTZ NOT NULL DEFAULT now(),
    actor_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    target        TEXT,
    client_addr   TEXT,
    details       JSONB NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at_idx ON audit_events (at DESC, id DESC);
