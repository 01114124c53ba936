-- A person sees their sessions (where, in which browser) and ends any of them by id;
-- the digest stays the server's secret.
ALTER TABLE sessions ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY;
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
CREATE UNIQUE INDEX sessions_id_key ON sessions (id);
