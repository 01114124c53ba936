-- A signing secret is rotated with an overlap: until `previous_secret_until` each delivery
-- carries a signature with the new secret and one with the previous secret (Standard
-- Webhooks allows several, space-separated), so receivers switch keys without a gap.
ALTER TABLE webhook_endpoints
    ADD COLUMN previous_secret TEXT,
    ADD COLUMN previous_secret_until TIMESTAMPTZ;
