-- Captures, voids and refunds the service owes the payment provider (see
-- permit.PaymentRetry), kept until the provider has done them. The id is
-- the call's idempotency key. Money is TEXT with two places; instants are
-- TEXT in UTC as in the first schema.
--
-- payment_retries_due serves the due jobs (pending, by next attempt) and
-- payment_retries_pending the officers' list (pending, oldest first);
-- both leave out the done ones, nearly all of them. status leads, as in
-- the permits' partial indexes, so that SQLite's planner sees an equality
-- and a range.

-- +goose Up
CREATE TABLE payment_retries (
    id               TEXT PRIMARY KEY,
    op               TEXT NOT NULL,
    payment_id       TEXT NOT NULL,
    amount           TEXT NOT NULL,
    permit_id        TEXT NOT NULL,
    account_id       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL,
    last_error       TEXT NOT NULL,
    next_attempt_at  TEXT,
    created_at       TEXT,
    updated_at       TEXT,
    version          INTEGER NOT NULL
) STRICT;
CREATE INDEX payment_retries_due ON payment_retries (status, next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX payment_retries_pending ON payment_retries (status, created_at, id)
    WHERE status = 'pending';
