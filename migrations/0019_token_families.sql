-- Token families: every token rolled from another belongs to the family of the first
-- (`family_id`, the first token's id) and names the token it replaces (`replaces`).
-- Revoking any member, a leak report against one, or a use of one after its overlap
-- window revokes the whole family and everything its members made, as refresh-token
-- reuse detection does in OAuth. A successor's `created_by` is the family's creator, so
-- offboarding a creator finds every generation.
ALTER TABLE api_tokens
    ADD COLUMN family_id BIGINT,
    ADD COLUMN replaces BIGINT REFERENCES api_tokens (id) ON DELETE SET NULL;

UPDATE api_tokens n SET replaces = o.id FROM api_tokens o WHERE o.replaced_by = n.id;

WITH RECURSIVE chain (id, root) AS (
    SELECT id, id FROM api_tokens WHERE replaces IS NULL
    UNION ALL
    SELECT t.id, c.root FROM api_tokens t JOIN chain c ON t.replaces = c.id
)
UPDATE api_tokens t SET family_id = c.root FROM chain c WHERE t.id = c.id;
UPDATE api_tokens SET family_id = id WHERE family_id IS NULL;

UPDATE api_tokens t SET created_by = root.created_by
FROM api_tokens root
WHERE root.id = t.family_id AND t.id <> root.id
  AND t.created_by IS DISTINCT FROM root.created_by;

-- A new token starts its own family unless it is given one (a roll gives the old one's).
CREATE FUNCTION latchkey_token_family() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.family_id := COALESCE(NEW.family_id, NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER api_tokens_family BEFORE INSERT ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION latchkey_token_family();

ALTER TABLE api_tokens ALTER COLUMN family_id SET NOT NULL;
CREATE INDEX api_tokens_family_idx ON api_tokens (family_id);
