-- A quiet window remembers the event it let through, so that what it keeps quiet is
-- counted on that event (`details.repeated`) instead of being written again.
ALTER TABLE audit_quiet ADD COLUMN event_id BIGINT;
