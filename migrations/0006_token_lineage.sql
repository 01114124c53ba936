-- A token made by a token records its parent: it never outlives it and is revoked with it.
ALTER TABLE api_tokens ADD COLUMN parent_id BIGINT REFERENCES api_tokens (id) ON DELETE SET NULL;
CREATE INDEX api_tokens_parent_idx ON api_tokens (parent_id) WHERE parent_id IS NOT NULL;
-- The tokens a user made, for revoking them when the user is disabled or deleted.
CREATE INDEX api_tokens_created_by_idx ON api_tokens (created_by) WHERE revoked_at IS NULL;
