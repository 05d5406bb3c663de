-- Captures, voids and refunds the service owes the payment provider (see
-- permit.PaymentRetry), kept until the provider has done them. The id is
-- the call's idempotency key. Money is NUMERIC(12,2); instants are
-- TIMESTAMPTZ, as in the first schema.
--
-- payment_retries_due serves the due jobs (pending, by next attempt) and
-- payment_retries_pending the officers' list (pending, oldest first);
-- both leave out the done ones, nearly all of them.

-- +goose Up
CREATE TABLE payment_retries (
    id               TEXT COLLATE "C" PRIMARY KEY,
    op               TEXT COLLATE "C" NOT NULL,
    payment_id       TEXT NOT NULL,
    amount           NUMERIC(12,2) NOT NULL,
    permit_id        TEXT COLLATE "C" NOT NULL,
    account_id       TEXT COLLATE "C" NOT NULL,
    status           TEXT COLLATE "C" NOT NULL,
    attempts         INTEGER NOT NULL,
    last_error       TEXT NOT NULL,
    next_attempt_at  TIMESTAMPTZ,
    created_at       TIMESTAMPTZ,
    updated_at       TIMESTAMPTZ,
    version          INTEGER NOT NULL
);
CREATE INDEX payment_retries_due ON payment_retries (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX payment_retries_pending ON payment_retries (created_at, id)
    WHERE status = 'pending';
