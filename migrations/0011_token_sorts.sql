-- The token list sorts by created (its id), last use (most recent first, never last) and
-- expiry (soonest first, never last). Each sort pages by (key, id), answered from these.
CREATE INDEX api_tokens_last_used_order
    ON api_tokens ((COALESCE(last_used_at, '-infinity'::timestamptz)) DESC, id DESC);
CREATE INDEX api_tokens_expires_order
    ON api_tokens ((COALESCE(expires_at, 'infinity'::timestamptz)), id);
