-- The verifier's cache of verified tokens is kept true by notices sent in the same
-- transaction as each change that affects a verification (delivered on commit): a token
-- revoked, renamed, given another expiry or deleted; a user disabled, enabled, renamed, moved to another role or
-- deleted; a role's permissions changed or the role deleted; a module deleted. Triggers
-- send them, so no path that changes these rows (the console, the API, the command line,
-- an administrator's SQL) can leave an instance's cache stale. New tokens are announced
-- the same way.
CREATE FUNCTION latchkey_verifier_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'api_tokens' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM pg_notify('latchkey_verifier',
                'created ' || NEW.public_id || ' ' || encode(NEW.secret_digest, 'hex'));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM pg_notify('latchkey_verifier', 'deleted ' || OLD.id || ' ' || OLD.public_id);
        ELSIF NEW.revoked_at IS NOT NULL AND OLD.revoked_at IS NULL THEN
            PERFORM pg_notify('latchkey_verifier', 'revoked ' || OLD.id || ' ' || OLD.public_id);
        ELSE
            PERFORM pg_notify('latchkey_verifier', 'token ' || OLD.id);
        END IF;
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('latchkey_verifier', 'owner ' || OLD.id);
    ELSIF TG_TABLE_NAME = 'roles' THEN
        PERFORM pg_notify('latchkey_verifier', 'role ' || OLD.id);
    ELSE
        PERFORM pg_notify('latchkey_verifier', 'all');
    END IF;
    RETURN NULL;
END
$$;

-- A token's secret digest never changes (a token is revoked and replaced, never edited);
-- everything else verification reads is watched.
CREATE TRIGGER api_tokens_verifier_update
    AFTER UPDATE OF revoked_at, name, expires_at, scopes, owner_id ON api_tokens
    FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.expires_at IS DISTINCT FROM NEW.expires_at
          OR OLD.scopes IS DISTINCT FROM NEW.scopes OR OLD.owner_id IS DISTINCT FROM NEW.owner_id)
    EXECUTE FUNCTION latchkey_verifier_notice();
CREATE TRIGGER api_tokens_verifier_delete AFTER DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION latchkey_verifier_notice();
-- New tokens are announced too, with their secret's digest: each instance keeps the ids
-- and digests that exist, so that a made-up id or a wrong secret is refused without a
-- query.
CREATE TRIGGER api_tokens_verifier_insert AFTER INSERT ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION latchkey_verifier_notice();

CREATE TRIGGER users_verifier_update AFTER UPDATE OF active, role_id, display_name, email ON users
    FOR EACH ROW
    WHEN (OLD.active IS DISTINCT FROM NEW.active OR OLD.role_id IS DISTINCT FROM NEW.role_id
          OR OLD.display_name IS DISTINCT FROM NEW.display_name
          OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION latchkey_verifier_notice();
CREATE TRIGGER users_verifier_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION latchkey_verifier_notice();

CREATE TRIGGER roles_verifier_update AFTER UPDATE OF permissions ON roles
    FOR EACH ROW WHEN (OLD.permissions IS DISTINCT FROM NEW.permissions)
    EXECUTE FUNCTION latchkey_verifier_notice();
CREATE TRIGGER roles_verifier_delete AFTER DELETE ON roles
    FOR EACH ROW EXECUTE FUNCTION latchkey_verifier_notice();

CREATE TRIGGER modules_verifier_delete AFTER DELETE ON modules
    FOR EACH STATEMENT EXECUTE FUNCTION latchkey_verifier_notice();

-- Each running instance's heartbeat: how revocation receipts know whom to wait for.
CREATE TABLE verifier_instances (
    id         TEXT PRIMARY KEY,
    started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_seen  TIMESTAMPTZ NOT NULL DEFAULT now()
);
