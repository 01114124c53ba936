-- The token list's name filter ("contains", any case) answers from a trigram index at any
-- number of tokens; pg_trgm ships with PostgreSQL and is a trusted extension (a database
-- owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX api_tokens_name_trgm ON api_tokens USING gin (name gin_trgm_ops);
