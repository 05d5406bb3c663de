-- Issue 19: a subject access export lists the messages sent to an
-- account holder (Outbox.MessagesTo), so each message names its account
-- in a column of its own, indexed, filled for the messages recorded
-- before from the message itself.

-- +goose Up
ALTER TABLE notify_outbox ADD COLUMN account_id TEXT NOT NULL DEFAULT '';
UPDATE notify_outbox SET account_id = COALESCE(json_extract(message, '$.AccountID'), '');
CREATE INDEX notify_outbox_by_account ON notify_outbox (account_id, created_at, id);
