-- Issue 11: what guards an account, a property and a client address.
--
-- address_changes_by_account serves AddressChangesOfAccount: a resident
-- may have one address change pending at a time, so a new request reads
-- the account's changes first (and, SERIALIZABLE, locks only that
-- account's range against a concurrent request, not the whole table).
--
-- rate_limits holds the request counters of the HTTP API's rate limits
-- (account creation per client address, and the like): one row per key
-- and fixed window, so every server instance on the database counts the
-- same requests and a restart forgets nothing.

-- +goose Up
CREATE INDEX address_changes_by_account ON address_changes (account_id, created_at, id);

CREATE TABLE rate_limits (
    key          TEXT COLLATE "C" NOT NULL,
    window_start TIMESTAMPTZ NOT NULL,
    window_end   TIMESTAMPTZ NOT NULL,
    hits         INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_limits_by_end ON rate_limits (window_end);
