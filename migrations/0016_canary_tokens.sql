-- Canary tokens: never authorize anything, exist to be found. Any use is answered like an
-- invalid token, and fires `canary.triggered`.
ALTER TABLE api_tokens
    ADD COLUMN canary BOOLEAN NOT NULL DEFAULT false,
    ADD COLUMN canary_triggered_at TIMESTAMPTZ;
