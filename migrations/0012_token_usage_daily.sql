-- Requests per token per day (UTC), kept 90 days: what the token list's 30-day chart
-- draws. Counted in memory and added here in batches, with last_used_at.
CREATE TABLE token_usage_daily (
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    day      DATE NOT NULL,
    requests BIGINT NOT NULL,
    PRIMARY KEY (token_id, day)
);
