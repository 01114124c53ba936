-- Repeated refusals (a throttled sign-in, say) are audited once per key and window:
-- until `until`, further refusals for `key` write no row.
CREATE TABLE audit_quiet (
    key   TEXT PRIMARY KEY,
    until TIMESTAMPTZ NOT NULL
);
