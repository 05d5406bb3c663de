-- The messages to residents waiting to be sent (issue 16: sending never
-- slows the request that caused it). A request records its message here;
-- the sender hands it to the provider (GOV.UK Notify) and records the
-- outcome: sent, failed for good (the provider refused it), or pending
-- again with the next attempt's time. Nothing is deleted unsent.

-- +goose Up
CREATE TABLE notify_outbox (
    id              TEXT PRIMARY KEY,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    done_at         TIMESTAMPTZ,
    last_error      TEXT NOT NULL
);
CREATE INDEX notify_outbox_due ON notify_outbox (next_attempt_at, id) WHERE status = 'pending';
