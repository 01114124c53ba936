-- A token's name is unique among its owner's live tokens: neither revoked nor expired.
-- A unique index cannot see the clock, so creation checks the name while it holds the
-- owner's row lock (see `users::owner_for_update`); this index keeps that check fast.
DROP INDEX api_tokens_owner_name_key;
CREATE INDEX api_tokens_owner_name_idx ON api_tokens (owner_id, lower(name))
    WHERE revoked_at IS NULL;
