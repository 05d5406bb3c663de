-- Issue 16: the messages to residents, recorded in the transaction of the
-- change they report (permit.RecordedMessage), so that a crash after the
-- commit cannot lose one; a sender (adapters/notifyoutbox) takes the due
-- ones and records what happened, and the provider's receipts record the
-- delivery. message is the permit.Message as JSON (recipient, data);
-- instants are TIMESTAMPTZ as in the first schema.
--
-- accounts.message_failure is the last message the provider could not
-- deliver for good, as JSON, shown to officers; '' for none.

-- +goose Up
CREATE TABLE messages (
    id              TEXT COLLATE "C" PRIMARY KEY,
    account_id      TEXT COLLATE "C" NOT NULL,
    permit_id       TEXT COLLATE "C" NOT NULL,
    kind            TEXT COLLATE "C" NOT NULL,
    channel         TEXT COLLATE "C" NOT NULL,
    message         TEXT NOT NULL,
    status          TEXT COLLATE "C" NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    next_attempt_at TIMESTAMPTZ,
    delivery        TEXT COLLATE "C" NOT NULL,
    delivered_at    TIMESTAMPTZ,
    created_at      TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ,
    version         INTEGER NOT NULL
);
CREATE INDEX messages_due ON messages (next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX messages_by_account ON messages (account_id, created_at, id);
ALTER TABLE accounts ADD COLUMN message_failure TEXT NOT NULL DEFAULT '';
