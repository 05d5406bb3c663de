-- Instants become text, "2006-01-02T15:04:05.000000Z" (UTC, fixed width,
-- so text order is time order), as adapters/sqlstore keeps them in the
-- same database; "none", which was 0, becomes NULL. SQLite cannot change
-- a column's type, so both tables are made anew and the rows copied:
-- deliveries first into a table that refers to the new endpoints table,
-- so dropping the old endpoints cascades to nothing, and the renames then
-- carry the reference along. The deliveries' AUTOINCREMENT counter is
-- kept, so an ID is still never reused.

-- +goose Up
CREATE TABLE webhook_endpoints_new (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    event_types     TEXT NOT NULL DEFAULT '', -- comma-separated filters; '' for every event
    secret          TEXT NOT NULL,            -- the HMAC key itself: signing needs it
    created_at      TEXT NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,              -- NULL when the request had none
    request_hash    TEXT NOT NULL DEFAULT ''
);
INSERT INTO webhook_endpoints_new (id, url, description, event_types, secret, created_at, created_by, idempotency_key, request_hash)
SELECT id, url, description, event_types, secret,
       strftime('%Y-%m-%dT%H:%M:%f', created_at / 1000.0, 'unixepoch') || '000Z',
       created_by, idempotency_key, request_hash
FROM webhook_endpoints;

CREATE TABLE webhook_deliveries_new (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints_new (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    permit_id        TEXT NOT NULL DEFAULT '',
    account_id       TEXT NOT NULL DEFAULT '',
    order_key        TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT,
    lease_until      TEXT,
    lease_token      TEXT NOT NULL DEFAULT '',
    last_attempt_at  TEXT,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     TEXT,
    created_at       TEXT NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
INSERT INTO webhook_deliveries_new (id, endpoint_id, event_id, event_type, permit_id, account_id, order_key, body, status,
    attempts, next_attempt_at, lease_until, lease_token, last_attempt_at, last_status_code, last_error, delivered_at, created_at)
SELECT id, endpoint_id, event_id, event_type, permit_id, account_id, order_key, body, status, attempts,
       CASE WHEN next_attempt_at = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f', next_attempt_at / 1000.0, 'unixepoch') || '000Z' END,
       CASE WHEN lease_until = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f', lease_until / 1000.0, 'unixepoch') || '000Z' END,
       lease_token,
       CASE WHEN last_attempt_at = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f', last_attempt_at / 1000.0, 'unixepoch') || '000Z' END,
       last_status_code, last_error,
       CASE WHEN delivered_at = 0 THEN NULL ELSE strftime('%Y-%m-%dT%H:%M:%f', delivered_at / 1000.0, 'unixepoch') || '000Z' END,
       strftime('%Y-%m-%dT%H:%M:%f', created_at / 1000.0, 'unixepoch') || '000Z'
FROM webhook_deliveries
WHERE endpoint_id IN (SELECT id FROM webhook_endpoints);
DELETE FROM sqlite_sequence WHERE name = 'webhook_deliveries_new';
INSERT INTO sqlite_sequence (name, seq) SELECT 'webhook_deliveries_new', seq FROM sqlite_sequence WHERE name = 'webhook_deliveries';

DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
ALTER TABLE webhook_endpoints_new RENAME TO webhook_endpoints;
ALTER TABLE webhook_deliveries_new RENAME TO webhook_deliveries;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, order_key, id) WHERE status <> 'delivered';
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (endpoint_id, status, id);
CREATE INDEX webhook_deliveries_purge ON webhook_deliveries (delivered_at) WHERE status = 'delivered';
