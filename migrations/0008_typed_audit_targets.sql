-- What an event is about, by kind and id: a token's history is its own events only, even
-- where a user or role is named like its public id. `target` stays the label people read.
ALTER TABLE audit_events ADD COLUMN target_kind TEXT;
ALTER TABLE audit_events ADD COLUMN target_id TEXT;
UPDATE audit_events SET target_kind = 'token', target_id = target WHERE action LIKE 'token.%';
UPDATE audit_events SET target_kind = 'role', target_id = details->>'id' WHERE action LIKE 'role.%';
UPDATE audit_events SET target_kind = 'module', target_id = target WHERE action LIKE 'module.%';
UPDATE audit_events SET target_kind = 'user', target_id = details->>'id'
    WHERE action LIKE 'user.%' AND details ? 'id';
UPDATE audit_events SET target_kind = 'account', target_id = target WHERE target_kind IS NULL;
CREATE INDEX audit_events_target_kind_id_idx ON audit_events (target_kind, target_id, id DESC);
