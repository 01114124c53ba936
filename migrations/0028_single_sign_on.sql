-- Single sign-on with OpenID Connect.

-- A sign-in sent to the identity provider and not yet back: what its answer must carry
-- (the state, looked up by its digest), whose browser it must come back to (the digest
-- of a cookie set when it started), and what finishing it needs (the nonce the ID token
-- must name, the PKCE verifier). Each is used once, within ten minutes.
CREATE TABLE sso_attempts (
    state_digest   BYTEA PRIMARY KEY,
    browser_digest BYTEA NOT NULL,
    nonce          TEXT NOT NULL,
    pkce_verifier  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX sso_attempts_created_at_idx ON sso_attempts (created_at);

-- Who a person is at an identity provider: its issuer and their subject there. Found
-- by these at each sign-in; made at the first (a new person, or one linked by a
-- verified e-mail address).
CREATE TABLE user_identities (
    issuer          TEXT NOT NULL,
    subject         TEXT NOT NULL,
    user_id         BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_sign_in_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_id_idx ON user_identities (user_id);

-- The identity provider's groups whose members hold a role (when a roles claim is set).
ALTER TABLE roles ADD COLUMN sso_groups TEXT[] NOT NULL DEFAULT '{}';
