-- The simulated gateway's payments, the answers it gave per idempotency
-- key, and its ledger of every movement. Money is TEXT (a decimal string,
-- never a float); instants are unix milliseconds.

-- +goose Up
CREATE TABLE fakepay_payments (
    id          TEXT COLLATE "C" PRIMARY KEY,
    status      TEXT NOT NULL,
    amount      TEXT NOT NULL,
    refunded    TEXT NOT NULL,
    account_id  TEXT NOT NULL,
    permit_id   TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- One row per idempotency key: the operation and what it answered, a
-- payment (payment_id set) or a refusal (error_kind set).
CREATE TABLE fakepay_results (
    key         TEXT COLLATE "C" PRIMARY KEY,
    op          TEXT NOT NULL,
    payment_id  TEXT,
    status      TEXT NOT NULL DEFAULT '',
    amount      TEXT NOT NULL DEFAULT '0',
    refunded    TEXT NOT NULL DEFAULT '0',
    error_kind  TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT ''
);

CREATE TABLE fakepay_ledger (
    seq         BIGSERIAL PRIMARY KEY,
    payment_id  TEXT NOT NULL,
    op          TEXT NOT NULL,
    amount      TEXT NOT NULL,
    key         TEXT NOT NULL
);
