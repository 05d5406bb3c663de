-- Issue 18: under permitd's --test-clock, every message the server sends
-- is also kept here (GET /v1/test-clock/outbox), so that an evaluation
-- script reads a sign-in code without a mail server. Evaluation only: a
-- council's server never fills it.

-- +goose Up
CREATE TABLE evaluation_outbox (
    seq        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         TEXT COLLATE "C" NOT NULL,
    kind       TEXT COLLATE "C" NOT NULL,
    channel    TEXT COLLATE "C" NOT NULL,
    to_address TEXT COLLATE "C" NOT NULL,
    sent_at    TIMESTAMPTZ NOT NULL,
    data       TEXT NOT NULL
);
CREATE INDEX evaluation_outbox_by_address ON evaluation_outbox (to_address, seq);
