-- Second factors: an authenticator app (TOTP, RFC 6238) and single-use recovery codes.

-- A person's authenticator app. Its secret must be read back to check a code, so it is
-- kept as it is (as webhook signing secrets are); `confirmed_at` is NULL until the person
-- has proved, with a first code, that their app holds it. `last_step` is the time step of
-- the last code accepted: a code is taken once, and never one older than it.
CREATE TABLE totp_factors (
    user_id      BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       BYTEA NOT NULL,
    confirmed_at TIMESTAMPTZ,
    last_step    BIGINT NOT NULL DEFAULT 0,
    created_at   TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- Ten single-use codes for when the app is lost. High-entropy (80 bits), so only their
-- SHA-256 digests are kept, as for tokens.
CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    digest  BYTEA NOT NULL,
    used_at TIMESTAMPTZ,
    PRIMARY KEY (user_id, digest)
);

-- A sign-in half done: the password (or the identity provider) was right, and the
-- person's second factor is awaited. Named by the digest of a cookie's random value,
-- taken once, short-lived, and ended after a few wrong codes.
CREATE TABLE sign_in_challenges (
    digest      BYTEA PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    method      TEXT NOT NULL CHECK (method IN ('password', 'single sign-on')),
    failures    INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sign_in_challenges_created_at_idx ON sign_in_challenges (created_at);

-- When the session's person last proved who they are (signing in, or again since): what
-- a dangerous action will ask to be recent.
ALTER TABLE sessions ADD COLUMN authenticated_at TIMESTAMPTZ NOT NULL DEFAULT now();

-- The sign-in policy: people whose role holds any of these permissions must have a second
-- factor, and are led to set one up before anything else.
ALTER TABLE sign_in_policy
    ADD COLUMN require_second_factor BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN second_factor_permissions TEXT[] NOT NULL
        DEFAULT '{tokens:admin,roles:write,users:write,settings:write}';

-- Who has a second factor set up (passkeys will join this list).
CREATE VIEW enrolled_factors AS
    SELECT user_id FROM totp_factors WHERE confirmed_at IS NOT NULL;
