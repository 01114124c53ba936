-- Provisioning from an identity provider (SCIM 2.0): the `scim` module gives the
-- `scim:read` / `scim:write` permissions and scopes.
INSERT INTO modules (slug, description, builtin)
VALUES ('scim', 'Provisioning people and groups from an identity provider (SCIM 2.0)', true)
ON CONFLICT (slug) DO NOTHING;

-- What the directory knows a person by, their name in parts, and when the directory
-- deleted them: such a person stays, disabled, for the audit log's sake, but the directory
-- no longer sees them (and provisioning the same address again brings them back, with
-- none of their old tokens).
ALTER TABLE users
    ADD COLUMN external_id TEXT,
    ADD COLUMN given_name  TEXT,
    ADD COLUMN family_name TEXT,
    ADD COLUMN left_directory_at TIMESTAMPTZ;
CREATE UNIQUE INDEX users_external_id_key ON users (external_id) WHERE external_id IS NOT NULL;

-- People a directory provisions sign in through it: they may have no password (and then
-- password sign-in refuses them). A person still needs an e-mail address.
DO $$
DECLARE
    c TEXT;
BEGIN
    FOR c IN
        SELECT conname FROM pg_constraint
        WHERE conrelid = 'users'::regclass AND contype = 'c'
          AND pg_get_constraintdef(oid) LIKE '%password_hash IS NOT NULL%'
    LOOP
        EXECUTE format('ALTER TABLE users DROP CONSTRAINT %I', c);
    END LOOP;
END $$;
ALTER TABLE users ADD CONSTRAINT users_person_has_email CHECK (kind = 'service' OR email IS NOT NULL);

-- A group in the directory is a role here.
ALTER TABLE roles ADD COLUMN external_id TEXT;
CREATE UNIQUE INDEX roles_external_id_key ON roles (external_id) WHERE external_id IS NOT NULL;
