-- A new canary is announced as one ('created <id> <digest> canary'), so that every
-- listening instance answers its use from memory, exactly as it answers a wrong secret.
CREATE OR REPLACE FUNCTION latchkey_verifier_notice() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'api_tokens' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM pg_notify('latchkey_verifier',
                'created ' || NEW.public_id || ' ' || encode(NEW.secret_digest, 'hex')
                || CASE WHEN NEW.canary THEN ' canary' ELSE '' END);
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
