-- The console's sign-in policy, set on its Settings page: the `settings` module gives the
-- `settings:read` / `settings:write` permissions (the built-in Administrator holds them).
INSERT INTO modules (slug, description, builtin)
VALUES ('settings', 'The console''s sign-in policy: single sign-on, session length', true)
ON CONFLICT (slug) DO NOTHING;

-- One row. A session length left NULL is the one the server was started with
-- (LATCHKEY_SESSION_IDLE_MINUTES, LATCHKEY_SESSION_MAX_DAYS).
CREATE TABLE sign_in_policy (
    id                   BOOLEAN PRIMARY KEY DEFAULT true CHECK (id),
    require_sso          BOOLEAN NOT NULL DEFAULT false,
    break_glass          TEXT[] NOT NULL DEFAULT '{}',
    session_idle_minutes INTEGER CHECK (session_idle_minutes BETWEEN 1 AND 43200),
    session_max_days     INTEGER CHECK (session_max_days BETWEEN 1 AND 365),
    updated_at           TIMESTAMPTZ NOT NULL DEFAULT now()
);
INSERT INTO sign_in_policy DEFAULT VALUES;
