-- Issue 16: the messages to residents, recorded in the transaction of the
-- change they report (permit.RecordedMessage), so that a crash after the
-- commit cannot lose one; a sender (adapters/notifyoutbox) takes the due
-- ones and records what happened, and the provider's receipts record the
-- delivery. message is the permit.Message as JSON (recipient, data);
-- instants are TEXT in UTC as in the first schema.
--
-- accounts.message_failure is the last message the provider could not
-- deliver for good, as JSON, shown to officers; '' for none.

-- +goose Up
CREATE TABLE messages (
    id              TEXT PRIMARY KEY,
    account_id      TEXT NOT NULL,
    permit_id       TEXT NOT NULL,
    kind            TEXT NOT NULL,
    channel         TEXT NOT NULL,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL,
    attempts        INTEGER NOT NULL,
    last_error      TEXT NOT NULL,
    next_attempt_at TEXT,
    delivery        TEXT NOT NULL,
    delivered_at    TEXT,
    created_at      TEXT,
    updated_at      TEXT,
    version         INTEGER NOT NULL
) STRICT;
CREATE INDEX messages_due ON messages (status, next_attempt_at, id)
    WHERE status = 'pending';
CREATE INDEX messages_by_account ON messages (account_id, created_at, id);
ALTER TABLE accounts ADD COLUMN message_failure TEXT NOT NULL DEFAULT '';
