-- Tokens reported as leaked (by a secret scanner): when, and where they were found.
ALTER TABLE api_tokens
    ADD COLUMN leaked_at TIMESTAMPTZ,
    ADD COLUMN leak_url TEXT;
