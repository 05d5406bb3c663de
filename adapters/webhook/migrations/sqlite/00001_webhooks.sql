-- Webhook endpoints, the fan-out cursor and deliveries. Instants are unix
-- milliseconds (0 for none), so both dialects compare them the same way.

-- +goose Up
CREATE TABLE webhook_endpoints (
    id              TEXT PRIMARY KEY,
    url             TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    event_types     TEXT NOT NULL DEFAULT '', -- comma-separated filters; '' for every event
    secret          TEXT NOT NULL,            -- the HMAC key itself: signing needs it
    created_at      INTEGER NOT NULL,
    created_by      TEXT NOT NULL DEFAULT '',
    idempotency_key TEXT UNIQUE,              -- NULL when the request had none
    request_hash    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE webhook_cursor (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    position TEXT NOT NULL
);
INSERT INTO webhook_cursor (id, position) VALUES (1, '');

-- AUTOINCREMENT: an ID is never reused after a purge, so IDs keep
-- increasing in enqueue order, which is the delivery order.
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id      TEXT NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_id         TEXT NOT NULL,
    event_type       TEXT NOT NULL,
    permit_id        TEXT NOT NULL DEFAULT '',
    account_id       TEXT NOT NULL DEFAULT '',
    order_key        TEXT NOT NULL,
    body             TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_until      INTEGER NOT NULL DEFAULT 0,
    lease_token      TEXT NOT NULL DEFAULT '',
    last_attempt_at  INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    delivered_at     INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    UNIQUE (endpoint_id, event_id)
);
-- Claim: pending deliveries by due time, and the not-delivered ones of a
-- (endpoint, permit) group, which hold back the later ones.
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_open ON webhook_deliveries (endpoint_id, order_key, id) WHERE status <> 'delivered';
-- Listing by endpoint (and status), and purging old delivered ones.
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, id);
CREATE INDEX webhook_deliveries_status ON webhook_deliveries (endpoint_id, status, id);
CREATE INDEX webhook_deliveries_purge ON webhook_deliveries (delivered_at) WHERE status = 'delivered';

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_cursor;
DROP TABLE webhook_endpoints;
