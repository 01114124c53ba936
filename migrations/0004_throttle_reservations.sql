-- An attempt is reserved (as a failure) before its password is checked, and the
-- reservation is taken back when the password was right: rows need an id for that.
ALTER TABLE sign_in_failures ADD COLUMN id BIGINT GENERATED ALWAYS AS IDENTITY;
