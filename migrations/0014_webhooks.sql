-- Webhooks: endpoints administrators register, and an outbox of events written in the
-- same transaction as the change they tell of, delivered by a worker (see
-- server/src/webhooks). `webhooks:read` / `webhooks:write` come with the module.
INSERT INTO modules (slug, description, builtin)
VALUES ('webhooks', 'Webhook endpoints and their deliveries', true)
ON CONFLICT (slug) DO NOTHING;

CREATE TABLE webhook_endpoints (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id   TEXT NOT NULL UNIQUE,
    url         TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    events      TEXT[] NOT NULL,
    -- The signing key (Standard Webhooks, `whsec_…`). HMAC needs the key itself, so it is
    -- kept, and shown to people only once, at registration.
    secret      TEXT NOT NULL,
    created_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The outbox: one row an event, whatever the number of endpoints.
CREATE TABLE webhook_events (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    public_id  TEXT NOT NULL UNIQUE,
    kind       TEXT NOT NULL,
    payload    JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- One delivery an event and subscribed endpoint. A worker takes the oldest pending
-- delivery of an endpoint (so one at a time per endpoint, in order) with
-- FOR UPDATE SKIP LOCKED, so that no two instances deliver the same one.
CREATE TABLE webhook_deliveries (
    id               BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id      BIGINT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         BIGINT NOT NULL REFERENCES webhook_events (id) ON DELETE CASCADE,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    last_attempt_at  TIMESTAMPTZ,
    last_status_code INT,
    last_error       TEXT,
    delivered_at     TIMESTAMPTZ,
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_pending_idx ON webhook_deliveries (endpoint_id, id)
    WHERE status = 'pending';
CREATE INDEX webhook_deliveries_recent_idx ON webhook_deliveries (endpoint_id, id DESC);
