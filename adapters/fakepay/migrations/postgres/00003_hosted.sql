-- Payments on the simulated provider's hosted page (permit.HostedPayments):
-- one row per payment, found by its id, by the idempotency key that
-- created it and by the secret token of its next_url. Money is TEXT (a
-- decimal string); instants are TIMESTAMPTZ as in 00002.

-- +goose Up
CREATE TABLE fakepay_hosted (
    id              TEXT PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    request         TEXT NOT NULL,
    token           TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL,
    failure         TEXT NOT NULL DEFAULT '',
    amount          TEXT NOT NULL,
    refunded        TEXT NOT NULL DEFAULT '0',
    delayed_capture INTEGER NOT NULL,
    return_url      TEXT NOT NULL,
    description     TEXT NOT NULL,
    account_id      TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL
);
