-- A delivery being sent is leased, not locked: the worker that takes it sets
-- `lease_until` and commits at once, so no database connection is held while a receiver
-- takes its time. Until the lease ends no other worker takes it, nor anything after it
-- for the same endpoint; should the instance die mid-attempt, another sends it again once
-- the lease is over (receivers dedupe by `webhook-id`).
ALTER TABLE webhook_deliveries ADD COLUMN lease_until TIMESTAMPTZ;
