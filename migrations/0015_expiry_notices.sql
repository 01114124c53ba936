-- Which expiry events each token has had: `30`, `7` and `1` (days before its expiry) and
-- `expired`, each at most once.
CREATE TABLE token_expiry_notices (
    token_id BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    notice   TEXT NOT NULL CHECK (notice IN ('30', '7', '1', 'expired')),
    sent_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (token_id, notice)
);
