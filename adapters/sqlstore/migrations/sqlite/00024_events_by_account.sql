-- Issue 19: the events about an account (its own, its permits' and its
-- address changes'), in feed order, for a subject access export and the
-- record of which officer looked at it (permit.ReadTx.EventsOfAccount).

-- +goose Up
CREATE INDEX IF NOT EXISTS events_by_account ON events (account_id, id);
